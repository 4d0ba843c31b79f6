// One error type for everything the protocol can refuse, named with the protocol's codes
// (PROTOCOL.md 4.5), whether the host's own decoder found it or a board reported it.

import { ERR, errorName, type ErrorName } from './constants.js';

/** Where a protocol error was detected. */
export type ErrorOrigin =
  /** the host's decoder refused bytes it received */
  | 'received'
  /** a board answered with an error frame */
  | 'board'
  /** the host refused to encode or send something */
  | 'local';

export interface ProtocolErrorInit {
  origin?: ErrorOrigin;
  /** request id from the frame header, 0 when it could not be read */
  id?: number;
  /** message type from the frame header, 0 when it could not be read */
  type?: number;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ErrorName;
  readonly codeNumber: number;
  readonly origin: ErrorOrigin;
  readonly id: number;
  readonly type: number;
  /** The message without the code prefix. */
  readonly detail: string;

  constructor(code: ErrorName, message: string, init: ProtocolErrorInit = {}) {
    super(`${code}: ${message}`);
    this.code = code;
    this.codeNumber = ERR[code];
    this.origin = init.origin ?? 'received';
    this.id = init.id ?? 0;
    this.type = init.type ?? 0;
    this.detail = message;
  }

  /** A board's error frame as an exception; unknown codes keep their number in the text. */
  static fromBoard(codeNumber: number, message: string, id: number, type: number): ProtocolError {
    const name = errorName(codeNumber);
    if (name === undefined) {
      return new ProtocolError('internal', `board sent unknown error code ${codeNumber}: ${message}`, {
        origin: 'board',
        id,
        type,
      });
    }
    return new ProtocolError(name, message, { origin: 'board', id, type });
  }
}

export function isProtocolError(e: unknown, code?: ErrorName): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}
