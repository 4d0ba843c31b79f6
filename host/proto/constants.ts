// Protocol version 1 constants (proto/PROTOCOL.md). The C firmware holds the same numbers in
// firmware/core/proto.h; test/unit/proto-constants.test.ts demands the two agree.

export const PROTO_VERSION = 1;

/** Frame kinds (PROTOCOL.md 2.1). */
export const KIND = {
  request: 0,
  response: 1,
  event: 2,
  error: 3,
} as const;
export type KindName = keyof typeof KIND;

/** Message types (PROTOCOL.md 4). Later message families add their numbers here. */
export const MSG = {
  hello: 0x0001, ping: 0x0002, stats: 0x0003, reset: 0x0004, boot: 0x0005,
  // Loading segments (PROTOCOL.md 8).
  segment_begin: 0x0010, segment_chunk: 0x0011, segment_commit: 0x0012,
  segment_abort: 0x0013, segment_list: 0x0014, segment_unload: 0x0015,
  // Tensors, inference and profiling (PROTOCOL.md 9).
  tensor_put: 0x0020, tensor_get: 0x0021, infer: 0x0022, profile: 0x0023,
  // Sensing and delivery (PROTOCOL.md 10).
  sense: 0x0030, deliver: 0x0031, outputs: 0x0032,
} as const;
export type MessageName = keyof typeof MSG;

/** Error codes (PROTOCOL.md 4.5). */
export const ERR = {
  bad_frame: 1, bad_crc: 2, too_large: 3, bad_version: 4, unknown_type: 5,
  bad_body: 6, bad_kind: 7, busy: 8, not_found: 9, bad_state: 10,
  does_not_fit: 11, bad_hash: 12, bad_argument: 13, internal: 14, unsupported: 15,
} as const;
export type ErrorName = keyof typeof ERR;

/** Largest raw frame (header + body + CRC), bytes. */
export const MAX_FRAME = 8192;
/** Largest byte string in a body, bytes. */
export const MAX_PAYLOAD = 8064;
/** Requests a board takes at once unless its hello says otherwise. */
export const MAX_IN_FLIGHT = 48;
/** Requests that wait for their answer (sense, infer, profile) a board holds at once; past it, busy at once. */
export const MAX_WAITING = 46;
/** Senses waiting for their frame a board holds at once, all sensors together; past it, busy at once. */
export const SENSE_QUEUE = 24;

export const HEADER_SIZE = 8;
export const CRC_SIZE = 4;
/** Shortest raw frame: a header and a CRC around an empty body. */
export const MIN_FRAME = HEADER_SIZE + CRC_SIZE;

/** CBOR subset limits (PROTOCOL.md 3; firmware/core/cbor.h). */
export const CBOR_MAX_DEPTH = 8;
export const CBOR_MAX_TEXT = 64;
export const CBOR_MAX_ITEMS = 1024;

/** Unpaced links are treated as this many baud when timeouts are computed (PROTOCOL.md 5). */
export const UNPACED_BAUD = 1_000_000;

/** A code-to-name table's inverse, for naming the codes that arrive. */
function namesByCode<N extends string>(table: Readonly<Record<N, number>>): Map<number, N> {
  return new Map(Object.entries<number>(table).map(([name, code]) => [code, name as N]));
}
const KIND_NAMES = namesByCode<KindName>(KIND);
const ERROR_NAMES = namesByCode<ErrorName>(ERR);
const MESSAGE_NAMES = namesByCode<MessageName>(MSG);

export function kindName(code: number): KindName | undefined {
  return KIND_NAMES.get(code);
}

export function errorName(code: number): ErrorName | undefined {
  return ERROR_NAMES.get(code);
}

export function messageName(code: number): MessageName | undefined {
  return MESSAGE_NAMES.get(code);
}

/** `0x0777` style spelling of a message type, as the board's messages use it. */
export function typeHex(type: number): string {
  return '0x' + type.toString(16).padStart(4, '0');
}
