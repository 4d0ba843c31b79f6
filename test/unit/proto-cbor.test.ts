// The CBOR subset both ways: what cbor-x writes is the deterministic subset, and the validator
// refuses what PROTOCOL.md section 3 excludes (which cbor-x alone would accept).

import { describe, expect, it } from 'vitest';
import {
  decodeBody,
  decodeCbor,
  diag,
  encodeBody,
  encodeCbor,
  fromHex,
  helloResponse,
  pingBody,
  ProtocolError,
  statsResponse,
  toHex,
  validateBody,
  type CborMap,
} from '../../host/proto/index.js';

function refusal(hex: string): ProtocolError {
  let caught: unknown;
  try {
    validateBody(fromHex(hex));
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof ProtocolError)) throw new Error(`body ${hex} was accepted`);
  return caught;
}

describe('encoder output is the deterministic subset', () => {
  it('writes integers in shortest form across the width boundaries', () => {
    const cases: Array<[number, string]> = [
      [0, '00'],
      [23, '17'],
      [24, '1818'],
      [255, '18ff'],
      [256, '190100'],
      [65535, '19ffff'],
      [65536, '1a00010000'],
      [4294967295, '1affffffff'],
      [4294967296, '1b0000000100000000'],
      [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
      [-1, '20'],
      [-25, '3818'],
      [-4294967296, '3affffffff'],
      [-4294967297, '3b0000000100000000'],
    ];
    for (const [n, hex] of cases) {
      expect(toHex(encodeCbor(new Map([[0, n]])))).toBe('a100' + hex);
      expect(decodeCbor(fromHex('a100' + hex)).get(0)).toBe(n);
    }
    expect(toHex(encodeCbor(new Map([[0, 5n]])))).toBe('a10005');
  });

  it('writes byte strings untagged, maps with ascending keys and exact sizes', () => {
    const m: CborMap = new Map();
    m.set(10, 'x');
    m.set(2, Uint8Array.of(0, 1));
    m.set(0, [true, false, null]);
    m.set(1, new Map([[3, 1], [1, 2]]));
    expect(toHex(encodeCbor(m))).toBe('a40083f5f4f601a201020301024200010a6178');
    expect(diag(encodeCbor(m))).toBe('{0: [true, false, null], 1: {1: 2, 3: 1}, 2: h\'0001\', 10: "x"}');
  });

  it('writes text in shortest form for every length up to the limit', () => {
    for (let n = 0; n <= 64; n++) {
      const s = 'é'.repeat(Math.floor(n / 2)) + 'a'.repeat(n % 2);
      const bytes = encodeCbor(new Map([[0, s]]));
      validateBody(bytes);
      expect(decodeCbor(bytes).get(0)).toBe(s);
    }
  });

  it('refuses to encode floats, text over 64 bytes and byte strings over max_payload', () => {
    expect(() => encodeCbor(new Map([[0, 1.5]]))).toThrow(/floats are outside the subset/);
    expect(() => encodeCbor(new Map([[0, 'x'.repeat(65)]]))).toThrow(/exceeds the limit 64/);
    expect(() => encodeBody(pingBody, { payload: new Uint8Array(8065) }, 'ping')).toThrow(/max_payload 8064/);
  });
});

describe('validator refuses what the subset excludes', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['half float', 'a100f93c00', /float/],
    ['double float', 'a100fb3ff8000000000000', /float/],
    ['tag on bytes', 'a100d84043010203', /tags/],
    ['indefinite byte string', 'a1005f4101ff', /indefinite/],
    ['indefinite map', 'bf0001ff', /indefinite/],
    ['undefined', 'a100f7', /simple value/],
    ['non-shortest integer', 'a1001817', /shortest/],
    ['non-shortest length', 'a10058020102', /shortest/],
    ['text key', 'a1616100', /not an unsigned integer/],
    ['negative key', 'a12000', /not an unsigned integer/],
    ['keys out of order', 'a201000000', /does not ascend/],
    ['duplicate key', 'a200000000', /does not ascend/],
    ['not a map', '80', /not a CBOR map/],
    ['empty body', '', /empty/],
    ['trailing bytes', 'a000', /after the map/],
    ['truncated', 'a100', /needs 1 more bytes/],
    ['bad UTF-8', 'a10062c328', /UTF-8/],
    ['reserved info', 'a1001c', /reserved/],
  ];
  for (const [name, hex, re] of cases) {
    it(`${name} (${hex})`, () => {
      const e = refusal(hex);
      expect(e.code).toBe('bad_body');
      expect(e.message).toMatch(re);
    });
  }

  it('refuses nesting deeper than 8 and accepts 8', () => {
    // map -> 7 nested arrays = 8 containers: allowed; one more is not.
    expect(() => validateBody(fromHex('a100' + '81'.repeat(6) + '80'))).not.toThrow();
    expect(refusal('a100' + '81'.repeat(7) + '80').message).toMatch(/deeper than 8/);
  });

  it('refuses text over 64 bytes and arrays over 1024 entries', () => {
    expect(refusal('a1007841' + '61'.repeat(65)).message).toMatch(/65 bytes exceeds the limit 64/);
    expect(refusal('a100990401' + '00'.repeat(1025)).message).toMatch(/1025 entries exceeds the limit 1024/);
  });

  it('answers a byte string over max_payload with too_large naming the limit', () => {
    const e = refusal('a100591f81' + '00'.repeat(8065));
    expect(e.code).toBe('too_large');
    expect(e.message).toMatch(/8065 bytes exceeds max_payload 8064/);
  });
});

describe('typed decoding', () => {
  it('names the field, key and reason for a wrong type or a missing field', () => {
    expect(() => decodeBody(pingBody, fromHex('a10001'), 'ping request')).toThrow(
      'bad_body: ping request.payload (key 0): expected bstr, got integer 1',
    );
    expect(() => decodeBody(statsResponse, fromHex('a10001'), 'stats response')).toThrow(
      /stats response.framesOut \(key 1\): missing/,
    );
  });

  it('ignores unknown keys', () => {
    expect(decodeBody(pingBody, fromHex('a2004101186301'), 'ping')).toEqual({ payload: Uint8Array.of(1) });
  });

  it('refuses a chip name it does not know', () => {
    const hello = {
      proto: 1, firmware: '0.1.0', boardId: 'b', chip: 'max78000' as const, cnnClockHz: 1, weightMem: 1,
      biasMem: 1, dataMem: 1, maxLayers: 1, maxFrame: 8192, maxPayload: 8064, maxInFlight: 16,
      sensors: [], outputs: [], messages: [1], linkBaud: 0, session: 7,
    };
    const bytes = encodeBody(helloResponse, hello, 'hello');
    expect(decodeBody(helloResponse, bytes, 'hello')).toEqual(hello);
    const other = encodeCbor(new Map([...decodeCbor(bytes)].map(([k, v]) => [k, k === 3 ? 'max99999' : v])));
    expect(() => decodeBody(helloResponse, other, 'hello response')).toThrow(/chip \(key 3\): expected "max78000" \/ "max78002", got "max99999"/);
  });
});
