// The hardware image (`max78000-hw-image/1`, ../shared/docs/REGISTERS.md): what Analog Devices'
// synthesis tool emits as cnn.c / weights.h, as data. The vendor fields (init, configure, start,
// kernels, bias, unload) compare with the tool's own output; the extension fields (chip, model,
// first, count, inputs, outputs) say which layers the image runs and where its tensors live.

import type { ChipName } from '../model/chips.js';
import type { DataFormat, Shape3 } from '../model/layer.js';
import { parseVendorImage, type VendorImage } from './compare.js';

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

/** The vendor's fields (init, configure, start, kernels, bias, unload) and ours. */
export interface HwImage extends VendorImage {
  format: typeof HW_IMAGE_FORMAT;
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

/** A layout from its JSON shape; throws naming the bad field. */
export function parseLayout(doc: unknown, where: string): TensorLayout {
  if (!doc || typeof doc !== 'object') throw new Error(`${where}: not an object`);
  const o = doc as Record<string, unknown>;
  const int = (k: string, min: number): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`${where}.${k}: ${JSON.stringify(v)} is not an integer >= ${min}`);
    return v;
  };
  const shape = o['shape'];
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((x) => Number.isInteger(x) && (x as number) > 0)) {
    throw new Error(`${where}.shape: ${JSON.stringify(shape)} is not [C, H, W] of positive integers`);
  }
  const width = o['width'];
  if (width !== 8 && width !== 32) throw new Error(`${where}.width: ${JSON.stringify(width)} is neither 8 nor 32`);
  const format = o['format'];
  if (format !== 'HWC' && format !== 'CHW') throw new Error(`${where}.format: ${JSON.stringify(format)} is neither HWC nor CHW`);
  const procs = o['processors'];
  if (typeof procs !== 'string' || !/^0x[0-9a-fA-F]{16}$/.test(procs) || BigInt(procs) === 0n) {
    throw new Error(`${where}.processors: ${JSON.stringify(procs)} is not a non-zero mask "0x<16 hex digits>"`);
  }
  return {
    source: int('source', -1), shape: [shape[0], shape[1], shape[2]] as Shape3, width, format,
    processors: BigInt(procs), offset: int('offset', 0), writeGap: int('write_gap', 0),
  };
}

/** An image from its JSON document (vendor and extension fields); throws naming the bad field. */
export function parseHwImage(doc: unknown): HwImage {
  const vendor = parseVendorImage(doc);
  const o = doc as Record<string, unknown>;
  if (o['format'] !== HW_IMAGE_FORMAT) throw new Error(`hw image: format ${JSON.stringify(o['format'])} is not "${HW_IMAGE_FORMAT}"`);
  const chip = o['chip'];
  if (chip !== 'max78000' && chip !== 'max78002') throw new Error(`hw image: chip ${JSON.stringify(chip)} is neither max78000 nor max78002`);
  const int = (k: string, min: number): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`hw image: ${k} ${JSON.stringify(v)} is not an integer >= ${min}`);
    return v;
  };
  const layouts = (k: string): TensorLayout[] => {
    const v = o[k];
    if (!Array.isArray(v)) throw new Error(`hw image: "${k}" is not a list`);
    return v.map((x, i) => parseLayout(x, `hw image: ${k}[${i}]`));
  };
  if (typeof o['model'] !== 'string') throw new Error('hw image: "model" is not a string');
  return {
    format: HW_IMAGE_FORMAT, ...vendor, chip, model: o['model'], first: int('first', 0), count: int('count', 1),
    inputs: layouts('inputs'), outputs: layouts('outputs'),
  };
}
