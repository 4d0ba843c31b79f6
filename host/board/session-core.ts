// The core of a session with one board over any ByteLink: concurrent requests matched by id,
// credits (at most max_in_flight outstanding), deadlines and timeouts that scale with bytes,
// typed board errors, events and host-side counters (PROTOCOL.md 2.2, 4 and 5). session.ts
// adds hello on open (the board's limits), reset detection, ping, stats and reset.

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
  ProtocolError,
  RunSplitter,
  UNPACED_BAUD,
  type BootInfo,
  type Codec,
  type EventDef,
  type Frame,
  type HelloInfo,
  type RequestDef,
  type SplitRun,
} from '../proto/index.js';
import { emptyHostStats, type HostStats } from './host-stats.js';
import { RequestBook } from './request-book.js';
import { SessionError } from './session-error.js';

import {
  DEFAULT_EXPECT_BYTES,
  type BoardEvent,
  type Deadline,
  type Pending,
  type RequestOptions,
  type SessionEvents,
  type SessionOptions,
  type SessionState,
  type Timed,
} from './session-types.js';

export abstract class SessionCore extends EventEmitter<SessionEvents> {
  readonly link: ByteLink;
  protected readonly opts: Required<SessionOptions>;
  protected readonly splitter: RunSplitter;
  protected readonly counters: HostStats = emptyHostStats();
  private readonly book = new RequestBook();
  private readonly queue = this.book.queue;
  private readonly inFlight = this.book.inFlight;
  protected helloInfo: HelloInfo | undefined;
  protected lastBoot: BootInfo | undefined;
  protected sessionState: SessionState = 'opening';
  protected resetGeneration = 0;
  protected closeReason: string | undefined;
  /** requests whose answer is handed back as raw CBOR (requestRaw) */
  private readonly rawBodies = new WeakSet<Pending>();
  private readonly onSplitRun = (item: SplitRun): void => this.onRun(item);
  private readonly onLinkData = (chunk: Uint8Array): void => {
    this.counters.bytesIn += chunk.length;
    this.splitter.feed(chunk, this.onSplitRun);
  };
  private readonly onLinkClose = (info: LinkCloseInfo): void => {
    void this.shutdown(`link ${this.link.description} closed: ${info.reason}`, false);
  };

  protected constructor(link: ByteLink, opts: SessionOptions) {
    super();
    this.link = link;
    this.opts = {
      timeoutBaseMs: opts.timeoutBaseMs ?? 2000,
      timeoutFactor: opts.timeoutFactor ?? 3,
      helloTimeoutMs: opts.helloTimeoutMs ?? 3000,
      helloAttempts: opts.helloAttempts ?? 2,
    };
    this.splitter = new RunSplitter(MAX_FRAME);
    link.on('data', this.onLinkData);
    link.on('close', this.onLinkClose);
  }

  /** Opens a session on a link: says hello and resolves once the board's limits are known. */
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

  /** Sends queued requests while credits allow. */
  protected pump(): void {
    while (this.queue.length > 0 && this.inFlight.size < this.maxInFlight) {
      const index = this.sessionState === 'ready' ? 0 : this.queue.findIndex((p) => p.priority);
      if (index < 0) return;
      const [p] = this.queue.splice(index, 1);
      this.send(p!);
    }
  }

  /**
   * The request in flight whose answer is the most overdue at `now` (by the deadline the cost
   * model gave it when it was sent, `RequestOptions.workMs`), or null when none is late.
   */
  overdue(now = performance.now()): Deadline | null {
    return this.book.overdue(now);
  }

  /** Every request in flight with its deadline, in the order sent. */
  deadlines(): Deadline[] {
    return this.book.deadlines();
  }

  /**
   * How late, at most, this board's answers came after their deadlines over the last `windowMs`
   * (0 when none was late): what this host and link do beyond the cost model just now (a loaded
   * machine delays a pseudo-terminal's bytes by hundreds of ms; an emulator computes longer
   * than the chip it models).
   */
  recentLatenessMs(windowMs: number, now = performance.now()): number {
    return this.book.recentLatenessMs(windowMs, now);
  }

  /** The largest work (ms) of one request in flight: how long a live board may stay silent serving one. */
  get longestWorkMs(): number {
    return this.book.longestWorkMs();
  }

  private send(p: Pending): void {
    p.id = this.book.allocateId();
    let wire: Uint8Array;
    try {
      wire = encodeWireFrame({ kind: 'request', id: p.id, type: p.type }, p.body, this.maxFrame);
    } catch (e) {
      p.reject(e as Error);
      return;
    }
    p.wireBytes = wire.length;
    this.inFlight.set(p.id, p);
    const timeoutMs = this.book.timeoutFor(p, this.opts.timeoutBaseMs, this.opts.timeoutFactor, this.baud);
    p.timer = setTimeout(() => this.onTimeout(p, timeoutMs), timeoutMs);
    p.sentAt = performance.now();
    p.dueAt = this.book.dueAt(p, this.baud);
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
  protected failPending(makeError: (p: Pending) => Error, includePriority: boolean): void {
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

  /** A boot announcement (BoardSession decides whether it is a reset). */
  protected abstract onBoot(boot: BootInfo): void;

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
    this.book.noteLateness(answeredAt, answeredAt - p.dueAt);
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

  protected async shutdown(reason: string, closeLink: boolean): Promise<void> {
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

