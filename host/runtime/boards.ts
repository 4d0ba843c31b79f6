// The boards of a run: one BoardHandle per device present (its session, chip, wire rate, the 16
// tensor slots, which sensor stream and output each pipeline uses), and the monitor that finds
// out when a board is lost or joins.
//
// Loss is seen three ways, whichever comes first: the link closes (the port went away, the
// emulator's pseudo-terminal hung up), the emulator process exits, or the board falls silent: a
// board that sent nothing for HEARTBEAT_MS is pinged (one ping at a time; a board that talks
// is not, so pings never take the credits the pipelines need), and a ping not answered in
// time, or silence while requests are pending, is a loss. The time allowance covers the bytes
// that may be queued ahead on a paced link (credits x largest frame, both ways), so a busy
// board is not taken for a dead one. Joins: while a device of the desk is absent, the
// finder is asked every JOIN_POLL_MS for a board with its id (the registry of emulated boards,
// or discovery), which is opened and announced.

import { EventEmitter } from 'node:events';
import { openBoard } from '../board/open.js';
import type { BoardSession } from '../board/session.js';
import { chipSpec, type ChipSpec } from '../model/chips.js';
import { MAX_FRAME, TENSOR_SLOTS, UNPACED_BAUD } from '../proto/index.js';
import { Pool, Semaphore, TransferLane } from './semaphore.js';

export const HEARTBEAT_MS = 200;
export const HEARTBEAT_BASE_TIMEOUT_MS = 400;
/**
 * Chunks in flight at once on one direction of a board's link (TransferLane). Enough to keep a
 * link busy (a chunk is ~8 KiB, tens of ms on the wire, against a host round trip of about a
 * millisecond), and few enough that the requests of other frames on the same board interleave:
 * all 61 chunks of a 496 KB output queued at once made the next frame's tensor.put and infer
 * wait behind them (the session's queue is first come, first served), so a board streaming
 * large outputs idled between frames.
 */
export const CHUNK_WINDOW = 4;

/** Idle slots are left holding at most this many bytes (the engine shrinks larger tensors after
 *  use), so that much of the board's tensor memory per slot is kept out of `tensorBytes`. */
export const IDLE_SLOT_BYTES = 4096;
/** Extra silence allowed to an emulated board whose process the run watches (see beat()). */
export const EMULATOR_SILENCE_MS = 10_000;
export const JOIN_POLL_MS = 500;

export interface BoardHandle {
  device: string;
  session: BoardSession;
  chip: ChipSpec;
  /** wire bytes per second each way (baud / 10); Infinity when unpaced */
  wireBytesPerSec: number;
  slots: Pool;
  /** the board's tensor memory (hello tensor_mem), in bytes: a stage takes what its slots will
   * hold before it starts, so frames wait for room instead of failing does_not_fit */
  tensorBytes: Semaphore;
  /** one tensor of several chunks moves at a time each way, a slice at a time, the one with the
   *  fewest bytes left first, CHUNK_WINDOW chunks in flight (engine.ts put and get) */
  lanes: { down: TransferLane; up: TransferLane };
  /** the reason once the board is lost, else null */
  lost: string | null;
  /** when the host last received anything from the board (performance.now() ms) */
  lastHeardMs: number;
}

export function makeHandle(device: string, session: BoardSession): BoardHandle {
  const baud = session.hello.linkBaud;
  const slots = Array.from({ length: TENSOR_SLOTS }, (_, i) => i);
  return {
    device,
    session,
    chip: chipSpec(session.hello.chip),
    wireBytesPerSec: baud > 0 ? baud / 10 : Number.POSITIVE_INFINITY,
    slots: new Pool(slots),
    // Idle slots may each keep IDLE_SLOT_BYTES (engine.ts shrinks larger ones after use).
    tensorBytes: new Semaphore(Math.max(1, (session.hello.tensorMem ?? Number.MAX_SAFE_INTEGER) - TENSOR_SLOTS * IDLE_SLOT_BYTES)),
    lanes: { down: new TransferLane(CHUNK_WINDOW), up: new TransferLane(CHUNK_WINDOW) },
    lost: null,
    lastHeardMs: performance.now(),
  };
}

/** The ms a heartbeat ping may take on this board: base plus what may be queued ahead of it. */
export function heartbeatTimeoutMs(h: BoardHandle): number {
  const rate = Number.isFinite(h.wireBytesPerSec) ? h.wireBytesPerSec : UNPACED_BAUD / 10;
  const credits = Math.max(1, h.session.hello.maxInFlight);
  const queuedBytes = credits * (MAX_FRAME + MAX_FRAME / 254 + 2) * 2;
  return Math.ceil(HEARTBEAT_BASE_TIMEOUT_MS + (queuedBytes / rate) * 1000);
}

/** Finds a board for a device of the desk (its port path), or undefined while it is absent. */
export type BoardFinder = (device: string) => Promise<string | undefined>;

export interface MonitorEvents {
  lost: [device: string, reason: string, detectedMs: number];
  joined: [handle: BoardHandle, detectedMs: number];
}

/** Watches the boards of a run; emits `lost` once per board and `joined` for boards that (re)appear. */
export class BoardMonitor extends EventEmitter<MonitorEvents> {
  readonly handles = new Map<string, BoardHandle>();
  private readonly cleanups = new Map<string, () => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private joinTimer: NodeJS.Timeout | undefined;
  private readonly pinging = new Set<string>();
  private joining = false;
  private stopped = false;
  private lastBeat = 0;
  private readonly stalls: { start: number; end: number }[] = [];

  constructor(
    /** every device of the desk (those absent now may join) */
    readonly devices: readonly string[],
    private readonly finder: BoardFinder | null,
    /** the process behind a device, when the run started it (its exit is a loss) */
    private readonly processOf: (device: string) => { exited: Promise<unknown> } | undefined = () => undefined,
  ) {
    super();
  }

  /** Adopts an open session as the board of `device`. */
  add(device: string, session: BoardSession): BoardHandle {
    const h = makeHandle(device, session);
    this.handles.set(device, h);
    const heard = (): void => {
      h.lastHeardMs = performance.now();
    };
    const onClose = (reason: string): void => this.markLost(device, `link closed: ${reason}`);
    session.link.on('data', heard);
    session.on('close', onClose);
    let gone = false;
    void this.processOf(device)?.exited.then(() => {
      if (!gone) this.markLost(device, 'its emulator process exited');
    });
    this.cleanups.set(device, () => {
      gone = true;
      session.link.off('data', heard);
      session.off('close', onClose);
    });
    return h;
  }

  start(): void {
    this.lastBeat = performance.now();
    this.heartbeat ??= setInterval(() => this.beat(), HEARTBEAT_MS);
    this.joinTimer ??= setInterval(() => void this.lookForJoins(), JOIN_POLL_MS);
  }

  /**
   * ms the host itself was stalled (a long synchronous stretch, e.g. planning) since `since`:
   * an answer cannot be read while the host computes, so that time does not count against a board.
   */
  private stalledSince(since: number): number {
    return this.stalls.filter((s) => s.end > since).reduce((a, s) => a + (s.end - Math.max(s.start, since)), 0);
  }

  present(): BoardHandle[] {
    return [...this.handles.values()].filter((h) => h.lost === null);
  }

  private beat(): void {
    const now = performance.now();
    // The heartbeat itself measures the host's stalls: a tick that comes late is one.
    if (now - this.lastBeat > 2 * HEARTBEAT_MS) {
      this.stalls.push({ start: this.lastBeat + HEARTBEAT_MS, end: now });
      if (this.stalls.length > 32) this.stalls.shift();
    }
    this.lastBeat = now;
    for (const h of this.handles.values()) {
      if (h.lost !== null || this.pinging.has(h.device)) continue;
      // A board that sent anything lately is alive: a ping would only take one of its few
      // credits (and wait behind its answers). Silence while requests are pending is suspicious.
      const silentMs = now - h.lastHeardMs - this.stalledSince(h.lastHeardMs);
      if (silentMs < HEARTBEAT_MS) continue;
      // An emulator this run started computes each inference in its one loop (seconds for a
      // backlog of UNet segments on this host), silent meanwhile; its loss shows within
      // milliseconds anyway, as its process exit or its link closing.
      const allowance = heartbeatTimeoutMs(h) + (this.processOf(h.device) ? EMULATOR_SILENCE_MS : 0);
      if (h.session.inFlightCount > 0 && silentMs > allowance * 2 && !this.pinging.has(h.device)) {
        this.markLost(h.device, `nothing heard for ${Math.round(silentMs)} ms with ${h.session.inFlightCount} requests pending`);
        continue;
      }
      this.pinging.add(h.device);
      const t0 = performance.now();
      // The allowance counts from sending; a ping still waiting for a credit is watched here.
      // (Checked after this turn's I/O: when the host itself was busy, an answer already waiting
      // is read first.)
      let watchdog: NodeJS.Timeout;
      const watch = (ms: number): void => {
        watchdog = setTimeout(() => setImmediate(() => {
          if (!this.pinging.has(h.device)) return;
          const waited = performance.now() - t0 - this.stalledSince(t0);
          if (waited < allowance * 2) watch(allowance * 2 - waited); // the host was stalled: give the board its time
          else this.markLost(h.device, `no heartbeat answer within ${Math.round(waited)} ms (host stalls not counted)`);
        }), ms);
      };
      watch(allowance * 2);
      h.session
        .ping(0, { timeoutMs: allowance, urgent: true })
        .then(() => {
          h.lastHeardMs = performance.now();
        })
        .catch((e: Error) => {
          if (h.lost === null && h.session.state !== 'resetting') this.markLost(h.device, `heartbeat failed: ${e.message}`);
        })
        .finally(() => {
          clearTimeout(watchdog!);
          this.pinging.delete(h.device);
        });
    }
  }

  /** Marks a board lost (once), closes its session and its slot pool, and tells the listeners. */
  markLost(device: string, reason: string): void {
    const h = this.handles.get(device);
    if (!h || h.lost !== null || this.stopped) return;
    h.lost = reason;
    const at = performance.now();
    this.cleanups.get(device)?.();
    const gone = new Error(`board ${device} lost`);
    h.slots.close(gone);
    h.tensorBytes.close(gone);
    h.lanes.down.close(gone);
    h.lanes.up.close(gone);
    void h.session.close(`board ${device} lost: ${reason}`);
    this.emit('lost', device, reason, at);
  }

  private async lookForJoins(): Promise<void> {
    if (this.joining || this.stopped || this.finder === null) return;
    const absent = this.devices.filter((d) => (this.handles.get(d)?.lost ?? 'absent') !== null);
    if (absent.length === 0) return;
    this.joining = true;
    try {
      for (const device of absent) {
        const path = await this.finder(device).catch(() => undefined);
        if (path === undefined || this.stopped) continue;
        let session: BoardSession;
        try {
          session = await openBoard(path, { helloTimeoutMs: 1000 });
        } catch {
          continue; // not ready yet: try again at the next poll
        }
        if (this.stopped) {
          await session.close('run stopped');
          return;
        }
        if (session.hello.boardId !== device) {
          await session.close(`board on ${path} is ${session.hello.boardId}, not ${device}`);
          continue;
        }
        const h = this.add(device, session);
        this.emit('joined', h, performance.now());
      }
    } finally {
      this.joining = false;
    }
  }

  /** Stops watching and closes every session. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearInterval(this.joinTimer);
    for (const c of this.cleanups.values()) c();
    await Promise.allSettled([...this.handles.values()].map((h) => h.session.close('run finished')));
  }
}
