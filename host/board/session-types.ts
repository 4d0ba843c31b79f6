// The shapes of a board session: its options, a request's options and deadline, the answers,
// resets and events it tells, and a request while it is pending.

import type { BootInfo, Codec, HelloInfo, ProtocolError } from '../proto/index.js';

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

export interface Pending {
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

export const DEFAULT_EXPECT_BYTES = 256;
