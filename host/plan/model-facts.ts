// The planner's one door to the facts about models and chips: the zoo (models and their chip
// variants, host/model/zoo.ts), chip specs (chips.ts), the per-layer cycle model (cycles.ts),
// the split-boundary rule (boundary.ts) and the fit rules (fit.ts). The planner never computes
// these facts itself; each model variant is turned once into a ModelProfile (arrays the search
// reads fast), and fit answers are cached by the caller (joint-fit.ts).

import { crossingBytes } from '../model/boundary.js';
import { chipSpec, type ChipSpec } from '../model/chips.js';
import { layerCycles } from '../model/cycles.js';
import { describeFit, fit } from '../model/fit.js';
import type { Model } from '../model/layer.js';
import { weightBytes } from '../model/layer.js';
import { listZoo, loadTable, type ZooEntry } from '../model/zoo.js';
import type { ChipName } from '../space/device.js';

export type ChipFacts = ChipSpec;

/** One model variant prepared for planning. Boundaries are cuts 0..layers (0 = input). */
export interface ModelProfile {
  /** Zoo name of the model an app asks for, e.g. "mobilenetv2_075_cifar100". */
  name: string;
  /** "upstream", or the chip a derived variant was made for (e.g. "max78000", no depthwise layers). */
  variant: string;
  /** The zoo entry that holds this variant's layer table, e.g. "mobilenetv2_075_cifar100_max78000". */
  zooName: string;
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
  /** Prefix sums of CNN cycles per layer (the leading 1 excluded) for each chip that can run it. */
  cyclePrefix: Readonly<Partial<Record<ChipName, readonly number[]>>>;
}

/** A range of layers [from, to) of one model variant that a chip is asked to hold. */
export interface SegmentRef {
  profile: ModelProfile;
  from: number;
  to: number;
}

export type FitVerdict = { ok: true } | { ok: false; reason: string };

export function chipFacts(chip: ChipName): ChipFacts {
  return chipSpec(chip);
}

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

let zoo: ZooEntry[] | null = null;
function entries(): ZooEntry[] {
  zoo ??= listZoo();
  return zoo;
}

/** Names an app may ask for: the zoo's models that are not derived variants of another. */
export function zooNames(): string[] {
  return entries().filter((e) => e.variantOf === null).map((e) => e.name).sort();
}

const profileCache = new Map<string, ModelProfile[]>();

/** Every variant of a zoo model, prepared for planning; throws UnknownModelError naming the known ones. */
export function modelVariants(name: string): ModelProfile[] {
  const hit = profileCache.get(name);
  if (hit) return hit;
  const mine = entries().filter((e) => e.name === name || e.variantOf === name);
  if (!mine.some((e) => e.name === name)) {
    throw new UnknownModelError(`model "${name}" is not in the zoo (known: ${zooNames().join(', ')})`);
  }
  const out = mine.map((e) => {
    const variant = e.name === name ? 'upstream' : e.name.startsWith(`${name}_`) ? e.name.slice(name.length + 1) : e.name;
    return profileOf(name, variant, e);
  });
  profileCache.set(name, out);
  return out;
}

function profileOf(name: string, variant: string, e: ZooEntry): ModelProfile {
  const model = loadTable(e.name).model;
  const n = model.layers.length;
  const weightPrefix = [0];
  const biasPrefix = [0];
  for (const l of model.layers) {
    weightPrefix.push(weightPrefix.at(-1)! + weightBytes(l));
    biasPrefix.push(biasPrefix.at(-1)! + (l.biasPresent ? l.outputShape[0] : 0));
  }
  const cyclePrefix: Partial<Record<ChipName, number[]>> = {};
  for (const chip of e.chips) {
    const spec = chipSpec(chip);
    const p = [0];
    // Kernel start column 0: the pre-read term of a few MAX78000 layers depends on where the
    // kernels land, which depends on what shares the chip; the cycle model's default is used.
    for (const l of model.layers) p.push(p.at(-1)! + layerCycles(l, spec));
    cyclePrefix[chip] = p;
  }
  const crossBytes: number[] = [];
  for (let cut = 0; cut <= n; cut++) crossBytes.push(crossingBytes(model, cut));
  return { name, variant, zooName: e.name, key: `${name}@${variant}`, model, layers: n, chips: e.chips, crossBytes, weightPrefix, biasPrefix, cyclePrefix };
}

/** CNN seconds of layers [from, to) on a chip at a clock (one leading cycle per run included). */
export function cnnSeconds(profile: ModelProfile, chip: ChipName, clockHz: number, from: number, to: number): number {
  const p = profile.cyclePrefix[chip];
  if (!p) throw new Error(`${profile.key} cannot run on ${chip}`);
  return (p[to]! - p[from]! + 1) / clockHz;
}

/**
 * Linear lower bounds on what a segment uses on a chip, valid for any set of segments sharing
 * it: layers (the union's count), weight bytes (kernel memory holds at least these) and bias
 * bytes (bias memory holds at least these).
 */
export function segmentUsage(seg: SegmentRef): { layers: number; weightBytes: number; biasBytes: number } {
  const p = seg.profile;
  return {
    layers: seg.to - seg.from,
    weightBytes: p.weightPrefix[seg.to]! - p.weightPrefix[seg.from]!,
    biasBytes: p.biasPrefix[seg.to]! - p.biasPrefix[seg.from]!,
  };
}

/** Whether these segments can be loaded onto one chip together (the fit rules on their union). */
export function fitOnChip(chip: ChipName, segs: readonly SegmentRef[]): FitVerdict {
  for (const s of segs) {
    if (!s.profile.chips.includes(chip)) return { ok: false, reason: `${s.profile.key} has layers ${chip} cannot run` };
  }
  const r = fit(chipSpec(chip), segs.map((s) => ({ model: s.profile.zooName, layers: s.profile.model.layers.slice(s.from, s.to) })));
  return r.ok ? { ok: true } : { ok: false, reason: describeFit(r) };
}
