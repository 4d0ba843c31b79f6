// Kernel memory contents: the 72-bit words (9 bytes) each input processor holds for a layer, and
// the packed loader's records. Where a layer's kernels start and which columns they take is
// fit()'s allocation (fit-kernel.ts, the tool's greedy allocator and footprint); this module
// fills those columns with the bytes the synthesis tool puts there (izer/kernels.py):
//
// - each input processor walks the output processors in groups of q = 8 / bits (q output
//   channels share a byte), input pass by input pass, writing one kernel (K bytes) per group;
//   an empty group skips to the next column; a column fills from its byte 8 down to byte 0, so a
//   3x3 kernel lands in natural order and smaller kernels pack back to back;
// - a flatten layer writes, per output channel, its H*W*passes weights of this processor's
//   channel, in the tool's reshaped order;
// - the loader record of a run of columns streams their 9 bytes each, big-endian into words.

import type { ChipSpec } from '../model/chips.js';
import { ffs, type FitLayer } from '../model/fit-layer.js';
import { footprint, type KernelNeed } from '../model/fit-kernel.js';
import type { HwKernel } from '../model/fit-rules.js';
import type { RegisterMap } from './chip-map.js';
import { onConv2dHardware } from './geometry.js';
import type { KernelRecord } from './image.js';

const WORD_BYTES = 9;

/** The hardware kernels of a layer: `rows` kernels of `ksize` values (the tool's kernel_reshaped). */
interface KernelRows {
  rows: number;
  ksize: number;
  row(r: number): Int8Array;
}

/** Hardware kernel rows: [out * in] kernels of the hardware kernel size (dilated Conv1d stretched). */
function kernelRows(f: FitLayer, weights: Int8Array, hw: HwKernel): KernelRows {
  const l = f.layer;
  const cout = f.cout;
  if (l.op === 'linear' && l.flatten) {
    // The tool reshapes [out][features] to [out][passes][F'], swaps to [out][F'][passes] and cuts
    // that into out * T rows of F = features / T values.
    const features = weights.length / cout;
    const passes = f.inExpand;
    const perPass = features / passes;
    const F = features / f.inThresh;
    return {
      rows: cout * f.inThresh,
      ksize: F,
      row: (r) => {
        const o = Math.floor(r / f.inThresh);
        const t = r % f.inThresh;
        const out = new Int8Array(F);
        for (let j = 0; j < F; j++) {
          const flat = t * F + j;
          out[j] = weights[o * features + (flat % passes) * perPass + Math.floor(flat / passes)]!;
        }
        return out;
      },
    };
  }
  const rows = weights.length / (l.kernel[0] * l.kernel[1]);
  const k = l.kernel[0] * l.kernel[1];
  const d = l.op === 'conv1d' ? l.dilation[0] : 1;
  if (onConv2dHardware(l)) {
    // Dilated Conv1d on 3x3 hardware: the taps go down the middle column, a 2-tap kernel moved
    // one row down.
    const top = l.kernel[0] === 3 ? 0 : 1;
    return {
      rows, ksize: 9,
      row: (r) => {
        const out = new Int8Array(9);
        for (let t = 0; t < l.kernel[0]; t++) out[(top + t) * 3 + 1] = weights[r * k + t]!;
        return out;
      },
    };
  }
  if (d > 1) {
    // Stretched: d - 1 zeros between taps.
    return {
      rows, ksize: hw.ksize,
      row: (r) => {
        const out = new Int8Array(hw.ksize);
        for (let t = 0; t < k; t++) out[t * d] = weights[r * k + t]!;
        return out;
      },
    };
  }
  return { rows, ksize: k, row: (r) => weights.subarray(r * k, r * k + k) };
}

/** A processor's kernel columns, relative to the layer's start column: column -> its 9 bytes. */
export type ProcessorKernels = Map<number, Uint8Array>;

/** The byte cursor of one processor's kernel memory (the tool's add_kernel_data). */
class ColumnWriter {
  col = 0;
  used = 0;
  readonly columns: ProcessorKernels = new Map();

  write(b: number): void {
    let bytes = this.columns.get(this.col);
    if (!bytes) {
      bytes = new Uint8Array(WORD_BYTES);
      this.columns.set(this.col, bytes);
    }
    bytes[WORD_BYTES - 1 - this.used] = b & 0xff;
    this.used++;
    if (this.used === WORD_BYTES) {
      this.col++;
      this.used = 0;
    }
  }

  zeros(n: number): void {
    for (let i = 0; i < n; i++) this.write(0);
  }

  nextColumn(): void {
    this.col++;
    this.used = 0;
  }
}

/**
 * The kernel bytes of one weight layer on each of its input processors (processor -> columns
 * relative to its start column). Checks that the columns written are exactly fit()'s footprint.
 */
export function packLayerKernels(chip: ChipSpec, f: FitLayer, need: KernelNeed, hw: HwKernel, weights: Int8Array): Map<number, ProcessorKernels> {
  const l = f.layer;
  const q = f.q;
  const bits = f.bits;
  const bitMask = (1 << bits) - 1;
  const kr = kernelRows(f, weights, hw);
  const K = need.ksize;
  const om = l.hw.outputProcessors;
  const qmask = (1n << BigInt(q)) - 1n;
  const flatten = l.flatten;
  const inExp = flatten ? 1 : f.inExpand;
  const inChan = flatten ? f.inThresh : f.cin;
  const outRange = f.groups === 1 ? f.outExpand : 1;
  const result = new Map<number, ProcessorKernels>();
  const procs = l.hw.processors;
  let ch = 0;
  for (let p = 0; p < chip.processors; p++) {
    if (((procs >> BigInt(p)) & 1n) === 0n) continue;
    const w = new ColumnWriter();
    const skip = need.s * K * inExp;
    w.col = Math.floor(skip / WORD_BYTES);
    w.zeros(Math.floor((skip % WORD_BYTES) / q));
    let m = 0;
    for (let e = 0; e < outRange; e++) {
      let map = om >> BigInt(ffs(om));
      let col = f.groups === 1 ? e * f.outThresh : e;
      const stopAt = col + (f.groups === 1 ? f.outThresh : 1);
      while (col < stopAt) {
        if (map !== 0n) {
          while ((map & qmask) === 0n) {
            w.nextColumn();
            map >>= BigInt(q);
          }
        }
        map >>= BigInt(q);
        const inCh = flatten ? inChan * q : inChan;
        const src = ch + m * inCh;
        for (let ie = 0; ie < inExp; ie++) {
          if (ie * f.inThresh + ch < inCh && src < kr.rows) {
            if (flatten) {
              const values: number[] = [];
              for (let n = 0; n < q; n++) {
                if (m >= f.cout) continue;
                const koffs = src + n * inChan;
                if (koffs < kr.rows) for (const v of kr.row(koffs)) values.push(v & bitMask);
              }
              while (values.length % q !== 0) values.push(0);
              for (let i = 0; i < values.length; i += q) {
                let b = 0;
                for (let j = 0; j < q; j++) b |= values[i + j]! << (j * bits);
                w.write(b);
              }
            } else {
              const k = new Array<number>(K).fill(0);
              let n = 0;
              for (let i = 0; i < q; i++) {
                if (m < f.cout) {
                  const idx = n + ie * q;
                  const koffs = src + (idx % inExp) * f.inThresh + Math.floor(idx / inExp) * inChan;
                  if (koffs < kr.rows) {
                    const row = kr.row(koffs);
                    for (let t = 0; t < K; t++) k[t]! |= (row[t]! & bitMask) << (i * bits);
                  }
                  n++;
                }
              }
              for (let i = 0; i < K; i++) w.write(k[K - 1 - i]!);
            }
          } else {
            w.zeros(Math.floor(K / q));
          }
        }
        if (flatten) {
          col += 1;
          m += 1;
        } else {
          col += q;
          m += q;
        }
      }
    }
    if (w.used > 0) w.nextColumn();
    while (w.col - need.s < need.kernLen) w.write(0);
    result.set(p, w.columns);
    checkFootprint(chip, f, need, p, ch, w.columns);
    ch++;
  }
  return result;
}

/** The columns written must be fit()'s footprint of this processor, or fit and the image disagree. */
function checkFootprint(chip: ChipSpec, f: FitLayer, need: KernelNeed, p: number, ordinal: number, cols: ProcessorKernels): void {
  const lastPassFull = f.cin - (f.inExpand - 1) * f.inThresh;
  const full = f.layer.flatten || f.q === 1 || ordinal < lastPassFull;
  const { runs } = footprint(chip, f, need, full);
  const expected: number[] = [];
  for (let k = 0; k < runs.length; k += 2) for (let c = runs[k]!; c < runs[k + 1]!; c++) expected.push(c);
  const got = [...cols.keys()].sort((a, b) => a - b);
  if (expected.length !== got.length || expected.some((c, i) => c !== got[i])) {
    throw new Error(`layer ${f.layer.index}, processor ${p}: kernel columns [${got.join(',')}] differ from fit()'s footprint [${expected.join(',')}]`);
  }
}

/**
 * The packed loader's records for the columns of the given layers: per processor (quadrant by
 * quadrant, processor by processor), one record per run of consecutive used columns.
 */
export function kernelRecords(map: RegisterMap, placed: readonly { start: number; kernels: Map<number, ProcessorKernels> }[]): KernelRecord[] {
  const perProc = new Map<number, Map<number, Uint8Array>>();
  for (const { start, kernels } of placed) {
    for (const [p, cols] of kernels) {
      let all = perProc.get(p);
      if (!all) {
        all = new Map();
        perProc.set(p, all);
      }
      for (const [c, bytes] of cols) all.set(start + c, bytes);
    }
  }
  const records: KernelRecord[] = [];
  for (const p of [...perProc.keys()].sort((a, b) => a - b)) {
    const cols = perProc.get(p)!;
    const order = [...cols.keys()].sort((a, b) => a - b);
    let i = 0;
    while (i < order.length) {
      let j = i;
      while (j + 1 < order.length && order[j + 1] === order[j]! + 1) j++;
      const stream: number[] = [];
      for (let k = i; k <= j; k++) stream.push(...cols.get(order[k]!)!);
      while (stream.length % 4 !== 0) stream.push(0);
      const words: number[] = [];
      for (let k = 0; k < stream.length; k += 4) {
        words.push(((stream[k]! << 24) | (stream[k + 1]! << 16) | (stream[k + 2]! << 8) | stream[k + 3]!) >>> 0);
      }
      records.push({ addr: map.kernelAddr(p, order[i]!), words });
      i = j + 1;
    }
  }
  return records;
}
