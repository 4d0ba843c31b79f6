// Builds the model zoo (models/*.json, format `synergy-model/1`) from the import format
// (../shared/models/*.json, `max78000-model/1`). Facts only: shapes, kernels, pooling, bits,
// sources and the hardware layout are kept; the prose (notes, sources, verdicts) is dropped and
// each model gets a short description of our own. It also derives the MAX78000 variants of the
// two depthwise models (see models/README.md, "MAX78000 variants").
//
//   npm run build && node dist/tools/import-models.js [--shared DIR] [--out DIR] [--check]
//
// --check writes nothing and exits 1 if a committed file differs from what it would write.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chipSpec, type ChipName, type ChipSpec } from '../host/model/chips.js';
import { readLayerTable } from '../host/model/import-table.js';
import type { Layer, Model, Pool } from '../host/model/layer.js';
import { ModelError } from '../host/model/model-error.js';
import { checkShapes, outputShapeOf, pooledShapeOf } from '../host/model/shape-check.js';
import { repoRoot } from '../host/repo-root.js';
import { sharedDir } from '../host/model/shared-dir.js';

export const ZOO_FORMAT = 'synergy-model/1';

interface ZooSource {
  /** The import file's stem in ../shared/models, and our zoo name. */
  name: string;
  description: string;
  /** Golden folder (../shared/golden/<dir>) holding trained weights for this model, if any. */
  realWeights: string | null;
}

/** The paper's eight models, by their import file stems. */
export const ZOO_SOURCES: readonly ZooSource[] = [
  { name: 'kws20_v3', description: 'Keyword spotting on 128 MFCC-like channels x 128 samples: eight 1-D convolutions and a 21-way linear classifier (20 keywords + unknown).', realWeights: 'kws20_v3' },
  { name: 'convnet5_mnist', description: 'Five-layer ConvNet for 28x28 MNIST digits: four 3x3 convolutions with max/avg pooling and a flattening linear layer to 10 classes.', realWeights: 'mnist' },
  { name: 'simplenet_cifar100', description: 'SimpleNet for 32x32 CIFAR-100: thirteen convolutions with mixed 2/4/8-bit weights and a 1x1 classifier to 100 classes.', realWeights: null },
  { name: 'widenet_cifar100', description: 'WideNet (SimpleNet at twice the width, up to 512 channels) for CIFAR-100 with mixed-bit weights.', realWeights: null },
  { name: 'ressimplenet_cifar100', description: 'SimpleNet with residual connections for CIFAR-100: element-wise adds fused into the next convolution, passthrough layers re-laying the skip operands.', realWeights: null },
  { name: 'efficientnetv2_cifar100', description: 'EfficientNetV2-style network for CIFAR-100 with fused-MBConv and MBConv blocks (depthwise 3x3), residual adds and a 1024-channel head; needs MAX78002 (depthwise).', realWeights: null },
  { name: 'mobilenetv2_075_cifar100', description: 'MobileNetV2 at width 0.75 for CIFAR-100: inverted residual blocks with depthwise 3x3 convolutions, stride-2 stages as max-pool + depthwise; needs MAX78002.', realWeights: null },
  { name: 'unet_large_camvid', description: 'UNet for CamVid segmentation on a 48x88x88 folded input: encoder, bottleneck, transposed-conv decoder with concatenated skip connections, 64-channel 88x88 output.', realWeights: null },
];

/** MAX78000 variants: the depthwise layers removed (MAX78000 has no depthwise convolution). */
export const VARIANTS: readonly { name: string; from: string; description: string }[] = [
  { name: 'efficientnetv2_cifar100_max78000', from: 'efficientnetv2_cifar100', description: 'EfficientNetV2 for CIFAR-100 without its depthwise layers, for MAX78000 (the paper authors\' kind of variant); derived by tools/import-models.ts.' },
  { name: 'mobilenetv2_075_cifar100_max78000', from: 'mobilenetv2_075_cifar100', description: 'MobileNetV2-0.75 for CIFAR-100 without its depthwise layers, for MAX78000 (stride-2 pooling kept in the following 1x1 convolution); derived by tools/import-models.ts.' },
];

// ---- the MAX78000 variant -----------------------------------------------------------------------

const poolOf = (l: Layer): boolean => l.pool.type !== null;

/**
 * Drops every depthwise layer: its readers read its input instead. A dropped layer that pooled
 * keeps its pooling: moved into its only reader when that reader has none and reads nothing
 * else, otherwise kept as a passthrough layer that pools.
 */
export function dropDepthwise(model: Model): { model: Model; notes: string[] } {
  const notes: string[] = [];
  const n = model.layers.length;
  const readers = (i: number): number[] => model.layers.filter((l) => l.inputSources.includes(i)).map((l) => l.index);
  // What each old source id now means (-1 stays the input); a dropped layer maps to its input.
  const redirect = new Map<number, number>([[-1, -1]]);
  // Pools moved into a reader: reader index -> the pool (and the pre-pool input shape).
  const moved = new Map<number, { pool: Pool; from: Layer }>();
  const kept: Layer[] = [];
  for (let i = 0; i < n; i++) {
    const l = model.layers[i]!;
    if (l.depthwise) {
      if (l.inputSources.length !== 1) throw new ModelError(model.source, `layer ${i} (${l.name})`, 'a depthwise layer with several sources cannot be dropped');
      const r = readers(i);
      const only = r.length === 1 ? model.layers[r[0]!]! : null;
      notes.push(`dropped upstream layer ${i} ${l.name}`);
      if (!poolOf(l)) {
        redirect.set(i, redirect.get(l.inputSources[0]!)!);
        continue;
      }
      if (only && !poolOf(only) && only.inputSources.length === 1 && only.operands === 1) {
        moved.set(only.index, { pool: l.pool, from: l });
        redirect.set(i, redirect.get(l.inputSources[0]!)!);
        notes.push(`its ${l.pool.type} pool ${l.pool.size.join('x')} moved into upstream layer ${only.index} ${only.name}`);
        continue;
      }
      notes.push(`its ${l.pool.type} pool ${l.pool.size.join('x')} kept as passthrough layer ${l.name}.pool`);
      // Keep the pooling as a passthrough layer in the depthwise layer's place.
      kept.push({
        ...l, op: 'passthrough', depthwise: false, groups: 1, weightBits: null, weightsShape: null, biasPresent: false,
        activation: null, kernel: [1, 1], pad: [0, 0], outputShift: 0, name: `${l.name}.pool`,
        outputShape: l.pooledShape,
      });
      redirect.set(i, i);
      continue;
    }
    const m = moved.get(i);
    if (m) {
      kept.push({ ...l, pool: m.pool, poolFirst: true, inputShape: m.from.inputShape, operandShape: m.from.operandShape });
    } else {
      kept.push(l);
    }
    redirect.set(i, i);
  }
  // Renumber: old index -> new position; sources through the redirect first.
  const position = new Map<number, number>([[-1, -1]]);
  kept.forEach((l, k) => position.set(l.index, k));
  // A layer whose only reader was dropped writes where that reader wrote, which is where the
  // dropped layer's readers looked (data-memory offsets are re-checked by relayoutData).
  const writesAt = new Map<number, number>();
  for (const l of model.layers) {
    if (!l.depthwise || redirect.get(l.index) === l.index) continue;
    const src = l.inputSources[0]!;
    if (src >= 0 && readers(src).length === 1) writesAt.set(src, l.hw.outOffset);
  }
  const layers = kept.map((l, k): Layer => ({
    ...l,
    index: k,
    inputSources: l.inputSources.map((s) => position.get(redirect.get(s)!)!),
    hw: { ...l.hw, outOffset: writesAt.get(l.index) ?? l.hw.outOffset },
  }));
  const out: Model = { ...model, layers, params: null };
  checkShapes(out);
  // Pooled and output shapes of layers that received a pool must follow from the new input.
  for (const l of layers) {
    const pooled = pooledShapeOf(l);
    const shown = (s: readonly number[]): string => s.join('x');
    if (shown(pooled) !== shown(l.pooledShape) || shown(outputShapeOf(l)) !== shown(l.outputShape)) {
      throw new ModelError(model.source, `layer ${l.index} (${l.name})`, 'shapes do not chain after dropping depthwise layers');
    }
  }
  return { model: out, notes };
}

/** Drops the bias of layers with more biases than one quadrant's bias memory holds (they can never fit). */
export function dropOversizeBias(model: Model, chip: ChipSpec): { model: Model; dropped: string[] } {
  const dropped: string[] = [];
  const layers = model.layers.map((l) => {
    if (l.biasPresent && l.outputShape[0] > chip.biasPerQuadrant) {
      dropped.push(l.name);
      return { ...l, biasPresent: false };
    }
    return l;
  });
  return { model: { ...model, layers }, dropped };
}

// ---- data memory layout ------------------------------------------------------------------------

/** Words a layer's output occupies in each data-memory instance it writes (FIT-RULES 6.1). */
function outputWords(l: Layer, chip: ChipSpec): { instances: number[]; words: number[] } {
  const instances = new Set<number>();
  for (let p = 0; p < chip.processors; p++) if ((l.hw.outputProcessors >> BigInt(p)) & 1n) instances.add(Math.floor(p / chip.processorsPerInstance));
  const passes = Math.ceil(l.outputShape[0] / 64);
  const w = l.outputWidth / 8;
  const count = l.outputShape[1] * l.outputShape[2] * passes * w;
  const base = l.hw.outOffset / 4;
  const words: number[] = [];
  for (let k = 0; k < count; k++) words.push(base + k * (l.hw.writeGap + 1));
  return { instances: [...instances], words };
}

/** Words the network input occupies where the first layer reads it. */
function inputWords(model: Model, chip: ChipSpec): { instances: number[]; words: number[] } {
  const l = model.layers[0]!;
  const instances = new Set<number>();
  for (let p = 0; p < chip.processors; p++) if ((l.hw.processors >> BigInt(p)) & 1n) instances.add(Math.floor(p / chip.processorsPerInstance));
  const [c, h, w] = model.inputShape;
  const count = l.hw.dataFormat === 'CHW' ? Math.ceil((h * w) / 4) : h * w * Math.ceil(c / 64);
  const base = l.hw.inOffset / 4;
  return { instances: [...instances], words: Array.from({ length: count }, (_, k) => base + k) };
}

export interface LayoutProblem {
  layer: number;
  kind: 'read' | 'input-size' | 'output-size' | 'overwrite';
  /** For an overwrite: the tensor written over (-1 = the network input). */
  holder: number | null;
  text: string;
}

/**
 * Data-memory problems of a layout: a layer reading somewhere its source was not written, an
 * input or output running past an instance, or a layer writing words of a tensor that is
 * still needed (read by it or a later layer, or the previous layer's output). This is stricter
 * than the synthesis tool's check (which only protects the previous layer's output): a residual
 * operand must survive until it is read. It is the importer's own guarantee for the layouts it
 * builds; the fit rules (fit*.ts) remain the authority on what a chip accepts. Layers that
 * concatenate several sources are not checked for where they read.
 */
export function dataLayoutProblems(model: Model, chip: ChipSpec): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  const n = model.layers.length;
  const lastUse = new Map<number, number>();
  model.layers.forEach((l) => l.inputSources.forEach((s) => lastUse.set(s, l.index)));
  const regions = new Map<number, { instances: number[]; words: number[] }>();
  const region = (s: number): { instances: number[]; words: number[] } => {
    if (!regions.has(s)) regions.set(s, s === -1 ? inputWords(model, chip) : outputWords(model.layers[s]!, chip));
    return regions.get(s)!;
  };
  const wordsPerInstance = chip.instanceBytes / 4;
  for (let i = 0; i < n; i++) {
    const l = model.layers[i]!;
    const where = `layer ${i} (${l.name})`;
    const add = (kind: LayoutProblem['kind'], holder: number | null, text: string): void => {
      problems.push({ layer: i, kind, holder, text: `${where}: ${text}` });
    };
    // Where the layer reads: its single source's offset, or the lowest of its interleaved operands.
    if (l.operands > 1 || l.inputSources.length === 1) {
      const expect = Math.min(...l.inputSources.map((s) => (s === -1 ? l.hw.inOffset : model.layers[s]!.hw.outOffset)));
      if (l.hw.inOffset !== expect) add('read', null, `reads at ${hex(l.hw.inOffset)}, its input is at ${hex(expect)}`);
    }
    const inBytes = l.operandShape[1] * l.operandShape[2] * Math.ceil(l.operandShape[0] / 64) * l.operands * (l.hw.dataFormat === 'CHW' ? 1 : 4);
    if (!l.streaming && inBytes + l.hw.inOffset > chip.instanceBytes) {
      add('input-size', null, `input of ${inBytes} bytes at ${hex(l.hw.inOffset)} passes the ${chip.instanceBytes}-byte instance`);
    }
    const out = region(i);
    const last = out.words[out.words.length - 1] ?? 0;
    if (last >= wordsPerInstance) {
      add('output-size', null, `output at ${hex(l.hw.outOffset)} runs to byte ${(last + 1) * 4}, past the ${chip.instanceBytes}-byte instance`);
    }
    // Live tensors: read by this layer or later (the network input too), and the previous output.
    const live = new Set<number>();
    for (const [s, use] of lastUse) if (s < i && use >= i) live.add(s);
    if (i > 0) live.add(i - 1);
    const mine = new Set(out.words);
    for (const s of live) {
      const r = region(s);
      if (!r.instances.some((inst) => out.instances.includes(inst))) continue;
      const hit = r.words.find((wd) => mine.has(wd));
      if (hit !== undefined) {
        const inst = r.instances.find((x) => out.instances.includes(x))!;
        add('overwrite', s, `writes byte ${hex(hit * 4)} of instance ${inst}, still holding ${s === -1 ? 'the network input' : `layer ${s}'s output`}`);
      }
    }
  }
  return problems;
}

/**
 * Makes every layer read where its input was written and, in layer order, moves each output
 * that runs past an instance or writes over a live tensor to the lowest 1 KiB-aligned offset
 * where it does neither. Layers writing interleaved operands (write_gap > 0) keep their
 * offsets. Whatever is left is refused, so a returned layout has no problem at all.
 */
export function relayoutData(model: Model, chip: ChipSpec): { model: Model; moved: string[] } {
  const layers = model.layers.map((l) => ({ ...l, hw: { ...l.hw } }));
  const m: Model = { ...model, layers };
  const moved: string[] = [];
  const fixReads = (): void => {
    for (const l of layers) {
      if (l.operands > 1 || l.inputSources.length === 1) {
        l.hw.inOffset = Math.min(...l.inputSources.map((s) => (s === -1 ? l.hw.inOffset : layers[s]!.hw.outOffset)));
      }
    }
  };
  // Problems of layer i's output: its size, and words of live tensors it writes over. (A later
  // layer writing over it is that layer's problem, solved in its turn.)
  const troubles = (i: number): LayoutProblem[] =>
    dataLayoutProblems(m, chip).filter((p) => p.layer === i && (p.kind === 'output-size' || p.kind === 'overwrite'));
  fixReads();
  for (let i = 0; i < layers.length; i++) {
    const now = troubles(i);
    if (now.length === 0) continue;
    const l = layers[i]!;
    if (l.hw.writeGap > 0) throw new ModelError(model.source, `layer ${i} (${l.name})`, `cannot move an interleaved output: ${now.map((p) => p.text).join('; ')}`);
    const was = l.hw.outOffset;
    let placed = false;
    for (let off = 0; off < chip.instanceBytes && !placed; off += 0x400) {
      l.hw.outOffset = off;
      fixReads();
      placed = troubles(i).length === 0;
    }
    if (!placed) throw new ModelError(model.source, `layer ${i} (${l.name})`, `no free data-memory offset: ${now.map((p) => p.text).join('; ')}`);
    moved.push(`${l.name} ${hex(was)}->${hex(l.hw.outOffset)}`);
  }
  const left = dataLayoutProblems(m, chip);
  if (left.length > 0) throw new ModelError(model.source, 'data layout', left.map((p) => p.text).join('; '));
  return { model: m, moved };
}

// ---- serialization -------------------------------------------------------------------------------

const hex = (v: number, digits = 4): string => `0x${v.toString(16).padStart(digits, '0')}`;
const mask = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;

/** One layer in the zoo format: every IR field, defaults included, so the file says it all. */
function layerJson(l: Layer): Record<string, unknown> {
  const o: Record<string, unknown> = {
    index: l.index, name: l.name, op: l.op, eltwise: l.eltwise, operands: l.operands, pool_first: l.poolFirst,
    kernel: l.kernel, pad: l.pad, stride: l.stride, dilation: l.dilation,
    activation: l.activation, pool: { type: l.pool.type, size: l.pool.size, stride: l.pool.stride },
    flatten: l.flatten, output_width: l.outputWidth, input_sources: l.inputSources,
    input_shape: l.inputShape, operand_shape: l.operandShape, pooled_shape: l.pooledShape, output_shape: l.outputShape,
    weight_bits: l.weightBits, weights_shape: l.weightsShape, bias_present: l.biasPresent, streaming: l.streaming,
  };
  if (l.op === 'convtranspose2d') o['output_pad'] = l.outputPad;
  if (l.depthwise || l.groups > 1) {
    o['depthwise'] = l.depthwise;
    o['groups'] = l.groups;
  }
  o['hw'] = {
    processors: mask(l.hw.processors), output_processors: mask(l.hw.outputProcessors),
    in_offset: hex(l.hw.inOffset), out_offset: hex(l.hw.outOffset), data_format: l.hw.dataFormat, write_gap: l.hw.writeGap,
  };
  return o;
}

export interface ZooFileMeta {
  name: string;
  paperName: string | null;
  description: string;
  importedFrom: string;
  variantOf: string | null;
  chips: ChipName[];
  realWeights: string | null;
  changes: string[];
}

/** The zoo file text: top-level fields pretty, one layer per line. */
export function zooFileText(model: Model, meta: ZooFileMeta): string {
  const head = {
    format: ZOO_FORMAT,
    network: meta.name,
    paper_name: meta.paperName,
    description: meta.description,
    imported_from: meta.importedFrom,
    variant_of: meta.variantOf,
    chips: meta.chips,
    real_weights: meta.realWeights,
    changes: meta.changes,
    input_shape: model.inputShape,
    input_is_1d: model.inputIs1d,
  };
  // Short arrays of plain values on one line each.
  const pretty = JSON.stringify(head, null, 1).replace(/\[\n([^[\]{}]*?)\n\s*\]/g, (m: string, inner: string) =>
    inner.length > 100 ? m : `[${inner.split(',\n').map((x) => x.trim()).join(', ')}]`);
  const lines = pretty.split('\n');
  lines.pop(); // the closing brace
  lines[lines.length - 1] += ',';
  const layers = model.layers.map((l) => `  ${JSON.stringify(layerJson(l))}`);
  return `${lines.join('\n')}\n "layers": [\n${layers.join(',\n')}\n ]\n}\n`;
}

/** Every zoo file: name -> text. */
export function buildZoo(sharedModels: string): Map<string, string> {
  const files = new Map<string, string>();
  const upstream = new Map<string, Model>();
  for (const src of ZOO_SOURCES) {
    const model = readLayerTable(join(sharedModels, `${src.name}.json`));
    upstream.set(src.name, model);
    const depthwise = model.layers.some((l) => l.depthwise);
    files.set(src.name, zooFileText(model, {
      name: src.name, paperName: model.paperName, description: src.description,
      importedFrom: `../shared/models/${src.name}.json (max78000-model/1)`, variantOf: null,
      chips: depthwise ? ['max78002'] : ['max78000', 'max78002'], realWeights: src.realWeights, changes: [],
    }));
  }
  const max78000 = chipSpec('max78000');
  for (const v of VARIANTS) {
    const base = upstream.get(v.from)!;
    const { model: noDw, notes } = dropDepthwise(base);
    const { model: noBias, dropped } = dropOversizeBias(noDw, max78000);
    const { model: laidOut, moved } = relayoutData(noBias, max78000);
    const changes = [
      ...notes,
      'readers of a dropped layer read its input; layers renumbered',
      ...(dropped.length ? [`bias dropped where more than ${max78000.biasPerQuadrant} biases can never fit one bias quadrant: ${dropped.join(', ')}`] : []),
      `data memory re-laid for ${max78000.instanceBytes}-byte instances, outputs moved: ${moved.length ? moved.join(', ') : 'none'}`,
    ];
    files.set(v.name, zooFileText({ ...laidOut, name: v.name }, {
      name: v.name, paperName: `${base.paperName ?? v.from} (MAX78000 variant)`, description: v.description,
      importedFrom: `../shared/models/${v.from}.json (max78000-model/1)`, variantOf: v.from,
      chips: ['max78000', 'max78002'], realWeights: null, changes,
    }));
  }
  return files;
}

function main(argv: string[]): number {
  const arg = (name: string): string | undefined => {
    const k = argv.indexOf(name);
    return k >= 0 ? argv[k + 1] : undefined;
  };
  const shared = arg('--shared') ?? sharedDir();
  const out = arg('--out') ?? join(repoRoot(), 'models');
  const check = argv.includes('--check');
  if (!existsSync(join(shared, 'models'))) {
    console.error(`import-models: ${join(shared, 'models')} does not exist (give --shared DIR or SYNERGY_SHARED)`);
    return 1;
  }
  const files = buildZoo(join(shared, 'models'));
  let stale = 0;
  if (!check) mkdirSync(out, { recursive: true });
  for (const [name, text] of files) {
    const path = join(out, `${name}.json`);
    if (check) {
      const have = existsSync(path) ? readFileSync(path, 'utf8') : null;
      if (have !== text) {
        console.error(`import-models: ${path} differs from what the importer writes`);
        stale++;
      }
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
