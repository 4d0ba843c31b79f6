// Why a request ended without an answer from the board (as opposed to a ProtocolError, which
// carries the protocol's error code).

export type SessionFailure =
  /** no answer within the request's timeout */
  | 'timeout'
  /** the board reset (boot event or a new session in hello) while the request was pending */
  | 'reset'
  /** the session or its link closed */
  | 'closed';

export class SessionError extends Error {
  override readonly name = 'SessionError';
  constructor(
    readonly reason: SessionFailure,
    message: string,
  ) {
    super(message);
  }
}

export function isSessionError(e: unknown, reason?: SessionFailure): e is SessionError {
  return e instanceof SessionError && (reason === undefined || e.reason === reason);
}
