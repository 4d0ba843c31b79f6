// The C tensor layouts (firmware/accel/reg/reg_layout.h) through `synergy-accel layout`: the
// words a tensor becomes in CNN data memory, for the cross-test with the generator's TypeScript
// twin. These cases are the tool's rules worked out by hand (izer load.py for a network input,
// unload.py for what a layer writes); the C unit tests hold the same rules.

import { describe, expect, it } from 'vitest';
import { runAccelTool } from '../../host/model/accel-tool.js';
import type { CborValue } from '../../host/proto/cbor.js';


interface Layout {
  source: number;
  shape: [number, number, number];
  width: 8 | 32;
  format: 'HWC' | 'CHW';
  processors: bigint;
  offset: number;
  writeGap: number;
}

function args(l: Layout, data: Uint8Array): CborValue {
  return new Map<number, CborValue>([
    [0, l.source],
    [1, [...l.shape]],
    [2, l.width],
    [3, l.format],
    [4, l.processors],
    [5, l.offset],
    [6, l.writeGap],
    [7, data],
  ]);
}

function place(l: Layout, data: Uint8Array): { words: [number, number, number][]; gathered: boolean; error?: string } {
  const [answer] = runAccelTool('layout', [{ chip: 'max78000', args: args(l, data) }]);
  return answer as { words: [number, number, number][]; gathered: boolean; error?: string };
}

describe('tensor layouts in C (synergy-accel layout)', () => {
  it('a network input in HWC: whole words, channels in the lanes of their processors, zero elsewhere', () => {
    const got = place(
      { source: -1, shape: [5, 2, 1], width: 8, format: 'HWC', processors: 0x1fn, offset: 0x100, writeGap: 0 },
      new Uint8Array(Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8, -1, -2]).buffer),
    );
    expect(got.error).toBeUndefined();
    expect(got.words).toEqual([
      [0x50400100, 0x07050301, 15],
      [0x50400104, 0x08060402, 15],
      [0x50408100, 0x000000ff, 15],
      [0x50408104, 0x000000fe, 15],
    ]);
    expect(got.gathered).toBe(true);
  });

  it("a layer's output with a write gap: every other word, only its own lanes", () => {
    const got = place(
      { source: 2, shape: [3, 1, 2], width: 8, format: 'HWC', processors: 0x70n, offset: 0x2004, writeGap: 1 },
      Uint8Array.from([1, 2, 3, 4, 5, 6]),
    );
    expect(got.words).toEqual([
      [0x5040a004, 0x00050301, 7],
      [0x5040a00c, 0x00060402, 7],
    ]);
  });

  it('32-bit values one word each, and 512 channels in 8 passes of 64 processors', () => {
    const wide = new Int32Array(10).map((_, c) => -1000 * c - 7);
    const got = place(
      { source: 4, shape: [10, 1, 1], width: 32, format: 'HWC', processors: 0x3ffn, offset: 0x1000, writeGap: 0 },
      new Uint8Array(wide.buffer),
    );
    expect(got.words.map((w) => w[0])).toEqual([
      0x50401000, 0x50401004, 0x50401008, 0x5040100c, 0x50409000, 0x50409004, 0x50409008, 0x5040900c, 0x50411000,
      0x50411004,
    ]);
    expect(got.words[9]?.[1]).toBe(-9007 >>> 0);
    const many = place(
      { source: 6, shape: [512, 2, 2], width: 8, format: 'HWC', processors: (1n << 64n) - 1n, offset: 0x2000, writeGap: 0 },
      Uint8Array.from({ length: 512 * 4 }, (_, i) => i & 0xff),
    );
    expect(many.words.length).toBe(16 * 8 * 4);
    expect(many.gathered).toBe(true);
  });

  it('a CHW network input: four pixels of one channel per word, zero-padded', () => {
    const got = place(
      { source: -1, shape: [2, 3, 3], width: 8, format: 'CHW', processors: 0x11n, offset: 0x40, writeGap: 0 },
      Uint8Array.from({ length: 18 }, (_, i) => i + 1),
    );
    expect(got.words).toEqual([
      [0x50400040, 0x04030201, 15],
      [0x50400044, 0x08070605, 15],
      [0x50400048, 0x00000009, 15],
      [0x50408040, 0x0d0c0b0a, 15],
      [0x50408044, 0x11100f0e, 15],
      [0x50408048, 0x00000012, 15],
    ]);
  });

  it('refuses a processor mask that does not match the channels, naming the field', () => {
    const got = place(
      { source: -1, shape: [3, 1, 2], width: 8, format: 'HWC', processors: 0x3n, offset: 0, writeGap: 0 },
      new Uint8Array(6),
    );
    expect(got.error).toBe('layout.processors: 0x0000000000000003 has 2 bits; 3 channels in 1 passes need 3');
  });
});
