// The planner's one door to the facts about models and chips: the zoo (models and their chip
// variants), chip limits, the per-layer cycle model, the split-boundary rule and the fit
// rules. Everything here delegates to host/model/*; the planner never computes these facts
// itself. Each model variant is turned once into a ModelProfile (arrays the search reads fast).
//
// Interim: while host/model/zoo.ts, chips.ts, cycles.ts and fit.ts are being written by their
// owners, the functions marked INTERIM below stand in for them with the fewest rules needed to
// plan, and are replaced by a call to the real module as soon as it lands.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crossingBytes } from '../model/boundary.js';
import { readLayerTable } from '../model/import-table.js';
import type { Layer, Model } from '../model/layer.js';
import { weightBytes } from '../model/layer.js';
import type { ChipName } from '../space/device.js';

export interface ChipFacts {
  name: ChipName;
  cnnClockHz: number;
  weightMem: number;
  biasMem: number;
  maxLayers: number;
  depthwise: boolean;
}

/** One model variant prepared for planning. Boundaries are cuts 0..layers (0 = input). */
export interface ModelProfile {
  /** Zoo name, e.g. "mobilenetv2_075_cifar100". */
  name: string;
  /** "upstream", or "max78000" for the variant without depthwise layers. */
  variant: string;
  /** `${name}@${variant}`. */
  key: string;
  model: Model;
  layers: number;
  /** Chips whose operators can run every layer. */
  chips: readonly ChipName[];
  /** Bytes crossing each cut, length layers + 1 (cut 0 = the input, cut L = the output). */
  crossBytes: readonly number[];
  /** Prefix sums per layer (length layers + 1): weight bytes, bias bytes. */
  weightPrefix: readonly number[];
  biasPrefix: readonly number[];
  /** Prefix sums of CNN cycles per layer for each chip that can run it. */
  cyclePrefix: Readonly<Partial<Record<ChipName, readonly number[]>>>;
}

/** A range of layers [from, to) of one model variant that a chip is asked to hold. */
export interface SegmentRef {
  profile: ModelProfile;
  from: number;
  to: number;
}

export type FitVerdict = { ok: true } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Chips. INTERIM until host/model/chips.ts: the numbers of ../shared/docs/MAX78000.md section 1.

const CHIPS: Record<ChipName, ChipFacts> = {
  max78000: { name: 'max78000', cnnClockHz: 50_000_000, weightMem: 442_368, biasMem: 2_048, maxLayers: 32, depthwise: false },
  max78002: { name: 'max78002', cnnClockHz: 200_000_000, weightMem: 2_396_160, biasMem: 8_192, maxLayers: 128, depthwise: true },
};

export function chipFacts(chip: ChipName): ChipFacts {
  return CHIPS[chip];
}

// ---------------------------------------------------------------------------------------------
// The zoo. INTERIM until host/model/zoo.ts: the layer tables of ../shared/models, and for models
// with depthwise layers a MAX78000 variant with those layers removed.

function modelsDir(): string {
  const env = process.env['SYNERGY_MODELS'];
  if (env) return env;
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, '..', 'shared', 'models');
    dir = dirname(dir);
  }
  return join(process.cwd(), '..', 'shared', 'models');
}

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

/** Names of the zoo models. */
export function zooNames(): string[] {
  const dir = modelsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

const profileCache = new Map<string, ModelProfile[]>();

/** Every variant of a zoo model, prepared for planning; throws UnknownModelError naming the known ones. */
export function modelVariants(name: string): ModelProfile[] {
  const hit = profileCache.get(name);
  if (hit) return hit;
  const names = zooNames();
  if (!names.includes(name)) {
    throw new UnknownModelError(names.length === 0
      ? `model "${name}": the zoo is not available (${modelsDir()} is absent)`
      : `model "${name}" is not in the zoo (known: ${names.join(', ')})`);
  }
  const upstream = readLayerTable(join(modelsDir(), `${name}.json`));
  const out: ModelProfile[] = [];
  const hasDepthwise = upstream.layers.some((l) => l.depthwise);
  out.push(profileOf(name, hasDepthwise ? 'upstream' : 'upstream', upstream));
  if (hasDepthwise) out.push(profileOf(name, 'max78000', withoutDepthwise(upstream)));
  profileCache.set(name, out);
  return out;
}

/** INTERIM: drop depthwise layers; their readers read the dropped layer's input instead. */
function withoutDepthwise(model: Model): Model {
  const keep: number[] = [];
  const newIndex = new Map<number, number>([[-1, -1]]);
  const redirect = new Map<number, number>();
  for (const l of model.layers) {
    if (l.depthwise) {
      redirect.set(l.index, resolveSource(l.inputSources[0] ?? -1, redirect));
      continue;
    }
    newIndex.set(l.index, keep.length);
    keep.push(l.index);
  }
  const layers: Layer[] = keep.map((old, i) => {
    const l = model.layers[old]!;
    return { ...l, index: i, inputSources: l.inputSources.map((s) => newIndex.get(resolveSource(s, redirect))!) };
  });
  return { ...model, name: model.name, layers, params: null };
}

function resolveSource(s: number, redirect: Map<number, number>): number {
  return redirect.get(s) ?? s;
}

function profileOf(name: string, variant: string, model: Model): ModelProfile {
  const n = model.layers.length;
  const chips = (Object.keys(CHIPS) as ChipName[]).filter((c) => CHIPS[c].depthwise || !model.layers.some((l) => l.depthwise));
  const weightPrefix = [0];
  const biasPrefix = [0];
  for (const l of model.layers) {
    weightPrefix.push(weightPrefix.at(-1)! + weightBytes(l));
    biasPrefix.push(biasPrefix.at(-1)! + (l.biasPresent ? l.outputShape[0] : 0));
  }
  const cyclePrefix: Partial<Record<ChipName, number[]>> = {};
  for (const chip of chips) {
    const p = [0];
    for (const l of model.layers) p.push(p.at(-1)! + layerCycles(chip, l));
    cyclePrefix[chip] = p;
  }
  const crossBytes: number[] = [];
  for (let cut = 0; cut <= n; cut++) crossBytes.push(crossingBytes(model, cut));
  return { name, variant, key: `${name}@${variant}`, model, layers: n, chips, crossBytes, weightPrefix, biasPrefix, cyclePrefix };
}

// ---------------------------------------------------------------------------------------------
// Cycle model. INTERIM until host/model/cycles.ts: the dominant terms of MAX78000.md section 3
// (output writes per pass plus pooled input reads).

function layerCycles(_chip: ChipName, l: Layer): number {
  const m = Math.ceil(l.operandShape[0] / 64);
  const [, hp, wp] = l.pooledShape;
  const [co, ho, wo] = l.outputShape;
  const poolArea = l.pool.size[0] * l.pool.size[1];
  const coHw = l.op === 'passthrough' ? 0 : Math.ceil(co / Math.ceil(co / 64)) * Math.ceil(co / 64);
  return hp * wp * m * (l.operands * (poolArea + 1) + 1) + ho * wo * m * coHw;
}

/** CNN seconds of layers [from, to) on a chip at a clock. */
export function cnnSeconds(profile: ModelProfile, chip: ChipName, clockHz: number, from: number, to: number): number {
  const p = profile.cyclePrefix[chip];
  if (!p) throw new Error(`${profile.key} cannot run on ${chip}`);
  return (p[to]! - p[from]! + 1) / clockHz;
}

// ---------------------------------------------------------------------------------------------
// Fit rules. INTERIM until host/model/fit.ts: layer count, kernel bytes, bias bytes and the
// per-layer bias group limit only (necessary conditions, not the full packing rules).

/** Linear lower bounds on what a segment uses on a chip (valid for any set of segments sharing it). */
export function segmentUsage(seg: SegmentRef): { layers: number; weightBytes: number; biasBytes: number } {
  const p = seg.profile;
  return {
    layers: seg.to - seg.from,
    weightBytes: p.weightPrefix[seg.to]! - p.weightPrefix[seg.from]!,
    biasBytes: p.biasPrefix[seg.to]! - p.biasPrefix[seg.from]!,
  };
}

/** Whether these segments can be loaded onto one chip together. */
export function fitOnChip(chip: ChipName, segs: readonly SegmentRef[]): FitVerdict {
  const c = CHIPS[chip];
  let layers = 0;
  let weights = 0;
  let bias = 0;
  for (const s of segs) {
    if (!s.profile.chips.includes(chip)) return { ok: false, reason: `${s.profile.key} has layers ${chip} cannot run (depthwise)` };
    const u = segmentUsage(s);
    layers += u.layers;
    weights += u.weightBytes;
    bias += u.biasBytes;
    for (let i = s.from; i < s.to; i++) {
      const l = s.profile.model.layers[i]!;
      if (l.biasPresent && l.outputShape[0] > c.biasMem / 4) {
        return { ok: false, reason: `layer ${i} of ${s.profile.key} has ${l.outputShape[0]} biases, more than one bias group (${c.biasMem / 4})` };
      }
    }
  }
  if (layers > c.maxLayers) return { ok: false, reason: `${layers} layers > ${c.maxLayers}` };
  if (weights > c.weightMem) return { ok: false, reason: `weights ${weights} B > ${c.weightMem} B` };
  if (bias > c.biasMem) return { ok: false, reason: `bias ${bias} B > ${c.biasMem} B` };
  return { ok: true };
}
