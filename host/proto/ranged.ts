// Codecs for integers within a range or from a fixed set, and byte strings of an exact size:
// what the CDDL spells `0..15`, `8 / 32` and `bstr .size 32`. A value the board sent out of
// range is `bad_body`; a value the host was about to send out of range is refused locally
// with `bad_argument`.

import { ProtocolError } from './errors.js';
import type { Codec } from './schema.js';

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `byte string of ${v.length} bytes`;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : `number ${v}`;
  if (typeof v === 'bigint') return `integer ${v}`;
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function failure(local: boolean, path: string, reason: string): ProtocolError {
  return local
    ? new ProtocolError('bad_argument', `${path}: ${reason}`, { origin: 'local' })
    : new ProtocolError('bad_body', `${path}: ${reason}`);
}

function checked(label: string, ok: (v: number) => boolean): Codec<number> {
  const check = (v: unknown, path: string, local: boolean): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || !ok(v)) throw failure(local, path, `expected ${label}, got ${describe(v)}`);
    return v;
  };
  return { label, decode: (v, path) => check(v, path, false), encode: (v, path) => check(v, path, true) };
}

/** An integer in [min, max]. */
export function intIn(min: number, max: number): Codec<number> {
  return checked(`${min}..${max}`, (v) => v >= min && v <= max);
}

/** One of a few integers, e.g. a tensor width `8 / 32`. */
export function intOneOf<const T extends number>(...values: T[]): Codec<T> {
  return checked(values.join(' / '), (v) => (values as number[]).includes(v)) as Codec<T>;
}

/** A byte string of exactly `size` bytes (a hash). */
export function bytesExactly(size: number): Codec<Uint8Array> {
  const check = (v: unknown, path: string, local: boolean): Uint8Array => {
    if (!(v instanceof Uint8Array) || v.length !== size) throw failure(local, path, `expected a byte string of ${size} bytes, got ${describe(v)}`);
    return v;
  };
  return { label: `bstr .size ${size}`, decode: (v, path) => check(v, path, false), encode: (v, path) => check(v, path, true) };
}
