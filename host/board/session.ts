// A session with one board over any ByteLink: hello on open (the board's limits), concurrent
// requests matched by id, credits (at most max_in_flight outstanding), timeouts that scale
// with bytes, typed board errors, events, reset detection and host-side counters
// (PROTOCOL.md 2.2, 4 and 5). Every message family uses `request`; ping, stats and reset
// have typed helpers.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ByteLink, LinkCloseInfo } from '../link/byte-link.js';
import {
  BOOT,
  checkEvent,
  decodeBody,
  decodeRun,
  encodeBody,
  encodeWireFrame,
  errorFromFrame,
  HEADER_SIZE,
  CRC_SIZE,
  HELLO,
  KIND,
  kindName,
  MAX_FRAME,
  MAX_PAYLOAD,
  oversizeError,
  PING,
  PROTO_VERSION,
  ProtocolError,
  RESET,
  RunSplitter,
  STATS,
  UNPACED_BAUD,
  cobsMaxEncodedLength,
  type BoardStats,
  type BootInfo,
  type Codec,
  type EventDef,
  type Frame,
  type HelloInfo,
  type RequestDef,
  type SplitRun,
} from '../proto/index.js';
import { emptyHostStats, type HostStats } from './host-stats.js';
import { SessionError } from './session-error.js';

export interface SessionOptions {
  /** fixed part of every timeout, ms (default 2000) */
  timeoutBaseMs?: number;
  /** multiplier on the wire time of the bytes a request waits for (default 3) */
  timeoutFactor?: number;
  /** timeout of each hello, ms (default 3000) */
  helloTimeoutMs?: number;
  /** hellos tried on open and after a reset before giving up (default 2) */
  helloAttempts?: number;
}

export interface RequestOptions {
  /** overrides the computed timeout, ms */
  timeoutMs?: number;
  /** bytes the answer is expected to take on the wire (default 256); scales the timeout */
  expectBytes?: number;
  /** goes ahead of the requests waiting for a credit (a heartbeat must not queue behind bulk transfers) */
  urgent?: boolean;
  /**
   * ms of work the board spends on this request by the cost model (its CPU and CNN time): it
   * counts toward this request's deadline and toward the deadlines of the requests sent after
   * it, which the board serves behind it (default 0: the wire time alone)
   */
  workMs?: number;
  /** ms this answer alone may wait on the board for an outside event (a sensor's next frame) */
  waitMs?: number;
}

/** A request in flight and when its answer is due (`deadlines`, `overdue`). */
export interface Deadline {
  name: string;
  id: number;
  /** performance.now() ms when the answer was due, and when the request was sent */
  dueAt: number;
  sentAt: number;
}

/** The answer to a request, with when it was sent and how long the round trip took. */
export interface Timed<T> {
  body: T;
  /** ms from handing the frame to the link to decoding the answer */
  rttMs: number;
}

export interface ResetInfo {
  /** the session id before the reset */
  previousSession: number;
  /** the session id after it, when known (from boot or hello) */
  session?: number;
  /** how the reset was seen */
  seenBy: 'boot' | 'hello';
  /** the boot announcement, when it was seen */
  boot?: BootInfo;
}

export interface BoardEvent {
  type: number;
  id: number;
  name: string;
  body: unknown;
}

export type SessionState = 'opening' | 'ready' | 'resetting' | 'closed';

export interface SessionEvents {
  /** the session knows the board's limits: after open and after each re-hello */
  ready: [hello: HelloInfo];
  /** every well-formed event from the board (boot included) */
  event: [event: BoardEvent];
  /** the board announced a boot */
  boot: [boot: BootInfo];
  /** the board reset: requests in flight have failed with `reset` */
  reset: [info: ResetInfo];
  /** an error frame from the board that no pending request took */
  'board-error': [error: ProtocolError];
  /** something the host refused on receipt (bad CRC, framing, oversize, body, kind) */
  'protocol-error': [error: ProtocolError];
  /** the session closed; pending requests have failed */
  close: [reason: string];
}

interface Pending {
  id: number;
  type: number;
  name: string;
  body: Uint8Array;
  response: Codec<unknown>;
  expectBytes: number;
  timeoutMs: number | undefined;
  /** hello: sent while the session is not ready */
  priority: boolean;
  resolve: (v: Timed<unknown>) => void;
  reject: (e: Error) => void;
  wireBytes: number;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
  /** the timeout was already extended once because the host itself was late */
  extended: boolean;
  workMs: number;
  waitMs: number;
  /** when the answer is due by the cost model (set when sent) */
  dueAt: number;
}

const DEFAULT_EXPECT_BYTES = 256;

export class BoardSession extends EventEmitter<SessionEvents> {
  readonly link: ByteLink;
  private readonly opts: Required<SessionOptions>;
  private readonly splitter: RunSplitter;
  private readonly counters: HostStats = emptyHostStats();
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, Pending>();
  private helloInfo: HelloInfo | undefined;
  private lastBoot: BootInfo | undefined;
  private sessionState: SessionState = 'opening';
  private nextId = 1;
  private resetGeneration = 0;
  private closeReason: string | undefined;
  /** requests whose answer is handed back as raw CBOR (requestRaw) */
  private readonly rawBodies = new WeakSet<Pending>();
  private readonly onLinkData = (chunk: Uint8Array): void => {
    this.counters.bytesIn += chunk.length;
    this.splitter.write(chunk);
  };
  private readonly onLinkClose = (info: LinkCloseInfo): void => {
    void this.shutdown(`link ${this.link.description} closed: ${info.reason}`, false);
  };

  private constructor(link: ByteLink, opts: SessionOptions) {
    super();
    this.link = link;
    this.opts = {
      timeoutBaseMs: opts.timeoutBaseMs ?? 2000,
      timeoutFactor: opts.timeoutFactor ?? 3,
      helloTimeoutMs: opts.helloTimeoutMs ?? 3000,
      helloAttempts: opts.helloAttempts ?? 2,
    };
    this.splitter = new RunSplitter(MAX_FRAME);
    this.splitter.on('data', (item: SplitRun) => this.onRun(item));
    link.on('data', this.onLinkData);
    link.on('close', this.onLinkClose);
  }

  /** Opens a session on a link: says hello and resolves once the board's limits are known. */
  static async open(link: ByteLink, opts: SessionOptions = {}): Promise<BoardSession> {
    const session = new BoardSession(link, opts);
    try {
      // A lone 0x00 ends whatever half frame an earlier user of the port left in the board's
      // receiver; an empty run is dropped without an answer (PROTOCOL.md 2.2, check 1).
      await session.writeRaw(Uint8Array.of(0));
      await session.helloUntilAnswered('open');
    } catch (e) {
      await session.close(`opening failed: ${(e as Error).message}`);
      throw e;
    }
    return session;
  }

  // ---- state -----------------------------------------------------------------------------

  get state(): SessionState {
    return this.sessionState;
  }

  /** The board's hello (limits, identity, session). */
  get hello(): HelloInfo {
    if (this.helloInfo === undefined) throw new Error(`board on ${this.link.description} has not answered hello yet`);
    return this.helloInfo;
  }

  /** The last boot announcement seen on this link, if any. */
  get boot(): BootInfo | undefined {
    return this.lastBoot;
  }

  get boardId(): string {
    return this.helloInfo?.boardId ?? this.link.description;
  }

  /** A copy of the host's counters for this link. */
  get hostStats(): HostStats {
    return { ...this.counters };
  }

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Ids of the requests in flight, oldest first. */
  get inFlightIds(): number[] {
    return [...this.inFlight.keys()];
  }

  /** Requests waiting for a credit. */
  get queuedCount(): number {
    return this.queue.length;
  }

  private get maxInFlight(): number {
    return Math.max(1, this.helloInfo?.maxInFlight ?? 1);
  }

  private get maxFrame(): number {
    return this.helloInfo?.maxFrame ?? MAX_FRAME;
  }

  private get maxPayload(): number {
    return this.helloInfo?.maxPayload ?? MAX_PAYLOAD;
  }

  private get baud(): number {
    const b = this.link.profile ? this.link.profile.bytesPerSec * 10 : (this.helloInfo?.linkBaud ?? 0);
    return b > 0 ? b : UNPACED_BAUD;
  }

  // ---- requests --------------------------------------------------------------------------

  /** Sends a request and resolves with the board's decoded answer. */
  async request<Req, Res>(def: RequestDef<Req, Res>, body: Req, opts: RequestOptions = {}): Promise<Res> {
    return (await this.requestTimed(def, body, opts)).body;
  }

  /** As `request`, with the round-trip time of this request (from send, not from queueing). */
  requestTimed<Req, Res>(def: RequestDef<Req, Res>, body: Req, opts: RequestOptions = {}): Promise<Timed<Res>> {
    let bytes: Uint8Array;
    try {
      bytes = encodeBody(def.request, body, `${def.name} request`, { maxPayload: this.maxPayload });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(def.type, def.name, bytes, def.response as Codec<unknown>, opts, def === HELLO) as Promise<Timed<Res>>;
  }

  /**
   * Sends a request whose body is already CBOR (checked against the subset by the board, not
   * here) and resolves with the raw answer body. For message types the host has no definition of.
   */
  async requestRaw(type: number, body: Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    const passThrough: Codec<Uint8Array> = {
      label: 'raw',
      decode: (v) => v as Uint8Array,
      encode: (v) => v,
    };
    const timed = await this.enqueue(type, `type 0x${type.toString(16)}`, body, passThrough as Codec<unknown>, opts, false, true);
    return timed.body as Uint8Array;
  }

  private enqueue(
    type: number,
    name: string,
    body: Uint8Array,
    response: Codec<unknown>,
    opts: RequestOptions,
    priority: boolean,
    raw = false,
  ): Promise<Timed<unknown>> {
    if (this.sessionState === 'closed') {
      return Promise.reject(new SessionError('closed', `cannot send ${name} to ${this.boardId}: ${this.closeReason ?? 'session closed'}`));
    }
    const size = HEADER_SIZE + body.length + CRC_SIZE;
    if (size > this.maxFrame) {
      return Promise.reject(
        new ProtocolError('too_large', `${name} request frame of ${size} bytes exceeds max_frame ${this.maxFrame}`, {
          origin: 'local',
          type,
        }),
      );
    }
    return new Promise<Timed<unknown>>((resolve, reject) => {
      const p: Pending = {
        id: 0,
        type,
        name,
        body,
        response,
        expectBytes: opts.expectBytes ?? DEFAULT_EXPECT_BYTES,
        timeoutMs: opts.timeoutMs,
        priority,
        resolve,
        reject,
        wireBytes: 0,
        sentAt: 0,
        extended: false,
        timer: undefined,
        workMs: Math.max(0, opts.workMs ?? 0),
        waitMs: Math.max(0, opts.waitMs ?? 0),
        dueAt: 0,
      };
      if (raw) this.rawBodies.add(p);
      if (opts.urgent) this.queue.unshift(p);
      else this.queue.push(p);
      this.pump();
    });
  }

  /** Ids run 1..65535, skip 0 and never one still in flight. */
  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id === 0xffff ? 1 : id + 1;
      if (!this.inFlight.has(id)) return id;
    }
  }

  /** Sends queued requests while credits allow. */
  private pump(): void {
    while (this.queue.length > 0 && this.inFlight.size < this.maxInFlight) {
      const index = this.sessionState === 'ready' ? 0 : this.queue.findIndex((p) => p.priority);
      if (index < 0) return;
      const [p] = this.queue.splice(index, 1);
      this.send(p!);
    }
  }

  /**
   * When `p`'s answer is due by the cost model, from its sending: every byte in flight both ways
   * (the requests ahead, their answers, its own) at the link's rate, the board's work on every
   * request in flight (served in turn), and its own wait for an outside event.
   */
  private deadlineFor(p: Pending): number {
    let bytes = 0;
    let work = 0;
    for (const q of this.inFlight.values()) {
      bytes += q.wireBytes + q.expectBytes;
      work += q.workMs;
    }
    return p.sentAt + (bytes * 10 * 1000) / this.baud + work + p.waitMs;
  }

  /**
   * The request in flight whose answer is the most overdue at `now` (by the deadline the cost
   * model gave it when it was sent, `RequestOptions.workMs`), or null when none is late.
   */
  overdue(now = performance.now()): Deadline | null {
    let worst: Pending | null = null;
    for (const p of this.inFlight.values()) if (p.dueAt < now && (worst === null || p.dueAt < worst.dueAt)) worst = p;
    return worst && { name: worst.name, id: worst.id, dueAt: worst.dueAt, sentAt: worst.sentAt };
  }

  /** Every request in flight with its deadline, in the order sent. */
  deadlines(): Deadline[] {
    return [...this.inFlight.values()].sort((a, b) => a.sentAt - b.sentAt).map((p) => ({ name: p.name, id: p.id, dueAt: p.dueAt, sentAt: p.sentAt }));
  }

  /** Answers that came after their deadline lately: when, and how late. */
  private readonly lateAnswers: { at: number; lateMs: number }[] = [];

  private noteLateness(at: number, lateMs: number): void {
    if (lateMs <= 0) return;
    this.lateAnswers.push({ at, lateMs });
    if (this.lateAnswers.length > 64) this.lateAnswers.shift();
  }

  /**
   * How late, at most, this board's answers came after their deadlines over the last `windowMs`
   * (0 when none was late): what this host and link do beyond the cost model just now (a loaded
   * machine delays a pseudo-terminal's bytes by hundreds of ms; an emulator computes longer
   * than the chip it models).
   */
  recentLatenessMs(windowMs: number, now = performance.now()): number {
    let m = 0;
    for (const l of this.lateAnswers) if (l.at >= now - windowMs) m = Math.max(m, l.lateMs);
    return m;
  }

  /** The largest work (ms) of one request in flight: how long a live board may stay silent serving one. */
  get longestWorkMs(): number {
    let m = 0;
    for (const p of this.inFlight.values()) m = Math.max(m, p.workMs);
    return m;
  }

  private timeoutFor(p: Pending): number {
    if (p.timeoutMs !== undefined) return p.timeoutMs;
    // Answers to requests already in flight come first on the wire: their bytes count too.
    let bytes = p.wireBytes + p.expectBytes;
    for (const q of this.inFlight.values()) if (q !== p) bytes += q.wireBytes + q.expectBytes;
    return Math.ceil(this.opts.timeoutBaseMs + (this.opts.timeoutFactor * bytes * 10 * 1000) / this.baud);
  }

  private send(p: Pending): void {
    p.id = this.allocateId();
    let wire: Uint8Array;
    try {
      wire = encodeWireFrame({ kind: 'request', id: p.id, type: p.type }, p.body, this.maxFrame);
    } catch (e) {
      p.reject(e as Error);
      return;
    }
    p.wireBytes = wire.length;
    this.inFlight.set(p.id, p);
    const timeoutMs = this.timeoutFor(p);
    p.timer = setTimeout(() => this.onTimeout(p, timeoutMs), timeoutMs);
    p.sentAt = performance.now();
    p.dueAt = this.deadlineFor(p);
    this.counters.framesOut++;
    this.counters.bytesOut += wire.length;
    this.link.write(wire).catch((e: Error) => {
      if (this.inFlight.get(p.id) === p) {
        this.finish(p);
        p.reject(new SessionError('closed', `${p.name} request to ${this.boardId} could not be written: ${e.message}`));
      }
    });
  }

  private finish(p: Pending): void {
    clearTimeout(p.timer);
    if (this.inFlight.get(p.id) === p) this.inFlight.delete(p.id);
  }

  private onTimeout(p: Pending, timeoutMs: number): void {
    if (this.inFlight.get(p.id) !== p) return;
    // A timer that fires well after its deadline means this process was busy (a long
    // computation held the event loop), and Node runs due timers before it reads waiting
    // input: the answer may already sit unread. Give the link one grace period to deliver it.
    const late = performance.now() - p.sentAt - timeoutMs;
    if (late > 25 && !p.extended) {
      p.extended = true;
      p.timer = setTimeout(() => this.onTimeout(p, timeoutMs), Math.max(250, late));
      return;
    }
    this.finish(p);
    this.counters.timeouts++;
    p.reject(new SessionError('timeout', `${p.name} request id ${p.id} to ${this.boardId} got no answer within ${timeoutMs} ms`));
    this.pump();
  }

  /** Fails every pending request (in flight and queued), hello included when `all`. */
  private failPending(makeError: (p: Pending) => Error, includePriority: boolean): void {
    for (const p of [...this.inFlight.values()]) {
      if (!includePriority && p.priority) continue;
      this.finish(p);
      p.reject(makeError(p));
    }
    const keep: Pending[] = [];
    for (const p of this.queue.splice(0)) {
      if (!includePriority && p.priority) keep.push(p);
      else p.reject(makeError(p));
    }
    this.queue.push(...keep);
  }

  // ---- receiving -------------------------------------------------------------------------

  private refuse(e: ProtocolError): void {
    switch (e.code) {
      case 'bad_crc':
        this.counters.crcErrors++;
        break;
      case 'bad_frame':
        this.counters.framingErrors++;
        break;
      case 'too_large':
        this.counters.oversize++;
        break;
      default:
        this.counters.rejected++;
    }
    // A frame that names a request in flight fails it now rather than at its timeout.
    const p = e.id !== 0 ? this.inFlight.get(e.id) : undefined;
    if (p !== undefined && p.type === e.type) {
      this.finish(p);
      p.reject(e);
      this.pump();
    }
    this.emit('protocol-error', e);
  }

  private onRun(item: SplitRun): void {
    if (item.oversize) {
      this.refuse(oversizeError(item.length, item.prefix, this.maxFrame));
      return;
    }
    let frame: Frame;
    try {
      frame = decodeRun(item.run, { maxFrame: this.maxFrame });
    } catch (e) {
      if (e instanceof ProtocolError) this.refuse(e);
      else throw e;
      return;
    }
    this.counters.framesIn++;
    const { kind, id, type } = frame.header;
    switch (kind) {
      case KIND.response:
      case KIND.error:
        this.onAnswer(frame);
        return;
      case KIND.event:
        this.onEvent(frame);
        return;
      default:
        this.refuse(
          new ProtocolError('bad_kind', `board sent a frame of kind ${kind} (${kindName(kind) ?? 'unknown'}); a host takes responses, errors and events`, { id, type }),
        );
    }
  }

  private onAnswer(frame: Frame): void {
    const { kind, id, type } = frame.header;
    const p = this.inFlight.get(id);
    if (kind === KIND.error) this.counters.boardErrors++;
    if (p === undefined || p.type !== type) {
      this.counters.unmatched++;
      if (kind === KIND.error) {
        let err: ProtocolError;
        try {
          err = errorFromFrame(frame);
        } catch (e) {
          if (e instanceof ProtocolError) this.refuse(e);
          return;
        }
        this.emit('board-error', err);
      }
      return;
    }
    this.finish(p);
    const answeredAt = performance.now();
    const rttMs = answeredAt - p.sentAt;
    this.noteLateness(answeredAt, answeredAt - p.dueAt);
    try {
      if (kind === KIND.error) {
        p.reject(errorFromFrame(frame));
      } else {
        const body = this.rawBodies.has(p)
          ? frame.body.slice()
          : decodeBody(p.response, frame.body, `${p.name} response`, { maxPayload: this.maxPayload });
        p.resolve({ body, rttMs });
      }
    } catch (e) {
      if (e instanceof ProtocolError) {
        const at = new ProtocolError(e.code, e.detail, { id, type });
        this.counters.rejected++;
        this.emit('protocol-error', at);
        p.reject(at);
      } else {
        p.reject(e as Error);
      }
    }
    this.pump();
  }

  private onEvent(frame: Frame): void {
    let checked;
    try {
      checked = checkEvent(frame, { maxPayload: this.maxPayload });
    } catch (e) {
      if (e instanceof ProtocolError) this.refuse(e);
      return;
    }
    const { id, type } = frame.header;
    this.emit('event', { type, id, name: checked.def.name, body: checked.body });
    if (checked.def === (BOOT as EventDef<unknown>)) this.onBoot(checked.body as BootInfo);
  }

  /** Subscribes to one event type with its typed body; returns the unsubscribe function. */
  onEventOf<Ev>(def: EventDef<Ev>, listener: (body: Ev, event: BoardEvent) => void): () => void {
    const handler = (e: BoardEvent): void => {
      if (e.type === def.type) listener(e.body as Ev, e);
    };
    this.on('event', handler);
    return () => this.off('event', handler);
  }

  // ---- hello, reset ----------------------------------------------------------------------

  private onBoot(boot: BootInfo): void {
    this.lastBoot = boot;
    this.emit('boot', boot);
    // Before the first hello there is no session to compare with; the hello will tell.
    if (this.helloInfo === undefined) return;
    // The announcement of the boot we already know (sent before we connected) is not a reset.
    if (boot.session === this.helloInfo.session && this.sessionState === 'ready') return;
    this.onReset({ previousSession: this.helloInfo.session, session: boot.session, seenBy: 'boot', boot });
  }

  private onReset(info: ResetInfo): void {
    this.counters.resets++;
    const generation = ++this.resetGeneration;
    this.sessionState = 'resetting';
    const sessions = `session ${info.previousSession} -> ${info.session ?? 'unknown'}`;
    this.failPending(
      (p) => new SessionError('reset', `board ${this.boardId} reset (${info.boot?.reason ?? 'new session in hello'}, ${sessions}) while ${p.name} request id ${p.id} was pending`),
      true,
    );
    this.emit('reset', info);
    void this.helloUntilAnswered('reset', generation).catch((e: Error) => {
      if (generation === this.resetGeneration && this.sessionState !== 'closed') {
        void this.shutdown(`board ${this.boardId} did not answer hello after a reset: ${e.message}`, true);
      }
    });
  }

  /** Says hello until answered (on open and after a reset); the session is then ready. */
  private async helloUntilAnswered(why: 'open' | 'reset', generation = this.resetGeneration): Promise<HelloInfo> {
    let last: Error | undefined;
    for (let attempt = 0; attempt < this.opts.helloAttempts; attempt++) {
      if (generation !== this.resetGeneration || this.sessionState === 'closed') throw last ?? new SessionError('closed', 'superseded');
      try {
        const hello = await this.request(HELLO, {}, { timeoutMs: this.opts.helloTimeoutMs });
        if (generation !== this.resetGeneration) throw new SessionError('reset', 'board reset again during hello');
        this.adoptHello(hello);
        return hello;
      } catch (e) {
        last = e as Error;
        if (!(e instanceof SessionError) || e.reason === 'closed') throw e;
        if (e.reason === 'reset' && why === 'reset') throw e; // a newer reset runs its own hello
      }
    }
    throw last ?? new Error('hello failed');
  }

  private adoptHello(hello: HelloInfo): void {
    if (hello.proto !== PROTO_VERSION) {
      throw new ProtocolError('bad_version', `board speaks protocol ${hello.proto}; this host speaks ${PROTO_VERSION}`, {
        origin: 'board',
      });
    }
    if (hello.maxFrame < HEADER_SIZE + CRC_SIZE + 1 || hello.maxInFlight < 1) {
      throw new ProtocolError('bad_body', `hello gives unusable limits: max_frame ${hello.maxFrame}, max_in_flight ${hello.maxInFlight}`, {
        origin: 'board',
      });
    }
    const previous = this.helloInfo;
    this.helloInfo = hello;
    this.splitter.setMaxFrame(Math.max(hello.maxFrame, MAX_FRAME));
    if (previous !== undefined && previous.session !== hello.session && this.sessionState === 'ready') {
      // A new session without a boot seen: the board reset behind our back.
      this.counters.resets++;
      this.resetGeneration++;
      this.failPending(
        (p) => new SessionError('reset', `board ${this.boardId} reset (session ${previous.session} -> ${hello.session}) while ${p.name} request id ${p.id} was pending`),
        false,
      );
      this.emit('reset', { previousSession: previous.session, session: hello.session, seenBy: 'hello' });
    }
    this.sessionState = 'ready';
    this.emit('ready', hello);
    this.pump();
  }

  /** Asks hello again (refreshes limits; detects a reset whose boot was missed). */
  async refreshHello(opts: RequestOptions = {}): Promise<HelloInfo> {
    const hello = await this.request(HELLO, {}, opts);
    this.adoptHello(hello);
    return hello;
  }

  /** Pings with `payload` (or that many random bytes) and checks the echo; resolves with the RTT. */
  async ping(payload: Uint8Array | number = 0, opts: RequestOptions = {}): Promise<Timed<Uint8Array>> {
    const bytes = typeof payload === 'number' ? new Uint8Array(randomBytes(payload)) : payload;
    const expect = { expectBytes: cobsMaxEncodedLength(bytes.length + 16) + 1, ...opts };
    const { body, rttMs } = await this.requestTimed(PING, { payload: bytes }, expect);
    if (Buffer.compare(Buffer.from(body.payload), Buffer.from(bytes)) !== 0) {
      throw new ProtocolError('bad_body', `ping echo of ${body.payload.length} bytes differs from the ${bytes.length} bytes sent`, {
        origin: 'board',
        type: PING.type,
      });
    }
    return { body: body.payload, rttMs };
  }

  /** The board's own counters. */
  boardStats(opts: RequestOptions = {}): Promise<BoardStats> {
    return this.request(STATS, {}, opts);
  }

  /**
   * Resets the board and resolves with its new hello once it announced its boot and answered
   * hello again. Requests pending at that moment fail with `reset`.
   */
  async reset(opts: { timeoutMs?: number } = {}): Promise<HelloInfo> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let cleanup = (): void => undefined;
    const ready = new Promise<HelloInfo>((resolve, reject) => {
      let resetSeen = false;
      const onReset = (): void => {
        resetSeen = true;
      };
      const onReady = (h: HelloInfo): void => {
        if (resetSeen) resolve(h);
      };
      const onClose = (reason: string): void => reject(new SessionError('closed', `board closed during reset: ${reason}`));
      const timer = setTimeout(
        () => reject(new SessionError('timeout', `board ${this.boardId} did not come back from reset within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.on('reset', onReset);
      this.on('ready', onReady);
      this.on('close', onClose);
      cleanup = () => {
        clearTimeout(timer);
        this.off('reset', onReset);
        this.off('ready', onReady);
        this.off('close', onClose);
      };
    });
    try {
      await this.request(RESET, {});
      return await ready;
    } finally {
      cleanup();
    }
  }

  // ---- raw access, closing ---------------------------------------------------------------

  /** Writes bytes to the link as they are (tools and tests of the board's refusals). */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    if (this.sessionState === 'closed') throw new SessionError('closed', `cannot write to ${this.boardId}: session closed`);
    this.counters.bytesOut += bytes.length;
    await this.link.write(bytes);
  }

  /** Closes the session: pending requests fail with `closed`, the link is closed. */
  async close(reason = 'session closed by the host'): Promise<void> {
    await this.shutdown(reason, true);
  }

  private async shutdown(reason: string, closeLink: boolean): Promise<void> {
    if (this.sessionState === 'closed') return;
    this.sessionState = 'closed';
    this.closeReason = reason;
    this.resetGeneration++;
    this.failPending((p) => new SessionError('closed', `${p.name} request${p.id ? ` id ${p.id}` : ''} to ${this.boardId} failed: ${reason}`), true);
    this.link.off('data', this.onLinkData);
    this.link.off('close', this.onLinkClose);
    if (closeLink && this.link.isOpen) {
      try {
        await this.link.close();
      } catch {
        // the link is going away either way
      }
    }
    this.emit('close', reason);
  }
}
