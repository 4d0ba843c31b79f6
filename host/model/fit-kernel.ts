// Kernel (weight) memory, as the synthesis tool allocates it (FIT-RULES.md section 3): kern_len,
// the columns each input processor really marks (the footprint), and the greedy allocator
// (layers on all 64 processors first, 4-aligned first fit with one start column shared by all of
// a layer's processors, MAX78002's top-down search for layers on the large processors only).
//
// Where the tool's own placement would write into columns another layer already holds (a
// footprint longer than the window it searched, FIT-RULES.md 3.3), the tool corrupts weights or
// crashes; we refuse with the limit kernel_memory instead.

import { kernelColumns, type FitChip } from './fit-chip.js';
import { ffs, fls, fmt, hasBit, nextBit, popcount, type FitLayer } from './fit-layer.js';
import type { HwKernel } from './fit-rules.js';
import { FitStop, stop } from './fit-stop.js';

/** Per-processor column occupancy over the tool's kernel map (chip.kernelWordsLarge columns each). */
export class KernelMap {
  readonly words: number;
  private readonly bits: Uint32Array;

  constructor(readonly width: number, processors: number) {
    this.words = Math.ceil(width / 32);
    this.bits = new Uint32Array(processors * this.words);
  }

  used(p: number, col: number): boolean {
    return ((this.bits[p * this.words + (col >>> 5)]! >>> (col & 31)) & 1) === 1;
  }

  /** First used column in [a, b), or -1. */
  firstUsed(p: number, a: number, b: number): number {
    const base = p * this.words;
    let col = a;
    while (col < b) {
      const word = this.bits[base + (col >>> 5)]! >>> (col & 31);
      if (word === 0) {
        col = (col | 31) + 1;
        continue;
      }
      const hit = col + (31 - Math.clz32(word & -word));
      return hit < b ? hit : -1;
    }
    return -1;
  }

  /** Highest used column in [a, b), or -1. */
  lastUsed(p: number, a: number, b: number): number {
    for (let col = b - 1; col >= a; col--) {
      const word = this.bits[p * this.words + (col >>> 5)]!;
      if (word === 0) {
        col &= ~31;
        continue;
      }
      if ((word >>> (col & 31)) & 1) return col;
    }
    return -1;
  }

  mark(p: number, a: number, b: number): void {
    for (let col = a; col < b; col++) this.bits[p * this.words + (col >>> 5)]! |= 1 << (col & 31);
  }
}

/** What one weight layer needs in kernel memory. */
export interface KernelNeed {
  /** Kernel bytes at 8 bits per kernel on the hardware (3x3 = 9, 1x1 = 1, Conv1d = k). */
  ksize: number;
  /** Kernel slots (FIT-RULES.md 3.2 kc) and the columns reserved on each input processor. */
  kc: number;
  kernLen: number;
  /** Lowest output processor mod 4. */
  s: number;
  /** Flatten: kernel bytes per output channel and input processor (C x H x W / T_in); else 0. */
  flattenBytes: number;
}

/** kc and kern_len of a weight layer (FIT-RULES.md 3.2). */
export function kernelNeed(chip: FitChip, f: FitLayer, hw: HwKernel): KernelNeed {
  const l = f.layer;
  const om = l.hw.outputProcessors;
  const first = ffs(om);
  const s = first % chip.processorsPerInstance;
  const firstOut = f.outExpand > 1 ? first - s : first;
  const inExp = l.flatten ? 1 : f.inExpand;
  let kc = f.groups === 1 ? (fls(om) - firstOut + 1) * f.outExpand * inExp : inExp;
  let flattenBytes = 0;
  if (l.flatten) {
    const total = f.cin * f.pooledDim[0] * f.pooledDim[1];
    if (total % f.inExpand !== 0 || total % f.inThresh !== 0) {
      stop('flatten', f, `\`flatten\` of ${f.cin}x${f.pooledDim[0]}x${f.pooledDim[1]} cannot be arranged as ${f.inExpand} ${fmt.plural(f.inExpand, 'pass', 'es')} `
        + `of ${f.inThresh} processors (the synthesis tool fails to reshape these weights).`, { inputs: total, passes: f.inExpand, processors: f.inThresh });
    }
    flattenBytes = total / f.inThresh;
    kc = kc * flattenBytes - (f.outExpand * popcount(om) - f.cout) * flattenBytes;
  }
  const q = f.q;
  const kernLen = Math.ceil((kc * hw.ksize * f.bits + (kc % q) * hw.ksize * (q - 1)) / (chip.kernelWordBytes * 8));
  return { ksize: hw.ksize, kc, kernLen, s, flattenBytes };
}

/**
 * The columns one input processor marks, relative to the start column, as ascending [start, end)
 * runs, and where the byte cursor ends (the tool's "Kernel length" of a flatten layer).
 * `fullLastPass` says whether this processor holds a channel in the last input pass.
 */
export function footprint(chip: FitChip, f: FitLayer, need: KernelNeed, fullLastPass: boolean): { runs: number[]; end: number } {
  const l = f.layer;
  const q = f.q;
  const K = need.ksize;
  const inExp = l.flatten ? 1 : f.inExpand;
  const runs: number[] = [];
  let col = 0;
  let used = 0;
  const markCol = (c: number): void => {
    const n = runs.length;
    if (n > 0 && runs[n - 1] === c) runs[n - 1] = c + 1;
    else runs.push(c, c + 1);
  };
  const write = (bytes: number): void => {
    while (bytes > 0) {
      if (used === 0) markCol(col);
      const take = Math.min(bytes, chip.kernelWordBytes - used);
      used += take;
      bytes -= take;
      if (used === chip.kernelWordBytes) {
        col++;
        used = 0;
      }
    }
  };
  const skipStart = need.s * K * inExp;
  col = Math.floor(skipStart / chip.kernelWordBytes);
  write(Math.floor((skipStart % chip.kernelWordBytes) / q));
  const om = l.hw.outputProcessors;
  const qmask = (1n << BigInt(q)) - 1n;
  const bq = BigInt(q);
  const outRange = f.groups === 1 ? f.outExpand : 1;
  let m = 0;
  for (let e = 0; e < outRange; e++) {
    let map = om >> BigInt(ffs(om));
    let c = f.groups === 1 ? e * f.outThresh : e;
    const stopAt = c + (f.groups === 1 ? f.outThresh : 1);
    while (c < stopAt) {
      if (map !== 0n) {
        while ((map & qmask) === 0n) {
          col++;
          used = 0;
          map >>= bq;
        }
      }
      map >>= bq;
      for (let ie = 0; ie < inExp; ie++) {
        let real: boolean;
        if (l.flatten) real = m * q < f.cout;
        else real = (ie < inExp - 1 || fullLastPass) && (f.groups > 1 || m < f.cout);
        if (!real) write(Math.floor(K / q));
        else if (l.flatten) write(Math.ceil((Math.min(q, f.cout - m * q) * need.flattenBytes) / q));
        else write(K);
      }
      if (l.flatten) {
        c += 1;
        m += 1;
      } else {
        c += q;
        m += q;
      }
    }
  }
  if (used > 0) {
    col++;
    used = 0;
  }
  if (col - need.s < need.kernLen) {
    markCol(col);
    runs[runs.length - 1] = need.s + need.kernLen;
    col = need.s + need.kernLen;
  }
  return { runs, end: col };
}

/** Kernel-memory result of the whole union. */
export interface KernelPlacement {
  start: number[];
  length: number[];
  columnsPerProcessor: number[];
}

const roundUp = (x: number, size: number): number => Math.ceil(x / size) * size;
/** x rounded down to a multiple of size, also for negative x (Python's & ~(size - 1)). */
const alignDown = (x: number, size: number): number => Math.floor(x / size) * size;

function exhausted(f: FitLayer, p: number, offs: number, needed: number, width: number): never {
  stop('kernel_memory', f, `Kernel memory exhausted at processor ${p}; offset: ${offs} (0x${fmt.hex4(offs)}), needed: ${needed}.`,
    { processor: p, offset: offs, needed, columns: width });
}

/** Instance mask of the depthwise placement rule, as the tool computes it for column x. */
function instanceMask(chip: FitChip, x: number): number {
  return x + 1 >= chip.kernelWords ? chip.kernelInstanceWordsLarge - 1 : chip.kernelInstanceWords - 1;
}

function searchForward(map: KernelMap, chip: FitChip, f: FitLayer, len: number): number {
  const procs = f.layer.hw.processors;
  const first = ffs(procs);
  const last = fls(procs);
  let offs = 0;
  while (map.used(first, offs)) {
    offs += chip.processorsPerInstance;
    if (offs + len > kernelColumns(chip, first)) exhausted(f, first, offs, len, kernelColumns(chip, first));
  }
  let p = first;
  while (p <= last) {
    if (chip.depthwiseKernelInOneInstance && f.groups > 1) {
      let mm = instanceMask(chip, offs + 1);
      if (alignDown(offs + 1, mm + 1) !== alignDown(offs + len, mm + 1)) offs = alignDown(offs + mm, mm + 1) - 1;
      mm = instanceMask(chip, offs + 1);
      if (alignDown(offs + 1, mm + 1) !== alignDown(offs + len, mm + 1)) {
        stop('kernel_memory', f, `Kernel memory exhausted: no kernel memory instance past column ${offs} holds the ${len} columns of this depth-wise layer.`,
          { offset: offs, needed: len });
      }
    }
    const hit = map.firstUsed(p, offs, Math.min(offs + len, map.width));
    if (hit >= 0) {
      offs = roundUp(hit + 1, chip.processorsPerInstance);
      if (offs + len > kernelColumns(chip, p)) exhausted(f, p, offs, len, kernelColumns(chip, p));
      p = first;
      continue;
    }
    // The tool indexes past its map here and crashes; that is a refusal too.
    if (offs + len > map.width) exhausted(f, p, offs, len, kernelColumns(chip, p));
    p = nextBit(procs, p + 1);
  }
  return roundUp(offs, chip.processorsPerInstance);
}

/** MAX78002: the top-down search for layers whose processors all have the large memories; -1 if nothing fits. */
function searchReverse(map: KernelMap, chip: FitChip, f: FitLayer, len: number): number {
  const procs = f.layer.hw.processors;
  const first = ffs(procs);
  const last = fls(procs);
  let offs = map.width - 1;
  while (map.used(first, offs)) {
    offs -= chip.processorsPerInstance;
    if (offs < 0) return -1;
  }
  let p = first;
  while (p <= last) {
    if (chip.depthwiseKernelInOneInstance && f.groups > 1) {
      const mm = instanceMask(chip, offs - 1);
      if (alignDown(offs - 1, mm + 1) !== alignDown(offs - len, mm + 1)) offs = alignDown(offs, mm + 1);
    }
    const lo = offs - len + 1;
    // Below column 0 the tool's indices wrap around; we call that no room at the top.
    if (lo < 0) return -1;
    const hit = map.lastUsed(p, lo, offs + 1);
    if (hit >= 0) {
      if (hit - 1 < 0) return -1;
      offs = alignDown(hit - 1, chip.processorsPerInstance);
      p = first;
      continue;
    }
    p = nextBit(procs, p + 1);
  }
  return alignDown(offs - len + 1, chip.processorsPerInstance);
}

interface Placed {
  f: FitLayer;
  need: KernelNeed;
  offs: number;
}

/** Ordinal of processor p among a layer's processors, and whether it holds a channel in the last input pass. */
function fullLastPass(f: FitLayer, p: number): boolean {
  const below = f.layer.hw.processors & ((1n << BigInt(p)) - 1n);
  return popcount(below) < f.cin - (f.inExpand - 1) * f.inThresh;
}

/** The layer whose footprint holds column col of processor p (error messages only, so recomputed). */
function ownerOf(chip: FitChip, placed: readonly Placed[], p: number, col: number): number {
  for (const { f, need, offs } of placed) {
    if (!hasBit(f.layer.hw.processors, p)) continue;
    const { runs } = footprint(chip, f, need, f.q > 1 && !f.layer.flatten ? fullLastPass(f, p) : true);
    for (let k = 0; k < runs.length; k += 2) if (col >= offs + runs[k]! && col < offs + runs[k + 1]!) return f.u;
  }
  return -1;
}

/** Places every weight layer of the union (FIT-RULES.md 3.4) and marks its footprint. */
export function allocateKernels(union: readonly FitLayer[], chip: FitChip, hw: readonly HwKernel[]): KernelPlacement {
  const map = new KernelMap(chip.kernelWordsLarge, chip.processors);
  const start = union.map(() => 0);
  const length = union.map(() => 0);
  const columnsPerProcessor = new Array<number>(chip.processors).fill(0);
  const all = (1n << 64n) - 1n;
  // Segments are placed in load order, each by the tool's rule (layers on all 64 processors
  // first) in the columns the earlier ones left: a new segment never moves a resident one, so
  // its kernels can be written to their final columns as they arrive.
  const weighted = union.filter((f) => f.weighted);
  const segments = [...new Set(weighted.map((f) => f.segment))];
  const order = segments.flatMap((s) => {
    const mine = weighted.filter((f) => f.segment === s);
    return [...mine.filter((f) => f.layer.hw.processors === all), ...mine.filter((f) => f.layer.hw.processors !== all)];
  });
  const allLarge = (procs: bigint): boolean => {
    for (let p = 0; p < chip.processors; p++) if (hasBit(procs, p) && kernelColumns(chip, p) !== chip.kernelWordsLarge) return false;
    return true;
  };
  const placed: Placed[] = [];
  for (const f of order) {
    const need = kernelNeed(chip, f, hw[f.u]!);
    const len = need.kernLen;
    const procs = f.layer.hw.processors;
    let offs = -1;
    if (chip.kernelWordsLarge > chip.kernelWords && allLarge(procs)
      && (!chip.depthwiseKernelInOneInstance || f.groups === 1 || len <= chip.kernelInstanceWordsLarge)) {
      offs = searchReverse(map, chip, f, len);
    }
    if (offs < 0) offs = searchForward(map, chip, f, len);
    const last = fls(procs);
    if (offs + len > kernelColumns(chip, last)) exhausted(f, last, offs, len, kernelColumns(chip, last));
    // Processors holding a channel in the last input pass, counted from the lowest (FIT-RULES.md section 2).
    const lastPassFull = f.cin - (f.inExpand - 1) * f.inThresh;
    const full = footprint(chip, f, need, true);
    const short = lastPassFull < f.inThresh && f.q > 1 && !f.layer.flatten ? footprint(chip, f, need, false) : full;
    let ch = 0;
    for (let p = 0; p < chip.processors; p++) {
      if (!hasBit(procs, p)) continue;
      const fp = ch < lastPassFull ? full : short;
      ch++;
      const width = kernelColumns(chip, p);
      for (let k = 0; k < fp.runs.length; k += 2) {
        const a = offs + fp.runs[k]!;
        const b = offs + fp.runs[k + 1]!;
        if (a >= width) exhausted(f, p, a, 1, width);
        const hit = map.firstUsed(p, a, Math.min(b, width));
        if (hit >= 0) {
          const other = ownerOf(chip, placed, p, hit);
          throw new FitStop('kernel_memory', f, `Kernel memory of processor ${p} at column ${hit} (0x${fmt.hex4(hit)}) already holds layer ${other}; `
            + `the kernels of this layer, placed at ${offs}, reach it (the synthesis tool would corrupt them).`,
          { processor: p, offset: hit, layer: other, start: offs });
        }
        if (b > width) exhausted(f, p, width, 1, width);
      }
      for (let k = 0; k < fp.runs.length; k += 2) {
        map.mark(p, offs + fp.runs[k]!, offs + fp.runs[k + 1]!);
        columnsPerProcessor[p]! += fp.runs[k + 1]! - fp.runs[k]!;
      }
      if (f.layer.flatten) length[f.u] = fp.end;
    }
    start[f.u] = offs;
    if (!f.layer.flatten) length[f.u] = len;
    placed.push({ f, need, offs });
  }
  return { start, length, columnsPerProcessor };
}
