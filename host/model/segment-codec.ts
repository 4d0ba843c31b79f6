// The segment description: a contiguous layer range of a model plus its weights, as CBOR of the
// protocol's subset (PROTOCOL.md section 3, "Segment description" section 7). It is what a
// board receives (uploaded in chunks with a hash) and what the C accelerator tool reads; the C
// decoder is firmware/accel/segment_decode.c. Integer keys, deterministic encoding, every
// accel_layer field per layer, the tensors that enter and leave (boundary.ts), and the weights
// as byte strings (sub-8-bit weights packed LSB-first, biases int8).

import { encodeCbor } from '../proto/cbor.js';
import type { CborMap, CborValue } from '../proto/cbor.js';
import { parseSubset, type CborNode } from '../proto/cbor-subset.js';
import { ProtocolError } from '../proto/errors.js';
import { segmentTensors, type TensorRef } from './boundary.js';
import type {
  Activation, DataFormat, EltwiseOp, Layer, LayerOp, LayerParams, Model, PoolType, Shape3, WeightBits,
} from './layer.js';
import { ModelError } from './model-error.js';
import { outputShapeOf, pooledShapeOf, weightsShapeOf } from './shape-check.js';

export const SEGMENT_FORMAT = 1;
/** Tensors that may cross one cut (the C decoder's ACCEL_SEG_MAX_TENSORS). */
export const SEGMENT_MAX_TENSORS = 16;
/** Sources one layer may concatenate (ACCEL_MAX_SOURCES in layer.h). */
export const SEGMENT_MAX_SOURCES = 8;
/** Layers one segment may hold: the CBOR subset's array limit. */
export const SEGMENT_MAX_LAYERS = 1024;
const TEXT_MAX = 64;

/** Top-level keys. */
export const SEG = { format: 0, model: 1, first: 2, count: 3, inputs: 4, outputs: 5, layers: 6 } as const;
/** Tensor descriptor keys (inputs and outputs). */
export const TENSOR = { source: 0, shape: 1, width: 2 } as const;
/** Layer keys: one per accel_layer field, then the parameters. */
export const LAYER = {
  index: 0, name: 1, op: 2, eltwise: 3, operands: 4, pool_first: 5, kernel: 6, pad: 7, stride: 8,
  dilation: 9, output_pad: 10, groups: 11, depthwise: 12, activation: 13, pool_type: 14, pool_size: 15,
  pool_stride: 16, flatten: 17, output_width: 18, sources: 19, input_shape: 20, operand_shape: 21,
  pooled_shape: 22, output_shape: 23, weight_bits: 24, bias_present: 25, output_shift: 26, streaming: 27,
  processors: 28, output_processors: 29, in_offset: 30, out_offset: 31, data_format: 32, write_gap: 33,
  weights: 34, bias: 35,
} as const;

/** Enum numbers, as in firmware/accel/layer.h. */
export const OP_CODES: readonly LayerOp[] = ['conv1d', 'conv2d', 'convtranspose2d', 'linear', 'passthrough'];
export const ELTWISE_CODES: readonly (EltwiseOp | null)[] = [null, 'add', 'sub', 'or', 'xor'];
export const ACTIVATION_CODES: readonly (Activation | null)[] = [null, 'relu', 'abs'];
export const POOL_CODES: readonly (PoolType | null)[] = [null, 'max', 'avg'];
export const FORMAT_CODES: readonly DataFormat[] = ['HWC', 'CHW'];

export interface Segment {
  /** Zoo name or file stem of the model the layers come from. */
  model: string;
  /** Index of the first layer in the unsplit model. */
  first: number;
  /** The layers, with their indices and sources as in the unsplit model. */
  layers: Layer[];
  /** One entry per layer: hardware int8 weights (within their bit range) and biases. */
  params: LayerParams[];
  /** Tensors entering: every tensor crossing the cut before `first` (boundary.ts). */
  inputs: TensorRef[];
  /** Tensors leaving: every tensor crossing the cut after the last layer. */
  outputs: TensorRef[];
}

/** Cuts layers [first, first + count) out of a model whose weights are known. */
export function segmentOf(model: Model, first: number, count: number): Segment {
  const { inputs, outputs } = segmentTensors(model, first, count);
  if (!model.params) {
    throw new ModelError(model.source, 'params', 'the model has no weights; load it from the zoo (zoo.ts) to generate them');
  }
  return {
    model: model.name,
    first,
    layers: model.layers.slice(first, first + count),
    params: model.params.slice(first, first + count),
    inputs,
    outputs,
  };
}

// ---- weight packing ------------------------------------------------------------------------

/** Bytes that `count` weights of `bits` bits take when packed. */
export function packedWeightBytes(count: number, bits: WeightBits): number {
  return Math.ceil((count * bits) / 8);
}

/** Packs int weights of `bits` bits LSB-first: weight i occupies bits [i*bits, (i+1)*bits). */
export function packWeights(values: Int8Array, bits: WeightBits): Uint8Array {
  if (bits === 8) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.length));
  const out = new Uint8Array(packedWeightBytes(values.length, bits));
  const mask = (1 << bits) - 1;
  for (let i = 0; i < values.length; i++) {
    const bit = i * bits;
    out[bit >> 3]! |= (values[i]! & mask) << (bit & 7);
  }
  return out;
}

/** Unpacks `count` weights of `bits` bits (sign-extended) from packed bytes. */
export function unpackWeights(bytes: Uint8Array, count: number, bits: WeightBits): Int8Array {
  const out = new Int8Array(count);
  if (bits === 8) {
    out.set(new Int8Array(bytes.buffer, bytes.byteOffset, count));
    return out;
  }
  const mask = (1 << bits) - 1;
  const sign = 1 << (bits - 1);
  for (let i = 0; i < count; i++) {
    const bit = i * bits;
    const v = (bytes[bit >> 3]! >> (bit & 7)) & mask;
    out[i] = v & sign ? v - (1 << bits) : v;
  }
  return out;
}

// ---- encoding ------------------------------------------------------------------------------

const shapeValue = (s: Shape3): CborValue => [s[0], s[1], s[2]];
const pairValue = (p: readonly [number, number]): CborValue => [p[0], p[1]];

function tensorValue(t: TensorRef): CborMap {
  return new Map<number, CborValue>([[TENSOR.source, t.source], [TENSOR.shape, shapeValue(t.shape)], [TENSOR.width, t.width]]);
}

/** A layer's description without its weights and bias (format 2 carries those as records). */
export function layerDescription(layer: Layer): CborMap {
  return layerValue(layer, null, layerWhere(layer), 'layer description');
}

function layerValue(layer: Layer, params: LayerParams | null, where: string, source: string): CborMap {
  const m = new Map<number, CborValue>([
    [LAYER.index, layer.index],
    [LAYER.name, layer.name],
    [LAYER.op, OP_CODES.indexOf(layer.op)],
    [LAYER.eltwise, ELTWISE_CODES.indexOf(layer.eltwise)],
    [LAYER.operands, layer.operands],
    [LAYER.pool_first, layer.poolFirst],
    [LAYER.kernel, pairValue(layer.kernel)],
    [LAYER.pad, pairValue(layer.pad)],
    [LAYER.stride, pairValue(layer.stride)],
    [LAYER.dilation, pairValue(layer.dilation)],
    [LAYER.output_pad, layer.outputPad],
    [LAYER.groups, layer.groups],
    [LAYER.depthwise, layer.depthwise],
    [LAYER.activation, ACTIVATION_CODES.indexOf(layer.activation)],
    [LAYER.pool_type, POOL_CODES.indexOf(layer.pool.type)],
    [LAYER.pool_size, pairValue(layer.pool.size)],
    [LAYER.pool_stride, pairValue(layer.pool.stride)],
    [LAYER.flatten, layer.flatten],
    [LAYER.output_width, layer.outputWidth],
    [LAYER.sources, [...layer.inputSources]],
    [LAYER.input_shape, shapeValue(layer.inputShape)],
    [LAYER.operand_shape, shapeValue(layer.operandShape)],
    [LAYER.pooled_shape, shapeValue(layer.pooledShape)],
    [LAYER.output_shape, shapeValue(layer.outputShape)],
    [LAYER.weight_bits, layer.weightBits ?? 0],
    [LAYER.bias_present, layer.biasPresent],
    [LAYER.output_shift, layer.outputShift],
    [LAYER.streaming, layer.streaming],
    [LAYER.processors, layer.hw.processors],
    [LAYER.output_processors, layer.hw.outputProcessors],
    [LAYER.in_offset, layer.hw.inOffset],
    [LAYER.out_offset, layer.hw.outOffset],
    [LAYER.data_format, FORMAT_CODES.indexOf(layer.hw.dataFormat)],
    [LAYER.write_gap, layer.hw.writeGap],
  ]);
  if (params === null) return m;
  if (layer.weightBits !== null) {
    if (!params.weights) throw new ModelError(source, `${where}.weights`, 'missing: a segment carries every weight');
    m.set(LAYER.weights, packWeights(params.weights, layer.weightBits));
  }
  if (layer.biasPresent) {
    if (!params.bias) throw new ModelError(source, `${where}.bias`, 'missing although bias_present is true');
    m.set(LAYER.bias, new Uint8Array(params.bias.buffer.slice(params.bias.byteOffset, params.bias.byteOffset + params.bias.length)));
  }
  return m;
}

/** Encodes a segment. Checks it first (the same checks the decoders make), so a segment
 *  that encodes also decodes, in TypeScript and in C. */
export function encodeSegment(seg: Segment): Uint8Array {
  checkSegment(seg, `segment of ${seg.model}`);
  return encodeCbor(segmentMap(seg), { maxPayload: Number.MAX_SAFE_INTEGER });
}

/** The segment as a CBOR map, unchecked (tests alter it to make bad segments). */
export function segmentMap(seg: Segment): CborMap {
  const source = `segment of ${seg.model}`;
  return new Map<number, CborValue>([
    [SEG.format, SEGMENT_FORMAT],
    [SEG.model, seg.model],
    [SEG.first, seg.first],
    [SEG.count, seg.layers.length],
    [SEG.inputs, seg.inputs.map(tensorValue)],
    [SEG.outputs, seg.outputs.map(tensorValue)],
    [SEG.layers, seg.layers.map((l, i) => layerValue(l, seg.params[i]!, layerWhere(l), source))],
  ]);
}

// ---- decoding ------------------------------------------------------------------------------

const layerWhere = (l: { index: number; name: string }): string => `layer ${l.index} (${l.name})`;

/** Typed access to a parsed CBOR tree; every mistake names the place. */
export class NodeReader {
  constructor(readonly source: string) {}

  fail(where: string, reason: string): never {
    throw new ModelError(this.source, where, reason);
  }

  map(n: CborNode | undefined, where: string): Map<number, CborNode> {
    if (!n || n.kind !== 'map') this.fail(where, 'must be a map');
    return new Map(n.entries.map(([k, v]) => [Number((k as { value: bigint }).value), v]));
  }

  field(m: Map<number, CborNode>, key: number, where: string, name: string): CborNode {
    const v = m.get(key);
    if (!v) this.fail(`${where}.${name}`, `missing (key ${key})`);
    return v;
  }

  big(n: CborNode, where: string, lo: bigint, hi: bigint): bigint {
    if (n.kind !== 'int') this.fail(where, 'must be an integer');
    if (n.value < lo || n.value > hi) this.fail(where, `${n.value} is outside ${lo}..${hi}`);
    return n.value;
  }

  int(n: CborNode, where: string, lo: number, hi: number): number {
    return Number(this.big(n, where, BigInt(lo), BigInt(hi)));
  }

  bool(n: CborNode, where: string): boolean {
    if (n.kind !== 'simple' || n.value === null) this.fail(where, 'must be true or false');
    return n.value;
  }

  text(n: CborNode, where: string): string {
    if (n.kind !== 'text') this.fail(where, 'must be a text string');
    return n.value;
  }

  bytes(n: CborNode, where: string): Uint8Array {
    if (n.kind !== 'bytes') this.fail(where, 'must be a byte string');
    return n.value;
  }

  array(n: CborNode, where: string, min: number, max: number): CborNode[] {
    if (n.kind !== 'array') this.fail(where, 'must be an array');
    if (n.items.length < min || n.items.length > max) this.fail(where, `has ${n.items.length} entries, expected ${min}..${max}`);
    return n.items;
  }

  pair(n: CborNode, where: string, lo: number, hi: number): [number, number] {
    const a = this.array(n, where, 2, 2);
    return [this.int(a[0]!, `${where}[0]`, lo, hi), this.int(a[1]!, `${where}[1]`, lo, hi)];
  }

  shape(n: CborNode, where: string): Shape3 {
    const a = this.array(n, where, 3, 3);
    return [this.int(a[0]!, `${where}[0]`, 1, 65535), this.int(a[1]!, `${where}[1]`, 1, 65535), this.int(a[2]!, `${where}[2]`, 1, 65535)];
  }
}

export function readTensor(r: NodeReader, n: CborNode, where: string): TensorRef {
  const m = r.map(n, where);
  const width = r.int(r.field(m, TENSOR.width, where, 'width'), `${where}.width`, 8, 32);
  if (width !== 8 && width !== 32) r.fail(`${where}.width`, `${width} is neither 8 nor 32`);
  return {
    source: r.int(r.field(m, TENSOR.source, where, 'source'), `${where}.source`, -1, 65535),
    shape: r.shape(r.field(m, TENSOR.shape, where, 'shape'), `${where}.shape`),
    width,
  };
}

export function readLayer(r: NodeReader, n: CborNode, pos: number, expectedIndex: number): { layer: Layer; params: LayerParams } {
  const m = r.map(n, `layer ${expectedIndex}`);
  const f = (key: number, name: string, w: string): CborNode => r.field(m, key, w, name);
  const index = r.int(f(LAYER.index, 'index', `layers[${pos}]`), `layers[${pos}].index`, 0, 65535);
  if (index !== expectedIndex) r.fail(`layers[${pos}].index`, `is ${index}, expected ${expectedIndex} (first + position)`);
  const nameNode = f(LAYER.name, 'name', `layer ${index}`);
  const name = r.text(nameNode, `layer ${index}.name`);
  const w = `layer ${index} (${name})`;
  const get = (key: number, field: string): [CborNode, string] => [f(key, field, w), `${w}.${field}`];
  const int = (key: number, field: string, lo: number, hi: number): number => r.int(...get(key, field), lo, hi);
  const bool = (key: number, field: string): boolean => r.bool(...get(key, field));
  const pair = (key: number, field: string, lo: number, hi: number): [number, number] => r.pair(...get(key, field), lo, hi);
  const shape = (key: number, field: string): Shape3 => r.shape(...get(key, field));

  const op = OP_CODES[int(LAYER.op, 'op', 0, OP_CODES.length - 1)]!;
  const eltwise = ELTWISE_CODES[int(LAYER.eltwise, 'eltwise', 0, ELTWISE_CODES.length - 1)]!;
  const sourcesNodes = r.array(...get(LAYER.sources, 'sources'), 1, SEGMENT_MAX_SOURCES);
  const bits = int(LAYER.weight_bits, 'weight_bits', 0, 8);
  if (![0, 1, 2, 4, 8].includes(bits)) r.fail(`${w}.weight_bits`, `${bits} is not one of 0, 1, 2, 4, 8`);
  const width = int(LAYER.output_width, 'output_width', 8, 32);
  if (width !== 8 && width !== 32) r.fail(`${w}.output_width`, `${width} is neither 8 nor 32`);
  const poolType = POOL_CODES[int(LAYER.pool_type, 'pool_type', 0, POOL_CODES.length - 1)]!;
  const layer: Layer = {
    index, name, op, eltwise,
    operands: int(LAYER.operands, 'operands', 1, 16),
    poolFirst: bool(LAYER.pool_first, 'pool_first'),
    kernel: pair(LAYER.kernel, 'kernel', 1, 255),
    pad: pair(LAYER.pad, 'pad', 0, 255),
    stride: pair(LAYER.stride, 'stride', 1, 255),
    dilation: pair(LAYER.dilation, 'dilation', 1, 255),
    outputPad: int(LAYER.output_pad, 'output_pad', 0, 255),
    groups: int(LAYER.groups, 'groups', 1, 65535),
    depthwise: bool(LAYER.depthwise, 'depthwise'),
    activation: ACTIVATION_CODES[int(LAYER.activation, 'activation', 0, ACTIVATION_CODES.length - 1)]!,
    pool: { type: poolType, size: pair(LAYER.pool_size, 'pool_size', 1, 255), stride: pair(LAYER.pool_stride, 'pool_stride', 1, 255) },
    flatten: bool(LAYER.flatten, 'flatten'),
    outputWidth: width,
    inputSources: sourcesNodes.map((s, k) => r.int(s, `${w}.sources[${k}]`, -1, 65535)),
    inputShape: shape(LAYER.input_shape, 'input_shape'),
    operandShape: shape(LAYER.operand_shape, 'operand_shape'),
    pooledShape: shape(LAYER.pooled_shape, 'pooled_shape'),
    outputShape: shape(LAYER.output_shape, 'output_shape'),
    weightBits: bits === 0 ? null : (bits as WeightBits),
    weightsShape: null,
    biasPresent: bool(LAYER.bias_present, 'bias_present'),
    outputShift: int(LAYER.output_shift, 'output_shift', -128, 127),
    streaming: bool(LAYER.streaming, 'streaming'),
    hw: {
      processors: r.big(...get(LAYER.processors, 'processors'), 0n, (1n << 64n) - 1n),
      outputProcessors: r.big(...get(LAYER.output_processors, 'output_processors'), 0n, (1n << 64n) - 1n),
      inOffset: int(LAYER.in_offset, 'in_offset', 0, 0xffffffff),
      outOffset: int(LAYER.out_offset, 'out_offset', 0, 0xffffffff),
      dataFormat: FORMAT_CODES[int(LAYER.data_format, 'data_format', 0, FORMAT_CODES.length - 1)]!,
      writeGap: int(LAYER.write_gap, 'write_gap', 0, 255),
    },
  };
  const wNode = m.get(LAYER.weights);
  const bNode = m.get(LAYER.bias);
  return {
    layer,
    params: {
      // Lengths are checked by checkSegment once the weight shape is known; keep raw bytes here.
      weights: wNode ? rawBytes(r.bytes(wNode, `${w}.weights`)) : null,
      bias: bNode ? new Int8Array(rawBytes(r.bytes(bNode, `${w}.bias`))) : null,
    },
  };
}

const rawBytes = (b: Uint8Array): Int8Array => new Int8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

/** Decodes and checks a segment description; errors name the layer and the field. */
export function decodeSegment(bytes: Uint8Array, source = 'segment'): Segment {
  let root: CborNode;
  try {
    root = parseSubset(bytes, { maxPayload: Number.MAX_SAFE_INTEGER });
  } catch (e) {
    if (e instanceof ProtocolError) throw new ModelError(source, 'cbor', e.detail);
    throw e;
  }
  const r = new NodeReader(source);
  const top = r.map(root, 'top level');
  const format = r.int(r.field(top, SEG.format, 'top level', 'format'), 'format', 0, 0xffff);
  if (format !== SEGMENT_FORMAT) r.fail('format', `segment format ${format} is not ${SEGMENT_FORMAT}`);
  const model = r.text(r.field(top, SEG.model, 'top level', 'model'), 'model');
  const first = r.int(r.field(top, SEG.first, 'top level', 'first'), 'first', 0, 65535);
  const count = r.int(r.field(top, SEG.count, 'top level', 'count'), 'count', 1, SEGMENT_MAX_LAYERS);
  const tensors = (key: number, name: string): TensorRef[] =>
    r.array(r.field(top, key, 'top level', name), name, 1, SEGMENT_MAX_TENSORS).map((t, k) => readTensor(r, t, `${name}[${k}]`));
  const inputs = tensors(SEG.inputs, 'inputs');
  const outputs = tensors(SEG.outputs, 'outputs');
  const layerNodes = r.array(r.field(top, SEG.layers, 'top level', 'layers'), 'layers', count, count);
  const layers: Layer[] = [];
  const params: LayerParams[] = [];
  layerNodes.forEach((n, pos) => {
    const { layer, params: p } = readLayer(r, n, pos, first + pos);
    layers.push(layer);
    params.push(p);
  });
  const seg: Segment = { model, first, layers, params, inputs, outputs };
  checkSegment(seg, source, 'packed');
  return seg;
}

// ---- checks shared by the encoder and the decoder (the C decoder makes the same ones) --------

const sameShape = (a: Shape3, b: Shape3): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Checks ranges, the shape chain and parameter lengths. With `packed`, params hold the raw
 * bytes from the wire and are unpacked in place once their length is known to be right.
 */
/** What a segment carries of its parameters: values (built in memory), packed bytes (decoded
 *  format 1) or none (format 2: the layers alone, the weights go as kernel records). */
type ParamForm = 'values' | 'packed' | 'none';

/** Checks a segment's layers and tensors without parameters (a format 2 header) and derives
 *  each layer's weight shape, as the format 1 decoder does. */
export function checkDescribedSegment(seg: Segment, source: string): void {
  checkSegment(seg, source, 'none');
}

function checkSegment(seg: Segment, source: string, form: ParamForm = 'values'): void {
  const packed = form !== 'values';
  function fail(where: string, reason: string): never {
    throw new ModelError(source, where, reason);
  }
  if (new TextEncoder().encode(seg.model).length > TEXT_MAX || seg.model.length === 0) {
    fail('model', `name must be 1..${TEXT_MAX} bytes`);
  }
  const n = seg.layers.length;
  if (n < 1 || n > SEGMENT_MAX_LAYERS) fail('layers', `has ${n} layers, expected 1..${SEGMENT_MAX_LAYERS}`);
  if (seg.params.length !== n) fail('params', `has ${seg.params.length} entries for ${n} layers`);
  for (const [name, list] of [['inputs', seg.inputs], ['outputs', seg.outputs]] as const) {
    if (list.length < 1 || list.length > SEGMENT_MAX_TENSORS) fail(name, `has ${list.length} tensors, expected 1..${SEGMENT_MAX_TENSORS}`);
    list.forEach((t, k) => {
      if (k > 0 && t.source <= list[k - 1]!.source) fail(`${name}[${k}].source`, `${t.source} does not ascend (after ${list[k - 1]!.source})`);
    });
  }
  const last = seg.first + n - 1;
  // Shapes known so far, by source id: the inputs, then each layer's output as it is checked.
  const known = new Map<number, { shape: Shape3; width: number }>();
  seg.inputs.forEach((t, k) => {
    if (t.source >= seg.first) fail(`inputs[${k}].source`, `${t.source} is not produced before the segment (first layer ${seg.first})`);
    known.set(t.source, t);
  });
  seg.layers.forEach((layer, pos) => {
    const w = layerWhere(layer);
    if (layer.index !== seg.first + pos) fail(`${w}.index`, `expected ${seg.first + pos}`);
    if (new TextEncoder().encode(layer.name).length > TEXT_MAX) fail(`${w}.name`, `longer than ${TEXT_MAX} bytes`);
    if ((layer.eltwise === null) !== (layer.operands === 1)) {
      fail(`${w}.operands`, `${layer.operands} operands with element-wise ${layer.eltwise ?? 'none'}`);
    }
    if ((layer.weightBits === null) !== (layer.op === 'passthrough')) {
      fail(`${w}.weight_bits`, layer.op === 'passthrough' ? 'a passthrough layer has no weights' : `${layer.op} needs weight bits`);
    }
    // Sources: concatenated along channels, each a segment input or an earlier layer of it.
    let channels = 0;
    let hw: [number, number] | null = null;
    layer.inputSources.forEach((s, k) => {
      const t = s < layer.index ? known.get(s) : undefined;
      if (!t) fail(`${w}.sources[${k}]`, `source ${s} is neither a segment input nor an earlier layer of the segment`);
      if (hw && (hw[0] !== t.shape[1] || hw[1] !== t.shape[2])) fail(`${w}.sources[${k}]`, `source ${s} is ${t.shape[1]}x${t.shape[2]}, earlier sources ${hw[0]}x${hw[1]}`);
      hw = [t.shape[1], t.shape[2]];
      channels += t.shape[0];
    });
    const concat: Shape3 = [channels, hw![0], hw![1]];
    if (!sameShape(concat, layer.inputShape)) fail(`${w}.input_shape`, `is ${show(layer.inputShape)}, the sources give ${show(concat)}`);
    const [oc, oh, ow] = layer.operandShape;
    if (oc * layer.operands !== layer.inputShape[0] || oh !== layer.inputShape[1] || ow !== layer.inputShape[2]) {
      fail(`${w}.operand_shape`, `${show(layer.operandShape)} x ${layer.operands} operands does not make ${show(layer.inputShape)}`);
    }
    if (layer.pool.size[0] > oh || layer.pool.size[1] > ow) fail(`${w}.pool_size`, `${show(layer.pool.size)} is larger than the input ${oh}x${ow}`);
    const pooled = pooledShapeOf(layer);
    if (!sameShape(pooled, layer.pooledShape)) fail(`${w}.pooled_shape`, `is ${show(layer.pooledShape)}, pooling gives ${show(pooled)}`);
    if (oc % layer.groups !== 0) fail(`${w}.groups`, `${layer.groups} does not divide ${oc} input channels`);
    const out = outputShapeOf({ ...layer, weightsShape: layer.op === 'passthrough' ? null : [layer.outputShape[0]] });
    if (out.some((d) => d < 1) || !sameShape(out, layer.outputShape)) fail(`${w}.output_shape`, `is ${show(layer.outputShape)}, ${layer.op} gives ${show(out)}`);
    const ws = weightsShapeOf(layer);
    if (packed) {
      layer.weightsShape = ws;
    } else if (show(ws ?? []) !== show(layer.weightsShape ?? [])) {
      fail(`${w}.weights_shape`, `is ${show(layer.weightsShape ?? [])}, ${layer.op} needs ${show(ws ?? [])}`);
    }
    const p = seg.params[pos]!;
    const count = ws ? ws.reduce((a, b) => a * b, 1) : 0;
    if (form === 'none') {
      if (p.weights || p.bias) fail(`${w}.weights`, 'a layer description carries no weights or bias');
    } else if (layer.weightBits !== null) {
      const need = packed ? packedWeightBytes(count, layer.weightBits) : count;
      if (!p.weights) fail(`${w}.weights`, 'missing');
      if (p.weights.length !== need) fail(`${w}.weights`, `has ${p.weights.length} ${packed ? 'bytes' : 'values'}, ${show(ws!)} at ${layer.weightBits} bits needs ${need}`);
      if (packed) {
        p.weights = unpackWeights(new Uint8Array(p.weights.buffer, p.weights.byteOffset, p.weights.length), count, layer.weightBits);
      } else {
        const lo = -(1 << (layer.weightBits - 1));
        const hi = (1 << (layer.weightBits - 1)) - 1;
        const bad = p.weights.findIndex((v) => v < lo || v > hi);
        if (bad >= 0) fail(`${w}.weights`, `value ${bad} is ${p.weights[bad]}, outside the ${layer.weightBits}-bit range ${lo}..${hi}`);
      }
    } else if (p.weights) {
      fail(`${w}.weights`, 'given for a layer without weights');
    }
    if (form === 'none') {
      // the bias goes as a record
    } else if (layer.biasPresent) {
      if (!p.bias) fail(`${w}.bias`, 'missing although bias_present is true');
      if (p.bias.length !== layer.outputShape[0]) fail(`${w}.bias`, `has ${p.bias.length} bytes for ${layer.outputShape[0]} output channels`);
    } else if (p.bias) {
      fail(`${w}.bias`, 'given although bias_present is false');
    }
    known.set(layer.index, { shape: layer.outputShape, width: layer.outputWidth });
  });
  seg.outputs.forEach((t, k) => {
    const have = t.source <= last ? known.get(t.source) : undefined;
    if (!have) fail(`outputs[${k}].source`, `${t.source} is neither a segment input nor a layer of the segment`);
    if (!sameShape(have.shape, t.shape) || have.width !== t.width) {
      fail(`outputs[${k}].shape`, `${show(t.shape)}/${t.width} bits differs from source ${t.source}: ${show(have.shape)}/${have.width} bits`);
    }
  });
}
