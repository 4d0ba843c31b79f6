// Per-layer quantities the fit rules use, derived from the layer IR the way the synthesis tool
// derives them (FIT-RULES.md sections 2, 3.2, 6.2): channels, passes, processors per pass,
// dimensions, weight bits, kernel bytes. Also the union of segments: one list of layers with
// the segment each belongs to.

import type { FitChip } from './fit-chip.js';
import type { FitSegment } from './fit-types.js';
import type { Layer } from './layer.js';

/** One layer of the union of segments, with what the rules derive from it. */
export interface FitLayer {
  layer: Layer;
  /** Position in the union (the tool's layer number). */
  u: number;
  segment: number;
  /** Position inside its segment (0 = the segment's first layer, which gets first-layer rules). */
  r: number;
  /** Union index of its segment's first layer. */
  segmentStart: number;
  /** The tool's operator: passthrough is its op NONE. */
  passthrough: boolean;
  weighted: boolean;
  /** Input channels of one operand (flatten: before flattening, i.e. divided by H x W). */
  cin: number;
  cout: number;
  /** Pre-pooling input rows/cols, pooled rows/cols, output rows/cols (1-D: [L, 1]). */
  inDim: [number, number];
  pooledDim: [number, number];
  outDim: [number, number];
  /** Input passes and processors per pass; output passes and processors per pass. */
  inExpand: number;
  inThresh: number;
  outExpand: number;
  outThresh: number;
  /** Weight bits (0 without weights) and weights per byte. */
  bits: number;
  q: number;
  groups: number;
}

/** Passes and processors per pass for a channel count (FIT-RULES.md section 2). */
export function expansion(chip: FitChip, channels: number): { passes: number; perPass: number } {
  const passes = Math.ceil(channels / chip.processors);
  let perPass = Math.ceil(channels / passes);
  if (channels > chip.processors) perPass = Math.min(Math.ceil(perPass / chip.processorsPerInstance) * chip.processorsPerInstance, chip.processors);
  return { passes, perPass };
}

export function deriveLayer(chip: FitChip, layer: Layer, u: number, segment: number, r: number, segmentStart: number): FitLayer {
  const passthrough = layer.op === 'passthrough';
  const cin = layer.operandShape[0];
  const cout = layer.outputShape[0];
  const inx = expansion(chip, cin);
  const outx = expansion(chip, cout);
  const bits = passthrough || layer.weightBits === null ? 0 : layer.weightBits;
  return {
    layer, u, segment, r, segmentStart, passthrough,
    weighted: !passthrough && layer.weightBits !== null && layer.weightsShape !== null,
    cin, cout,
    inDim: [layer.operandShape[1], layer.operandShape[2]],
    pooledDim: [layer.pooledShape[1], layer.pooledShape[2]],
    outDim: [layer.outputShape[1], layer.outputShape[2]],
    inExpand: inx.passes, inThresh: inx.perPass,
    outExpand: outx.passes, outThresh: outx.perPass,
    bits, q: bits === 0 ? 1 : 8 / bits,
    groups: layer.groups,
  };
}

/** The segments as one network: their layers in order, numbered as the tool would. */
export function unionOf(chip: FitChip, segments: readonly FitSegment[]): FitLayer[] {
  const out: FitLayer[] = [];
  segments.forEach((seg, s) => {
    const start = out.length;
    seg.layers.forEach((layer, r) => out.push(deriveLayer(chip, layer, out.length, s, r, start)));
  });
  return out;
}

/** Lowest set bit (-1 for 0) and highest set bit of a 64-bit mask. */
export function ffs(mask: bigint): number {
  if (mask === 0n) return -1;
  let i = 0;
  while (((mask >> BigInt(i)) & 1n) === 0n) i++;
  return i;
}

/** The lowest set bit of `mask` at or above `from`; Infinity when there is none. */
export function nextBit(mask: bigint, from: number): number {
  const rest = ffs(mask >> BigInt(from));
  return rest < 0 ? Infinity : from + rest;
}

/** Whether bit `p` of a processor mask is set. */
export function hasBit(mask: bigint, p: number): boolean {
  return ((mask >> BigInt(p)) & 1n) === 1n;
}

export function fls(mask: bigint): number {
  return mask === 0n ? -1 : mask.toString(2).length - 1;
}

export function popcount(mask: bigint): number {
  let n = 0;
  for (let m = mask; m !== 0n; m &= m - 1n) n++;
  return n;
}

/** The 16 bits of quadrant g. */
export function quadrantBits(mask: bigint, g: number): number {
  return Number((mask >> BigInt(g * 16)) & 0xffffn);
}

/** Python-style renderings the tool's messages use. */
export const fmt = {
  hex16: (m: bigint): string => m.toString(16).padStart(16, '0'),
  hex4: (n: number): string => n.toString(16).padStart(4, '0'),
  list: (xs: readonly number[]): string => `[${xs.join(', ')}]`,
  plural: (n: number, word: string, suffix = 's'): string => (n === 1 ? word : word + suffix),
};
