// The quick stage of recovering from a lost board (runner.ts): a plan for the boards present
// that can be deployed within a time budget. Deploying is what makes recovery slow: segments of
// a few hundred KB over links of ~125 KB/s take seconds, while planning takes milliseconds. So
// each pipeline either keeps its running route (nothing to load; it keeps running) or takes a
// route from the planner's candidates for it (candidates.ts, every cut allowed), or its
// running route with another source or target where its layers are still loaded; plans are
// ranked by the estimate with every route's loads counted: what a board already holds costs
// nothing, the rest its bytes over its link, boards loading in parallel. Of the plans placing
// the most pipelines, the best whose deploy fits the budget is taken; when none fits, the
// quickest to deploy (deploy times within 10% counting as equal). A fresh plan may still be
// better: the runner's upgrade stage moves to it afterwards.

import { generateCandidates, evaluate, fitSet, segmentKey, buildPlanObject, makeRoute, type Assignment, type RouteShare, type PlacedSegment, type PlanProblem, type Route } from '../plan/planner.js';
import { loadMsEstimate } from './deploy.js';
import { deployEstimate, planScore, type DeployCostModel, type DeployEstimate } from './deploy-estimate.js';
import { onDevice } from './preload-plan.js';
import { busiestLoad, keptAssignment, type Planned } from './planning.js';
export { deployEstimate, planScore, problemFor, type DeployCostModel, type DeployEstimate } from './deploy-estimate.js';
export { preloadable } from './preload-plan.js';
import { runPlanOf, segmentId, segmentsOf, zooModelOf, type RunPlan, type SegmentSpec } from './run-plan.js';

/**
 * Deploy time a quick re-plan may spend, ms. Recovery is detection (~10 ms) + choosing the plan
 * (tens of ms) + stopping the broken pipelines + this deploy + one frame's latency through the
 * new routes (~0.2 s on the example desks); the requirement is every pipeline delivering again
 * within 3 s, and 1.5 s of loads leaves about a second of margin for slower links and hosts.
 */
export const QUICK_DEPLOY_BUDGET_MS = 1500;

/** Enumerating one pipeline's candidate routes stops after this many ms (long models, every cut allowed). */
const CANDIDATES_MS = 100;

export interface QuickChoice {
  planned: Planned;
  deploy: DeployEstimate;
  /** whether its deploy fits the budget */
  withinBudget: boolean;
  budgetMs: number;
  /** the plan's estimate by planScore */
  score: number;
  /** the repair of the running plan (the working pipelines keep their routes, each broken one takes the candidate leaving the busiest resource least busy, bytes not counted): its estimate and deploy time */
  repair: { score: number; deployMs: number; placed: number } | null;
  /** whether the search went through every option (else the best found by its deadline) */
  complete: boolean;
  /** partial plans the search visited, and its CPU time, ms */
  nodes: number;
  searchMs: number;
}

interface Option {
  routes: RouteShare[];
  specs: SegmentSpec[];
  /** per device index: bytes and segments to load, the segments placed */
  bytes: Map<number, { bytes: number; segments: number }>;
  placed: Map<number, PlacedSegment[]>;
  /** weighted per-frame load on each resource */
  u: Float64Array;
  /** its own deploy time and busiest resource, for ordering */
  ownMs: number;
  ownBusiest: number;
}

/** [pipelines left unplaced, max(deploy ms, budget), busiest resource's load]: lexicographic, lower is better. */
type Key = readonly [number, number, number];

/**
 * Deploy times this close count as equal, and the better plan is taken: an estimate of loads
 * over a shared link is good to a few percent, and a plan that runs much faster is worth more
 * than a difference in the noise. It also keeps the search from proving tiny gains.
 */
const DEPLOY_TOLERANCE_MS = 40;
const DEPLOY_TOLERANCE = 0.1;
/** Loads of the busiest resource this close count as equal. */
const LOAD_TOLERANCE = 0.02;

/** Whether x is worth more than y by more than the tolerances. */
const better = (x: Key, y: Key): boolean => {
  if (x[0] !== y[0]) return x[0] < y[0];
  const tol = Math.max(DEPLOY_TOLERANCE_MS, DEPLOY_TOLERANCE * Math.min(x[1], y[1]));
  if (x[1] < y[1] - tol) return true;
  if (x[1] > y[1] + tol) return false;
  return x[2] < y[2] * (1 - LOAD_TOLERANCE);
};

/**
 * The quick stage's search (see the head of this file): a depth-first branch and bound over the
 * pipelines, the broken ones first (they need the room), then the working ones, each keeping
 * its route (nothing to load) or moving to a candidate, or left unplaced when nothing fits. A
 * plan is better when it leaves fewer pipelines out, then when its deploy time is lower down to
 * the budget, then when its busiest resource is less busy (the max-min estimate, and the
 * repair's rule under the sum). Every term only grows as pipelines are added, so a partial plan
 * no better than the best complete one is cut. It runs in slices (`run` to a deadline) and
 * keeps the best plan found: the runner searches the plan for every board's loss in the
 * background while a plan runs, and finishes (or cuts short) the one it needs when a board is
 * lost. The repair of the running plan is the first incumbent.
 */
export class QuickSearch {
  readonly budgetMs: number;
  private readonly order: number[];
  private readonly options: Option[][];
  private readonly rate: number[];
  private readonly busy: number[];
  private repairA: Assignment;
  private repairKey: Key = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  private repairMs = 0;
  private best: { key: Key; a: Assignment };
  /** the setup left (each pipeline's candidates, the repair), in steps so a slice stays short */
  private readonly setup: (() => void)[] = [];
  // depth-first state
  private depth = 0;
  private readonly next: number[];
  private readonly chosen: (Option | null)[];
  private readonly msAt: number[];
  private readonly busiestAt: number[];
  private readonly unplacedAt: number[];
  private readonly devBytes: Float64Array;
  private readonly devSegments: Int32Array;
  private readonly devSegs: PlacedSegment[][];
  private readonly tot: Float64Array;
  private readonly memo = new Map<string, boolean>();
  nodes = 0;
  searchMs = 0;
  done = false;

  constructor(
    readonly running: RunPlan,
    readonly pr: PlanProblem,
    readonly policy: string,
    private readonly cost: DeployCostModel,
    opts: { budgetMs?: number } = {},
  ) {
    const t0 = performance.now();
    this.budgetMs = opts.budgetMs ?? QUICK_DEPLOY_BUDGET_MS;
    const R = pr.resources.length;
    const { assignment: kept, open } = keptAssignment(running, pr);
    this.rate = pr.devices.map((d) => cost.bytesPerSec(d.spec.name));
    // The downlink share the working pipelines use at their running rates while the others load
    // (all of them: an upper bound that does not depend on which ones the plan moves).
    const busy = new Float64Array(R);
    kept.forEach((rs, m) => {
      const rateNow = running.estimate.rates[pr.pipelines[m]!.spec.name] ?? 0;
      for (const { route, share } of rs) for (let r = 0; r < R; r++) busy[r] = busy[r]! + rateNow * share * route.loads[r]!;
    });
    this.busy = pr.devices.map((d) => Math.min(0.9, busy[d.rx]!));
    const zoo = new Map<string, string>();
    const specsOf = (r: Route): SegmentSpec[] => {
      const p = pr.pipelines[r.pipeline]!;
      const prof = p.variants[r.variant]!;
      let model = zoo.get(prof.key);
      if (!model) zoo.set(prof.key, (model = zooModelOf(prof.name, prof.variant, prof.layers)));
      return r.steps.map((s) => ({ id: segmentId(p.spec.name, model, s.from, s.to - s.from), device: pr.devices[s.device]!.spec.name, pipeline: p.spec.name, model, first: s.from, count: s.to - s.from }));
    };
    const index = new Map(pr.devices.map((d) => [d.spec.name, d.index]));
    const optionOf = (routes: RouteShare[]): Option => {
      const specs = dedupe(routes.flatMap((x) => specsOf(x.route)));
      const bytes = new Map<number, { bytes: number; segments: number }>();
      for (const spec of specs) {
        if (cost.resident.get(spec.device)?.has(spec.id)) continue;
        const d = index.get(spec.device)!;
        const l = bytes.get(d) ?? { bytes: 0, segments: 0 };
        l.bytes += cost.segmentBytes(spec);
        l.segments++;
        bytes.set(d, l);
      }
      const placed = new Map<number, PlacedSegment[]>();
      const seen = new Set<string>();
      for (const { route: r } of routes) {
        for (const st of r.steps) {
          const key = segmentKey(r.pipeline, r.variant, st.from, st.to);
          if (seen.has(`${st.device}|${key}`)) continue;
          seen.add(`${st.device}|${key}`);
          const l = placed.get(st.device) ?? [];
          l.push({ pipeline: r.pipeline, variant: r.variant, from: st.from, to: st.to, device: st.device, key });
          placed.set(st.device, l);
        }
      }
      const u = new Float64Array(R);
      for (const { route, share } of routes) for (let r = 0; r < R; r++) u[r] = u[r]! + share * route.loads[r]! * pr.pipelines[route.pipeline]!.weight;
      let ownMs = 0;
      for (const [d, l] of bytes) ownMs = Math.max(ownMs, this.deviceMs(d, l.bytes, l.segments));
      return { routes, specs, bytes, placed, u, ownMs, ownBusiest: Math.max(0, ...u) };
    };
    const byPromise = (x: Option, y: Option): number =>
      Math.max(x.ownMs, this.budgetMs) - Math.max(y.ownMs, this.budgetMs) || x.ownBusiest - y.ownBusiest || x.ownMs - y.ownMs;
    const keptIdx = pr.pipelines.map((_, m) => m).filter((m) => kept[m]!.length > 0);
    this.order = [...open, ...keptIdx];
    this.options = this.order.map((m) => (kept[m]!.length > 0 ? [optionOf(kept[m]!)] : []));
    const candidates = new Map<number, Option[]>();
    // Setup steps: each pipeline's candidates (with its running route's remains), then the repair.
    this.order.forEach((m, i) => {
      this.setup.push(() => {
        const routes = new Map<string, Route>();
        for (const r of salvagedRoutes(running, pr, m)) routes.set(r.key, r);
        for (const r of generateCandidates(pr, m, { deadline: performance.now() + CANDIDATES_MS }).routes) if (!routes.has(r.key)) routes.set(r.key, r);
        const list = [...routes.values()].map((route) => optionOf([{ route, share: 1 }]));
        candidates.set(m, list);
        this.options[i]!.push(...[...list].sort(byPromise));
      });
    });
    // The repair, the first incumbent: the working pipelines keep their routes, each broken one
    // in turn takes the candidate that leaves the busiest resource least busy.
    this.repairA = kept.map((x) => x);
    for (const m of open) {
      this.setup.push(() => {
        let pick: { routes: RouteShare[]; t: number } | null = null;
        for (const o of candidates.get(m)!) {
          const trial = this.repairA.map((x, k) => (k === m ? o.routes : x));
          if (!o.routes.every(({ route }) => route.steps.every((st) => fitSet(pr, st.device, onDevice(trial, st.device)).ok))) continue;
          const t = busiestLoad(pr, trial);
          if (!pick || t < pick.t) pick = { routes: o.routes, t };
        }
        if (pick) this.repairA = this.repairA.map((x, k) => (k === m ? pick.routes : x));
      });
    }
    this.setup.push(() => {
      ({ key: this.repairKey, ms: this.repairMs } = this.measure(this.repairA));
      this.best = { key: this.repairKey, a: this.repairA };
    });
    this.best = { key: this.repairKey, a: this.repairA };

    const n = this.order.length;
    this.next = new Array<number>(n + 1).fill(0);
    this.chosen = new Array<Option | null>(n).fill(null);
    this.msAt = new Array<number>(n + 1).fill(0);
    this.busiestAt = new Array<number>(n + 1).fill(0);
    this.unplacedAt = new Array<number>(n + 1).fill(0);
    this.devBytes = new Float64Array(pr.devices.length);
    this.devSegments = new Int32Array(pr.devices.length);
    this.devSegs = pr.devices.map(() => []);
    this.tot = new Float64Array(R);
    this.searchMs = performance.now() - t0;
  }

  private deviceMs(d: number, bytes: number, segments: number): number {
    return loadMsEstimate(bytes, segments, this.rate[d]!, this.busy[d]!);
  }

  /** The key and deploy ms of a whole assignment (for the repair). */
  private measure(a: Assignment): { key: Key; ms: number } {
    const bytes = new Map<number, { bytes: number; segments: number }>();
    const index = new Map(this.pr.devices.map((d) => [d.spec.name, d.index]));
    for (const spec of this.specsOfAssignment(a)) {
      if (this.cost.resident.get(spec.device)?.has(spec.id)) continue;
      const d = index.get(spec.device)!;
      const l = bytes.get(d) ?? { bytes: 0, segments: 0 };
      l.bytes += this.cost.segmentBytes(spec);
      l.segments++;
      bytes.set(d, l);
    }
    let ms = 0;
    for (const [d, l] of bytes) ms = Math.max(ms, this.deviceMs(d, l.bytes, l.segments));
    return { key: [a.filter((x) => x.length === 0).length, Math.max(ms, this.budgetMs), busiestLoad(this.pr, a)], ms };
  }

  private specsOfAssignment(a: Assignment): SegmentSpec[] {
    const plan = this.planOf(a, 0, '');
    return segmentsOf(plan.plan);
  }

  /** Searches until done or `deadline` (performance.now() ms); returns whether it is done. */
  run(deadline: number): boolean {
    const started = performance.now();
    const n = this.order.length;
    const pr = this.pr;
    const R = pr.resources.length;
    try {
      while (this.setup.length > 0) {
        this.setup.shift()!();
        if (performance.now() > deadline) return false;
      }
      while (!this.done) {
        if ((++this.nodes & 15) === 0 && performance.now() > deadline) return false;
        const i = this.depth;
        if (i === n) {
          const key: Key = [this.unplacedAt[i]!, Math.max(this.budgetMs, this.msAt[i]!), this.busiestAt[i]!];
          if (better(key, this.best.key)) this.best = { key, a: this.assignmentNow() };
          if (i === 0) {
            this.done = true; // nothing to place
            break;
          }
          this.pop();
          continue;
        }
        const opts = this.options[i]!;
        const k = this.next[i]!++;
        if (k > opts.length) {
          if (i === 0) {
            this.done = true;
            break;
          }
          this.pop();
          continue;
        }
        if (k === opts.length) {
          // Leave this pipeline out.
          const key: Key = [this.unplacedAt[i]! + 1, Math.max(this.budgetMs, this.msAt[i]!), this.busiestAt[i]!];
          if (!better(key, this.best.key)) continue;
          this.push(i, null, this.msAt[i]!, this.busiestAt[i]!);
          continue;
        }
        const o = opts[k]!;
        let ms = this.msAt[i]!;
        for (const [d, l] of o.bytes) ms = Math.max(ms, this.deviceMs(d, this.devBytes[d]! + l.bytes, this.devSegments[d]! + l.segments));
        let busiest = this.busiestAt[i]!;
        for (let r = 0; r < R; r++) if (o.u[r]! > 0) busiest = Math.max(busiest, this.tot[r]! + o.u[r]!);
        if (!better([this.unplacedAt[i]!, Math.max(this.budgetMs, ms), busiest], this.best.key)) continue;
        let fits = true;
        for (const [d, segs] of o.placed) {
          const set = [...this.devSegs[d]!, ...segs];
          const key = `${d}|${set.map((x) => x.key).join(',')}`;
          let ok = this.memo.get(key);
          if (ok === undefined) this.memo.set(key, (ok = fitSet(pr, d, set).ok));
          if (!ok) {
            fits = false;
            break;
          }
        }
        if (!fits) continue;
        this.push(i, o, ms, busiest);
      }
      return true;
    } finally {
      this.searchMs += performance.now() - started;
    }
  }

  private push(i: number, o: Option | null, ms: number, busiest: number): void {
    this.chosen[i] = o;
    if (o) {
      for (const [d, l] of o.bytes) {
        this.devBytes[d] = this.devBytes[d]! + l.bytes;
        this.devSegments[d] = this.devSegments[d]! + l.segments;
      }
      for (const [d, segs] of o.placed) this.devSegs[d]!.push(...segs);
      for (let r = 0; r < o.u.length; r++) this.tot[r] = this.tot[r]! + o.u[r]!;
    }
    this.msAt[i + 1] = ms;
    this.busiestAt[i + 1] = busiest;
    this.unplacedAt[i + 1] = this.unplacedAt[i]! + (o ? 0 : 1);
    this.depth = i + 1;
    this.next[i + 1] = 0;
  }

  private pop(): void {
    const i = --this.depth;
    const o = this.chosen[i];
    if (o) {
      for (const [d, l] of o.bytes) {
        this.devBytes[d] = this.devBytes[d]! - l.bytes;
        this.devSegments[d] = this.devSegments[d]! - l.segments;
      }
      for (const [d, segs] of o.placed) this.devSegs[d]!.length -= segs.length;
      for (let r = 0; r < o.u.length; r++) this.tot[r] = this.tot[r]! - o.u[r]!;
    }
    this.chosen[i] = null;
  }

  private assignmentNow(): Assignment {
    const a: Assignment = this.pr.pipelines.map(() => []);
    this.order.forEach((m, i) => (a[m] = this.chosen[i]?.routes ?? []));
    return a;
  }

  private planOf(a: Assignment, ms: number, note: string): Planned {
    const pr = this.pr;
    const ev = evaluate(pr, a);
    const unplaced = pr.pipelines.flatMap((_, m) => (a[m]!.length === 0 ? [{ pipeline: m, reason: 'no candidate route fits beside the pipelines kept running' }] : []));
    const object = buildPlanObject(pr, this.policy, a, ev, { unplaced, throughput: ev.objective, proved: null, planningMs: ms, notes: note ? [note] : [] });
    return { plan: runPlanOf(object, pr, a), object, problem: pr, assignment: a, ms, note };
  }

  /** The best plan found so far (the setup is finished first: the repair is always there). */
  choice(): QuickChoice {
    if (this.setup.length > 0) {
      const t = performance.now();
      while (this.setup.length > 0) this.setup.shift()!();
      this.searchMs += performance.now() - t;
    }
    const a = this.best.a;
    const kept = keptAssignment(this.running, this.pr).assignment;
    const working = kept.filter((x) => x.length > 0).length;
    const routesKey = (rs: readonly RouteShare[]): string => rs.map((x) => `${x.share}:${x.route.key}`).join(';');
    const stayed = kept.filter((x, m) => x.length > 0 && routesKey(a[m]!) === routesKey(x)).length;
    const probe = this.planOf(a, this.searchMs, '');
    const deploy = deployEstimate(segmentsOf(probe.plan), this.cost, (d) => this.busy[this.pr.devices.findIndex((x) => x.spec.name === d)] ?? 0);
    const note = `quick re-plan: ${stayed} of ${working} working pipelines keep their routes; deploy estimated ${Math.round(deploy.ms)} ms ` +
      `(budget ${this.budgetMs} ms)${this.done ? '' : `, the best found in ${Math.round(this.searchMs)} ms of search`}`;
    const planned = this.planOf(a, this.searchMs, note);
    const repairPlanned = this.repairA === a ? planned : this.planOf(this.repairA, 0, '');
    return {
      planned,
      deploy,
      withinBudget: deploy.ms <= this.budgetMs,
      budgetMs: this.budgetMs,
      score: planScore(planned.plan),
      repair: { score: planScore(repairPlanned.plan), deployMs: this.repairMs, placed: repairPlanned.plan.pipelines.length },
      complete: this.done,
      nodes: this.nodes,
      searchMs: this.searchMs,
    };
  }
}

/** The quick stage's plan, searched until done or for at most `limitMs`. */
export function quickPlan(running: RunPlan, pr: PlanProblem, policy: string, cost: DeployCostModel, opts: { budgetMs?: number; limitMs?: number } = {}): QuickChoice {
  const search = new QuickSearch(running, pr, policy, cost, opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : {});
  search.run(performance.now() + (opts.limitMs ?? Number.POSITIVE_INFINITY));
  return search.choice();
}

function dedupe(specs: readonly SegmentSpec[]): SegmentSpec[] {
  return [...new Map(specs.map((s) => [`${s.device}|${s.id}`, s])).values()];
}

/**
 * A broken pipeline's running routes made again where every layer range is on a board still
 * present: with each source and target the problem offers (a lost microphone's pipeline can
 * sense on the other earbud and run on the segments already loaded).
 */
function salvagedRoutes(running: RunPlan, pr: PlanProblem, m: number): Route[] {
  const p = pr.pipelines[m]!;
  const before = running.pipelines.find((x) => x.name === p.spec.name);
  if (!before) return [];
  const v = p.variants.findIndex((x) => x.key === before.variantKey);
  if (v < 0) return [];
  const index = new Map(pr.devices.map((d) => [d.spec.name, d.index]));
  const out: Route[] = [];
  for (const r of before.routes) {
    if (!r.steps.every((s) => index.has(s.device))) continue;
    const steps = r.steps.map((s) => ({ from: s.from, to: s.to, device: index.get(s.device)! }));
    for (const src of p.sources) {
      for (const target of p.targets) {
        try {
          out.push(makeRoute(pr, m, v, src.device, steps, target));
        } catch {
          // a step this problem cannot cost (its device cannot run the variant): not an option
        }
      }
    }
  }
  return out;
}
