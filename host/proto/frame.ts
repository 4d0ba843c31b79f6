// Frames: header (8 bytes) | CBOR body | CRC-32 (4 bytes, little-endian), sent as COBS + 0x00.
// decodeRun applies PROTOCOL.md 2.2 checks 2 to 6 in the order given there; the checks that
// need to know the receiver's role and the message types (7 to 10) are in receive.ts.

import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';
import { CRC_SIZE, HEADER_SIZE, KIND, MAX_FRAME, MIN_FRAME, PROTO_VERSION, type KindName } from './constants.js';
import { crc32 } from './crc32.js';
import { ProtocolError } from './errors.js';

export interface FrameHeader {
  version: number;
  kind: number;
  /** request id, 0..65535 */
  id: number;
  /** message type, 0..65535 */
  type: number;
  /** body length, bytes */
  length: number;
}

export interface Frame {
  header: FrameHeader;
  /** the CBOR body, `header.length` bytes */
  body: Uint8Array;
}

export interface FrameAddress {
  kind: KindName | number;
  id: number;
  type: number;
  /** defaults to PROTO_VERSION; other values only for tests of refusal */
  version?: number;
}

/** Longest COBS run (without the delimiter) that can hold a raw frame of `maxFrame` bytes. */
export function maxRunLength(maxFrame = MAX_FRAME): number {
  return cobsMaxEncodedLength(maxFrame);
}

function u16(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
    throw new ProtocolError('bad_argument', `frame ${name} ${v} is not an integer in 0..65535`, { origin: 'local' });
  }
  return v;
}

/** header | body | crc, refusing a frame over `maxFrame` bytes. */
export function encodeRawFrame(addr: FrameAddress, body: Uint8Array, maxFrame = MAX_FRAME): Uint8Array {
  const size = HEADER_SIZE + body.length + CRC_SIZE;
  const kind = typeof addr.kind === 'number' ? addr.kind : KIND[addr.kind];
  if (size > maxFrame) {
    throw new ProtocolError('too_large', `frame of ${size} bytes exceeds max_frame ${maxFrame}`, {
      origin: 'local',
      id: addr.id,
      type: addr.type,
    });
  }
  const raw = new Uint8Array(size);
  const view = new DataView(raw.buffer);
  raw[0] = addr.version ?? PROTO_VERSION;
  raw[1] = kind;
  view.setUint16(2, u16('id', addr.id), true);
  view.setUint16(4, u16('type', addr.type), true);
  view.setUint16(6, body.length, true);
  raw.set(body, HEADER_SIZE);
  view.setUint32(HEADER_SIZE + body.length, crc32(raw, 0, HEADER_SIZE + body.length), true);
  return raw;
}

/** The bytes that go on the wire: COBS(raw frame) and the 0x00 delimiter. */
export function encodeWireFrame(addr: FrameAddress, body: Uint8Array, maxFrame = MAX_FRAME): Uint8Array {
  return cobsEncode(encodeRawFrame(addr, body, maxFrame), true);
}

function readHeader(raw: Uint8Array): FrameHeader {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return {
    version: raw[0]!,
    kind: raw[1]!,
    id: view.getUint16(2, true),
    type: view.getUint16(4, true),
    length: view.getUint16(6, true),
  };
}

/** id and type from the first decoded bytes of a run, as far as they can be read (check 2). */
export function peekAddress(runPrefix: Uint8Array): { id: number; type: number } {
  // Decode leniently: the prefix is cut short, so a code pointing past its end is expected.
  const out: number[] = [];
  let i = 0;
  while (i < runPrefix.length && out.length < 6) {
    const code = runPrefix[i]!;
    if (code === 0) break;
    for (let j = i + 1; j < i + code && j < runPrefix.length && out.length < 6; j++) out.push(runPrefix[j]!);
    i += code;
    if (code < 0xff && i < runPrefix.length) out.push(0);
  }
  return {
    id: out.length >= 4 ? out[2]! | (out[3]! << 8) : 0,
    type: out.length >= 6 ? out[4]! | (out[5]! << 8) : 0,
  };
}

/** Error for a run over the limit (check 2); `prefix` holds its first bytes. */
export function oversizeError(runLength: number | undefined, prefix: Uint8Array, maxFrame = MAX_FRAME): ProtocolError {
  const { id, type } = peekAddress(prefix);
  const message =
    runLength === undefined
      ? `frame of more than ${maxFrame} bytes exceeds max_frame ${maxFrame}`
      : `encoded frame of ${runLength} bytes exceeds the ${maxRunLength(maxFrame)} that max_frame ${maxFrame} allows`;
  return new ProtocolError('too_large', message, { id, type });
}

export interface DecodeOptions {
  /** largest raw frame accepted, bytes */
  maxFrame?: number;
}

/**
 * Checks a raw frame (header | body | crc) in the order of PROTOCOL.md 2.2, checks 3 to 6:
 * length >= 12, CRC, header length field, version.
 */
export function decodeRawFrame(raw: Uint8Array, opts: DecodeOptions = {}): Frame {
  const maxFrame = opts.maxFrame ?? MAX_FRAME;
  if (raw.length > maxFrame) {
    const { id, type } = raw.length >= 6 ? readHeader(raw) : { id: 0, type: 0 };
    throw new ProtocolError('too_large', `frame of ${raw.length} bytes exceeds max_frame ${maxFrame}`, { id, type });
  }
  if (raw.length < MIN_FRAME) {
    throw new ProtocolError('bad_frame', `frame of ${raw.length} bytes is shorter than header and CRC (${MIN_FRAME})`);
  }
  const header = readHeader(raw);
  const at = { id: header.id, type: header.type };
  const end = raw.length - CRC_SIZE;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const sent = view.getUint32(end, true);
  const computed = crc32(raw, 0, end);
  if (sent !== computed) {
    throw new ProtocolError(
      'bad_crc',
      `frame CRC 0x${sent.toString(16).padStart(8, '0')} does not match computed 0x${computed.toString(16).padStart(8, '0')}`,
      at,
    );
  }
  const bodyLength = end - HEADER_SIZE;
  if (header.length !== bodyLength) {
    throw new ProtocolError('bad_frame', `header length ${header.length} disagrees with the ${bodyLength}-byte body`, at);
  }
  if (header.version !== PROTO_VERSION) {
    throw new ProtocolError('bad_version', `protocol version ${header.version} is not ${PROTO_VERSION}`, at);
  }
  return { header, body: raw.subarray(HEADER_SIZE, end) };
}

/**
 * Decodes one 0x00-terminated run (without the delimiter), checks 2 to 6. The caller drops
 * empty runs (check 1) before calling.
 */
export function decodeRun(run: Uint8Array, opts: DecodeOptions = {}): Frame {
  const maxFrame = opts.maxFrame ?? MAX_FRAME;
  if (run.length > maxRunLength(maxFrame)) throw oversizeError(run.length, run.subarray(0, 16), maxFrame);
  return decodeRawFrame(cobsDecode(run), opts);
}
