// A link's profile, measured when a board is opened: the round trip of a small request and the
// rate a burst of pings moves. The session's deadlines and the planner's link cost then come from
// the link actually opened, not from the hello's baud (which, behind a BLE companion or a network
// agent, is only the board's UART). A serial link's rate is the UART's, which the host sets:
// there the hello's baud stands and only the latency is measured.

import type { LinkDuplex } from '../link/registry.js';
import type { LinkProfile } from '../link/byte-link.js';
import { cobsMaxEncodedLength } from '../proto/index.js';
import type { BoardSession } from './session.js';

/** A burst shorter than this is too short to time on a loaded machine: it grows 4x until it is not. */
export const BURST_MIN_MS = 150;
/** The most bytes one way a burst may move (an unpaced link reaches it at once). */
export const BURST_MAX_BYTES = 256 * 1024;
/** Payload of each ping of a burst, at most (the board's max_payload bounds it too): bulk-sized, as tensors move. */
const PING_BYTES = 4096;
/** Bursts timed once the size is right; the fastest counts (a busy host only ever slows one down). */
const BURSTS = 3;
/** Small pings for the latency; their median counts. */
const LATENCY_PINGS = 3;
/** Deadline of each probe ping, ms: a slow BLE link (4 KB/s) takes a second for a full window. */
const PROBE_TIMEOUT_MS = 15_000;
/** Header and CRC around a ping's payload (PROTOCOL.md 2), before COBS. */
const FRAME_BYTES = 16;

/** Median round trip of a few empty pings, ms. */
async function latency(session: BoardSession): Promise<number> {
  const rtts: number[] = [];
  for (let i = 0; i < LATENCY_PINGS; i++) rtts.push((await session.ping(0, { timeoutMs: PROBE_TIMEOUT_MS })).rttMs);
  return rtts.sort((a, b) => a - b)[Math.floor(rtts.length / 2)]!;
}

/**
 * Wire bytes per second from a burst of `n` pings of `wire` bytes each way that took `ms` beyond
 * one small round trip. Full duplex: the echoes flow while later pings go down, so the burst is
 * n + 1 ping times on one direction; half duplex: every byte both ways takes its turn.
 */
export function burstRate(duplex: LinkDuplex, n: number, wire: number, ms: number): number {
  const bytes = duplex === 'half' ? 2 * n * wire : (n + 1) * wire;
  return (bytes * 1000) / Math.max(ms, 0.001);
}

/**
 * The best each location measured in this process: the highest rate, the lowest latency. A busy
 * host only ever slows a measurement down, so runs that open the same boards again (compare's
 * policies, a board that rejoins) plan with the same link, not with this moment's load.
 */
const best = new Map<string, LinkProfile>();

/** Measures the link under `session` (it must be idle) and keeps the best seen at `location`. */
export async function profileLink(session: BoardSession, location: string, duplex: LinkDuplex, kind: 'serial' | 'other'): Promise<LinkProfile | undefined> {
  const now = await measureLinkProfile(session, duplex, kind);
  if (now === undefined) return undefined;
  const before = best.get(location);
  const kept = before === undefined || before.source !== now.source ? now
    : { ...now, bytesPerSec: Math.max(before.bytesPerSec, now.bytesPerSec), latencyMs: Math.min(before.latencyMs, now.latencyMs) };
  best.set(location, kept);
  return kept;
}

/** Measures the link under `session` (it must be idle); `duplex` says how its bytes share the medium. */
export async function measureLinkProfile(session: BoardSession, duplex: LinkDuplex, kind: 'serial' | 'other'): Promise<LinkProfile | undefined> {
  const baud = session.hello.linkBaud;
  // An unpaced pseudo-terminal keeps the session's unpaced defaults; a UART's rate is its baud.
  if (kind === 'serial' && baud <= 0) return undefined;
  const latencyMs = await latency(session);
  if (kind === 'serial') return { bytesPerSec: baud / 10, latencyMs, duplex, source: 'hello' };
  const size = Math.max(0, Math.min(PING_BYTES, session.hello.maxPayload - FRAME_BYTES));
  const wire = cobsMaxEncodedLength(size + FRAME_BYTES) + 1;
  const burst = async (n: number): Promise<number> => {
    const start = performance.now();
    await Promise.all(Array.from({ length: n }, () => session.ping(size, { timeoutMs: PROBE_TIMEOUT_MS })));
    return performance.now() - start - latencyMs;
  };
  let n = 1;
  let ms = await burst(n);
  while (ms < BURST_MIN_MS && n * 4 * size <= BURST_MAX_BYTES) ms = await burst((n *= 4));
  let best = burstRate(duplex, n, wire, ms);
  for (let i = 1; i < BURSTS; i++) best = Math.max(best, burstRate(duplex, n, wire, await burst(n)));
  return { bytesPerSec: best, latencyMs, duplex, source: 'measured' };
}
