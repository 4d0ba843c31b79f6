// A session with one board over any ByteLink: hello on open (the board's limits), concurrent
// requests matched by id, credits (at most max_in_flight outstanding), timeouts that scale
// with bytes, typed board errors, events, reset detection and host-side counters
// (PROTOCOL.md 2.2, 4 and 5). Every message family uses `request`; ping, stats and reset
// have typed helpers.

import { randomBytes } from 'node:crypto';
import type { ByteLink } from '../link/byte-link.js';
import {
  CRC_SIZE,
  HEADER_SIZE,
  HELLO,
  MAX_FRAME,
  PING,
  PROTO_VERSION,
  ProtocolError,
  RESET,
  STATS,
  cobsMaxEncodedLength,
  type BoardStats,
  type BootInfo,
  type HelloInfo,
} from '../proto/index.js';
import { SessionCore } from './session-core.js';
import { SessionError } from './session-error.js';
import type { RequestOptions, ResetInfo, SessionOptions, Timed } from './session-types.js';

export type { BoardEvent, Deadline, RequestOptions, ResetInfo, SessionEvents, SessionOptions, SessionState, Timed } from './session-types.js';

export class BoardSession extends SessionCore {
  private constructor(link: ByteLink, opts: SessionOptions) {
    super(link, opts);
  }

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

  // ---- hello, reset ----------------------------------------------------------------------

  protected onBoot(boot: BootInfo): void {
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

}
