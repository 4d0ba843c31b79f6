// The layer as the hardware runs it (the synthesis tool's hw_* values): a dilated Conv1d either
// stretches its kernel or runs on the 3x3 Conv2d hardware over the input folded into rows of
// `dilation` columns; a transposed convolution flips its padding and doubles its rows and columns.

import type { ChipSpec } from '../model/chips.js';
import type { FitLayer } from '../model/fit-layer.js';
import type { HwKernel } from '../model/fit-rules.js';
import type { Layer } from '../model/layer.js';

/** Dilated Conv1d whose stretched kernel would exceed 9 taps runs on the 3x3 Conv2d hardware. */
export function onConv2dHardware(l: Layer): boolean {
  return l.op === 'conv1d' && l.dilation[0] > 1 && (l.kernel[0] - 1) * l.dilation[0] >= 9;
}

export type HwOp = 'none' | 'conv1d' | 'conv2d' | 'convtranspose2d' | 'linear';

/** The layer as the hardware runs it: dilated Conv1d may become 3x3 Conv2d, a transposed conv flips its padding. */
export interface Geometry {
  op: HwOp;
  kernel: [number, number];
  pad: [number, number];
  inputDim: [number, number];
  pooledDim: [number, number];
  stride: [number, number];
  /** Bytes the write pointer starts before out_offset (dilated Conv1d on 3x3 hardware). */
  outIgnore: number;
  /** Multi-pass element-wise passthrough emulated with one pass over all passes' rows. */
  emulateEltwise: boolean;
}

export function geometry(chip: ChipSpec, f: FitLayer, hw: HwKernel): Geometry {
  const l = f.layer;
  const d = l.dilation[0];
  const onThreeByThree = onConv2dHardware(l);
  const g: Geometry = {
    op: l.op === 'passthrough' ? 'none' : onThreeByThree ? 'conv2d' : l.op,
    kernel: [l.kernel[0], l.kernel[1]],
    pad: [l.pad[0], l.pad[1]],
    inputDim: [f.inDim[0], f.inDim[1]],
    pooledDim: [f.pooledDim[0], f.pooledDim[1]],
    stride: [l.stride[0], l.stride[1]],
    outIgnore: 0,
    emulateEltwise: chip.eltwiseMultipassLimit && l.operands > 1 && f.inExpand > 1 && l.operands * f.inExpand !== l.operands + f.inExpand,
  };
  if (l.op === 'conv1d' && d > 1 && !onThreeByThree) g.kernel = [hw.ksize, 1];
  if (onThreeByThree) {
    g.inputDim = [Math.ceil(f.inDim[0] / d), d];
    g.pooledDim = [...g.inputDim];
    g.pad = [1, 1];
    g.kernel = [3, 3];
    if (l.kernel[0] === 3) g.outIgnore = 4 * d * f.outExpand;
  }
  if (l.op === 'convtranspose2d') {
    g.pad = [g.kernel[0] - 1 - l.pad[0], g.kernel[1] - 1 - l.pad[1]];
    g.stride = [2, 2];
  }
  return g;
}

export function tramMax(g: Geometry, outputPad: number): number {
  if (g.op === 'none') return 1;
  if (g.op === 'convtranspose2d') {
    return Math.max(0, (g.pooledDim[1] - 1) * g.stride[1] + 1 + outputPad + 2 * g.pad[1] - g.kernel[1]) + 1;
  }
  return Math.max(0, g.pooledDim[1] + 2 * g.pad[1] - g.kernel[1]) + 1;
}
