// Tensors as bytes on the wire (int8 as bytes, int32 little-endian, CHW) and as JSON files in
// the golden input.json format: round trips, and refusals that name the file and the place.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorFromBytes, tensorToBytes, TensorShapeError } from '../../host/board/tensors.js';
import { readTensorFile, TensorFileError } from '../../host/cli/tensor-file.js';

describe('tensor bytes', () => {
  it('int8 values travel as their two\'s complement bytes', () => {
    const t = { shape: [2, 1, 2] as const, data: Int8Array.of(-128, -1, 0, 127) };
    expect([...tensorToBytes(t)]).toEqual([0x80, 0xff, 0x00, 0x7f]);
    expect(tensorFromBytes(tensorToBytes(t), [2, 1, 2], 8)).toEqual(t);
  });

  it('int32 values travel little-endian', () => {
    const t = { shape: [2, 1, 1] as const, data: Int32Array.of(-2, 0x01020304) };
    expect([...tensorToBytes(t)]).toEqual([0xfe, 0xff, 0xff, 0xff, 0x04, 0x03, 0x02, 0x01]);
    expect(tensorFromBytes(tensorToBytes(t), [2, 1, 1], 32)).toEqual(t);
  });

  it('refuses a byte count that is not the shape\'s', () => {
    expect(() => tensorFromBytes(new Uint8Array(7), [2, 1, 1], 32, 'output 0')).toThrow(TensorShapeError);
    expect(() => tensorFromBytes(new Uint8Array(7), [2, 1, 1], 32, 'output 0')).toThrow('output 0: 7 bytes for 32-bit shape [2, 1, 1] (8 expected)');
  });
});

describe('tensor files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synergy-tensor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, doc: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return p;
  };

  it('reads the golden format, other keys ignored; 2-entry shapes are [C, L, 1]', () => {
    const p = file('ok.json', { network: 'x', shape: [2, 3], dtype: 'int8', data: [1, -2, 3, -4, 5, -128] });
    const t = readTensorFile(p);
    expect(t.shape).toEqual([2, 3, 1]);
    expect([...t.data]).toEqual([1, -2, 3, -4, 5, -128]);
  });

  it.each([
    ['not JSON', '{"shape": [', /cannot read a JSON tensor/],
    ['no object', [1, 2], /expected an object with "shape" and "data"/],
    ['bad shape', { shape: [0, 2], data: [] }, /"shape" must be 1 to 3 positive integers/],
    ['wrong count', { shape: [2, 2], data: [1, 2, 3] }, /"data" has 3 values; shape \[2,2\] needs 4/],
    ['out of range', { shape: [3], data: [1, 128, 0] }, /data\[1\] is 128; int8 values are integers in -128..127/],
    ['not an integer', { shape: [2], data: [1, 0.5] }, /data\[1\] is 0.5/],
  ])('refuses %s, naming the file', (name, doc, why) => {
    const p = file(`${name.replace(/ /g, '-')}.json`, doc);
    expect(() => readTensorFile(p)).toThrow(TensorFileError);
    expect(() => readTensorFile(p)).toThrow(why);
    expect(() => readTensorFile(p)).toThrow(p);
  });
});
