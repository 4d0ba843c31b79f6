// A feature-map tensor as the executors exchange it: CHW order (index c*H*W + h*W + w), int8
// values, or raw int32 accumulators for a layer with 32-bit output. 1-D data is [C, L, 1].

import type { Shape3 } from './layer.js';

export type TensorData = Int8Array | Int32Array;

export interface Tensor {
  readonly shape: Shape3;
  readonly data: TensorData;
}

/** 8 for int8 tensors, 32 for raw accumulator tensors. */
export function tensorWidth(t: Tensor): 8 | 32 {
  return t.data instanceof Int32Array ? 32 : 8;
}

export function showShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** FNV-1a (32 bit) over the values' little-endian bytes: a cheap first comparison of two
 *  tensors across languages (the C simulator hashes the same bytes). */
export function tensorHash(t: Tensor): number {
  let h = 0x811c9dc5;
  const step = (byte: number): void => {
    h ^= byte & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  if (t.data instanceof Int8Array) {
    for (let k = 0; k < t.data.length; k++) step(t.data[k]!);
  } else {
    for (let k = 0; k < t.data.length; k++) {
      const v = t.data[k]!;
      step(v);
      step(v >>> 8);
      step(v >>> 16);
      step(v >>> 24);
    }
  }
  return h >>> 0;
}

export interface TensorDifference {
  /** Flat CHW index of the first differing value (or -1 when shapes/widths differ). */
  index: number;
  c: number;
  h: number;
  w: number;
  expected: number;
  actual: number;
  /** How many values differ in all. */
  count: number;
  reason: string;
}

/** The first place two tensors differ, or null when they are equal (shape, width, values). */
export function firstDifference(expected: Tensor, actual: Tensor): TensorDifference | null {
  const bad = (reason: string): TensorDifference => ({ index: -1, c: -1, h: -1, w: -1, expected: NaN, actual: NaN, count: -1, reason });
  const [ce, he, we] = expected.shape;
  if (ce !== actual.shape[0] || he !== actual.shape[1] || we !== actual.shape[2]) {
    return bad(`shape ${showShape(actual.shape)} instead of ${showShape(expected.shape)}`);
  }
  if (tensorWidth(expected) !== tensorWidth(actual)) {
    return bad(`${tensorWidth(actual)}-bit values instead of ${tensorWidth(expected)}-bit`);
  }
  if (expected.data.length !== actual.data.length) {
    return bad(`${actual.data.length} values instead of ${expected.data.length}`);
  }
  let first = -1;
  let count = 0;
  for (let k = 0; k < expected.data.length; k++) {
    if (expected.data[k] !== actual.data[k]) {
      if (first < 0) first = k;
      count++;
    }
  }
  if (first < 0) return null;
  const plane = he * we;
  const c = Math.floor(first / plane);
  const h = Math.floor((first % plane) / we);
  const w = first % we;
  return {
    index: first, c, h, w, expected: expected.data[first]!, actual: actual.data[first]!, count,
    reason: `${count} of ${expected.data.length} values differ; first at index ${first} (c ${c}, h ${h}, w ${w}): `
      + `expected ${expected.data[first]}, got ${actual.data[first]}`,
  };
}
