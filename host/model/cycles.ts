// The cycle-level latency model: Analog Devices' estimator for the CNN accelerator, as restated
// in MAX78000.md section 3, with its mapping notes. The C twin is firmware/accel/cycles.c; a
// cross-language test demands identical cycles for every layer of every zoo model on both chips.
//
// The estimator is published for MAX78000. For MAX78002 the same formula runs at that chip's
// clock, an assumption until calibrated on a board (ChipSpec.cyclesCalibrated says which).
//
// kernelStart, the layer's start column in kernel memory, only matters for the MAX78000
// pre-read term of pool-after-element-wise layers; it comes from kernel allocation (the fit
// rules), so it is an input here and defaults to 0.

import type { ChipSpec } from './chips.js';
import type { Layer } from './layer.js';

/** The estimator's inputs for one layer, after the mapping notes are applied. */
export interface CycleInputs {
  /** Multipass: ceil(C_in / 64), C_in of one operand (2m - 1 for MAX78000 passthrough pooling over several passes). */
  m: number;
  /** Element-wise operands (1 if none). */
  e: number;
  ph: number;
  pw: number;
  /** Pooled input rows and columns (doubled for a transposed conv). */
  hp: number;
  wp: number;
  kr: number;
  kc: number;
  pr: number;
  pc: number;
  wo: number;
  /** Hardware output channels: out_expand x span (passthrough: C_out). */
  co: number;
  /** Passthrough timeslots. */
  t: number;
  passthrough: boolean;
  poolFirst: boolean;
  /** The F term; false for linear layers, which map to a 1x1 conv over the pooled dims. */
  flatten: boolean;
  streaming: boolean;
  /** MAX78000 pre-read cycles (0 when not applicable). */
  preread: number;
}

const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

/** Index of the lowest and highest set bit of a non-zero 64-bit mask. */
function maskEnds(mask: bigint): [number, number] {
  let first = 0;
  while (((mask >> BigInt(first)) & 1n) === 0n) first++;
  let last = 63;
  while (((mask >> BigInt(last)) & 1n) === 0n) last--;
  return [first, last];
}

/** out_expand x span; span runs from the first output processor, rounded down to a multiple of 4, to the last. */
export function hardwareOutChannels(layer: Layer): number {
  const cout = layer.outputShape[0];
  const outExpand = ceilDiv(cout, 64);
  const mask = layer.hw.outputProcessors;
  let span: number;
  if (mask === 0n) {
    span = 4 * ceilDiv(ceilDiv(cout, outExpand), 4); // default layout from processor 0
  } else {
    const [first, last] = maskEnds(mask);
    span = last - (first & ~3) + 1;
  }
  return outExpand * span;
}

/** 1 + the largest floor((n_q - 1) / 4) over the quadrants the layer's processors use. */
export function passthroughTimeslots(layer: Layer, chip: ChipSpec): number {
  const mask = layer.hw.processors;
  const perQ = chip.processorsPerQuadrant;
  if (mask === 0n) return 1 + Math.floor((Math.min(layer.outputShape[0], perQ) - 1) / 4);
  let worst = 0;
  for (let q = 0; q < chip.quadrants; q++) {
    let n = 0;
    for (let p = 0; p < perQ; p++) n += Number((mask >> BigInt(q * perQ + p)) & 1n);
    if (n > 0) worst = Math.max(worst, Math.floor((n - 1) / 4));
  }
  return 1 + worst;
}

export function cycleInputsOf(layer: Layer, chip: ChipSpec, kernelStart = 0): CycleInputs {
  const inp: CycleInputs = {
    m: ceilDiv(layer.operandShape[0], 64),
    e: layer.operands,
    ph: layer.pool.size[0],
    pw: layer.pool.size[1],
    hp: layer.pooledShape[1],
    wp: layer.pooledShape[2],
    kr: layer.kernel[0],
    kc: layer.kernel[1],
    pr: layer.pad[0],
    pc: layer.pad[1],
    wo: layer.outputShape[2],
    co: 0,
    t: 0,
    passthrough: layer.op === 'passthrough',
    poolFirst: layer.poolFirst,
    flatten: layer.flatten,
    streaming: layer.streaming,
    preread: 0,
  };
  switch (layer.op) {
    case 'conv1d': // H = L, W = 1, kernel k x 1, padding p x 0
      inp.kc = 1;
      inp.pc = 0;
      break;
    case 'linear': // a 1x1 conv over the pooled dims; F is not passed
      inp.kr = inp.kc = 1;
      inp.pr = inp.pc = 0;
      inp.wo = inp.wp;
      inp.flatten = false;
      break;
    case 'convtranspose2d': // the pooled input is doubled
      inp.hp *= 2;
      inp.wp *= 2;
      break;
    default:
      break;
  }
  if (inp.passthrough) {
    inp.co = layer.outputShape[0];
    inp.t = passthroughTimeslots(layer, chip);
    if (chip.cyclesPassthroughPoolExtraPasses && layer.pool.type !== null && ceilDiv(layer.outputShape[0], 64) > 1) {
      inp.m = 2 * inp.m - 1;
    }
  } else {
    inp.co = hardwareOutChannels(layer);
  }
  if (chip.cyclesPrereadTerm && !inp.poolFirst && (inp.m > 1 || inp.e > 1)) {
    const { hp, wp, kr, kc, pr, pc } = inp;
    inp.preread = ((hp + 2 * pr - kc + 1) * pc + (wp + 2 * pc - kr + 1) * pr - pr * pc) * kernelStart;
  }
  return inp;
}

/** Cycles of one layer from the estimator's inputs (pre-read and streaming factor included). */
export function cyclesFrom(inp: CycleInputs): number {
  const { m, e, pr, pc, kr, kc, hp, wp, wo, co } = inp;
  let inPad: number;
  let inDat: number;
  let k: number;
  if (inp.poolFirst) {
    inPad = 2 * m * e;
    inDat = m * e * (inp.ph * inp.pw + 1);
    k = 1;
  } else {
    inPad = 2 * m;
    inDat = m * (e * inp.ph * inp.pw + 1);
    k = m;
  }
  const q = co === 1 && m === 1 ? 1 : 0;
  const col = 2 * pc * (inPad + 1);
  const padRow = col + k * wp * (inPad + 1);
  const rowNoConv = col + k * wp * (inDat + 1);
  const left = pc * (inPad + 1);
  const rowConv = left + k * (kc - 1 - pc) * (inDat + 1) + k * (wo - pc) * inDat + inPad * pc;
  const bottomRow = left + k * (kc - 1 - pc) * (inPad + 1) + k * (wo - pc) * inPad + inPad * pc;
  const outDat = inp.passthrough ? m * hp * wp : m * wo * co + co * q;
  let layer = inp.passthrough
    ? hp * wp * (inDat + m * inp.t)
    : (inp.flatten ? 1 : 0) + pr * padRow + (kr - 1 - pr) * rowNoConv + (rowConv + outDat) * (hp - (kr - 1 - pr))
      + pr * (bottomRow + outDat);
  layer += inp.preread;
  if (inp.streaming) layer = Math.floor((15 * layer + 9) / 10);
  return Math.max(0, layer);
}

export function layerCycles(layer: Layer, chip: ChipSpec, kernelStart = 0): number {
  return cyclesFrom(cycleInputsOf(layer, chip, kernelStart));
}

/** Network cycles: 1 + the sum of the layers' cycles. */
export function networkCycles(layers: readonly Layer[], chip: ChipSpec, kernelStarts?: readonly number[]): number {
  return layers.reduce((total, l, i) => total + layerCycles(l, chip, kernelStarts?.[i] ?? 0), 1);
}

/** Microseconds for a cycle count at the chip's CNN clock (or a board's reported clock). */
export function cyclesToUs(cycles: number, clockHz: number): number {
  return (cycles * 1e6) / clockHz;
}
