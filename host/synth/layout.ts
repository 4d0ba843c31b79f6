// Tensor layouts in CNN data memory: where each value of a tensor sits, from its layout
// descriptor and the chip alone (docs/registers.md, "Tensor layout"). The rules are the synthesis
// tool's: the input loader (izer/load.py) for the network input, the output writer and unloader
// (izer/unload.py) for a layer's output. The C board code implements the same rules from the same
// descriptor; a cross-test demands identical words.
//
// HWC (every layer output, and the network input by default): the channels of a pass are spread
// over the processors of the mask in order, 4 processors share one data-memory instance and one
// 32-bit word holds their 4 lanes (8-bit values, lowest processor in the low byte). Channel c is
// in pass c / T (T = channels per pass) on the (c mod T)-th processor of the mask, walked in
// groups of 4 from the group of the lowest processor. Pixel d of pass e is word
// (d*E*w + e*w) * (write_gap + 1) from `offset` in its instance (E passes, w = 1 for 8-bit and 4
// for 32-bit values, where the k-th channel of a group takes the k-th of 4 consecutive words).
// CHW (a first layer's input only): channel c on the c-th processor of the mask, its H*W bytes
// packed 4 pixels to a word from `offset`.

import { expansion } from '../model/fit-layer.js';
import { chipSpec, type ChipName } from '../model/chips.js';
import type { Model } from '../model/layer.js';
import { registerMap, type RegisterMap } from './chip-map.js';
import type { TensorLayout } from './image.js';
import { SynthError } from './synth-error.js';

/**
 * One 32-bit data-memory word of a tensor. `elements` are flat CHW indices (c*H*W + y*W + x),
 * one per byte lane (4 entries, low byte first) for 8-bit data or one for a 32-bit value;
 * -1 marks a lane the tensor does not use.
 */
export interface LayoutWord {
  addr: number;
  elements: readonly number[];
}

/** A word to write: `mask` has 0xff in the byte lanes that belong to the tensor. */
export interface PlacedWord {
  addr: number;
  word: number;
  mask: number;
}

/** The layout of the network input: layer 0's processors, input offset and data format. */
export function inputLayout(model: Model): TensorLayout {
  const first = model.layers[0]!;
  return {
    source: -1,
    shape: model.inputShape,
    width: 8,
    format: first.hw.dataFormat,
    processors: first.hw.processors,
    offset: first.hw.inOffset,
    writeGap: 0,
  };
}

/** The layout of model layer j's output, as its write-pointer registers place it. */
export function outputLayout(model: Model, j: number): TensorLayout {
  const l = model.layers[j]!;
  return {
    source: j,
    shape: l.outputShape,
    width: l.outputWidth,
    format: 'HWC',
    processors: l.hw.outputProcessors,
    offset: l.hw.outOffset,
    writeGap: l.hw.writeGap,
  };
}

/** The layout of a tensor named by its source id (-1 = network input). */
export function sourceLayout(model: Model, source: number): TensorLayout {
  return source === -1 ? inputLayout(model) : outputLayout(model, source);
}

function mapOf(chip: ChipName): RegisterMap {
  const map = registerMap(chip);
  if (!map) throw new SynthError('chip_not_covered', null, `tensor layouts of ${chip} are not covered (MAX78000 only)`);
  return map;
}

const layerOf = (l: TensorLayout): number | null => (l.source >= 0 ? l.source : null);

const lowestBit = (m: bigint): number => {
  if (m === 0n) return -1;
  let i = 0;
  while (((m >> BigInt(i)) & 1n) === 0n) i++;
  return i;
};

/**
 * Visits every data-memory word of a tensor in the tool's unload and load order (see
 * layoutWords) with its address and the flat CHW index of each byte lane (e0..e3, -1 where the
 * lane is not the tensor's); a 32-bit word has its one value in e0.
 */
export type WordVisitor = (addr: number, e0: number, e1: number, e2: number, e3: number) => void;

function hwcVisit(layout: TensorLayout, chip: ChipName, map: RegisterMap, visit: WordVisitor): void {
  const [C, H, W] = layout.shape;
  const pixels = H * W;
  const { passes, perPass } = expansion(chipSpec(chip), C);
  const wide = layout.width === 32;
  const w = wide ? 4 : 1;
  const step = layout.writeGap + 1;
  const start = lowestBit(layout.processors) & ~3;
  let c = 0;
  let proc = start;
  let lanesLeft = layout.processors >> BigInt(start);
  const ch = [-1, -1, -1, -1];
  while (c < C) {
    if (c % perPass === 0) {
      proc = start;
      lanesLeft = layout.processors >> BigInt(start);
    }
    if (proc >= 64) {
      throw new SynthError('processors', layerOf(layout), `tensor ${layout.source}: processors 0x${layout.processors.toString(16)} hold fewer than the ${perPass} channels per pass of ${C} channels`);
    }
    const pass = Math.floor(c / perPass);
    const lanes = Number(lanesLeft & 0xfn);
    let next = c;
    for (let i = 0; i < 4; i++) ch[i] = ((lanes >> i) & 1) === 1 ? next++ : -1;
    const used = next - c;
    if (wide && used > 0 && lanes !== (1 << used) - 1) {
      throw new SynthError('wide_output_gaps', layerOf(layout), `tensor ${layout.source}: 32-bit values on processors ${proc}..${proc + 3} with lane mask 0x${lanes.toString(16)} (the tool writes and reads such groups inconsistently)`);
    }
    const base = map.dataInstance(proc) + layout.offset;
    if (used > 0) {
      // Flat CHW index of each lane's channel at pixel 0 (-1: no channel, or past the last one).
      const at = ch.map((x) => (x >= 0 && x < C ? x * pixels : -1));
      for (let d = 0; d < pixels; d++) {
        const word = base + (d * passes * w + pass * w) * step * 4;
        if (wide) {
          for (let k = 0; k < used; k++) visit(word + 4 * k, at[k]! >= 0 ? at[k]! + d : -1, -1, -1, -1);
        } else {
          visit(word, at[0]! >= 0 ? at[0]! + d : -1, at[1]! >= 0 ? at[1]! + d : -1, at[2]! >= 0 ? at[2]! + d : -1, at[3]! >= 0 ? at[3]! + d : -1);
        }
      }
    }
    c += used;
    proc += 4;
    lanesLeft >>= 4n;
  }
}

function chwVisit(layout: TensorLayout, map: RegisterMap, visit: WordVisitor): void {
  const [C, H, W] = layout.shape;
  const pixels = H * W;
  if (layout.width !== 8) throw new SynthError('data_format', layerOf(layout), `tensor ${layout.source}: CHW data is 8-bit only`);
  let c = 0;
  for (let p = 0; p < 64 && c < C; p++) {
    if (((layout.processors >> BigInt(p)) & 1n) === 0n) continue;
    const base = map.dataInstance(p) + layout.offset;
    const e = c * pixels;
    for (let d = 0; d < pixels; d += 4) {
      visit(base + d, e + d, d + 1 < pixels ? e + d + 1 : -1, d + 2 < pixels ? e + d + 2 : -1, d + 3 < pixels ? e + d + 3 : -1);
    }
    c++;
  }
  if (c < C) {
    throw new SynthError('processors', layerOf(layout), `tensor ${layout.source}: CHW processors 0x${layout.processors.toString(16)} hold ${c} of its ${C} channels`);
  }
}

/** Visits a tensor's words in layoutWords' order without building the list. */
export function visitWords(layout: TensorLayout, chip: ChipName, visit: WordVisitor): void {
  const map = mapOf(chip);
  if (layout.format === 'CHW') chwVisit(layout, map, visit);
  else hwcVisit(layout, chip, map, visit);
}

/**
 * Every data-memory word of a tensor, in the order the tool reads them back (its cnn_unload)
 * and loads them (its load_input): groups of 4 processors (pass by pass) outside, pixels
 * inside; CHW: channel by channel.
 */
export function layoutWords(layout: TensorLayout, chip: ChipName): LayoutWord[] {
  const words: LayoutWord[] = [];
  visitWords(layout, chip, (addr, e0, e1, e2, e3) => words.push({ addr, elements: layout.width === 32 ? [e0] : [e0, e1, e2, e3] }));
  return words;
}

function checkValues(layout: TensorLayout, values: ArrayLike<number>): void {
  const n = layout.shape[0] * layout.shape[1] * layout.shape[2];
  if (values.length !== n) {
    throw new SynthError('dimensions', layerOf(layout), `tensor ${layout.source}: ${values.length} values given for shape [${layout.shape.join(', ')}] (${n})`);
  }
}

/**
 * The words that put a tensor (CHW order: int8 values, or int32 for a 32-bit layout) where
 * its layout says. The network input is written as the tool's loader writes it, whole words
 * with 0 in lanes no channel uses (mask all ones); any other tensor as its producing layer
 * writes it: lanes outside the tensor are 0 and outside `mask`, to merge as
 * (old & ~mask) | word where another tensor may share the word. (The C twin, reg_layout.c,
 * follows the same rule; test/unit/layout-cross.test.ts holds them together.)
 */
export function placeTensor(layout: TensorLayout, chip: ChipName, values: ArrayLike<number>): PlacedWord[] {
  checkValues(layout, values);
  const out: PlacedWord[] = [];
  if (layout.width === 32) {
    visitWords(layout, chip, (addr, e0) => out.push({ addr, word: e0 >= 0 ? values[e0]! >>> 0 : 0, mask: e0 >= 0 ? 0xffff_ffff : 0 }));
    return out;
  }
  const lane = (e: number, i: number): number => (e >= 0 ? (values[e]! & 0xff) << (8 * i) : 0);
  const whole = layout.source === -1;
  const laneMask = (e: number, i: number): number => (whole || e >= 0 ? 0xff << (8 * i) : 0);
  visitWords(layout, chip, (addr, e0, e1, e2, e3) => out.push({
    addr,
    word: (lane(e0, 0) | lane(e1, 1) | lane(e2, 2) | lane(e3, 3)) >>> 0,
    mask: (laneMask(e0, 0) | laneMask(e1, 1) | laneMask(e2, 2) | laneMask(e3, 3)) >>> 0,
  }));
  return out;
}

/** Reads a tensor back (CHW order) from data memory: int8 values, or int32 for a 32-bit layout. */
export function gatherTensor(layout: TensorLayout, chip: ChipName, read: (addr: number) => number): Int8Array | Int32Array {
  const n = layout.shape[0] * layout.shape[1] * layout.shape[2];
  if (layout.width === 32) {
    const out = new Int32Array(n);
    visitWords(layout, chip, (addr, e0) => {
      const word = read(addr);
      if (e0 >= 0) out[e0] = word | 0;
    });
    return out;
  }
  const out = new Int8Array(n);
  visitWords(layout, chip, (addr, e0, e1, e2, e3) => {
    const word = read(addr);
    if (e0 >= 0) out[e0] = word & 0xff;
    if (e1 >= 0) out[e1] = (word >>> 8) & 0xff;
    if (e2 >= 0) out[e2] = (word >>> 16) & 0xff;
    if (e3 >= 0) out[e3] = (word >>> 24) & 0xff;
  });
  return out;
}
