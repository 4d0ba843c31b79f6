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
  /** Value t of kernel r. */
  at(r: number, t: number): number;
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
    const T = f.inThresh;
    return {
      rows: cout * T,
      ksize: F,
      at: (r, j) => {
        const flat = (r % T) * F + j;
        return weights[Math.floor(r / T) * features + (flat % passes) * perPass + Math.floor(flat / passes)]!;
      },
    };
  }
  const k = l.kernel[0] * l.kernel[1];
  const rows = weights.length / k;
  const d = l.op === 'conv1d' ? l.dilation[0] : 1;
  if (onConv2dHardware(l)) {
    // Dilated Conv1d on 3x3 hardware: the taps go down the middle column, a 2-tap kernel moved
    // one row down.
    const top = l.kernel[0] === 3 ? 0 : 1;
    return {
      rows, ksize: 9,
      at: (r, t) => {
        const row = Math.floor(t / 3) - top;
        return t % 3 === 1 && row >= 0 && row < l.kernel[0] ? weights[r * k + row]! : 0;
      },
    };
  }
  if (d > 1) {
    // Stretched: d - 1 zeros between taps.
    return { rows, ksize: hw.ksize, at: (r, t) => (t % d === 0 ? weights[r * k + t / d]! : 0) };
  }
  return { rows, ksize: k, at: (r, t) => weights[r * k + t]! };
}

/**
 * One processor's kernel memory for a layer, relative to the layer's start column: 9 bytes per
 * column in `bytes`, and which columns were written (a column may be skipped and stay free).
 */
export interface ProcessorKernels {
  bytes: Uint8Array;
  written: Uint8Array;
  /** Columns the cursor passed (written or skipped). */
  columns: number;
}

/** The byte cursor of one processor's kernel memory (the tool's add_kernel_data). */
class ColumnWriter {
  col = 0;
  used = 0;
  bytes: Uint8Array;
  written: Uint8Array;

  constructor(columns: number) {
    this.bytes = new Uint8Array(columns * WORD_BYTES);
    this.written = new Uint8Array(columns);
  }

  write(b: number): void {
    while (this.col >= this.written.length) {
      const bytes = new Uint8Array(this.bytes.length * 2);
      bytes.set(this.bytes);
      const written = new Uint8Array(this.written.length * 2);
      written.set(this.written);
      this.bytes = bytes;
      this.written = written;
    }
    this.written[this.col] = 1;
    this.bytes[this.col * WORD_BYTES + WORD_BYTES - 1 - this.used] = b;
    if (++this.used === WORD_BYTES) {
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

  done(): ProcessorKernels {
    return { bytes: this.bytes, written: this.written, columns: this.col };
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
  const flatten = l.flatten;
  const inExp = flatten ? 1 : f.inExpand;
  const inChan = flatten ? f.inThresh : f.cin;
  const outRange = f.groups === 1 ? f.outExpand : 1;
  // The output map from its lowest processor, as a bit string walked q bits at a time.
  const mapBits = (om >> BigInt(ffs(om))).toString(2).split('').reverse().map(Number);
  const qmask = (1 << q) - 1;
  const groupAt = (pos: number): number => {
    let v = 0;
    for (let i = 0; i < q; i++) v |= (mapBits[pos + i] ?? 0) << i;
    return v;
  };
  const scratch = new Int32Array(K);
  const expected = footprints(chip, f, need);
  const result = new Map<number, ProcessorKernels>();
  const procs = l.hw.processors;
  let ch = 0;
  for (let p = 0; p < chip.processors; p++) {
    if (((procs >> BigInt(p)) & 1n) === 0n) continue;
    const w = new ColumnWriter(need.kernLen + need.s + 8);
    const skip = need.s * K * inExp;
    w.col = Math.floor(skip / WORD_BYTES);
    w.zeros(Math.floor((skip % WORD_BYTES) / q));
    let m = 0;
    for (let e = 0; e < outRange; e++) {
      let pos = 0;
      let col = f.groups === 1 ? e * f.outThresh : e;
      const stopAt = col + (f.groups === 1 ? f.outThresh : 1);
      while (col < stopAt) {
        if (pos < mapBits.length) {
          while ((groupAt(pos) & qmask) === 0) {
            w.nextColumn();
            pos += q;
          }
        }
        pos += q;
        const inCh = flatten ? inChan * q : inChan;
        const src = ch + m * inCh;
        for (let ie = 0; ie < inExp; ie++) {
          if (ie * f.inThresh + ch < inCh && src < kr.rows) {
            if (flatten) {
              let b = 0;
              let j = 0;
              for (let n = 0; n < q; n++) {
                const koffs = src + n * inChan;
                if (m >= f.cout || koffs >= kr.rows) continue;
                for (let t = 0; t < kr.ksize; t++) {
                  b |= (kr.at(koffs, t) & bitMask) << (j * bits);
                  if (++j === q) {
                    w.write(b);
                    b = 0;
                    j = 0;
                  }
                }
              }
              if (j > 0) w.write(b);
            } else {
              scratch.fill(0);
              let n = 0;
              for (let i = 0; i < q; i++) {
                if (m < f.cout) {
                  const idx = n + ie * q;
                  const koffs = src + (idx % inExp) * f.inThresh + Math.floor(idx / inExp) * inChan;
                  if (koffs < kr.rows) for (let t = 0; t < K; t++) scratch[t]! |= (kr.at(koffs, t) & bitMask) << (i * bits);
                  n++;
                }
              }
              for (let i = K - 1; i >= 0; i--) w.write(scratch[i]!);
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
    const packed = w.done();
    checkFootprint(f, p, ch < expected.lastPassFull ? expected.full : expected.short, packed);
    result.set(p, packed);
    ch++;
  }
  return result;
}

/** fit()'s footprints of the layer: for processors with a channel in the last input pass, and without. */
function footprints(chip: ChipSpec, f: FitLayer, need: KernelNeed): { full: number[]; short: number[]; lastPassFull: number } {
  const lastPassFull = f.cin - (f.inExpand - 1) * f.inThresh;
  const full = footprint(chip, f, need, true).runs;
  const hasShort = lastPassFull < f.inThresh && f.q > 1 && !f.layer.flatten;
  return { full, short: hasShort ? footprint(chip, f, need, false).runs : full, lastPassFull: hasShort ? lastPassFull : Infinity };
}

/** The columns written must be fit()'s footprint of this processor, or fit and the image disagree. */
function checkFootprint(f: FitLayer, p: number, runs: readonly number[], packed: ProcessorKernels): void {
  let k = 0;
  let ok = true;
  for (let c = 0; c < packed.columns && ok; c++) {
    while (k < runs.length && c >= runs[k + 1]!) k += 2;
    const inRun = k < runs.length && c >= runs[k]!;
    if ((packed.written[c] === 1) !== inRun) ok = false;
  }
  const last = runs.length ? runs[runs.length - 1]! : 0;
  if (!ok || last > packed.columns) {
    const got: number[] = [];
    for (let c = 0; c < packed.columns; c++) if (packed.written[c]) got.push(c);
    throw new Error(`layer ${f.layer.index}, processor ${p}: kernel columns [${got.join(',')}] differ from fit()'s footprint runs [${runs.join(',')}]`);
  }
}

/**
 * The packed loader's records for the columns of the given layers: per processor (quadrant by
 * quadrant, processor by processor), one record per run of consecutive written columns.
 */
export function kernelRecords(map: RegisterMap, placed: readonly { start: number; kernels: Map<number, ProcessorKernels> }[]): KernelRecord[] {
  const perProc = new Map<number, { start: number; k: ProcessorKernels }[]>();
  for (const { start, kernels } of placed) {
    for (const [p, k] of kernels) {
      const list = perProc.get(p) ?? [];
      list.push({ start, k });
      perProc.set(p, list);
    }
  }
  const records: KernelRecord[] = [];
  for (const p of [...perProc.keys()].sort((a, b) => a - b)) {
    // Which layer's buffer holds each absolute column of this processor (layers never share one).
    const layers = perProc.get(p)!;
    const width = Math.max(...layers.map(({ start, k }) => start + k.columns));
    const owner = new Int32Array(width).fill(-1);
    layers.forEach(({ start, k }, i) => {
      for (let c = 0; c < k.columns; c++) if (k.written[c]) owner[start + c] = i;
    });
    let col = 0;
    while (col < width) {
      if (owner[col] === -1) {
        col++;
        continue;
      }
      let end = col;
      while (end < width && owner[end] !== -1) end++;
      const words: number[] = [];
      let acc = 0;
      let n = 0;
      for (let c = col; c < end; c++) {
        const { start, k } = layers[owner[c]!]!;
        const at = (c - start) * WORD_BYTES;
        for (let b = 0; b < WORD_BYTES; b++) {
          acc = (acc << 8) | k.bytes[at + b]!;
          if (++n === 4) {
            words.push(acc >>> 0);
            acc = 0;
            n = 0;
          }
        }
      }
      if (n > 0) words.push((acc << (8 * (4 - n))) >>> 0);
      records.push({ addr: map.kernelAddr(p, col), words });
      col = end;
    }
  }
  return records;
}
