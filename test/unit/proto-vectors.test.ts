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
  segmentIdProblem,
  segmentIdText,
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
  /** the words both sides' messages end with (segment ids), when the vector names them */
  reason?: string;
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
      if (v.reason !== undefined) expect(e.detail.endsWith(v.reason), e.detail).toBe(true);
    });
  }
});

describe('segment ids: the host refuses before sending what a board refuses', () => {
  const idCases = invalid.filter((v) => v.name.includes('-id-'));

  it('there are id cases for begin, unload, infer and profile', () => {
    expect(new Set(idCases.map((v) => v.type_code))).toEqual(new Set([0x10, 0x15, 0x22, 0x23]));
  });

  /** The id text at key 0 of a request body ({0: tstr, ...}), read by hand: it may be past the subset's limit. */
  const idOf = (v: InvalidVector): string => {
    const body = decodeRun(fromHex(v.wire_hex).subarray(0, -1)).body;
    expect(body[1]).toBe(0x00);
    const head = body[2]!;
    const [n, at] = head === 0x78 ? [body[3]!, 4] : [head - 0x60, 3];
    return new TextDecoder().decode(body.subarray(at, at + n));
  };
  /** A request of each type that takes an id, the rest of its fields valid. */
  const requestWith = (type: number, id: string): Record<string, unknown> =>
    ({
      0x10: { id, size: 70000, sha256: new Uint8Array(32) },
      0x15: { id },
      0x22: { segment: id, inputs: [2], outputs: [3] },
      0x23: { segment: id, warmup: 1, runs: 10, inputs: [2] },
    })[type]!;

  for (const v of idCases) {
    it(`${v.name}: encoding the request fails locally, with the board's words`, () => {
      const id = idOf(v);
      const def = requestDef(v.type_code)!;
      let caught: unknown;
      try {
        encodeBody(def.request, requestWith(v.type_code, id), `${def.name} request`);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ProtocolError);
      const e = caught as ProtocolError;
      expect(e.code).toBe('bad_argument');
      expect(e.origin).toBe('local');
      const why = segmentIdProblem(id);
      expect(why).not.toBeNull();
      if (v.reason !== undefined) expect(why).toBe(v.reason);
      expect(e.detail.endsWith(why!), e.detail).toBe(true);
    });
  }

  it('the edges of the rule are ids: one byte, 0x21 and 0x7e, 64 bytes', () => {
    for (const id of ['!', '~', 'a'.repeat(64), '!"#$%&\'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~']) {
      expect(segmentIdProblem(id), id).toBeNull();
      expect(() => encodeBody(requestDef(0x15)!.request, { id }, 'segment.unload request')).not.toThrow();
    }
  });

  it('any name becomes an id (%XX escapes), and different names stay different', () => {
    const names = ['kws20_v3', 'my net', 'café', '50%', '50%25', 'tab\there', ''];
    const ids = names.map(segmentIdText);
    expect(ids.slice(0, 6)).toEqual(['kws20_v3', 'my%20net', 'caf%C3%A9', '50%25', '50%2525', 'tab%09here']);
    for (const id of ids.slice(0, 6)) expect(segmentIdProblem(id), id).toBeNull();
    expect(new Set(ids).size).toBe(names.length);
  });
});
