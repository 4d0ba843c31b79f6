// COBS and CRC-32 edge cases: block boundaries, canonical form, zeros, refusals.

import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength, crc32, ProtocolError } from '../../host/proto/index.js';

function bytesOf(n: number, f: (i: number) => number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => f(i));
}

/** A slow, obviously correct COBS encoder (non-canonical: always closes with a code). */
function referenceCobs(data: Uint8Array): number[] {
  const out: number[] = [];
  let block: number[] = [];
  for (const b of data) {
    if (b === 0) {
      out.push(block.length + 1, ...block);
      block = [];
    } else {
      block.push(b);
      if (block.length === 254) {
        out.push(255, ...block);
        block = [];
      }
    }
  }
  out.push(block.length + 1, ...block);
  return out;
}

describe('COBS', () => {
  it('encodes the empty frame as a single code byte', () => {
    expect([...cobsEncode(new Uint8Array(0))]).toEqual([1]);
    expect([...cobsEncode(new Uint8Array(0), true)]).toEqual([1, 0]);
  });

  it('encodes lone and trailing zeros', () => {
    expect([...cobsEncode(Uint8Array.of(0))]).toEqual([1, 1]);
    expect([...cobsEncode(Uint8Array.of(0, 0))]).toEqual([1, 1, 1]);
    expect([...cobsEncode(Uint8Array.of(0x11, 0x22, 0x00, 0x33))]).toEqual([3, 0x11, 0x22, 2, 0x33]);
    expect([...cobsEncode(Uint8Array.of(0x11, 0x00))]).toEqual([2, 0x11, 1]);
  });

  it('drops the trailing code after a final full 254-byte block (canonical form)', () => {
    const block = bytesOf(254, (i) => i + 1);
    const enc = cobsEncode(block);
    expect(enc.length).toBe(255);
    expect(enc[0]).toBe(0xff);
    expect([...cobsDecode(enc)]).toEqual([...block]);
    // The other form, with a trailing 0x01, decodes to the same bytes.
    expect([...cobsDecode(Uint8Array.of(...enc, 1))]).toEqual([...block]);
  });

  it('handles 253, 255, 508 and 509 non-zero bytes and a zero right after a full block', () => {
    for (const n of [253, 255, 508, 509]) {
      const data = bytesOf(n, (i) => (i % 255) + 1);
      const enc = cobsEncode(data);
      expect(enc.includes(0)).toBe(false);
      expect([...cobsDecode(enc)]).toEqual([...data]);
    }
    const data = Uint8Array.of(...bytesOf(254, () => 7), 0, 9);
    const enc = cobsEncode(data);
    expect([...enc.subarray(255)]).toEqual([1, 2, 9]);
    expect([...cobsDecode(enc)]).toEqual([...data]);
  });

  it('matches a reference encoder on random data, canonical trimming aside', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let t = 0; t < 300; t++) {
      const n = rnd() * 8 + (t % 7);
      const zeros = t % 3;
      const data = bytesOf(n, () => (zeros === 0 ? rnd() : zeros === 1 ? rnd() | 1 : rnd() % 4));
      const enc = [...cobsEncode(data)];
      const ref = referenceCobs(data);
      const refCanonical = ref.length > 1 && ref.at(-1) === 1 && endsWithFullBlock(data) ? ref.slice(0, -1) : ref;
      expect(enc).toEqual(refCanonical);
      expect(enc.length).toBeLessThanOrEqual(cobsMaxEncodedLength(n));
      expect([...cobsDecode(Uint8Array.from(enc))]).toEqual([...data]);
    }
  });

  it('refuses a code that points past the end, and a 0x00 inside a run', () => {
    expect(() => cobsDecode(Uint8Array.of(9, 1, 2))).toThrow(/points past the end/);
    expect(() => cobsDecode(Uint8Array.of(3, 1, 0, 2))).toThrow(/0x00/);
    let caught: unknown;
    try {
      cobsDecode(Uint8Array.of(5));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).code).toBe('bad_frame');
  });
});

/** True when the last 254 bytes are non-zero and start a block: the canonical form trims. */
function endsWithFullBlock(data: Uint8Array): boolean {
  let run = 0;
  for (const b of data) {
    if (b === 0) run = 0;
    else run = run === 254 ? 1 : run + 1;
  }
  return run === 254;
}

describe('CRC-32', () => {
  it('gives the zlib check value for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('gives 0 for no bytes and known values for short inputs', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(Uint8Array.of(0))).toBe(0xd202ef8d);
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('computes over a sub-range', () => {
    const b = new TextEncoder().encode('xx123456789yy');
    expect(crc32(b, 2, 11)).toBe(0xcbf43926);
  });
});
