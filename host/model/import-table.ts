// Reads a layer table in the import format (`max78000-model/1`, as ../shared/models/*.json, or
// `max78000-golden-model/1`, which adds weights, biases and output shifts) into the layer IR.
// Every field is checked; a bad one is refused with the file, the layer and the reason.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type {
  Activation, DataFormat, EltwiseOp, HwLayout, Layer, LayerOp, LayerParams, Model, Pool, PoolType,
  Shape3, WeightBits,
} from './layer.js';
import { ModelError } from './model-error.js';
import { checkShapes } from './shape-check.js';

const OPS: readonly LayerOp[] = ['conv1d', 'conv2d', 'convtranspose2d', 'linear', 'passthrough'];
const ELTWISE: readonly EltwiseOp[] = ['add', 'sub', 'or', 'xor'];
const ACTIVATIONS: readonly Activation[] = ['relu', 'abs'];
const POOLS: readonly PoolType[] = ['max', 'avg'];
const FORMATS = ['max78000-model/1', 'max78000-golden-model/1', 'synergy-model/1'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Reads and checks a layer-table file. */
export function readLayerTable(path: string): Model {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ModelError(path, 'file', `cannot read: ${(err as Error).message}`);
  }
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    throw new ModelError(path, 'file', `not JSON: ${(err as Error).message}`);
  }
  return parseLayerTable(doc, path);
}

/** Checks a parsed layer table; `source` names it in errors. */
export function parseLayerTable(doc: unknown, source: string): Model {
  const r = new Reader(source);
  const top = r.object(doc as Json, 'top level');
  const format = r.optString(top, 'format', 'top level');
  if (format !== null && !FORMATS.includes(format)) {
    throw new ModelError(source, 'format', `unknown format "${format}" (expected one of ${FORMATS.join(', ')})`);
  }
  const name = r.optString(top, 'network', 'top level') ?? basename(source).replace(/\.json$/, '');
  const paperName = r.optString(top, 'paper_name', 'top level');
  const inputShape = r.shape(top['input_shape'], 'input_shape');
  const inputIs1d = r.optBool(top, 'input_is_1d', 'top level') ?? false;
  const rawLayers = top['layers'];
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) {
    throw new ModelError(source, 'layers', 'must be a non-empty array');
  }
  const layers: Layer[] = [];
  const params: LayerParams[] = [];
  let haveParams = true;
  rawLayers.forEach((raw, i) => {
    const { layer, param } = parseLayer(r, raw, i, layers);
    layers.push(layer);
    params.push(param ?? { weights: null, bias: null });
    if (!param) haveParams = false;
  });
  const model: Model = { name, paperName, inputShape, inputIs1d, layers, params: haveParams ? params : null, source };
  checkShapes(model);
  return model;
}

function parseLayer(r: Reader, raw: Json, i: number, earlier: readonly Layer[]): { layer: Layer; param: LayerParams | null } {
  const o = r.object(raw, `layer ${i}`);
  const name = r.optString(o, 'name', `layer ${i}`) ?? `layer${i}`;
  const where = `layer ${i} (${name})`;
  const index = r.optInt(o, 'index', where) ?? i;
  if (index !== i) throw new ModelError(r.source, where, `index is ${index}, expected ${i} (layers must be in order)`);
  const op = r.oneOf(o['op'], OPS, `${where}.op`);
  const eltwise = o['eltwise'] === null || o['eltwise'] === undefined ? null : r.oneOf(o['eltwise'], ELTWISE, `${where}.eltwise`);
  const operands = r.optInt(o, 'operands', where) ?? 1;
  if (operands < 1 || operands > 16) throw new ModelError(r.source, `${where}.operands`, `${operands} is outside 1..16`);
  if (eltwise && operands < 2) throw new ModelError(r.source, `${where}.operands`, `element-wise ${eltwise} needs 2..16 operands, got ${operands}`);
  if (!eltwise && operands !== 1) throw new ModelError(r.source, `${where}.operands`, `${operands} operands without an element-wise operation`);
  const is1d = op === 'conv1d';
  const kernel = r.pair(o['kernel'], `${where}.kernel`, is1d ? 1 : 1);
  const pad = r.pair(o['pad'], `${where}.pad`, 0);
  const stride = r.pair(o['stride'] ?? [1, 1], `${where}.stride`, 1);
  const dilation = r.pair(o['dilation'] ?? [1, 1], `${where}.dilation`, 1);
  const poolRaw = r.object(o['pool'] ?? { type: null, size: [1, 1], stride: [1, 1] }, `${where}.pool`);
  const pool: Pool = {
    type: poolRaw['type'] === null || poolRaw['type'] === undefined ? null : r.oneOf(poolRaw['type'], POOLS, `${where}.pool.type`),
    size: r.pair(poolRaw['size'] ?? [1, 1], `${where}.pool.size`, 1),
    stride: r.pair(poolRaw['stride'] ?? [1, 1], `${where}.pool.stride`, 1),
  };
  const activation = o['activation'] === null || o['activation'] === undefined ? null : r.oneOf(o['activation'], ACTIVATIONS, `${where}.activation`);
  const outputWidth = r.optInt(o, 'output_width', where) ?? 8;
  if (outputWidth !== 8 && outputWidth !== 32) throw new ModelError(r.source, `${where}.output_width`, `${outputWidth} is neither 8 nor 32`);
  const inputSources = r.intArray(o['input_sources'] ?? [i - 1], `${where}.input_sources`);
  for (const s of inputSources) {
    if (s < -1 || s >= i) throw new ModelError(r.source, `${where}.input_sources`, `source ${s} is not the network input (-1) or an earlier layer (0..${i - 1})`);
  }
  const inputShape = r.shape(o['input_shape'], `${where}.input_shape`);
  const operandShape = o['operand_shape'] !== undefined ? r.shape(o['operand_shape'], `${where}.operand_shape`)
    : ([inputShape[0] / operands, inputShape[1], inputShape[2]] as Shape3);
  const pooledShape = r.shape(o['pooled_shape'], `${where}.pooled_shape`);
  const outputShape = r.shape(o['output_shape'], `${where}.output_shape`);
  const bitsRaw = o['weight_bits'];
  let weightBits: WeightBits | null = null;
  if (bitsRaw !== null && bitsRaw !== undefined) {
    weightBits = r.oneOf(bitsRaw, [1, 2, 4, 8] as const, `${where}.weight_bits`);
  }
  let weightsShape = o['weights_shape'] === null || o['weights_shape'] === undefined ? null : r.intArray(o['weights_shape'], `${where}.weights_shape`);
  if (op !== 'passthrough' && (weightBits === null || weightsShape === null)) {
    throw new ModelError(r.source, where, `${op} needs weight_bits and weights_shape`);
  }
  if (op === 'passthrough' && weightsShape !== null) {
    throw new ModelError(r.source, `${where}.weights_shape`, 'a passthrough layer has no weights');
  }
  const groups = r.optInt(o, 'groups', where) ?? 1;
  if (groups < 1) throw new ModelError(r.source, `${where}.groups`, `${groups} is not a positive integer`);
  const depthwise = (r.optBool(o, 'depthwise', where) ?? false) || groups > 1;
  // The import tables list depthwise weights as [out, in, kh, kw]; the IR keeps [out, in/groups, kh, kw].
  if (weightsShape && groups > 1 && weightsShape[1] === operandShape[0]) {
    weightsShape = [weightsShape[0]!, weightsShape[1]! / groups, ...weightsShape.slice(2)];
  }
  const layer: Layer = {
    index: i, name, op, eltwise, operands,
    poolFirst: r.optBool(o, 'pool_first', where) ?? true,
    kernel, pad, stride, dilation,
    outputPad: r.optInt(o, 'output_pad', where) ?? (op === 'convtranspose2d' ? 1 : 0),
    groups, depthwise, activation, pool,
    flatten: r.optBool(o, 'flatten', where) ?? false,
    outputWidth,
    inputSources, inputShape, operandShape, pooledShape, outputShape,
    weightBits, weightsShape,
    biasPresent: r.optBool(o, 'bias_present', where) ?? false,
    outputShift: r.optInt(o, 'output_shift', where) ?? 0,
    streaming: r.optBool(o, 'streaming', where) ?? false,
    hw: parseHw(r, o['hw'], where, i, earlier, inputShape, operands, outputShape),
  };
  return { layer, param: parseParams(r, o, layer, where) };
}

function parseHw(r: Reader, raw: Json | undefined, where: string, i: number, earlier: readonly Layer[],
  inputShape: Shape3, operands: number, outputShape: Shape3): HwLayout {
  const prev = earlier[i - 1];
  if (raw === undefined || raw === null) {
    // No layout given: pack processors from 0, as the synthesis tool's defaults do.
    return {
      processors: packedMask(inputShape[0] / operands),
      outputProcessors: packedMask(outputShape[0]),
      inOffset: prev ? prev.hw.outOffset : 0,
      outOffset: prev && prev.hw.outOffset === 0 ? 0x4000 : 0,
      dataFormat: 'HWC',
      writeGap: 0,
    };
  }
  const o = r.object(raw, `${where}.hw`);
  const fmt = o['data_format'];
  const dataFormat: DataFormat = fmt === 'CHW' ? 'CHW' : fmt === 'HWC' || fmt === null || fmt === undefined ? 'HWC'
    : (() => { throw new ModelError(r.source, `${where}.hw.data_format`, `"${String(fmt)}" is neither HWC nor CHW`); })();
  const outOffset = r.hexOrInt(o['out_offset'] ?? 0, `${where}.hw.out_offset`);
  const inOffsetRaw = o['in_offset'];
  const inOffset = inOffsetRaw === null || inOffsetRaw === undefined ? (prev ? prev.hw.outOffset : 0)
    : r.hexOrInt(inOffsetRaw, `${where}.hw.in_offset`);
  return {
    processors: r.mask(o['processors'], `${where}.hw.processors`),
    outputProcessors: r.mask(o['output_processors'], `${where}.hw.output_processors`),
    inOffset, outOffset, dataFormat,
    writeGap: r.optInt(o, 'write_gap', `${where}.hw`) ?? 0,
  };
}

/** The processor mask the synthesis tool uses by default for C channels (FIT-RULES.md section 2). */
export function packedMask(channels: number): bigint {
  const passes = Math.ceil(channels / 64);
  let perPass = Math.ceil(channels / passes);
  if (channels > 64) perPass = Math.min(Math.ceil(perPass / 4) * 4, 64);
  return perPass >= 64 ? (1n << 64n) - 1n : (1n << BigInt(perPass)) - 1n;
}

function parseParams(r: Reader, o: JsonObject, layer: Layer, where: string): LayerParams | null {
  if (!('weights' in o) && !('bias' in o)) return null;
  let weights: Int8Array | null = null;
  if (layer.weightsShape) {
    const expected = layer.weightsShape.reduce((a, b) => a * b, 1);
    weights = r.int8Values(o['weights'], `${where}.weights`, expected, layer.weightBits ?? 8);
  } else if (o['weights'] !== null && o['weights'] !== undefined) {
    throw new ModelError(r.source, `${where}.weights`, 'given for a layer without weights');
  }
  let bias: Int8Array | null = null;
  if (layer.biasPresent) {
    bias = r.int8Values(o['bias'], `${where}.bias`, layer.outputShape[0], 8);
  } else if (o['bias'] !== null && o['bias'] !== undefined) {
    throw new ModelError(r.source, `${where}.bias`, 'given for a layer with bias_present false');
  }
  return { weights, bias };
}

/** Typed field access that turns every mistake into a ModelError naming the place. */
class Reader {
  constructor(readonly source: string) {}

  fail(where: string, reason: string): never {
    throw new ModelError(this.source, where, reason);
  }

  object(v: Json | undefined, where: string): JsonObject {
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) this.fail(where, 'must be an object');
    return v;
  }

  optString(o: JsonObject, key: string, where: string): string | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fail(`${where}.${key}`, 'must be a string');
    return v;
  }

  optBool(o: JsonObject, key: string, where: string): boolean | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'boolean') this.fail(`${where}.${key}`, 'must be true or false');
    return v;
  }

  optInt(o: JsonObject, key: string, where: string): number | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`${where}.${key}`, `must be an integer, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string | number>(v: Json | undefined, allowed: readonly T[], where: string): T {
    if (!allowed.includes(v as T)) this.fail(where, `${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
    return v as T;
  }

  intArray(v: Json | undefined, where: string): number[] {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
      this.fail(where, 'must be an array of integers');
    }
    return v as number[];
  }

  /** [a] (1-D) or [a, b]; 1-D values get `fill` as the second element. */
  pair(v: Json | undefined, where: string, fill: number): readonly [number, number] {
    const a = this.intArray(v, where);
    if (a.length === 1) return [a[0]!, fill];
    if (a.length === 2) return [a[0]!, a[1]!];
    return this.fail(where, `must have 1 or 2 entries, got ${a.length}`);
  }

  shape(v: Json | undefined, where: string): Shape3 {
    const a = this.intArray(v, where);
    if (a.length !== 3) this.fail(where, `must be [C, H, W], got ${a.length} entries`);
    if (a.some((x) => x < 1)) this.fail(where, `dimensions must be positive, got [${a.join(', ')}]`);
    return [a[0]!, a[1]!, a[2]!];
  }

  hexOrInt(v: Json, where: string): number {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) return Number.parseInt(v.slice(2), 16);
    return this.fail(where, `must be a non-negative integer or a 0x hex string, got ${JSON.stringify(v)}`);
  }

  mask(v: Json | undefined, where: string): bigint {
    if (typeof v === 'string' && /^0x[0-9a-f]{1,16}$/i.test(v)) {
      const m = BigInt(v);
      if (m === 0n) this.fail(where, 'processor mask is empty');
      return m;
    }
    return this.fail(where, `must be a 64-bit hex mask like "0x000000000000ffff", got ${JSON.stringify(v)}`);
  }

  int8Values(v: Json | undefined, where: string, expected: number, bits: number): Int8Array {
    if (!Array.isArray(v)) this.fail(where, `must be an array of ${expected} integers`);
    if (v.length !== expected) this.fail(where, `has ${v.length} values, the shape needs ${expected}`);
    const lo = -(1 << (bits - 1));
    const hi = (1 << (bits - 1)) - 1;
    const out = new Int8Array(expected);
    for (let k = 0; k < expected; k++) {
      const x = v[k];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) {
        this.fail(where, `value ${k} is ${JSON.stringify(x)}, outside the ${bits}-bit range ${lo}..${hi}`);
      }
      out[k] = x;
    }
    return out;
  }
}
