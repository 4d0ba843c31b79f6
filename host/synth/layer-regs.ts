// The per-layer registers of one hardware layer slot, per used quadrant, as the synthesis tool
// programs them for MAX78000 (izer/backend/max7800x.py, cnn_configure). Zero values are not
// written (the tool relies on the reset state), so a board reusing the accelerator clears the
// slots first (docs/registers.md).

import type { ChipSpec } from '../model/chips.js';
import { ffs, fls, popcount, quadrantBits, type FitLayer } from '../model/fit-layer.js';
import type { HwKernel } from '../model/fit-rules.js';
import { LREG, type LayerRegister, type RegisterMap } from './chip-map.js';
import { geometry, tramMax, type Geometry } from './geometry.js';
import type { RegisterWrite } from './image.js';
import { SynthError } from './synth-error.js';

/** What the registers of one layer are computed from. */
export interface LayerProgram {
  f: FitLayer;
  /** Hardware layer slot (position in the segment). */
  slot: number;
  /** fit()'s first kernel column, and the tool's kernel count (kc plus the skipped lead). */
  kernelStart: number;
  kernelCount: number;
  /** fit()'s bias quadrant (-1: none) and byte offset. */
  biasQuadrant: number;
  biasOffset: number;
  hw: HwKernel;
}

/** Output processors with uneven gaps in a quadrant (or gaps at all in a passthrough) need the tool's local-output mode. */
function localSource(g: Geometry, om: bigint, groups: readonly number[]): boolean {
  for (const q of groups) {
    const gmap = BigInt(quadrantBits(om, q));
    if (popcount(gmap) <= 1) continue;
    let gapMin = 64;
    let gapMax = 0;
    let bit = ffs(gmap);
    const last = fls(gmap);
    while (bit < last) {
      const next = ffs(gmap & ~((1n << BigInt(bit + 1)) - 1n));
      const gap = next - bit - 1;
      gapMin = Math.min(gap, gapMin);
      gapMax = Math.max(gap, gapMax);
      bit = next;
    }
    if (gapMin !== gapMax || (gapMax > 0 && g.op === 'none')) return true;
  }
  return false;
}

const ELTWISE_FN = { sub: 0, add: 1, or: 2, xor: 3 } as const;
const WEIGHT_BITS_CODE: Record<number, number> = { 0: 0, 8: 0, 1: 1, 2: 2, 4: 3 };

/** The non-zero per-layer register writes of one layer, quadrant by quadrant, in the tool's order. */
export function layerWrites(chip: ChipSpec, map: RegisterMap, p: LayerProgram, groupsUsed: readonly number[]): RegisterWrite[] {
  const f = p.f;
  const l = f.layer;
  const g = geometry(chip, f, p.hw);
  const where = `layer ${l.index} (${l.name})`;
  if (l.streaming) throw new SynthError('streaming', l.index, `${where}: streaming layers need the input FIFOs, which images do not drive`);
  if (g.op === 'convtranspose2d') {
    // The hardware's rows: the input stretched to 2n - 1, padded by the flipped pad, plus the output pad.
    const rows = (n: number, pad: number): number => 2 * n - 1 + 2 * pad - g.kernel[0] + 1 + l.outputPad;
    const [, oh, ow] = l.outputShape;
    if (rows(g.pooledDim[0], g.pad[0]) !== oh || rows(g.pooledDim[1], g.pad[1]) !== ow) {
      throw new SynthError('padding', l.index, `${where}: a transposed convolution with pad ${l.pad[0]} gives `
        + `${rows(g.pooledDim[0], g.pad[0])}x${rows(g.pooledDim[1], g.pad[1])} on the hardware, the table says ${oh}x${ow} (pad 1 doubles the size)`);
    }
  }
  const om = l.hw.outputProcessors;
  const procs = l.hw.processors;
  if (localSource(g, om, groupsUsed)) {
    throw new SynthError('local_output', l.index, `${where}: output processors 0x${om.toString(16).padStart(16, '0')} have uneven gaps inside a quadrant `
      + `(or gaps in a passthrough layer); the tool programs these in its local-output mode, which it marks untested`);
  }
  const conv = g.op !== 'none';
  const oneByOne = (g.op === 'conv2d' || g.op === 'linear') && g.kernel[0] === 1 && g.kernel[1] === 1;
  const pooling = l.pool.size[0] > 1 || l.pool.size[1] > 1;
  const quant = f.weighted ? f.bits : 0;
  const flattenProd = l.flatten ? f.inExpand * g.pooledDim[0] * g.pooledDim[1] - 1 : 0;
  const firstGroup = groupsUsed[0]!;
  let tscnt = 0;
  if (!conv) {
    for (const q of groupsUsed) {
      const pop = popcount(BigInt(quadrantBits(procs, q)));
      if (pop !== 0) tscnt = Math.max(tscnt, ((pop * l.outputWidth) / 8 - 1) >> 2);
    }
  }
  const writes: RegisterWrite[] = [];
  for (const q of groupsUsed) {
    const put = (reg: LayerRegister, value: number, comment: string): void => {
      if (value !== 0) writes.push([map.layerReg(q, LREG[reg], p.slot), value >>> 0, comment]);
    };
    let inRow = g.inputDim[0];
    let inCol = g.inputDim[1];
    if (l.flatten) {
      inRow = l.pool.size[0];
      inCol = l.pool.size[1];
    } else if (g.op === 'convtranspose2d') {
      inRow = g.stride[0] * g.inputDim[0];
      inCol = g.stride[1] * g.inputDim[1];
    } else if (!conv && g.emulateEltwise) {
      inRow = g.inputDim[0] * f.inExpand;
    }
    put('rcnt', ((g.pad[0] << 16) | (inRow - 1)) + 2 * g.pad[0], 'Rows');
    put('ccnt', ((g.pad[1] << 16) | (inCol - 1)) + 2 * g.pad[1], 'Columns');
    put('prcnt', l.pool.size[0] - 1, 'Pooling rows');
    put('pccnt', l.pool.size[1] - 1, 'Pooling columns');
    put('stride', g.op === 'convtranspose2d' ? 0 : l.pool.stride[0] > 1 ? l.pool.stride[0] - 1 : g.stride[0] - 1, 'Stride');

    let instance = 0;
    if (conv) instance = ffs(om) & ~3;
    else if (quadrantBits(om, q) !== 0) instance = ffs(om & (0xffffn << BigInt(16 * q))) & ~3;
    put('wptrBase', (Math.floor((l.hw.outOffset - g.outIgnore) / 4) | ((instance >> 2) << map.writePtrShift)), 'SRAM write ptr');

    let toffs = 0;
    if ((g.op === 'conv2d' || g.op === 'linear') && oneByOne && f.groups === 1) toffs = 1;
    else if (!conv) toffs = popcount(procs) > 4 || (l.operands > 1 && f.inExpand > 1) ? map.instanceWords * 4 : map.instanceWords;
    put('wptrToffs', toffs, 'Write ptr time slot offs');
    if (conv) put('wptrMoffs', 1 << map.writePtrShift, 'Write ptr mask offs');
    put('wptrChoffs', f.outExpand > 1 ? (l.outputWidth / 8) * (l.hw.writeGap + 1) : 0, 'Write ptr multi-pass channel offs');
    put('rptrBase', Math.floor(l.hw.inOffset / 4), 'SRAM read ptr');

    let lctl = (l.activation === 'relu' ? 0x200 : 0) | (l.pool.type !== 'avg' ? 0x100 : 0) | (pooling ? 0x80 : 0)
      | (l.hw.dataFormat === 'CHW' ? 0x40 : 0) | 0x20 | (1 << 11);
    if (l.outputWidth !== 8) lctl |= 1 << 16;
    if (conv && q === firstGroup && f.groups === 1) {
      let sources = 0;
      for (let t = firstGroup + 1; t < chip.quadrants; t++) if (quadrantBits(procs, t) !== 0) sources |= 1 << t;
      if (p.biasQuadrant >= 0 && p.biasQuadrant !== q) sources |= 1 << p.biasQuadrant;
      lctl |= sources << 12;
    }
    put('lctl', lctl, 'Layer control');

    const inExp = l.flatten ? flattenProd & 0xf : !conv && g.emulateEltwise ? 0 : f.inExpand - 1;
    const wptrSkip = conv ? f.outExpand * (l.hw.writeGap + 1) - 1 : l.hw.writeGap;
    put('lctl2', (((fls(om) - (ffs(om) & ~3)) * quant) << 8) | inExp | (wptrSkip << 4), 'Layer control 2');

    let onedSad = 0;
    let mcnt: number;
    if (conv) {
      const kl = (p.kernelCount - 1) * quant;
      const span = g.kernel[0] * g.kernel[1];
      const koffs = Math.floor((9 * p.kernelStart) / span) * 8;
      onedSad = (9 * p.kernelStart) % span;
      mcnt = (koffs << 16) | (kl + koffs);
    } else {
      mcnt = g.emulateEltwise ? 0 : (f.outExpand - 1) * 8;
    }
    put('mcnt', mcnt, 'Mask offset and count');

    let oned = tscnt;
    if (g.op === 'conv1d') oned |= (g.kernel[0] << 8) | (1 << 12);
    else if (oneByOne || (!conv && l.operands === 1)) oned |= 1 << 8;
    if (l.operands > 1) {
      oned |= (1 << 13) | (ELTWISE_FN[l.eltwise!] << 14) | ((l.operands - 1) << 18);
      if (pooling && l.poolFirst) oned |= 1 << 16;
      if (conv) oned |= 1 << 17;
    }
    oned |= onedSad << 4;
    put('oned', oned, '1D');

    let tptr: number;
    if (g.op === 'conv1d' || oneByOne) tptr = flattenProd >= 16 ? (flattenProd << 16) | (2 * flattenProd + 1) : 0;
    else tptr = tramMax(g, l.outputPad) - 1;
    put('tptr', tptr, 'TRAM ptr max');

    const shift = l.outputShift + (f.weighted ? 8 - f.bits : 0);
    let post = (WEIGHT_BITS_CODE[quant]! << 22) | ((shift < 0 ? -shift | 16 : shift) << 13);
    if (f.groups === 1 && q === p.biasQuadrant) post |= (1 << 12) | p.biasOffset;
    if (!conv) post |= (l.operands === 1 ? 3 : 1) << 24;
    if (l.activation === 'abs') post |= 1 << 26;
    if (flattenProd >= 16) post |= (1 << 27) | ((flattenProd >> 4) << 18);
    if (g.op === 'convtranspose2d') post |= 1 << 28;
    put('post', post, 'Post processing register');

    const ena = quadrantBits(procs, q);
    put('ena', conv ? ((ena << 16) | ena) >>> 0 : ena, 'Mask and processor enables');
  }
  return writes;
}
