// Seeded random single-layer cases for the differential test of the two executors (TypeScript
// reference, exec.ts; C simulator, firmware/accel/sim/): every operation, pooling kind, size and
// stride, element-wise operation with 2..4 operands pooled first or after, weight widths
// 1/2/4/8, 8- and 32-bit output, activations, paddings, channel counts past 64 (multipass),
// concatenated sources, flatten, conv1d with dilation, transposed conv and depthwise
// (MAX78002). Shapes stay small so thousands of cases run in seconds.
//
// A case is a tiny model: "producer" layers 0..m-1 that only name the shapes of the tensors the
// tested layer m reads (they are never run), the tested layer, its weights and the tensors.

import type {
  Activation, EltwiseOp, Layer, LayerOp, LayerParams, Model, PoolType, Shape3, WeightBits,
} from './layer.js';
import { uniform } from './prng.js';
import type { Tensor } from './tensor.js';

export interface LayerCase {
  seed: number;
  chip: 'max78000' | 'max78002';
  model: Model;
  /** Index of the tested layer (the last one). */
  layer: number;
  /** The tensors it reads, by source id. */
  inputs: Map<number, Tensor>;
  /** One line saying what the case exercises, for failure messages. */
  summary: string;
}


class Pick {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  one<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Weighted choice: [item, weight] pairs. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((a, [, w]) => a + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      if ((r -= w) < 0) return item;
    }
    return items[items.length - 1]![0];
  }
}

type Kind = 'conv2d' | 'conv1d' | 'linear-flat' | 'linear-1x1' | 'convtranspose2d' | 'passthrough' | 'depthwise';

const KINDS: readonly (readonly [Kind, number])[] = [
  ['conv2d', 30], ['conv1d', 14], ['linear-flat', 10], ['linear-1x1', 6], ['convtranspose2d', 10],
  ['passthrough', 18], ['depthwise', 12],
];

function randomTensor(pick: Pick, shape: Shape3): Tensor {
  const n = shape[0] * shape[1] * shape[2];
  const data = new Int8Array(n);
  // Some tensors lean on the extremes so clamps and saturation are exercised.
  const extreme = pick.chance(0.25);
  for (let k = 0; k < n; k++) {
    data[k] = extreme && pick.chance(0.5) ? pick.one([-128, 127, -127, 0]) : pick.int(-128, 127);
  }
  return { shape, data };
}

function randomValues(pick: Pick, n: number, bits: number): Int8Array {
  const lo = -(1 << (bits - 1));
  const hi = (1 << (bits - 1)) - 1;
  return Int8Array.from({ length: n }, () => pick.int(lo, hi));
}

/** A layer that only stands for a tensor of this shape (never run, never encoded). */
function producer(index: number, shape: Shape3): Layer {
  return {
    index, name: `src${index}`, op: 'passthrough', eltwise: null, operands: 1, poolFirst: true,
    kernel: [1, 1], pad: [0, 0], stride: [1, 1], dilation: [1, 1], outputPad: 0, groups: 1, depthwise: false,
    activation: null, pool: { type: null, size: [1, 1], stride: [1, 1] }, flatten: false, outputWidth: 8,
    inputSources: [-1], inputShape: shape, operandShape: shape, pooledShape: shape, outputShape: shape,
    weightBits: null, weightsShape: null, biasPresent: false, outputShift: 0, streaming: false,
    hw: { processors: 1n, outputProcessors: 1n, inOffset: 0, outOffset: 0, dataFormat: 'HWC', writeGap: 0 },
  };
}

/** Builds one random case from a seed. */
export function layerCase(seed: number): LayerCase {
  const pick = new Pick(uniform(seed));
  const kind = pick.weighted(KINDS);
  const oneD = kind === 'conv1d';

  // Operand channels: mostly few, sometimes past 64 (several passes), with small planes then.
  const wide = pick.chance(0.15);
  let cop = wide ? pick.int(65, 140) : pick.int(1, 24);
  let h = oneD ? pick.int(1, 40) : wide ? pick.int(1, 4) : pick.int(1, 10);
  let w = oneD ? 1 : wide ? pick.int(1, 4) : pick.int(1, 10);
  if (kind === 'linear-flat') {
    cop = pick.int(1, wide ? 90 : 24);
    h = pick.int(1, 6);
    w = pick.int(1, 6);
  }

  // Element-wise operands (pooled first or after) for about a third of the cases.
  const eltwise: EltwiseOp | null = pick.chance(0.35) ? pick.one(['add', 'sub', 'or', 'xor'] as const) : null;
  const operands = eltwise ? pick.int(2, 4) : 1;
  const poolFirst = eltwise ? pick.chance(0.5) : true;

  // Pooling: none, max or avg, window 1..4, stride 1..3 (a 1x1 window with stride subsamples).
  const poolType: PoolType | null = pick.weighted([[null, 3], ['max', 3], ['avg', 3]] as const);
  let ph = 1;
  let pw = 1;
  let sh = 1;
  let sw = 1;
  if (poolType) {
    ph = pick.int(1, Math.min(4, h));
    pw = oneD ? 1 : pick.int(1, Math.min(4, w));
    sh = pick.int(1, 3);
    sw = oneD ? 1 : pick.int(1, 3);
  } else if (pick.chance(0.3)) {
    sh = pick.int(1, 3);
    sw = oneD ? 1 : pick.int(1, 3);
  }
  const hp = Math.floor((h - ph) / sh) + 1;
  const wp = Math.floor((w - pw) / sw) + 1;

  // The operation.
  let op: LayerOp;
  let kernel: [number, number] = [1, 1];
  let pad: [number, number] = [0, 0];
  let dilation: [number, number] = [1, 1];
  let outputPad = 0;
  let groups = 1;
  let flatten = false;
  let cout = pick.chance(0.15) ? pick.int(65, 130) : pick.int(1, 24);
  let ho = hp;
  let wo = wp;
  switch (kind) {
    case 'conv2d':
    case 'depthwise': {
      op = 'conv2d';
      const k = pick.one([1, 3]);
      kernel = [k, k];
      const maxPad = k === 1 ? 0 : 2;
      pad = [pick.int(0, maxPad), pick.int(0, maxPad)];
      // A 3x3 kernel needs rows and columns to cover it after padding.
      if (hp + 2 * pad[0] < k) pad[0] = Math.ceil((k - hp) / 2);
      if (wp + 2 * pad[1] < k) pad[1] = Math.ceil((k - wp) / 2);
      ho = hp + 2 * pad[0] - (k - 1);
      wo = wp + 2 * pad[1] - (k - 1);
      if (kind === 'depthwise') {
        groups = cop;
        cout = cop;
      }
      break;
    }
    case 'conv1d': {
      op = 'conv1d';
      const k = pick.int(1, 9);
      const d = pick.chance(0.3) ? pick.int(2, 3) : 1;
      let p = pick.int(0, 2);
      const span = d * (k - 1);
      if (hp + 2 * p - span < 1) p = Math.ceil((span + 1 - hp) / 2);
      kernel = [k, 1];
      pad = [p, 0];
      dilation = [d, 1];
      ho = hp + 2 * p - span;
      wo = 1;
      break;
    }
    case 'convtranspose2d':
      op = 'convtranspose2d';
      kernel = [3, 3];
      pad = [1, 1];
      outputPad = 1;
      ho = 2 * hp;
      wo = 2 * wp;
      break;
    case 'linear-flat':
      op = 'linear';
      flatten = true;
      ho = 1;
      wo = 1;
      break;
    case 'linear-1x1':
      op = 'linear';
      break;
    case 'passthrough':
      op = 'passthrough';
      cout = cop;
      break;
  }
  const passthrough = op === 'passthrough';
  const bits: WeightBits | null = passthrough ? null : pick.one([1, 2, 4, 8] as const);
  const outputWidth: 8 | 32 = !passthrough && pick.chance(0.2) ? 32 : 8;
  const activation: Activation | null = outputWidth === 32 ? null
    : pick.weighted([[null, 2], ['relu', 3], ['abs', 2]] as const);
  const biasPresent = !passthrough && pick.chance(0.5);

  // Sources: the concatenated input split into 1..3 tensors, from the network input and/or
  // producer layers.
  const cin = cop * operands;
  const nSources = Math.min(cin, pick.weighted([[1, 5], [2, 3], [3, 2]] as const));
  const cuts = new Set<number>();
  while (cuts.size < nSources - 1) cuts.add(pick.int(1, cin - 1));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), cin];
  const sourceShapes: Shape3[] = [];
  for (let k = 0; k < nSources; k++) sourceShapes.push([bounds[k + 1]! - bounds[k]!, h, w]);
  const layers: Layer[] = [];
  const sourceIds: number[] = [];
  let inputShape: Shape3 = sourceShapes[0]!;
  sourceShapes.forEach((shape, k) => {
    if (k === 0 && pick.chance(0.5)) {
      sourceIds.push(-1);
      inputShape = shape;
    } else {
      sourceIds.push(layers.length);
      layers.push(producer(layers.length, shape));
    }
  });
  const index = layers.length;
  const weightsShape: number[] | null = passthrough ? null
    : op === 'linear' ? (flatten ? [cout, cop * hp * wp] : [cout, cop / groups])
    : op === 'conv1d' ? [cout, cop / groups, kernel[0]]
    : [cout, cop / groups, kernel[0], kernel[1]];
  const weightCount = weightsShape ? weightsShape.reduce((a, b) => a * b, 1) : 0;

  // Output shift: centre the accumulator's typical size in the int8 range, then jitter, so
  // rounding, clamping and in-range values all occur.
  let outputShift = 0;
  if (bits !== null) {
    const taps = weightCount / cout;
    const wStd = Math.max(0.5, (1 << (bits - 1)) / 1.7);
    const typical = Math.sqrt(taps) * wStd * 74 + 1;
    const s = Math.round(Math.log2((128 * 40) / typical)) - (8 - bits);
    outputShift = Math.max(-15, Math.min(15, s + pick.int(-2, 2)));
    // Now and then a shift far outside the usual range: every value saturates or rounds to 0.
    if (pick.chance(0.04)) outputShift = pick.one([-128, -40, -20, 20, 40, 127]);
  }

  const layer: Layer = {
    index, name: `${kind}`, op, eltwise, operands, poolFirst, kernel, pad, stride: [1, 1], dilation, outputPad,
    groups, depthwise: groups > 1, activation, pool: { type: poolType, size: [ph, pw], stride: [sh, sw] }, flatten,
    outputWidth, inputSources: sourceIds, inputShape: [cin, h, w], operandShape: [cop, h, w],
    pooledShape: [cop, hp, wp], outputShape: [cout, ho, wo], weightBits: bits, weightsShape, biasPresent,
    outputShift, streaming: false,
    hw: { processors: 1n, outputProcessors: 1n, inOffset: 0, outOffset: 0, dataFormat: 'HWC', writeGap: 0 },
  };
  const params: LayerParams[] = layers.map(() => ({ weights: null, bias: null }));
  params.push({
    weights: bits === null ? null : randomValues(pick, weightCount, bits),
    bias: biasPresent ? randomValues(pick, cout, 8) : null,
  });
  layers.push(layer);
  const inputs = new Map<number, Tensor>();
  sourceIds.forEach((id, k) => inputs.set(id, randomTensor(pick, sourceShapes[k]!)));
  const summary = `seed ${seed}: ${kind} ${op} [${cin},${h},${w}] -> [${cout},${ho},${wo}]`
    + `${eltwise ? ` ${eltwise}x${operands}${poolFirst ? ' pool-first' : ' eltwise-first'}` : ''}`
    + ` pool ${poolType ?? 'none'} ${ph}x${pw}/${sh}x${sw} k${kernel.join('x')} pad ${pad.join(',')}`
    + ` dil ${dilation[0]} bits ${bits ?? '-'} out ${outputWidth} act ${activation ?? 'none'} shift ${outputShift}`
    + ` bias ${biasPresent} groups ${groups} sources [${sourceIds.join(',')}]`;
  return {
    seed,
    chip: groups > 1 ? 'max78002' : pick.one(['max78000', 'max78002'] as const),
    model: {
      name: `case${seed}`, paperName: null, inputShape, inputIs1d: oneD, layers, params, source: `random case ${seed}`,
    },
    layer: index,
    inputs,
    summary,
  };
}

/** A seeded random int8 tensor (a network input for tests and benchmarks). */
export function seededTensor(shape: Shape3, seed: number): Tensor {
  return randomTensor(new Pick(uniform(seed)), shape);
}
