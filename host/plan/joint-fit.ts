// Joint feasibility: the segments that share a chip must fit on it together. The deployment of
// an assignment is, per device, the distinct layer ranges its routes put there; each device's
// set is checked with the fit rules on the union (results cached by the set's identity).

import type { Assignment } from './evaluate.js';
import { segmentEnds } from './segments.js';
import { fitOnChip, type FitVerdict, type SegmentRef } from './model-facts.js';
import type { PlanProblem } from './problem.js';
import type { Route } from './route.js';

export interface PlacedSegment {
  pipeline: number;
  variant: number;
  from: number;
  to: number;
  device: number;
  key: string;
}

export function segmentKey(pipeline: number, variant: number, from: number, to: number): string {
  return `${pipeline}:${variant}:${from}-${to}`;
}

/** Distinct segments per device (index = device). */
export function deployment(pr: PlanProblem, routes: Iterable<Route>): Map<string, PlacedSegment>[] {
  const per = pr.devices.map(() => new Map<string, PlacedSegment>());
  for (const r of routes) {
    for (const s of r.steps) {
      const key = segmentKey(r.pipeline, r.variant, s.from, s.to);
      per[s.device]!.set(key, { pipeline: r.pipeline, variant: r.variant, from: s.from, to: s.to, device: s.device, key });
    }
  }
  return per;
}

export function routesOf(a: Assignment): Route[] {
  return a.flatMap((rs) => rs.filter((x) => x.share > 0).map((x) => x.route));
}

const cache = new Map<string, FitVerdict>();
const CACHE_LIMIT = 200_000;

/** Fit of a set of segments on one device's chip, with a cache keyed by the set. */
export function fitSet(pr: PlanProblem, device: number, segs: Iterable<PlacedSegment>): FitVerdict {
  const list = [...segs];
  if (list.length === 0) return { ok: true };
  const dev = pr.devices[device]!;
  if (!dev.chip) return { ok: false, reason: `${dev.spec.name} has no accelerator` };
  const refs: SegmentRef[] = list.map((s) => ({ profile: pr.pipelines[s.pipeline]!.variants[s.variant]!, from: s.from, to: s.to }));
  const key = `${dev.chip.name}|${refs.map((r) => `${r.profile.key}:${r.from}-${r.to}`).sort().join('|')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const verdict = fitOnChip(dev.chip.name, refs);
  if (cache.size > CACHE_LIMIT) cache.clear();
  cache.set(key, verdict);
  return verdict;
}

export interface FitViolation {
  device: number;
  reason: string;
}

/** Every device whose segments do not fit together. */
export function jointViolations(pr: PlanProblem, routes: Iterable<Route>): FitViolation[] {
  const out: FitViolation[] = [];
  deployment(pr, routes).forEach((segs, device) => {
    const v = fitSet(pr, device, segs.values());
    if (!v.ok) out.push({ device, reason: v.reason });
  });
  return out;
}

/**
 * A pipeline's segments on one device must be disjoint layer ranges (the same range used by
 * several routes is one segment): the runtime loads each layer of a pipeline at most once per
 * device. Returns a description of the first overlap, or null.
 */
export function overlappingSegments(pr: PlanProblem, routes: Iterable<Route>): string | null {
  const per = deployment(pr, routes);
  for (const segs of per) {
    const list = [...segs.values()].sort((a, b) => a.pipeline - b.pipeline || a.variant - b.variant || a.from - b.from);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      if (a.pipeline === b.pipeline && a.variant === b.variant && b.from < a.to) {
        return `${pr.pipelines[a.pipeline]!.spec.name}: layers ${a.from}-${a.to} and ${b.from}-${b.to} overlap on ${pr.devices[a.device]!.spec.name}`;
      }
    }
  }
  return null;
}

/** The allowed ends of segments starting at each allowed cut that the device can hold alone. */
export function endsOn(pr: PlanProblem, pipeline: number, variant: number, device: number): readonly (readonly number[])[] {
  const p = pr.pipelines[pipeline]!;
  return segmentEnds(p.variants[variant]!, pr.devices[device]!.chip?.name ?? null, p.cutAllowed[variant]!);
}
