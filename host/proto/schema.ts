// Typed body codecs: named TypeScript fields <-> the integer keys on the wire. A message body
// is described once as a struct of fields; the decoder checks every known key's type (and that
// required keys are present) and ignores unknown keys, as PROTOCOL.md 3 asks.

import { CBOR_MAX_ITEMS, CBOR_MAX_TEXT, MAX_PAYLOAD } from './constants.js';
import type { CborMap, CborValue } from './cbor.js';
import { ProtocolError } from './errors.js';

export interface Codec<T> {
  /** what the codec takes, for error messages: "uint", "text", "[* uint]" */
  readonly label: string;
  /** checks a decoded value; throws ProtocolError bad_body naming `path` */
  decode(value: unknown, path: string): T;
  /** turns a typed value into what the CBOR encoder takes; throws on a value out of range */
  encode(value: T, path: string): CborValue;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `byte string of ${v.length} bytes`;
  if (v instanceof Map) return 'map';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : `number ${v}`;
  if (typeof v === 'string') return 'text';
  return typeof v;
}

function received(path: string, reason: string): ProtocolError {
  return new ProtocolError('bad_body', `${path}: ${reason}`);
}

function local(path: string, reason: string): ProtocolError {
  return new ProtocolError('bad_argument', `${path}: ${reason}`, { origin: 'local' });
}

function integer(label: string, min: number): Codec<number> {
  return {
    label,
    decode(v, path) {
      if (typeof v === 'bigint') throw received(path, `integer ${v} is beyond 2^53, the host's limit`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw received(path, `expected ${label}, got ${describe(v)}`);
      if (!Number.isSafeInteger(v)) throw received(path, `integer ${v} is beyond 2^53, the host's limit`);
      return v;
    },
    encode(v, path) {
      if (!Number.isSafeInteger(v) || v < min) throw local(path, `expected ${label}, got ${describe(v)}`);
      return v;
    },
  };
}

/** Unsigned integer (major type 0), as a safe JavaScript integer. */
export const uint: Codec<number> = integer('uint', 0);
/** Signed integer (major types 0 and 1), as a safe JavaScript integer. */
export const int: Codec<number> = integer('int', Number.MIN_SAFE_INTEGER);

/** Byte string of at most `max` bytes. */
export function bytes(max = MAX_PAYLOAD): Codec<Uint8Array> {
  return {
    label: 'bstr',
    decode(v, path) {
      if (!(v instanceof Uint8Array)) throw received(path, `expected bstr, got ${describe(v)}`);
      if (v.length > max) {
        throw new ProtocolError('too_large', `${path}: byte string of ${v.length} bytes exceeds max_payload ${max}`);
      }
      return v;
    },
    encode(v, path) {
      if (!(v instanceof Uint8Array)) throw local(path, `expected bytes, got ${describe(v)}`);
      if (v.length > max) {
        throw new ProtocolError('too_large', `${path}: byte string of ${v.length} bytes exceeds max_payload ${max}`, {
          origin: 'local',
        });
      }
      return v;
    },
  };
}

/** UTF-8 text string of at most `max` bytes. */
export function text(max = CBOR_MAX_TEXT): Codec<string> {
  const check = (v: unknown, path: string, fail: (p: string, r: string) => ProtocolError): string => {
    if (typeof v !== 'string') throw fail(path, `expected tstr, got ${describe(v)}`);
    const n = Buffer.byteLength(v, 'utf8');
    if (n > max) throw fail(path, `text of ${n} bytes exceeds the limit ${max}`);
    return v;
  };
  return {
    label: 'tstr',
    decode: (v, path) => check(v, path, received),
    encode: (v, path) => check(v, path, local),
  };
}

/** One of a fixed set of text values. */
export function oneOf<const T extends string>(...values: T[]): Codec<T> {
  const label = values.map((v) => JSON.stringify(v)).join(' / ');
  const check = (v: unknown, path: string, fail: (p: string, r: string) => ProtocolError): T => {
    if (typeof v !== 'string' || !(values as string[]).includes(v)) {
      throw fail(path, `expected ${label}, got ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}`);
    }
    return v as T;
  };
  return { label, decode: (v, path) => check(v, path, received), encode: (v, path) => check(v, path, local) };
}

export const bool: Codec<boolean> = {
  label: 'bool',
  decode(v, path) {
    if (typeof v !== 'boolean') throw received(path, `expected bool, got ${describe(v)}`);
    return v;
  },
  encode(v, path) {
    if (typeof v !== 'boolean') throw local(path, `expected bool, got ${describe(v)}`);
    return v;
  },
};

/** Array of items of one codec, at most `max` entries. */
export function arrayOf<T>(item: Codec<T>, max = CBOR_MAX_ITEMS): Codec<T[]> {
  return {
    label: `[* ${item.label}]`,
    decode(v, path) {
      if (!Array.isArray(v)) throw received(path, `expected array, got ${describe(v)}`);
      if (v.length > max) throw received(path, `array of ${v.length} entries exceeds the limit ${max}`);
      return v.map((x, i) => item.decode(x, `${path}[${i}]`));
    },
    encode(v, path) {
      if (!Array.isArray(v)) throw local(path, `expected array, got ${describe(v)}`);
      if (v.length > max) throw local(path, `array of ${v.length} entries exceeds the limit ${max}`);
      return v.map((x, i) => item.encode(x, `${path}[${i}]`));
    },
  };
}

export interface Field<T, Optional extends boolean> {
  readonly key: number;
  readonly codec: Codec<T>;
  readonly optional: Optional;
}

/** A required field at integer key `key`. */
export function field<T>(key: number, codec: Codec<T>): Field<T, false> {
  return { key, codec, optional: false };
}

/** A field that may be absent (added within version 1 after the first boards shipped). */
export function optional<T>(key: number, codec: Codec<T>): Field<T, true> {
  return { key, codec, optional: true };
}

export type Fields = Record<string, Field<unknown, boolean>>;

type FieldType<F> = F extends Field<infer T, boolean> ? T : never;
type Flatten<T> = { [K in keyof T]: T[K] };

export type StructOf<F extends Fields> = Flatten<
  { [K in keyof F as F[K] extends Field<unknown, false> ? K : never]: FieldType<F[K]> } & {
    [K in keyof F as F[K] extends Field<unknown, false> ? never : K]?: FieldType<F[K]>;
  }
>;

export interface StructCodec<F extends Fields> extends Codec<StructOf<F>> {
  readonly fields: F;
}

/** A CBOR map with integer keys, as an object with named fields. */
export function struct<F extends Fields>(fields: F): StructCodec<F> {
  const entries = Object.entries(fields).sort((a, b) => a[1].key - b[1].key);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]![1].key === entries[i - 1]![1].key) {
      throw new Error(`struct fields ${entries[i - 1]![0]} and ${entries[i]![0]} share key ${entries[i]![1].key}`);
    }
  }
  const label = '{' + entries.map(([name, f]) => `${f.key}: ${name}`).join(', ') + '}';
  return {
    fields,
    label,
    decode(v, path) {
      if (!(v instanceof Map)) throw received(path, `expected map, got ${describe(v)}`);
      const out: Record<string, unknown> = {};
      for (const [name, f] of entries) {
        const x: unknown = v.get(f.key);
        const at = `${path}.${name} (key ${f.key})`;
        if (x === undefined) {
          if (f.optional) continue;
          throw received(at, 'missing');
        }
        out[name] = f.codec.decode(x, at);
      }
      return out as StructOf<F>;
    },
    encode(v, path) {
      if (typeof v !== 'object' || v === null) throw local(path, `expected an object, got ${describe(v)}`);
      const m: CborMap = new Map();
      const obj = v as Record<string, unknown>;
      for (const [name, f] of entries) {
        const x = obj[name];
        const at = `${path}.${name}`;
        if (x === undefined) {
          if (f.optional) continue;
          throw local(at, 'missing');
        }
        m.set(f.key, f.codec.encode(x, at));
      }
      return m;
    },
  };
}
