// PROTOCOL.md 2.2 checks 7 to 9, for frames that passed decodeRun (checks 1 to 6). The board
// side is written out here so the codec can be checked against every invalid vector the way a
// board must see them; the host side lives in BoardSession, which knows its pending requests.

import { KIND, kindName, typeHex } from './constants.js';
import { ProtocolError } from './errors.js';
import type { Frame } from './frame.js';
import { decodeBody, eventDef, requestDef, errorBody, type EventDef, type RequestDef } from './messages.js';
import type { SubsetLimits } from './cbor-subset.js';

export interface CheckedRequest {
  def: RequestDef<unknown, unknown>;
  body: unknown;
}

/** Checks 7 to 9 as a board applies them to a frame from the host. */
export function checkAsBoard(frame: Frame, limits: SubsetLimits = {}): CheckedRequest {
  const { kind, id, type } = frame.header;
  const at = { id, type };
  if (kind !== KIND.request) {
    throw new ProtocolError('bad_kind', `frame kind ${kind} (${kindName(kind) ?? 'unknown'}) is not a request`, at);
  }
  const def = requestDef(type);
  if (def === undefined) throw new ProtocolError('unknown_type', `unknown message type ${typeHex(type)}`, at);
  try {
    return { def, body: decodeBody(def.request, frame.body, `${def.name} request`, limits) };
  } catch (e) {
    if (e instanceof ProtocolError) throw new ProtocolError(e.code, e.detail, at);
    throw e;
  }
}

/** An event frame from a board, checked (type known, body well formed). */
export function checkEvent(frame: Frame, limits: SubsetLimits = {}): { def: EventDef<unknown>; body: unknown } {
  const { id, type } = frame.header;
  const def = eventDef(type);
  if (def === undefined) throw new ProtocolError('unknown_type', `unknown event type ${typeHex(type)}`, { id, type });
  try {
    return { def, body: decodeBody(def.event, frame.body, `${def.name} event`, limits) };
  } catch (e) {
    if (e instanceof ProtocolError) throw new ProtocolError(e.code, e.detail, { id, type });
    throw e;
  }
}

/** An error frame's body ({0: code, 1: message}) as the board's ProtocolError. */
export function errorFromFrame(frame: Frame): ProtocolError {
  const { id, type } = frame.header;
  let e;
  try {
    e = decodeBody(errorBody, frame.body, 'error body');
  } catch (err) {
    if (err instanceof ProtocolError) throw new ProtocolError(err.code, err.detail, { id, type });
    throw err;
  }
  return ProtocolError.fromBoard(e.code, e.message, id, type);
}
