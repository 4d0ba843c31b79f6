// Which single segments (layer ranges [a, b) of a model variant) a chip can hold alone, and
// where the planner may cut a model. Fit is not monotone in the range (a segment's first layer
// gets the first-layer rules, and a segment must use quadrant 0, so [a, b) may fit while
// [a, b - 1) does not), so ranges are checked one by one, with every answer cached.

import { fitOnChip, type FitVerdict, type ModelProfile } from './model-facts.js';
import type { ChipName } from '../space/device.js';
import { chipFacts } from './model-facts.js';

const verdicts = new Map<string, FitVerdict>();

/** The fit rules' verdict on [a, b) alone on a chip (cached). */
export function segmentVerdict(prof: ModelProfile, chip: ChipName, a: number, b: number): FitVerdict {
  const key = `${prof.key}|${chip}|${a}|${b}`;
  let v = verdicts.get(key);
  if (!v) {
    v = prof.chips.includes(chip) ? fitOnChip(chip, [{ profile: prof, from: a, to: b }]) : { ok: false, reason: `${prof.key} has layers ${chip} cannot run` };
    verdicts.set(key, v);
  }
  return v;
}

export function segmentFits(prof: ModelProfile, chip: ChipName, a: number, b: number): boolean {
  return segmentVerdict(prof, chip, a, b).ok;
}

/** The farthest cut b > a such that [a, b) fits the chip alone, or a if none does. */
export function farthestEnd(prof: ModelProfile, chip: ChipName, a: number): number {
  const top = Math.min(prof.layers, a + chipFacts(chip).maxLayers);
  for (let b = top; b > a; b--) if (segmentFits(prof, chip, a, b)) return b;
  return a;
}

/**
 * The cuts the planner may split a model at (every Synergy route and the exact optimum share
 * this plan space; docs/planner.md). 'minima': the input and output cuts, every cut whose
 * crossing bytes are no more than at both neighbouring cuts (moving a cut to a neighbour that
 * moves fewer bytes saves link and CPU time, so other cuts matter only for memory), and, so that
 * memory never forces a split the space lacks, the farthest cut each chip on the desk reaches
 * from every allowed cut. 'all': every cut.
 */
export function splitCuts(v: ModelProfile, chips: readonly ChipName[], mode: 'minima' | 'all'): Uint8Array {
  const L = v.layers;
  const ok = new Uint8Array(L + 1);
  ok[0] = 1;
  ok[L] = 1;
  const b = v.crossBytes;
  for (let c = 1; c < L; c++) if (mode === 'all' || (b[c]! <= b[c - 1]! && b[c]! <= b[c + 1]!)) ok[c] = 1;
  const usable = chips.filter((c) => v.chips.includes(c));
  for (let c = 0; c < L; c++) {
    if (!ok[c]) continue;
    for (const chip of usable) {
      const far = farthestEnd(v, chip, c);
      if (far > c) ok[far] = 1;
    }
  }
  return ok;
}

const endsCache = new Map<string, number[][]>();

/** For each allowed start cut a (index a), the allowed ends b with [a, b) fitting the chip alone. */
export function segmentEnds(prof: ModelProfile, chip: ChipName | null, allowed: Uint8Array): readonly (readonly number[])[] {
  const key = `${prof.key}|${chip}|${allowed.join('')}`;
  const hit = endsCache.get(key);
  if (hit) return hit;
  const L = prof.layers;
  const out: number[][] = Array.from({ length: L + 1 }, () => []);
  if (chip && prof.chips.includes(chip)) {
    const maxLayers = chipFacts(chip).maxLayers;
    for (let a = 0; a < L; a++) {
      if (!allowed[a]) continue;
      for (let b = a + 1; b <= Math.min(L, a + maxLayers); b++) if (allowed[b] && segmentFits(prof, chip, a, b)) out[a]!.push(b);
    }
  }
  endsCache.set(key, out);
  return out;
}

/** Fewest segments covering a model at the allowed cuts when each may go on any of the chips. */
export function minSegments(v: ModelProfile, chips: readonly ChipName[], allowed: Uint8Array): number {
  const best = new Array<number>(v.layers + 1).fill(Number.POSITIVE_INFINITY);
  best[0] = 0;
  const ends = chips.map((c) => segmentEnds(v, c, allowed));
  for (let a = 0; a < v.layers; a++) {
    if (!Number.isFinite(best[a]!)) continue;
    for (const e of ends) for (const b of e[a]!) best[b] = Math.min(best[b]!, best[a]! + 1);
  }
  return best[v.layers]!;
}
