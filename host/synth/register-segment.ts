// Register segments (PROTOCOL.md 7.1, format 2): a segment as a board with the register engine
// takes it, built to be consumed as it streams in. A short preamble, a CBOR header (the layers
// without weights, for the board's fit rules; the image's writes packed 8 bytes each; the tensor
// layouts), then the kernel and bias records as raw little-endian words the board writes into
// the accelerator as they arrive. The C decoder is firmware/core (segstore) with firmware/accel.

import { encodeCbor, type CborMap, type CborValue } from '../proto/cbor.js';
import { parseSubset, type CborNode } from '../proto/cbor-subset.js';
import { ProtocolError } from '../proto/errors.js';
import { segmentTensors, type TensorRef } from '../model/boundary.js';
import { CHIP_NAMES, type ChipName } from '../model/chips.js';
import type { Layer, Model } from '../model/layer.js';
import { ModelError } from '../model/model-error.js';
import {
  checkDescribedSegment, decodeSegment, FORMAT_CODES, layerDescription, NodeReader, readLayer, readTensor, SEGMENT_MAX_LAYERS, SEGMENT_MAX_TENSORS, type Segment,
} from '../model/segment-codec.js';
import type { HwImage, RegisterWrite, TensorLayout } from './image.js';
import { hardwareLayers, synthesize, type SynthOptions } from './synthesize.js';

export const REGISTER_SEGMENT_FORMAT = 2;
/** "SYR2": what a register segment starts with (a format 1 segment starts with a CBOR map). */
export const REGISTER_SEGMENT_MAGIC = Uint8Array.of(0x53, 0x59, 0x52, 0x32);
const PREAMBLE = 8;

/** Header keys. */
export const SEG2 = {
  format: 0, model: 1, first: 2, count: 3, inputs: 4, outputs: 5, layers: 6, chip: 7,
  init: 8, configure: 9, start: 10, inputLayouts: 11, outputLayouts: 12, kernelRecords: 13, biasRecords: 14,
} as const;
/** Layout keys. */
export const LAYOUT = { source: 0, shape: 1, width: 2, format: 3, processors: 4, offset: 5, writeGap: 6 } as const;

/** What a register segment says besides its layers: the program and where its tensors live. */
export interface RegisterProgram {
  chip: ChipName;
  init: number[][];
  configure: number[][];
  start: number[][];
  inputLayouts: TensorLayout[];
  outputLayouts: TensorLayout[];
  kernelRecords: number;
  biasRecords: number;
}

/** A decoded register segment: the segment (layers without weights: params are null) and its program. */
export interface DecodedRegisterSegment {
  segment: Segment;
  program: RegisterProgram;
  /** Bytes of the preamble and header (what a board must hold before the records). */
  headerBytes: number;
}

export function isRegisterSegment(blob: Uint8Array): boolean {
  return blob.length >= 4 && REGISTER_SEGMENT_MAGIC.every((b, i) => blob[i] === b);
}

function packWrites(writes: readonly RegisterWrite[]): Uint8Array {
  const out = new Uint8Array(writes.length * 8);
  const v = new DataView(out.buffer);
  writes.forEach(([addr, value], i) => {
    v.setUint32(i * 8, addr >>> 0, true);
    v.setUint32(i * 8 + 4, value >>> 0, true);
  });
  return out;
}

function layoutValue(l: TensorLayout): CborMap {
  return new Map<number, CborValue>([
    [LAYOUT.source, l.source],
    [LAYOUT.shape, [l.shape[0], l.shape[1], l.shape[2]]],
    [LAYOUT.width, l.width],
    [LAYOUT.format, FORMAT_CODES.indexOf(l.format)],
    [LAYOUT.processors, l.processors],
    [LAYOUT.offset, l.offset],
    [LAYOUT.writeGap, l.writeGap],
  ]);
}

const tensorValue = (t: TensorRef): CborMap =>
  new Map<number, CborValue>([[0, t.source], [1, [t.shape[0], t.shape[1], t.shape[2]]], [2, t.width]]);

/** The kernel and bias records of an image as the byte stream that follows the header. */
function recordBytes(img: HwImage): Uint8Array {
  let n = 0;
  for (const k of img.kernels) n += 8 + 4 * k.words.length;
  for (const b of img.bias) n += 8 + Math.ceil(b.bytes.length / 4) * 4;
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const k of img.kernels) {
    v.setUint32(at, k.addr >>> 0, true);
    v.setUint32(at + 4, k.words.length, true);
    at += 8;
    for (const w of k.words) {
      v.setUint32(at, w >>> 0, true);
      at += 4;
    }
  }
  for (const b of img.bias) {
    v.setUint32(at, b.addr >>> 0, true);
    v.setUint32(at + 4, b.bytes.length, true);
    at += 8;
    out.set(b.bytes.map((x) => x & 0xff), at);
    at += Math.ceil(b.bytes.length / 4) * 4;
  }
  return out;
}

/**
 * Encodes layers first..last of a model as a register segment for `chip`, after the segments
 * already resident there (in load order, as fit() and the board place them): synthesizes the
 * image and wraps it. The inputs a layer reads and the outputs a layer produces get a layout
 * (where their producer writes them); a tensor relayed past the segment has none (the board
 * copies it).
 */
export function encodeRegisterSegment(model: Model, opts: Required<Pick<SynthOptions, 'chip' | 'first' | 'last'>> & Pick<SynthOptions, 'resident'>): Uint8Array {
  const img = synthesize(model, opts);
  const count = opts.last - opts.first + 1;
  const layers = hardwareLayers(model).slice(opts.first, opts.last + 1);
  const { inputs, outputs } = segmentTensors(model, opts.first, count);
  return wrapImage(model, layers, inputs, outputs, img);
}

const bySource = (a: TensorLayout, b: TensorLayout): number => a.source - b.source;

/** The register segment of an image and the segment's layers and tensors (tests alter its parts). */
export function wrapImage(model: Model, layers: readonly Layer[], inputs: readonly TensorRef[], outputs: readonly TensorRef[], img: HwImage): Uint8Array {
  const header = encodeCbor(new Map<number, CborValue>([
    [SEG2.format, REGISTER_SEGMENT_FORMAT],
    [SEG2.model, model.name],
    [SEG2.first, img.first],
    [SEG2.count, img.count],
    [SEG2.inputs, inputs.map(tensorValue)],
    [SEG2.outputs, outputs.map(tensorValue)],
    [SEG2.layers, layers.map(layerDescription)],
    [SEG2.chip, img.chip],
    [SEG2.init, packWrites(img.init)],
    [SEG2.configure, packWrites(img.configure)],
    [SEG2.start, packWrites(img.start)],
    [SEG2.inputLayouts, [...img.inputs].sort(bySource).map(layoutValue)],
    [SEG2.outputLayouts, [...img.outputs].sort(bySource).map(layoutValue)],
    [SEG2.kernelRecords, img.kernels.length],
    [SEG2.biasRecords, img.bias.length],
  ]), { maxPayload: Number.MAX_SAFE_INTEGER });
  const records = recordBytes(img);
  const out = new Uint8Array(PREAMBLE + header.length + records.length);
  out.set(REGISTER_SEGMENT_MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, PREAMBLE);
  out.set(records, PREAMBLE + header.length);
  return out;
}

function unpackWrites(r: NodeReader, n: CborNode, where: string): number[][] {
  const b = r.bytes(n, where);
  if (b.length % 8 !== 0) r.fail(where, `${b.length} bytes is not a whole number of 8-byte writes`);
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const out: number[][] = [];
  for (let i = 0; i < b.length; i += 8) out.push([v.getUint32(i, true), v.getUint32(i + 4, true)]);
  return out;
}

function readLayout(r: NodeReader, n: CborNode, where: string): TensorLayout {
  const m = r.map(n, where);
  const f = (key: number, name: string): [CborNode, string] => [r.field(m, key, where, name), `${where}.${name}`];
  const width = r.int(...f(LAYOUT.width, 'width'), 8, 32);
  if (width !== 8 && width !== 32) r.fail(`${where}.width`, `${width} is neither 8 nor 32`);
  return {
    source: r.int(...f(LAYOUT.source, 'source'), -1, 65535),
    shape: r.shape(...f(LAYOUT.shape, 'shape')),
    width,
    format: FORMAT_CODES[r.int(...f(LAYOUT.format, 'format'), 0, FORMAT_CODES.length - 1)]!,
    processors: r.big(...f(LAYOUT.processors, 'processors'), 0n, (1n << 64n) - 1n),
    offset: r.int(...f(LAYOUT.offset, 'offset'), 0, 0xffffffff),
    writeGap: r.int(...f(LAYOUT.writeGap, 'write_gap'), 0, 255),
  };
}

/** Decodes a register segment's preamble and header (the records are not read). */
export function decodeRegisterSegment(blob: Uint8Array, source = 'register segment'): DecodedRegisterSegment {
  if (!isRegisterSegment(blob)) throw new ModelError(source, 'magic', 'does not start with "SYR2"');
  if (blob.length < PREAMBLE) throw new ModelError(source, 'header_len', `${blob.length} bytes hold no header length`);
  const headerLen = new DataView(blob.buffer, blob.byteOffset, blob.length).getUint32(4, true);
  if (PREAMBLE + headerLen > blob.length) throw new ModelError(source, 'header_len', `${headerLen} bytes of header, ${blob.length - PREAMBLE} present`);
  let root: CborNode;
  try {
    root = parseSubset(blob.subarray(PREAMBLE, PREAMBLE + headerLen), { maxPayload: Number.MAX_SAFE_INTEGER });
  } catch (e) {
    if (e instanceof ProtocolError) throw new ModelError(source, 'header', e.detail);
    throw e;
  }
  const r = new NodeReader(source);
  const top = r.map(root, 'header');
  const field = (key: number, name: string): [CborNode, string] => [r.field(top, key, 'header', name), name];
  const format = r.int(...field(SEG2.format, 'format'), 0, 0xffff);
  if (format !== REGISTER_SEGMENT_FORMAT) r.fail('format', `segment format ${format} is not ${REGISTER_SEGMENT_FORMAT}`);
  const model = r.text(...field(SEG2.model, 'model'));
  const first = r.int(...field(SEG2.first, 'first'), 0, 65535);
  const count = r.int(...field(SEG2.count, 'count'), 1, SEGMENT_MAX_LAYERS);
  const tensors = (key: number, name: string): TensorRef[] =>
    r.array(...field(key, name), 1, SEGMENT_MAX_TENSORS).map((t, k) => readTensor(r, t, `${name}[${k}]`));
  const inputs = tensors(SEG2.inputs, 'inputs');
  const outputs = tensors(SEG2.outputs, 'outputs');
  const layers = r.array(...field(SEG2.layers, 'layers'), count, count).map((n, pos) => readLayer(r, n, pos, first + pos).layer);
  const chip = r.text(...field(SEG2.chip, 'chip'));
  if (!(CHIP_NAMES as readonly string[]).includes(chip)) r.fail('chip', `"${chip}" is not one of ${CHIP_NAMES.join(', ')}`);
  const layouts = (key: number, name: string, most: number): TensorLayout[] =>
    r.array(...field(key, name), 0, most).map((n, k) => readLayout(r, n, `${name}[${k}]`));
  const program: RegisterProgram = {
    chip: chip as ChipName,
    init: unpackWrites(r, ...field(SEG2.init, 'init')),
    configure: unpackWrites(r, ...field(SEG2.configure, 'configure')),
    start: unpackWrites(r, ...field(SEG2.start, 'start')),
    inputLayouts: layouts(SEG2.inputLayouts, 'input_layouts', inputs.length),
    outputLayouts: layouts(SEG2.outputLayouts, 'output_layouts', outputs.length),
    kernelRecords: r.int(...field(SEG2.kernelRecords, 'kernel_records'), 0, 0xffffffff),
    biasRecords: r.int(...field(SEG2.biasRecords, 'bias_records'), 0, 0xffffffff),
  };
  const segment: Segment = { model, first, layers, params: layers.map(() => ({ weights: null, bias: null })), inputs, outputs };
  checkDescribedSegment(segment, source);
  return { segment, program, headerBytes: PREAMBLE + headerLen };
}

/** Decodes a segment of either format (a register segment's layers come without weights). */
export function decodeAnySegment(blob: Uint8Array, source = 'segment'): Segment {
  return isRegisterSegment(blob) ? decodeRegisterSegment(blob, source).segment : decodeSegment(blob, source);
}
