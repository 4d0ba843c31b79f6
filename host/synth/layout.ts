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

function hwcWords(layout: TensorLayout, chip: ChipName, map: RegisterMap): LayoutWord[] {
  const [C, H, W] = layout.shape;
  const pixels = H * W;
  const { passes, perPass } = expansion(chipSpec(chip), C);
  const wide = layout.width === 32;
  const w = wide ? 4 : 1;
  const step = layout.writeGap + 1;
  const start = lowestBit(layout.processors) & ~3;
  const words: LayoutWord[] = [];
  let c = 0;
  let proc = start;
  let lanesLeft = layout.processors >> BigInt(start);
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
    const channels: number[] = [];
    let next = c;
    for (let i = 0; i < 4; i++) channels.push(((lanes >> i) & 1) === 1 ? next++ : -1);
    const used = next - c;
    if (wide && used > 0 && lanes !== (1 << used) - 1) {
      throw new SynthError('wide_output_gaps', layerOf(layout), `tensor ${layout.source}: 32-bit values on processors ${proc}..${proc + 3} with lane mask 0x${lanes.toString(16)} (the tool writes and reads such groups inconsistently)`);
    }
    const base = map.dataInstance(proc) + layout.offset;
    if (used > 0) {
      for (let d = 0; d < pixels; d++) {
        const word = base + (d * passes * w + pass * w) * step * 4;
        const at = (ch: number): number => (ch < C ? ch * pixels + d : -1);
        if (wide) {
          let k = 0;
          for (const ch of channels) if (ch >= 0) words.push({ addr: word + 4 * k++, elements: [at(ch)] });
        } else {
          words.push({ addr: word, elements: channels.map((ch) => (ch >= 0 ? at(ch) : -1)) });
        }
      }
    }
    c += used;
    proc += 4;
    lanesLeft >>= 4n;
  }
  return words;
}

function chwWords(layout: TensorLayout, map: RegisterMap): LayoutWord[] {
  const [C, H, W] = layout.shape;
  const pixels = H * W;
  if (layout.width !== 8) throw new SynthError('data_format', layerOf(layout), `tensor ${layout.source}: CHW data is 8-bit only`);
  const words: LayoutWord[] = [];
  let c = 0;
  for (let p = 0; p < 64 && c < C; p++) {
    if (((layout.processors >> BigInt(p)) & 1n) === 0n) continue;
    const base = map.dataInstance(p) + layout.offset;
    for (let d = 0; d < pixels; d += 4) {
      const elements: number[] = [];
      for (let i = 0; i < 4; i++) elements.push(d + i < pixels ? c * pixels + d + i : -1);
      words.push({ addr: base + d, elements });
    }
    c++;
  }
  if (c < C) {
    throw new SynthError('processors', layerOf(layout), `tensor ${layout.source}: CHW processors 0x${layout.processors.toString(16)} hold ${c} of its ${C} channels`);
  }
  return words;
}

/**
 * Every data-memory word of a tensor, in the order the tool reads them back (its cnn_unload)
 * and loads them (its load_input): groups of 4 processors (pass by pass) outside, pixels
 * inside; CHW: channel by channel.
 */
export function layoutWords(layout: TensorLayout, chip: ChipName): LayoutWord[] {
  const map = mapOf(chip);
  return layout.format === 'CHW' ? chwWords(layout, map) : hwcWords(layout, chip, map);
}

function checkValues(layout: TensorLayout, values: ArrayLike<number>): void {
  const n = layout.shape[0] * layout.shape[1] * layout.shape[2];
  if (values.length !== n) {
    throw new SynthError('dimensions', layerOf(layout), `tensor ${layout.source}: ${values.length} values given for shape [${layout.shape.join(', ')}] (${n})`);
  }
}

/**
 * The words that put a tensor (CHW order: int8 values, or int32 for a 32-bit layout) where
 * its layout says. Lanes outside the tensor are 0 and outside `mask`: merge as
 * (old & ~mask) | word where another tensor may share the word.
 */
export function placeTensor(layout: TensorLayout, chip: ChipName, values: ArrayLike<number>): PlacedWord[] {
  checkValues(layout, values);
  return layoutWords(layout, chip).map(({ addr, elements }) => {
    if (layout.width === 32) return { addr, word: values[elements[0]!]! >>> 0, mask: 0xffff_ffff };
    let word = 0;
    let mask = 0;
    elements.forEach((e, i) => {
      if (e < 0) return;
      word |= (values[e]! & 0xff) << (8 * i);
      mask |= 0xff << (8 * i);
    });
    return { addr, word: word >>> 0, mask: mask >>> 0 };
  });
}

/** Reads a tensor back (CHW order) from data memory: int8 values, or int32 for a 32-bit layout. */
export function gatherTensor(layout: TensorLayout, chip: ChipName, read: (addr: number) => number): Int8Array | Int32Array {
  const n = layout.shape[0] * layout.shape[1] * layout.shape[2];
  const out = layout.width === 32 ? new Int32Array(n) : new Int8Array(n);
  for (const { addr, elements } of layoutWords(layout, chip)) {
    const word = read(addr);
    if (layout.width === 32) {
      if (elements[0]! >= 0) out[elements[0]!] = word | 0;
      continue;
    }
    elements.forEach((e, i) => {
      if (e >= 0) out[e] = (word >>> (8 * i)) & 0xff;
    });
  }
  return out;
}
