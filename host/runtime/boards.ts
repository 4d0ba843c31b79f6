// The boards of a run: one BoardHandle per device present (its session, chip, wire rate, the 16
// tensor slots, which sensor stream and output each pipeline uses), and the monitor that finds
// out when a board is lost or joins.
//
// Loss is seen three ways, whichever comes first: the link closes (the port went away, the
// emulator's pseudo-terminal hung up), the emulator process exits, or the board stops answering.
// Every request carries a deadline from the cost model (session.ts: the bytes in flight both ways
// at the link's rate, the board's modelled work on the requests ahead of it and on its own, a
// sensor's wait), so a board is suspect as soon as an answer is overdue, and lost when it also
// stays silent for a confirmation window: one answer frame's wire time, the longest job it is
// serving, and this host's scheduling jitter. An emulator this run started is given more time
// only while its process runs or waits for a core (it computes each inference in its one loop,
// silent meanwhile, and on a loaded machine waits for a core); a stopped or blocked one is not. An idle board that sent nothing for SILENCE_MS is
// pinged (one ping at a time; a board that talks is not, so pings never take the credits the
// pipelines need), and the ping's own deadline is watched the same way. Time the host itself was
// stalled (a long synchronous stretch, e.g. planning) is not counted against a board. Joins:
// while a device of the desk is absent, the finder is asked every JOIN_POLL_MS for a board with
// its id (the registry of emulated boards, or discovery), which is opened and announced.

import { EventEmitter } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { openBoard } from '../board/open.js';
import { isSessionError } from '../board/session-error.js';
import type { BoardSession } from '../board/session.js';
import { tensorSlots } from '../board/tensors.js';
import { chipSpec, type ChipSpec } from '../model/chips.js';
import { DEFAULT_SENSE_QUEUE, MAX_FRAME, MAX_IN_FLIGHT, MAX_WAITING, UNPACED_BAUD } from '../proto/index.js';
import { processActivityMs, processStopped } from './host-cpu.js';
import { Pool, Semaphore, TransferLane } from './semaphore.js';

/** How often the monitor checks every board's deadlines and silence. */
export const CHECK_MS = 100;
/** An idle board silent this long is pinged. */
export const SILENCE_MS = 200;
/**
 * This host's scheduling jitter: how late a timer or an answer's read may come on a loaded
 * machine (timers, the pseudo-terminal, the event loop), allowed on top of the cost model.
 */
export const HOST_JITTER_MS = 100;
/** How far back the answers' lateness counts toward a silent board's allowance (checkDeadlines). */
export const LATENESS_WINDOW_MS = 10_000;
/** A check this much later than due counts as a host stall. */
const STALL_MIN_MS = 10;
/** A process running or ready to run less than this over the confirmation window is neither computing nor about to. */
const ACTIVE_MS = 1;
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
 *  use), so that much of the board's tensor memory per slot is kept out of `tensorBytes`... */
export const IDLE_SLOT_BYTES = 4096;
/** ...and at most this share of it all together (a MAX78000FTHR's arena is 8 KiB). */
const IDLE_SHARE = 0.25;
/**
 * The longest an emulator that keeps computing (it runs or waits for a core) may go without answering an
 * overdue request: beyond it, a board that computes and never answers is hung too.
 */
export const EMULATOR_COMPUTE_LIMIT_MS = 20_000;
export const JOIN_POLL_MS = 500;

export interface BoardHandle {
  device: string;
  session: BoardSession;
  chip: ChipSpec;
  /** wire bytes per second each way (baud / 10); Infinity when unpaced */
  wireBytesPerSec: number;
  slots: Pool;
  /** requests that wait for their answer (sense, infer) the board holds at once (PROTOCOL.md 5:
   *  max_in_flight less the credits that always come back at once): one more would be answered busy */
  waiting: Semaphore;
  /** senses the board holds waiting at once (hello sense_queue) */
  senses: Semaphore;
  /** bytes an idle slot may keep: larger tensors are shrunk after use (engine.ts) */
  idleSlotBytes: number;
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
  // The link's measured rate where it was measured (link-profile.ts), else the hello's baud.
  const baud = session.link.profile ? session.link.profile.bytesPerSec * 10 : session.hello.linkBaud;
  const slots = Array.from({ length: tensorSlots(session) }, (_, i) => i);
  const tensorMem = session.hello.tensorMem ?? Number.MAX_SAFE_INTEGER;
  const idleSlotBytes = Math.min(IDLE_SLOT_BYTES, Math.floor((tensorMem * IDLE_SHARE) / slots.length));
  return {
    device,
    session,
    chip: chipSpec(session.hello.chip),
    wireBytesPerSec: baud > 0 ? baud / 10 : Number.POSITIVE_INFINITY,
    slots: new Pool(slots),
    waiting: new Semaphore(Math.max(1, session.hello.maxInFlight - (MAX_IN_FLIGHT - MAX_WAITING))),
    senses: new Semaphore(Math.max(1, session.hello.senseQueue ?? DEFAULT_SENSE_QUEUE)),
    idleSlotBytes,
    tensorBytes: new Semaphore(Math.max(1, tensorMem - slots.length * idleSlotBytes)),
    lanes: { down: new TransferLane(CHUNK_WINDOW), up: new TransferLane(CHUNK_WINDOW) },
    lost: null,
    lastHeardMs: performance.now(),
  };
}

/**
 * Sends a request the board holds until its answer is due (a sense, an infer) only while the
 * board has a place for it (its waiting places; for a sense, its sense queue too), so the board
 * never answers busy: deeper stages would otherwise ask more of it than it holds.
 */
export async function waitingRequest<T>(h: BoardHandle, sense: boolean, send: () => Promise<T>): Promise<T> {
  if (sense) await h.senses.acquire();
  try {
    await h.waiting.acquire();
    try {
      return await send();
    } finally {
      h.waiting.release();
    }
  } finally {
    if (sense) h.senses.release();
  }
}

/** Round trips a pipeline stage makes on its board's link (sense or put, infer, get or deliver). */
export const STAGE_ROUND_TRIPS = 4;

/**
 * The least time a stage on these devices takes on their links: its round trips at the slowest
 * latency measured when the links were opened (a BLE link answers a connection interval or two
 * later each way); 0 where none was measured. The engine keeps that many ms of frames in flight.
 */
export function stageLinkMs(handles: ReadonlyMap<string, BoardHandle>, devices: readonly string[]): number {
  return STAGE_ROUND_TRIPS * Math.max(0, ...devices.map((d) => handles.get(d)?.session.link.profile?.latencyMs ?? 0));
}

/**
 * How long a loaded machine may delay a port's bytes: HOST_JITTER_MS per runnable task beyond
 * one per core (the one-minute load average); 0 on a machine with a core to spare.
 */
export function loadDelayMs(): number {
  return HOST_JITTER_MS * Math.max(0, loadavg()[0]! / availableParallelism() - 1);
}

/**
 * More silence allowed on a half-duplex (BLE) link: its bytes pass through other processes
 * (bluetoothd or the stand-in, dbus-daemon), which a loaded machine stalls for hundreds of ms at a
 * time (two boards were lost that way, silent for 0.7 s, while their emulators idled). A BLE board
 * that is gone is reported by its link within the supervision timeout, so only a hung one waits.
 */
export const RELAYED_LINK_STALL_MS = 1000;

/**
 * How long a board with an overdue answer may stay silent before it is lost: one answer frame on
 * its wire, the longest job it is serving (a live board slower than its model is still sending
 * or about to), the host's jitter, and on a relayed (half-duplex) link its stalls.
 */
export function confirmMs(h: BoardHandle): number {
  const rate = Number.isFinite(h.wireBytesPerSec) ? h.wireBytesPerSec : UNPACED_BAUD / 10;
  const frameMs = ((MAX_FRAME + MAX_FRAME / 254 + 2) / rate) * 1000;
  const relayed = h.session.link.profile?.duplex === 'half' ? RELAYED_LINK_STALL_MS : 0;
  return Math.ceil(frameMs + h.session.longestWorkMs + HOST_JITTER_MS + relayed);
}

/** Finds a board for a device of the desk (its port path), or undefined while it is absent. */
export type BoardFinder = (device: string) => Promise<string | undefined>;

export interface MonitorEvents {
  /** `lastHeardMs`: when the board last sent anything (the fault happened after it) */
  lost: [device: string, reason: string, detectedMs: number, lastHeardMs: number];
  joined: [handle: BoardHandle, detectedMs: number];
  /** an answer is overdue and the board is silent and not computing: it may be hung */
  suspect: [device: string, reason: string];
  /** a suspect board answered again */
  cleared: [device: string];
}

/** The process behind an emulated board the run started: its exit is a loss, its scheduling shows it computing. */
export interface BoardProcess {
  exited: Promise<unknown>;
  pid: number;
  /** ms it ran or waited to run, and whether it is stopped, where /proc of this machine cannot tell (a board an agent runs) */
  activityMs?: () => number | null;
  stopped?: () => boolean | null;
}

/** Watches the boards of a run; emits `lost` once per board and `joined` for boards that (re)appear. */
export class BoardMonitor extends EventEmitter<MonitorEvents> {
  readonly handles = new Map<string, BoardHandle>();
  private readonly cleanups = new Map<string, () => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private joinTimer: NodeJS.Timeout | undefined;
  private readonly pinging = new Set<string>();
  private readonly suspects = new Set<string>();
  /** per process-backed device, recent (time, ms running or ready) samples while it is silent */
  private readonly activity = new Map<string, { at: number; ms: number }[]>();
  private joining = false;
  private stopped = false;
  private lastBeat = 0;
  private readonly stalls: { start: number; end: number }[] = [];

  constructor(
    /** every device of the desk (those absent now may join) */
    readonly devices: readonly string[],
    private readonly finder: BoardFinder | null,
    /** the process behind a device, when the run started it */
    private readonly processOf: (device: string) => BoardProcess | undefined = () => undefined,
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
    this.heartbeat ??= setInterval(() => this.beat(), CHECK_MS);
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
    // The checks themselves measure the host's stalls: a check that comes late is one.
    if (now - this.lastBeat - CHECK_MS > STALL_MIN_MS) {
      this.stalls.push({ start: this.lastBeat + CHECK_MS, end: now });
      if (this.stalls.length > 32) this.stalls.shift();
    }
    this.lastBeat = now;
    // Decided after this turn's I/O: after a stall, answers already waiting are read first
    // (timers run before the poll that reads them).
    setImmediate(() => this.check());
  }

  private check(): void {
    if (this.stopped) return;
    const now = performance.now();
    for (const h of this.handles.values()) {
      if (h.lost !== null) continue;
      const silentMs = now - h.lastHeardMs - this.stalledSince(h.lastHeardMs);
      if (silentMs < CHECK_MS) {
        this.activity.delete(h.device);
        if (this.suspects.delete(h.device)) this.emit('cleared', h.device);
        continue;
      }
      if (this.checkDeadlines(h, now, silentMs)) continue;
      // An idle board that sent nothing lately is pinged: its answer has a deadline like any other.
      // A board that talks is not (a ping would only take one of its few credits).
      if (silentMs < SILENCE_MS || this.pinging.has(h.device) || h.session.inFlightCount > 0) continue;
      this.pinging.add(h.device);
      h.session
        .ping(0, { urgent: true })
        .then(() => {
          h.lastHeardMs = performance.now();
        })
        .catch((e: Error) => {
          // A ping that timed out says nothing the deadlines have not (checkDeadlines decides);
          // a wrong echo or a refusal is a board that does not work.
          if (h.lost === null && h.session.state !== 'resetting' && !isSessionError(e)) this.markLost(h.device, `heartbeat failed: ${e.message}`);
        })
        .finally(() => this.pinging.delete(h.device));
    }
  }

  /**
   * A board with an overdue answer: suspect once it is silent and not computing, lost once that
   * lasted the confirmation window. Returns whether it was lost.
   */
  private checkDeadlines(h: BoardHandle, now: number, silentMs: number): boolean {
    const late = h.session.overdue(now);
    const confirm = confirmMs(h);
    const proc = this.processOf(h.device);
    const active = proc ? this.activeOver(h.device, proc, now, confirm) : null;
    if (!late) return false;
    const lateMs = now - late.dueAt - this.stalledSince(late.dueAt);
    if (lateMs < HOST_JITTER_MS) return false;
    const what = `${late.name} request id ${late.id} was due ${Math.round(lateMs)} ms ago by the cost model, and nothing was heard for ${Math.round(silentMs)} ms`;
    const stopped = proc ? (proc.stopped ? proc.stopped() : processStopped(proc.pid)) === true : false;
    // An emulator that ran or waited for a core lately computes: alive, only slower than its model.
    const computing = !stopped && active !== null && active.ms >= ACTIVE_MS;
    if (computing) {
      if (silentMs < EMULATOR_COMPUTE_LIMIT_MS) return false;
      this.markLost(h.device, `${what}, while its emulator kept computing (host stalls not counted)`);
      return true;
    }
    // A stopped emulator cannot answer: the confirmation window is enough. Otherwise a board
    // may answer as late as answers came lately, or as a loaded machine delays a port's bytes
    // (the kernel's work moving them waits for a core too, the emulator neither running nor
    // ready meanwhile): 1.1 s at a load of 23 on 2 cores.
    const extraMs = stopped ? 0 : Math.max(this.recentLatenessMs(now), loadDelayMs());
    // Suspect (the gate stops waiting for its pipelines) after the same allowance: a board a
    // loaded machine only delays keeps its pipelines level with the others (suspecting it let
    // them drift apart, and measured max-min 10% low).
    const watched = stopped || !proc || (active !== null && active.spanMs >= CHECK_MS);
    if (!this.suspects.has(h.device) && silentMs >= HOST_JITTER_MS + extraMs && watched) {
      this.suspects.add(h.device);
      this.emit('suspect', h.device, what);
    }
    const allowance = confirm + extraMs;
    if (silentMs < allowance) return false;
    if (proc && !stopped && (active === null || active.spanMs < confirm - CHECK_MS)) return false;
    const why = stopped ? ', and its emulator is stopped' : proc ? ', and its emulator neither ran nor waited to run meanwhile' : '';
    this.markLost(h.device, `no answer: ${what}${why} (host stalls not counted)`);
    return true;
  }

  /** How late answers came after their deadlines lately, on any board of the run (0: none was late). */
  private recentLatenessMs(now: number): number {
    let m = 0;
    for (const h of this.handles.values()) if (h.lost === null) m = Math.max(m, h.session.recentLatenessMs(LATENESS_WINDOW_MS, now));
    return m;
  }


  /**
   * Ms an emulator ran or waited to run over the last `windowMs` (from the samples taken while
   * its board is silent: at most that far back), and the span the samples cover.
   */
  private activeOver(device: string, proc: BoardProcess, now: number, windowMs: number): { ms: number; spanMs: number } | null {
    const ms = proc.activityMs ? proc.activityMs() : processActivityMs(proc.pid);
    if (ms === null) return null;
    let samples = this.activity.get(device);
    if (!samples) this.activity.set(device, (samples = []));
    samples.push({ at: now, ms });
    while (samples.length > 2 && samples[1]!.at <= now - windowMs) samples.shift();
    const from = samples[0]!;
    return { ms: ms - from.ms, spanMs: now - from.at };
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
    h.waiting.close(gone);
    h.senses.close(gone);
    h.lanes.down.close(gone);
    h.lanes.up.close(gone);
    void h.session.close(`board ${device} lost: ${reason}`);
    this.suspects.delete(device);
    this.activity.delete(device);
    this.emit('lost', device, reason, at, h.lastHeardMs);
  }

  private async lookForJoins(): Promise<void> {
    if (this.joining || this.stopped || this.finder === null) return;
    // Absent: never opened, or lost. (A board that is open is not opened twice: over BLE a second
    // link to a connected board would share its connection, and closing either ends both.)
    const absent = this.devices.filter((d) => {
      const h = this.handles.get(d);
      return h === undefined || h.lost !== null;
    });
    if (absent.length === 0) return;
    this.joining = true;
    try {
      for (const device of absent) {
        const path = await this.finder(device).catch(() => undefined);
        if (path === undefined || this.stopped) continue;
        let session: BoardSession;
        try {
          session = await openBoard(path, { helloTimeoutMs: 1000, profile: true });
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
