// The codec against the golden vectors of proto/vectors/ (written by tools/gen_vectors.py, an
// encoder that is neither the C nor the TypeScript one): every valid vector decodes to its
// header fields, diagnostic notation and typed message and re-encodes byte for byte; every
// invalid run is refused with its named code.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkAsBoard,
  checkEvent,
  cobsDecode,
  cobsEncode,
  decodeRun,
  diag,
  encodeBody,
  encodeRawFrame,
  encodeWireFrame,
  errorFromFrame,
  errorName,
  eventDef,
  fromHex,
  KIND,
  ProtocolError,
  requestDef,
  toHex,
  errorBody,
  decodeBody,
  type Codec,
  type Frame,
} from '../../host/proto/index.js';

const DIR = join(import.meta.dirname, '../../proto/vectors');

interface Vector {
  name: string;
  version: number;
  kind: keyof typeof KIND;
  id: number;
  type: string | number;
  type_code: number;
  body_diag: string;
  message: Record<string, unknown>;
  raw_hex: string;
  wire_hex: string;
}

interface InvalidVector {
  name: string;
  note: string;
  wire_hex: string;
  error: string;
  id: number;
  type_code: number;
}

const vectors: Vector[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Vector);
const invalid: InvalidVector[] = readdirSync(join(DIR, 'invalid'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(DIR, 'invalid', f), 'utf8')) as InvalidVector);

/** Typed values as the vectors spell them: byte strings as hex. */
function asVectorJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(asVectorJson);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asVectorJson(x)]));
  }
  return v;
}

/** The inverse: hex strings back to bytes where the codec wants bytes. */
function fromVectorJson(v: unknown, sample: unknown): unknown {
  if (sample instanceof Uint8Array && typeof v === 'string') return fromHex(v);
  if (Array.isArray(v) && Array.isArray(sample)) return v.map((x, i) => fromVectorJson(x, sample[i]));
  if (typeof v === 'object' && v !== null && typeof sample === 'object' && sample !== null) {
    const s = sample as Record<string, unknown>;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromVectorJson(x, s[k])]));
  }
  return v;
}

function codecFor(v: Vector): Codec<unknown> {
  if (v.kind === 'error') return errorBody as Codec<unknown>;
  if (v.kind === 'event') return eventDef(v.type_code)!.event;
  const def = requestDef(v.type_code)!;
  return v.kind === 'request' ? def.request : def.response;
}

describe('valid vectors', () => {
  it('there are vectors to check', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(13);
  });

  for (const v of vectors) {
    describe(v.name, () => {
      const frame: Frame = decodeRun(fromHex(v.wire_hex).subarray(0, -1));

      it('decodes the header fields', () => {
        expect(fromHex(v.wire_hex).at(-1)).toBe(0);
        expect(frame.header).toEqual({
          version: v.version,
          kind: KIND[v.kind],
          id: v.id,
          type: v.type_code,
          length: fromHex(v.raw_hex).length - 12,
        });
      });

      it('prints the body in canonical diagnostic notation', () => {
        expect(diag(frame.body)).toBe(v.body_diag);
      });

      it('decodes the typed message', () => {
        const codec = codecFor(v);
        const message = decodeBody(codec, frame.body, v.name);
        if (v.kind === 'error') {
          const e = errorFromFrame(frame);
          expect({ code: e.codeNumber, name: e.code, message: e.detail }).toEqual(v.message);
          expect(errorName(e.codeNumber)).toBe(v.message['name']);
        } else {
          expect(asVectorJson(message)).toEqual(v.message);
        }
        if (v.kind === 'event') expect(checkEvent(frame).def.name).toBe(v.type);
        if (v.kind === 'request') expect(checkAsBoard(frame).def.name).toBe(v.type);
      });

      it('re-encodes the typed message to identical raw and wire bytes', () => {
        const codec = codecFor(v);
        const sample = decodeBody(codec, frame.body, v.name);
        const typed =
          v.kind === 'error'
            ? { code: v.message['code'], message: v.message['message'] }
            : fromVectorJson(v.message, sample);
        const body = encodeBody(codec, typed, v.name);
        const addr = { kind: v.kind, id: v.id, type: v.type_code };
        expect(toHex(encodeRawFrame(addr, body))).toBe(v.raw_hex);
        expect(toHex(encodeWireFrame(addr, body))).toBe(v.wire_hex);
        expect(toHex(cobsEncode(fromHex(v.raw_hex), true))).toBe(v.wire_hex);
        expect(toHex(cobsDecode(fromHex(v.wire_hex).subarray(0, -1)))).toBe(v.raw_hex);
      });
    });
  }
});

describe('invalid runs', () => {
  it('there are invalid runs to check', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(8);
  });

  for (const v of invalid) {
    it(`${v.name} is refused with ${v.error} (${v.note})`, () => {
      const wire = fromHex(v.wire_hex);
      expect(wire.at(-1)).toBe(0);
      let caught: unknown;
      try {
        // As a board receives it: framing checks, then kind, type and body.
        checkAsBoard(decodeRun(wire.subarray(0, -1)));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ProtocolError);
      const e = caught as ProtocolError;
      expect(e.code).toBe(v.error);
      expect(e.id).toBe(v.id);
      expect(e.type).toBe(v.type_code);
      expect(e.detail.length).toBeGreaterThan(10);
    });
  }
});
