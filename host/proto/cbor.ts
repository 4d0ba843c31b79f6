// Body encoding and decoding with cbor-x, configured for plain deterministic CBOR: no record
// extension, no tag on byte arrays, maps as `Map` with integer keys written in ascending order,
// map sizes exact. Bodies are checked against the subset (cbor-subset.ts) both ways: incoming
// before cbor-x sees them, outgoing after cbor-x wrote them.

import { Decoder, Encoder, type Options } from 'cbor-x';
import { parseSubset, type SubsetLimits } from './cbor-subset.js';
import { ProtocolError } from './errors.js';

/** The values a body is built from: what cbor-x gives back and what the encoder takes. */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CborValue[]
  | CborMap;
export type CborMap = Map<number, CborValue>;

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  pack: false,
});

// int64AsNumber is a cbor-x option its type declarations do not list: 64-bit integers come
// back as numbers (the typed codecs refuse those beyond 2^53) rather than bigint.
const decoderOptions: Options & { int64AsNumber: boolean } = {
  useRecords: false,
  mapsAsObjects: false,
  int64AsNumber: true,
};
const decoder = new Decoder(decoderOptions);

const TWO_32 = 2 ** 32;
const U64_MAX = (1n << 64n) - 1n;

function localError(path: string, reason: string): ProtocolError {
  return new ProtocolError('bad_body', `cannot encode ${path}: ${reason}`, { origin: 'local' });
}

/**
 * Prepares a value for cbor-x so its output is the canonical subset: integers that need more
 * than 32 bits become bigint (cbor-x would write a number of that size as a float), maps get
 * ascending keys; floats and other values are refused.
 */
function canonical(v: CborValue, path: string): unknown {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw localError(path, `${v} is not a safe integer (floats are outside the subset)`);
    return v >= TWO_32 || v < -TWO_32 ? BigInt(v) : v;
  }
  if (typeof v === 'bigint') {
    if (v > U64_MAX || v < -1n - U64_MAX) throw localError(path, `${v} does not fit in 64 bits`);
    // cbor-x always writes a bigint with 8 bytes; small ones go back to numbers for shortest form.
    return v >= -BigInt(TWO_32) && v < BigInt(TWO_32) ? Number(v) : v;
  }
  if (typeof v === 'string' || typeof v === 'boolean' || v === null || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x, i) => canonical(x, `${path}[${i}]`));
  if (v instanceof Map) {
    const keys = [...v.keys()];
    for (const k of keys) {
      if (!Number.isSafeInteger(k) || k < 0) throw localError(path, `map key ${String(k)} is not an unsigned integer`);
    }
    keys.sort((a, b) => a - b);
    return new Map(keys.map((k) => [k, canonical(v.get(k)!, `${path}.${k}`)]));
  }
  throw localError(path, `unsupported value of type ${typeof v}`);
}

/** Encodes a body map; the result is a fresh buffer and is checked against the subset. */
export function encodeCbor(body: CborMap, limits: SubsetLimits = {}): Uint8Array {
  // cbor-x returns a view into a buffer it reuses; copy it out.
  const bytes = new Uint8Array(encoder.encode(canonical(body, 'body')));
  try {
    parseSubset(bytes, limits);
  } catch (e) {
    if (e instanceof ProtocolError) {
      throw new ProtocolError(e.code, `encoded body is outside the subset: ${e.detail}`, { origin: 'local' });
    }
    throw e;
  }
  return bytes;
}

/** Decodes a body after checking it is of the subset; throws ProtocolError bad_body/too_large. */
export function decodeCbor(body: Uint8Array, limits: SubsetLimits = {}): CborMap {
  parseSubset(body, limits);
  return decoder.decode(body) as CborMap;
}
