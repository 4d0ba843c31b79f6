// The hardware image (`max78000-hw-image/1`, ../shared/docs/REGISTERS.md): what Analog Devices'
// synthesis tool emits as cnn.c / weights.h, as data. The vendor fields (init, configure, start,
// kernels, bias, unload) compare with the tool's own output; the extension fields (chip, model,
// first, count, inputs, outputs) say which layers the image runs and where its tensors live.

import type { ChipName } from '../model/chips.js';
import type { DataFormat, Shape3 } from '../model/layer.js';

export const HW_IMAGE_FORMAT = 'max78000-hw-image/1';

/** One 32-bit register write: address, value, and the tool's comment for it. */
export type RegisterWrite = readonly [address: number, value: number, comment: string];

/**
 * A record of the packed ("mexpress") kernel loader: write byte 0x01 to `addr | 1`, then
 * `words` one after another to `addr`. addr = processor kernel base + column x 4.
 */
export interface KernelRecord {
  addr: number;
  words: readonly number[];
}

/** Bias bytes, each written to its own 32-bit word from `addr` on. */
export interface BiasRecord {
  addr: number;
  bytes: readonly number[];
}

/** `words` consecutive 32-bit reads from `addr` (the tool's cnn_unload, in order). */
export interface UnloadRecord {
  addr: number;
  words: number;
}

/**
 * Where one tensor lives in data memory, and how (docs/registers.md, "Tensor layout").
 * `source` -1 is the network input (layer 0's processors, in_offset and data format); source j
 * is the output of model layer j exactly as its write-pointer registers place it.
 */
export interface TensorLayout {
  source: number;
  shape: Shape3;
  width: 8 | 32;
  format: DataFormat;
  /** The processors whose data-memory lanes hold the channels (bit p = processor p). */
  processors: bigint;
  /** Byte offset inside each data-memory instance. */
  offset: number;
  /** Words left free after each written word (interleaves element-wise operands). */
  writeGap: number;
}

export interface HwImage {
  format: typeof HW_IMAGE_FORMAT;
  init: RegisterWrite[];
  configure: RegisterWrite[];
  start: RegisterWrite[];
  kernels: KernelRecord[];
  bias: BiasRecord[];
  unload: UnloadRecord[];
  chip: ChipName;
  model: string;
  /** The model layers the image runs: first .. first + count - 1, in hardware slots 0 .. count - 1. */
  first: number;
  count: number;
  /** Tensors the host places before the run (those the segment's layers read from outside it). */
  inputs: TensorLayout[];
  /** Tensors the segment produces that are needed after it, in the order `unload` reads them. */
  outputs: TensorLayout[];
}

const hexMask = (m: bigint): string => '0x' + m.toString(16).padStart(16, '0');

/** A layout in its JSON shape (snake_case, processors as 16 hex digits). */
export function layoutJson(l: TensorLayout): Record<string, unknown> {
  return {
    source: l.source, shape: [...l.shape], width: l.width, format: l.format,
    processors: hexMask(l.processors), offset: l.offset, write_gap: l.writeGap,
  };
}

/** The image as the JSON document of the format. */
export function imageJson(img: HwImage): Record<string, unknown> {
  return {
    format: img.format,
    chip: img.chip,
    model: img.model,
    first: img.first,
    count: img.count,
    init: img.init.map((w) => [...w]),
    configure: img.configure.map((w) => [...w]),
    start: img.start.map((w) => [...w]),
    kernels: img.kernels.map((r) => ({ addr: r.addr, words: [...r.words] })),
    bias: img.bias.map((r) => ({ addr: r.addr, bytes: [...r.bytes] })),
    unload: img.unload.map((r) => ({ addr: r.addr, words: r.words })),
    inputs: img.inputs.map(layoutJson),
    outputs: img.outputs.map(layoutJson),
  };
}
