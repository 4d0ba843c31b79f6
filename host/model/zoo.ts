// The model zoo: the layer tables under models/ (built by tools/import-models.ts, format
// `synergy-model/1`, see models/README.md), with their weights. Anywhere a zoo name is taken,
// a path to a layer-table file (.json, the import format or a golden model.json) works too.
//
// Weights, in order of preference:
//   real       trained weights from ../shared/golden/<dir>/model.json for models that have them
//              (kws20_v3, convnet5_mnist), read at run time when present, never copied;
//   imported   weights inside the file itself (a golden model.json passed as a path);
//   generated  deterministic pseudo-random weights (generateParams below, documented in
//              models/README.md), when neither exists or when asked for.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CHIP_NAMES, isChipName, type ChipName } from './chips.js';
import { parseLayerTable, readLayerTable } from './import-table.js';
import type { Layer, Model } from './layer.js';
import { weightBytes } from './layer.js';
import { ModelError } from './model-error.js';
import { generateParams } from './weights.js';
import { repoRoot } from '../repo-root.js';
import { sharedDir } from './shared-dir.js';

export type WeightsKind = 'real' | 'imported' | 'generated';

export interface ZooEntry {
  /** Zoo name: the file stem under models/. */
  name: string;
  paperName: string | null;
  description: string;
  file: string;
  /** Chips whose operators can run every layer (depthwise needs MAX78002). */
  chips: ChipName[];
  /** The upstream model a MAX78000 variant was derived from, else null. */
  variantOf: string | null;
  /** Golden folder with trained weights, else null. */
  realWeights: string | null;
  layers: number;
  weightBytes: number;
  biasBytes: number;
}

export interface LoadedModel {
  /** The model with params (weights, biases) and output shifts filled in. */
  model: Model;
  weights: WeightsKind;
  /** Where the weights came from, in words (a path, or the generator and its seeds). */
  weightsFrom: string;
  chips: ChipName[];
  /** The zoo entry, or null for a model read from a file outside the zoo. */
  entry: ZooEntry | null;
}

export interface LoadOptions {
  /** 'auto' (default): real, else imported, else generated. 'generated': always generate. */
  weights?: 'auto' | 'generated';
}

/** The zoo directory: `<repo>/models`. */
export function zooDir(): string {
  return join(repoRoot(), 'models');
}

export { sharedDir } from './shared-dir.js';

export function zooNames(): string[] {
  return readdirSync(zooDir()).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

interface FileMeta {
  description: string;
  chips: ChipName[] | null;
  variantOf: string | null;
  realWeights: string | null;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ModelError(path, 'file', `cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ModelError(path, 'file', `not JSON: ${(err as Error).message}`);
  }
}

function metaOf(doc: unknown, path: string): FileMeta {
  const o = (doc ?? {}) as Record<string, unknown>;
  const str = (k: string): string | null => (typeof o[k] === 'string' ? (o[k] as string) : null);
  let chips: ChipName[] | null = null;
  if (o['chips'] !== undefined) {
    if (!Array.isArray(o['chips']) || !o['chips'].every((c) => typeof c === 'string' && isChipName(c))) {
      throw new ModelError(path, 'chips', `must be a list of ${CHIP_NAMES.join(', ')}`);
    }
    chips = o['chips'] as ChipName[];
  }
  return { description: str('description') ?? '', chips, variantOf: str('variant_of'), realWeights: str('real_weights') };
}

const chipsFor = (model: Model, meta: FileMeta): ChipName[] =>
  meta.chips ?? (model.layers.some((l) => l.depthwise) ? ['max78002'] : [...CHIP_NAMES]);

function entryOf(name: string, file: string, model: Model, meta: FileMeta): ZooEntry {
  return {
    name,
    paperName: model.paperName,
    description: meta.description,
    file,
    chips: chipsFor(model, meta),
    variantOf: meta.variantOf,
    realWeights: meta.realWeights,
    layers: model.layers.length,
    weightBytes: model.layers.reduce((a, l) => a + weightBytes(l), 0),
    biasBytes: model.layers.reduce((a, l) => a + (l.biasPresent ? l.outputShape[0] : 0), 0),
  };
}

/** Every zoo model, by name. */
export function listZoo(): ZooEntry[] {
  return zooNames().map((name) => {
    const file = join(zooDir(), `${name}.json`);
    const doc = readJson(file);
    return entryOf(name, file, parseLayerTable(doc, file), metaOf(doc, file));
  });
}

/** The file a zoo name or a path names; an unknown name is refused with the known ones. */
export function resolveModelFile(nameOrPath: string): string {
  if (nameOrPath.endsWith('.json') || nameOrPath.includes('/')) {
    if (!existsSync(nameOrPath)) throw new ModelError(nameOrPath, 'file', 'does not exist');
    return nameOrPath;
  }
  const file = join(zooDir(), `${nameOrPath}.json`);
  if (!existsSync(file)) {
    throw new ModelError(nameOrPath, 'zoo', `no such model (known: ${zooNames().join(', ')}; or give a layer-table file path)`);
  }
  return file;
}

/** A zoo model or a layer-table file without its weights (for shapes, cycles, boundaries). */
export function loadTable(nameOrPath: string): { model: Model; chips: ChipName[]; entry: ZooEntry | null } {
  const file = resolveModelFile(nameOrPath);
  const inZoo = !(nameOrPath.endsWith('.json') || nameOrPath.includes('/'));
  const doc = readJson(file);
  const meta = metaOf(doc, file);
  const parsed = parseLayerTable(doc, file);
  const model: Model = { ...parsed, name: inZoo ? nameOrPath : parsed.name };
  return { model, chips: chipsFor(model, meta), entry: inZoo ? entryOf(model.name, file, model, meta) : null };
}

/** Loads a zoo model or a layer-table file, with weights. */
export function loadModel(nameOrPath: string, opts: LoadOptions = {}): LoadedModel {
  const file = resolveModelFile(nameOrPath);
  const inZoo = !(nameOrPath.endsWith('.json') || nameOrPath.includes('/'));
  const doc = readJson(file);
  const meta = metaOf(doc, file);
  const parsed = parseLayerTable(doc, file);
  const name = inZoo ? nameOrPath : parsed.name;
  const table: Model = { ...parsed, name };
  const chips = chipsFor(table, meta);
  const entry = inZoo ? entryOf(name, file, table, meta) : null;
  const want = opts.weights ?? 'auto';
  if (want === 'auto' && meta.realWeights) {
    const golden = join(sharedDir(), 'golden', meta.realWeights, 'model.json');
    if (existsSync(golden)) {
      return { model: withRealWeights(table, golden), weights: 'real', weightsFrom: golden, chips, entry };
    }
  }
  if (want === 'auto' && table.params) {
    return { model: table, weights: 'imported', weightsFrom: file, chips, entry };
  }
  return {
    model: { ...table, ...generateParams(table) },
    weights: 'generated',
    weightsFrom: `generated: mulberry32 seeded with FNV-1a("${name}:<layer>:weights"/"bias"), symmetric uniform within each layer's bits`,
    chips,
    entry,
  };
}

/** The table's layers with the trained weights, biases and output shifts of a golden model. */
function withRealWeights(table: Model, goldenFile: string): Model {
  const golden = readLayerTable(goldenFile);
  if (!golden.params || golden.layers.length !== table.layers.length) {
    throw new ModelError(goldenFile, 'layers', `has ${golden.layers.length} layers${golden.params ? '' : ' without weights'}; ${table.name} has ${table.layers.length}`);
  }
  const layers = table.layers.map((l, i): Layer => {
    const g = golden.layers[i]!;
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    for (const [field, a, b] of [
      ['op', l.op, g.op], ['kernel', l.kernel, g.kernel], ['weights_shape', l.weightsShape, g.weightsShape],
      ['weight_bits', l.weightBits, g.weightBits], ['bias_present', l.biasPresent, g.biasPresent],
      ['output_shape', l.outputShape, g.outputShape], ['input_sources', l.inputSources, g.inputSources],
    ] as const) {
      if (!same(a, b)) throw new ModelError(goldenFile, `layer ${i} (${g.name}).${field}`, `is ${JSON.stringify(b)}, the zoo's ${table.name} has ${JSON.stringify(a)}`);
    }
    return { ...l, outputShift: g.outputShift };
  });
  return { ...table, layers, params: golden.params };
}

/** A short name for messages: the zoo name, or the file's stem. */
export function modelLabel(nameOrPath: string): string {
  return basename(nameOrPath).replace(/\.json$/, '');
}
