// Sensing just in time. A sensor at rate R has frame k at boot + k/R on the board's clock, and
// `sense` answers when the frame exists (PROTOCOL.md 10). A sense sent early holds one of the
// board's few credits (max_in_flight) while it waits; so the host learns each board's boot time
// on its own clock from the answers (frame time t_us against the arrival time; the smallest
// difference bounds the boot from above, within an answer's latency) and sends each sense a
// margin before the frame it will take. Frames a sense arrives too late for are skipped by the
// board, as a slower host skips them; the frame numbers in the answers keep the claims right.

import type { BoardSession } from '../board/session.js';

/** ms before a frame's time a sense is sent, beyond the request's own wire time. */
export const SENSE_MARGIN_MS = 4;

/** Microseconds after boot at which frame k of a sensor at `rateMhz` exists (sensors.c). */
export function frameTimeUs(k: number, rateMhz: number): number {
  return Math.ceil((k * 1e9) / rateMhz);
}

/** The first frame at or after `us` after boot. */
export function frameAtOrAfter(us: number, rateMhz: number): number {
  let k = Math.max(0, Math.ceil((us * rateMhz) / 1e9));
  while (k > 0 && frameTimeUs(k - 1, rateMhz) >= us) k--;
  while (frameTimeUs(k, rateMhz) < us) k++;
  return k;
}

interface BoardClock {
  /** host ms (performance.now()) at the board's boot, from above */
  bootMs: number;
}

const clocks = new WeakMap<BoardSession, BoardClock>();
const claims = new WeakMap<BoardSession, Map<number, number>>();

/** ms to wait before sending a sense of `sensor` (0: now), and the frame it should take. */
export function senseDelay(session: BoardSession, sensor: number, rateHz: number, leadMs: number, now = performance.now()): { waitMs: number; frame: number | null } {
  const clock = clocks.get(session);
  if (!clock) return { waitMs: 0, frame: null };
  const rateMhz = Math.round(rateHz * 1000);
  const taken = claims.get(session)?.get(sensor) ?? -1;
  const arrival = (now + leadMs - clock.bootMs) * 1000;
  const k = Math.max(frameAtOrAfter(arrival, rateMhz), taken + 1);
  const sendAt = clock.bootMs + frameTimeUs(k, rateMhz) / 1000 - leadMs;
  let m = claims.get(session);
  if (!m) claims.set(session, (m = new Map()));
  m.set(sensor, k);
  return { waitMs: Math.max(0, sendAt - now), frame: k };
}

/** Learns from a sense answer: frame `frame` at `tUs` after boot arrived at host time `at`. */
export function senseAnswered(session: BoardSession, sensor: number, frame: number, tUs: number, at = performance.now()): void {
  const boot = at - tUs / 1000;
  const c = clocks.get(session);
  if (!c || boot < c.bootMs) clocks.set(session, { bootMs: boot });
  let m = claims.get(session);
  if (!m) claims.set(session, (m = new Map()));
  if ((m.get(sensor) ?? -1) < frame) m.set(sensor, frame);
}
