// What the baselines share: a growing joint plan that checks every route it takes against the
// fit rules (union per chip) and the one-copy-per-device rule, and the choice of source and
// target for a fixed placement of the layers.

import type { Assignment } from '../evaluate.js';
import { fitSet, overlappingSegments, segmentKey, type PlacedSegment } from '../joint-fit.js';
import type { PlanProblem } from '../problem.js';
import { makeRoute, ownBottleneck, type Route, type Step } from '../route.js';

export interface Unplaced {
  pipeline: number;
  reason: string;
}

export class JointBuilder {
  readonly assignment: Assignment;
  readonly unplaced: Unplaced[] = [];
  private readonly onDevice: Map<string, PlacedSegment>[];
  private readonly placed: Route[] = [];

  constructor(private readonly pr: PlanProblem) {
    this.assignment = pr.pipelines.map(() => []);
    this.onDevice = pr.devices.map(() => new Map());
  }

  /** Whether layers [from, to) of (pipeline, variant) fit on the device with what is there. */
  rangeFits(pipeline: number, variant: number, from: number, to: number, device: number): boolean {
    return this.fitsWith(device, [{ pipeline, variant, from, to, device, key: segmentKey(pipeline, variant, from, to) }]);
  }

  /**
   * The farthest cut e such that layers [from, e) fit on the device with what is there (from
   * itself when none do). Fit is not monotone in the range, so every end is tried from the top.
   */
  longestFit(pipeline: number, variant: number, from: number, device: number): number {
    const chip = this.pr.devices[device]!.chip;
    if (!chip) return from;
    const L = this.pr.pipelines[pipeline]!.variants[variant]!.layers;
    for (let e = Math.min(L, from + chip.maxLayers); e > from; e--) if (this.rangeFits(pipeline, variant, from, e, device)) return e;
    return from;
  }

  fits(route: Route): boolean {
    const per = new Map<number, PlacedSegment[]>();
    for (const s of route.steps) {
      const seg = { pipeline: route.pipeline, variant: route.variant, from: s.from, to: s.to, device: s.device, key: segmentKey(route.pipeline, route.variant, s.from, s.to) };
      per.set(s.device, [...(per.get(s.device) ?? []), seg]);
    }
    for (const [d, segs] of per) if (!this.fitsWith(d, segs)) return false;
    return overlappingSegments(this.pr, [...this.placed, route]) === null;
  }

  private fitsWith(device: number, segs: PlacedSegment[]): boolean {
    const all = new Map(this.onDevice[device]!);
    for (const s of segs) all.set(s.key, s);
    return fitSet(this.pr, device, all.values()).ok;
  }

  place(route: Route): void {
    for (const s of route.steps) {
      const key = segmentKey(route.pipeline, route.variant, s.from, s.to);
      this.onDevice[s.device]!.set(key, { pipeline: route.pipeline, variant: route.variant, from: s.from, to: s.to, device: s.device, key });
    }
    this.placed.push(route);
    this.assignment[route.pipeline] = [{ route, share: 1 }];
  }

  fail(pipeline: number, reason: string): void {
    this.unplaced.push({ pipeline, reason });
  }
}

/** The route with these steps from the source and to the target that make it fastest alone. */
export function bestEnds(pr: PlanProblem, m: number, v: number, steps: readonly Step[], by: 'throughput' | 'latency' = 'throughput',
  sources?: readonly number[]): Route | null {
  const p = pr.pipelines[m]!;
  let best: Route | null = null;
  let bestKey = Number.POSITIVE_INFINITY;
  for (const src of sources ?? p.sources.map((s) => s.device)) {
    for (const t of p.targets) {
      const r = makeRoute(pr, m, v, src, steps, t);
      const k = by === 'latency' ? r.latency : ownBottleneck(r, 1).seconds + 1e-9 * r.latency;
      if (k < bestKey) {
        bestKey = k;
        best = r;
      }
    }
  }
  return best;
}

/** Accelerators ordered by capability: weight memory, then CNN clock, then desk order. */
export function byCapability(pr: PlanProblem): number[] {
  return pr.devices.filter((d) => d.chip).map((d) => d.index)
    .sort((a, b) => pr.devices[b]!.chip!.weightMem - pr.devices[a]!.chip!.weightMem
      || pr.devices[b]!.cnnClockHz - pr.devices[a]!.cnnClockHz || a - b);
}

/** Whether a device can run any layer of variant v of pipeline m. */
export function runs(pr: PlanProblem, m: number, v: number, d: number): boolean {
  return pr.pipelines[m]!.cnnPrefix[v]![d] !== null;
}

/**
 * Fill in a fixed device order: each pipeline (app order) puts on each device in `order` the
 * longest run of its next layers that still fits beside everything placed, and moves on, until
 * its last layer is placed (the first variant that gets there and fits wins). `why` names the
 * reason a pipeline that never gets there is not placed.
 */
export function fillInOrder(pr: PlanProblem, order: readonly number[], why: (model: string) => string): { assignment: Assignment; unplaced: Unplaced[] } {
  const b = new JointBuilder(pr);
  pr.pipelines.forEach((p, m) => {
    for (let v = 0; v < p.variants.length; v++) {
      const L = p.variants[v]!.layers;
      const steps: Step[] = [];
      let cut = 0;
      for (const d of order) {
        if (cut === L) break;
        if (!runs(pr, m, v, d)) continue;
        const end = b.longestFit(m, v, cut, d);
        if (end > cut) {
          steps.push({ from: cut, to: end, device: d });
          cut = end;
        }
      }
      if (cut < L) continue;
      const r = bestEnds(pr, m, v, steps);
      if (r && b.fits(r)) {
        b.place(r);
        return;
      }
    }
    b.fail(m, why(p.spec.model));
  });
  return { assignment: b.assignment, unplaced: b.unplaced };
}
