// Reads one folder of Analog Devices' golden data (../shared/golden/<name>/: model.json with
// weights, input.json, expected_output.json, intermediate.json) and compares an executor's
// per-layer outputs with it, naming the first layer and index that differ.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLayerTable } from './import-table.js';
import type { Model, Shape3 } from './layer.js';
import { ExecError } from './exec.js';
import { firstDifference, type Tensor } from './tensor.js';

export interface GoldenLayer {
  layer: number;
  /** The operation's input after pooling / element-wise (the executor's "prepared" input). */
  convInput: Tensor;
  /** Accumulators with bias*128, before shift and clamp (null for passthrough). */
  acc: { shape: Shape3; data: Float64Array } | null;
  output: Tensor;
}

export interface GoldenSet {
  name: string;
  model: Model;
  input: Tensor;
  expected: Tensor;
  /** Index of the layer whose output expected_output.json holds. */
  expectedLayer: number;
  layers: GoldenLayer[];
}

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (err) {
    throw new ExecError(path, `cannot read golden data: ${(err as Error).message}`);
  }
}

function shape3(v: unknown, path: string, what: string): Shape3 {
  if (!Array.isArray(v) || v.length < 1 || v.length > 4 || !v.every((x) => Number.isInteger(x))) {
    throw new ExecError(path, `${what} is not a shape`);
  }
  const s = v as number[];
  // [C, H, W], or [operands, C, H, W] whose first entry the caller does not need here.
  const t = s.length === 4 ? s.slice(1) : s;
  return [t[0] ?? 1, t[1] ?? 1, t[2] ?? 1];
}

function values(v: unknown, n: number, path: string, what: string): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => Number.isInteger(x))) {
    throw new ExecError(path, `${what} must be ${n} integers`);
  }
  return v as number[];
}

function tensorOf(shape: Shape3, data: number[], wide: boolean): Tensor {
  return { shape, data: wide ? Int32Array.from(data) : Int8Array.from(data) };
}

/** Loads a golden folder; throws ExecError naming the file when something is malformed. */
export function loadGolden(dir: string, name: string): GoldenSet {
  const model = readLayerTable(join(dir, 'model.json'));
  const inPath = join(dir, 'input.json');
  const inp = readJson(inPath);
  const inShape = shape3(inp['shape'], inPath, 'shape');
  const input = tensorOf(inShape, values(inp['data'], inShape[0] * inShape[1] * inShape[2], inPath, 'data'), false);
  const exPath = join(dir, 'expected_output.json');
  const ex = readJson(exPath);
  const exShape = shape3(ex['shape'], exPath, 'shape');
  const expectedLayer = typeof ex['layer'] === 'number' ? ex['layer'] : model.layers.length - 1;
  const wide = ex['output_width'] === 32;
  const expected = tensorOf(exShape, values(ex['data'], exShape[0] * exShape[1] * exShape[2], exPath, 'data'), wide);
  const imPath = join(dir, 'intermediate.json');
  const im = readJson(imPath);
  const rawLayers = im['layers'];
  if (!Array.isArray(rawLayers)) throw new ExecError(imPath, 'layers must be an array');
  const layers = (rawLayers as Json[]).map((r, k): GoldenLayer => {
    const at = `layers[${k}]`;
    const layer = typeof r['layer'] === 'number' ? r['layer'] : k;
    const l = model.layers[layer];
    if (!l) throw new ExecError(imPath, `${at}: layer ${layer} is not in model.json`);
    const ciShape = shape3(r['conv_input_shape'], imPath, `${at}.conv_input_shape`);
    const outShape = shape3(r['output_shape'], imPath, `${at}.output_shape`);
    const n = (s: Shape3): number => s[0] * s[1] * s[2];
    let acc: GoldenLayer['acc'] = null;
    if (r['acc'] !== null && r['acc'] !== undefined) {
      const aShape = shape3(r['acc_shape'], imPath, `${at}.acc_shape`);
      acc = { shape: aShape, data: Float64Array.from(values(r['acc'], n(aShape), imPath, `${at}.acc`)) };
    }
    return {
      layer,
      convInput: tensorOf(ciShape, values(r['conv_input'], n(ciShape), imPath, `${at}.conv_input`), false),
      acc,
      output: tensorOf(outShape, values(r['output'], n(outShape), imPath, `${at}.output`), l.outputWidth === 32),
    };
  });
  return { name, model, input, expected, expectedLayer, layers };
}

export interface GoldenMismatch {
  layer: number;
  /** Which value differs first: the prepared input, the accumulator or the output. */
  stage: 'conv_input' | 'acc' | 'output' | 'expected_output';
  reason: string;
}

/** Compares per-layer outputs (index = layer) with a golden set; null when all are equal. */
export function compareWithGolden(set: GoldenSet, outputs: readonly Tensor[]): GoldenMismatch | null {
  for (const g of set.layers) {
    const got = outputs[g.layer];
    if (!got) return { layer: g.layer, stage: 'output', reason: 'no output computed' };
    const d = firstDifference(g.output, got);
    if (d) return { layer: g.layer, stage: 'output', reason: d.reason };
  }
  const last = outputs[set.expectedLayer];
  if (!last) return { layer: set.expectedLayer, stage: 'expected_output', reason: 'no output computed' };
  const d = firstDifference(set.expected, last);
  return d ? { layer: set.expectedLayer, stage: 'expected_output', reason: d.reason } : null;
}
