// Body encoding with cbor-x, configured for plain deterministic CBOR: no record extension, no
// tag on byte arrays, maps as `Map` with integer keys written in ascending order, map sizes
// exact; the encoded bytes are checked against the subset. Decoding has one reader, the subset's
// (cbor-subset.ts): what it parses is turned into values, so nothing outside the subset is read.

import { Encoder } from 'cbor-x';
import { parseSubset, type CborNode, type SubsetLimits } from './cbor-subset.js';
import { ProtocolError } from './errors.js';

/** The values a body is built from: what the decoder gives back and what the encoder takes. */
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

/** A parsed item as a value: integers as numbers while exact, else bigint (the typed codecs refuse those). */
function valueOf(node: CborNode): CborValue {
  switch (node.kind) {
    case 'int': {
      const n = Number(node.value);
      return Number.isSafeInteger(n) ? n : node.value;
    }
    case 'bytes':
    case 'text':
    case 'simple':
      return node.value;
    case 'array':
      return node.items.map(valueOf);
    case 'map': {
      // The reader has checked every key is an unsigned integer in ascending order.
      const m: CborMap = new Map();
      for (const [k, v] of node.entries) {
        const key = k.kind === 'int' ? Number(k.value) : NaN;
        if (!Number.isSafeInteger(key)) throw new ProtocolError('bad_body', `map key ${String(k.kind === 'int' ? k.value : k.kind)} is beyond 2^53, the host's limit`);
        m.set(key, valueOf(v));
      }
      return m;
    }
  }
}

/** Decodes a body of the subset; throws ProtocolError bad_body/too_large. */
export function decodeCbor(body: Uint8Array, limits: SubsetLimits = {}): CborMap {
  return valueOf(parseSubset(body, limits)) as CborMap;
}
