// Stage 1, execution plan generation: for one pipeline, the ways to run it alone. A candidate is
// a route: a model variant, a source device, ordered layer ranges each on an accelerator (no
// device twice), a target. Every range must fit its chip alone (the joint check comes later).
// How many ranges and where they may be cut is bounded so the search stays fast
// (docs/planner.md): at most max(3, fewest needed + 1) ranges, three or more only starting on
// the source (unless the model needs them); the first cut may be any allowed cut for models up
// to 24 layers, later cuts are the cheapest to cross within reach plus the farthest one. Candidates that
// another candidate of the same shape dominates (no more load on any resource, no more memory
// on any device) are dropped; the rest are ranked by their own bottleneck, keeping the best of
// every device pattern first so the joint search sees diverse placements.

import { endsOn } from './joint-fit.js';
import type { PlanProblem } from './problem.js';
import { minSegments } from './segments.js';
import { makeRoute, ownBottleneck, type Route, type Step } from './route.js';

export interface CandidateOptions {
  /** Keep at most this many candidates per pipeline. */
  maxCandidates?: number;
  /** Inner cuts proposed per range: this many of the cheapest to cross, plus the farthest. */
  cutProposals?: number;
  /** Enumerate every inner cut of two-range routes for models up to this many layers. */
  allCutsUpTo?: number;
  /** Targets tried per route end when a pipeline has more. */
  maxTargets?: number;
  /** Return every enumerated route, unpruned (random-feasible draws from these). */
  keepAll?: boolean;
  /** Stop enumerating a pipeline's routes after this many (long models on many devices). */
  maxEnumerated?: number;
  /** Stop enumerating at this time (ms on the `now` clock)... */
  deadline?: number;
  /** The clock the deadline is on (default wall time, performance.now; Synergy's is CPU time). */
  now?: () => number;
  /** ...but only once each source has this many routes (a late start never leaves a pipeline bare). */
  minPerSource?: number;
}

const DEFAULTS: Required<CandidateOptions> = { maxCandidates: 96, cutProposals: 3, allCutsUpTo: 24, maxTargets: 3, keepAll: false, maxEnumerated: 20_000, deadline: Number.POSITIVE_INFINITY, now: () => performance.now(), minPerSource: 256 };

export interface CandidateSet {
  pipeline: number;
  routes: Route[];
  /** How many routes were enumerated before pruning. */
  enumerated: number;
}

export function generateCandidates(pr: PlanProblem, m: number, options: CandidateOptions = {}): CandidateSet {
  const o = { ...DEFAULTS, ...options };
  const p = pr.pipelines[m]!;
  const all: Route[] = [];
  p.variants.forEach((prof, v) => {
    const L = prof.layers;
    const accel = pr.devices.filter((d) => p.cnnPrefix[v]![d.index] !== null).map((d) => d.index);
    if (accel.length === 0) return;
    const ends = new Map(accel.map((d) => [d, endsOn(pr, m, v, d)]));
    const chips = [...new Set(accel.map((d) => pr.devices[d]!.chip!.name))];
    const need = minSegments(prof, chips, p.cutAllowed[v]!);
    if (!Number.isFinite(need)) return;
    const kmax = Math.min(accel.length, Math.max(3, need + 1));
    const proposals = (from: number, d: number, depth: number): number[] => {
      const fitting = ends.get(d)![from]!;
      if (fitting.length === 0) return [];
      const out: number[] = fitting.at(-1) === L ? [L] : [];
      if (depth + 1 >= kmax) return out;
      const inner = fitting.filter((c) => c < L);
      if (depth === 0 && L <= o.allCutsUpTo) return [...out, ...inner];
      const far = inner.at(-1);
      inner.sort((a, b) => prof.crossBytes[a]! - prof.crossBytes[b]! || b - a);
      const picked = new Set(inner.slice(0, o.cutProposals));
      if (far !== undefined) picked.add(far);
      return [...out, ...picked];
    };
    const targetsFor = (last: number): number[] => {
      if (p.targets.length <= o.maxTargets) return [...p.targets];
      const own = p.targets.includes(last) ? [last] : [];
      const rest = p.targets.filter((t) => t !== last)
        .sort((a, b) => pr.devices[b]!.wireBytesPerSec - pr.devices[a]!.wireBytesPerSec || a - b);
      return [...own, ...rest].slice(0, o.maxTargets);
    };
    for (const src of p.sources) {
      // Each source (and variant) gets its share of the enumeration cap.
      const first = all.length;
      const perSource = first + Math.ceil(o.maxEnumerated / (p.sources.length * p.variants.length));
      const steps: Step[] = [];
      const used = new Set<number>();
      const walk = (cut: number, at: number, depth: number): void => {
        if (all.length >= perSource || (all.length - first >= o.minPerSource && o.now() > o.deadline)) return;
        for (const d of accel) {
          if (used.has(d) || (cut > 0 && d === at)) continue;
          for (const end of proposals(cut, d, depth)) {
            steps.push({ from: cut, to: end, device: d });
            used.add(d);
            if (end === L) {
              for (const t of targetsFor(d)) all.push(makeRoute(pr, m, v, src.device, [...steps], t));
            } else if (depth + 1 < kmax && (depth === 0 || need >= 3 || steps[0]!.device === src.device)) {
              // Routes of three or more ranges keep the first on the source (a heavy prefix where
              // the data is), unless the model needs that many ranges anyway.
              walk(end, d, depth + 1);
            }
            used.delete(d);
            steps.pop();
          }
        }
      };
      walk(0, src.device, 0);
    }
  });
  return { pipeline: m, routes: o.keepAll ? all : prune(pr, all, o.maxCandidates), enumerated: all.length };
}

/** Memory a route puts on each device: layers, weight bytes, bias bytes (summed per device). */
function footprint(pr: PlanProblem, r: Route): Map<number, [number, number, number]> {
  const prof = pr.pipelines[r.pipeline]!.variants[r.variant]!;
  const out = new Map<number, [number, number, number]>();
  for (const s of r.steps) {
    const f = out.get(s.device) ?? [0, 0, 0];
    f[0] += s.to - s.from;
    f[1] += prof.weightPrefix[s.to]! - prof.weightPrefix[s.from]!;
    f[2] += prof.biasPrefix[s.to]! - prof.biasPrefix[s.from]!;
    out.set(s.device, f);
  }
  return out;
}

function dominates(pr: PlanProblem, a: Route, b: Route, fa: Map<number, [number, number, number]>, fb: Map<number, [number, number, number]>): boolean {
  for (let r = 0; r < a.loads.length; r++) if (a.loads[r]! > b.loads[r]! + 1e-15) return false;
  for (const [d, x] of fa) {
    const y = fb.get(d);
    if (!y || x[0] > y[0] || x[1] > y[1] || x[2] > y[2]) return false;
  }
  void pr;
  return true;
}

/** Shape of a route: variant, source, device sequence, target (routes differing only in cuts). */
function shapeOf(r: Route): string {
  return `${r.variant}|${r.source}|${r.steps.map((s) => s.device).join(',')}|${r.target}`;
}

function prune(pr: PlanProblem, routes: Route[], keep: number): Route[] {
  const w = pr.pipelines[routes[0]?.pipeline ?? 0]?.weight ?? 1;
  const score = new Map(routes.map((r) => [r, ownBottleneck(r, w).seconds]));
  const byShape = new Map<string, Route[]>();
  for (const r of routes) {
    const k = shapeOf(r);
    let l = byShape.get(k);
    if (!l) byShape.set(k, (l = []));
    l.push(r);
  }
  const groups: Route[][] = [];
  for (const group of byShape.values()) {
    const fp = new Map(group.map((r) => [r, footprint(pr, r)]));
    const alive = group.filter((b) => !group.some((a) => a !== b && dominates(pr, a, b, fp.get(a)!, fp.get(b)!)
      && (!dominates(pr, b, a, fp.get(b)!, fp.get(a)!) || a.key < b.key)));
    alive.sort((a, b) => score.get(a)! - score.get(b)! || a.key.localeCompare(b.key));
    groups.push(alive);
  }
  groups.sort((a, b) => score.get(a[0]!)! - score.get(b[0]!)! || a[0]!.key.localeCompare(b[0]!.key));
  // Round robin over shapes (best shape first), so every placement pattern is represented.
  const out: Route[] = [];
  for (let i = 0; out.length < keep; i++) {
    let any = false;
    for (const g of groups) {
      if (i < g.length && out.length < keep) {
        out.push(g[i]!);
        any = true;
      }
    }
    if (!any) break;
  }
  return out.sort((a, b) => score.get(a)! - score.get(b)! || a.key.localeCompare(b.key));
}
