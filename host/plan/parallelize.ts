// Stage 4 of Synergy's selection, beyond the paper: parallelization. While the objective
// improves, look at the bottleneck resource and try to move frames of the pipelines that load
// it: replicate the segment that loads it onto other accelerators (the same layer range, the
// frames alternating between the copies: fan-out), send part of the frames along another
// candidate route with the same source, variant and target, or move the pipeline to another
// candidate route, alone or fanned out. Each move must keep every chip's segments
// fitting together; the shares of all routes are then set by a small LP (optimal shares for
// the chosen routes). Moves are screened cheaply first (best share of the one new route with
// the others fixed), and only the most promising are solved exactly.

import type { CandidateSet } from './candidates.js';
import { evaluate, type Assignment, type RouteShare } from './evaluate.js';
import { deployment, endsOn, fitSet, jointViolations, overlappingSegments, routesOf, type PlacedSegment } from './joint-fit.js';
import { Program, solveProgram } from './lp.js';
import type { PlanProblem } from './problem.js';
import { makeRoute, type Route } from './route.js';
import { planNow } from './clock.js';

export interface ParallelizeResult {
  assignment: Assignment;
  moves: string[];
}

const SHARE_EPS = 1e-6;

export function parallelize(pr: PlanProblem, start: Assignment, cands: readonly CandidateSet[], deadline: number): ParallelizeResult {
  let a = start;
  const moves: string[] = [];
  let value = score(pr, a);
  for (let round = 0; round < 64 && planNow() < deadline; round++) {
    const ev = evaluate(pr, a);
    const r = ev.bottleneck;
    if (r < 0) break;
    const res = pr.resources[r]!;
    if (res.kind === 'sensor') break;
    const proposals: Proposal[] = [];
    a.forEach((routes, m) => {
      if (routes.length === 0 || planNow() > deadline) return;
      const mine = routes.reduce((acc, x) => acc + x.share * x.route.loads[r]!, 0);
      if (mine <= 0) return;
      const first = routes[0]!.route;
      const inUse = new Set(routes.map((x) => x.route.key));
      const pool = new Map<string, Route>();
      for (const c of cands[m]!.routes) {
        if (c.variant === first.variant && c.source === first.source && c.target === first.target && c.loads[r]! < mine) pool.set(c.key, c);
      }
      if (res.device !== null) for (const x of routes) for (const rep of replicas(pr, x.route, res.device)) pool.set(rep.key, rep);
      const others = routesOf(a.map((rs, k) => (k === m ? [] : rs)));
      for (const route of pool.values()) {
        if (!inUse.has(route.key)) proposals.push({ m, kind: 'add', routes: [...routes.map((x) => x.route), route], estimate: screen(pr, a, m, route), label: route });
      }
      // Moving the whole pipeline: to any other candidate (another source, target or variant
      // too), alone or fanned out; the most promising by the replacement's own effect first.
      // The 12 most promising replacements alone, each also fanned out.
      const replacements = cands[m]!.routes.filter((c) => !(routes.length === 1 && c.key === first.key))
        .map((c) => ({ c, estimate: proportionalShares(pr, a, m, [c]) }))
        .sort((x, y) => x.estimate - y.estimate).slice(0, 12);
      for (const { c, estimate } of replacements) {
        proposals.push({ m, kind: 'replace', routes: [c], estimate, label: c });
        const fan = fanOut(pr, c, others);
        if (fan.length > 1) proposals.push({ m, kind: 'fan-out', routes: fan, estimate: proportionalShares(pr, a, m, fan), label: c });
      }
      for (const x of routes) {
        const fan = fanOut(pr, x.route, others);
        if (fan.length > 1) proposals.push({ m, kind: 'fan-out', routes: fan, estimate: proportionalShares(pr, a, m, fan), label: x.route });
      }
    });
    proposals.sort((x, y) => x.estimate - y.estimate);
    let improved = false;
    let checks = 0;
    let solves = 0;
    const placed = deployment(pr, routesOf(a));
    for (const t of proposals) {
      if (t.estimate >= value * (1 - 1e-9) || planNow() > deadline || checks >= 400 || solves >= 8) break;
      checks++;
      if (!movable(pr, placed, t.m, t.routes)) continue;
      const next = a.map((routes, m) => (m === t.m ? t.routes.map((route) => ({ route, share: 1 / t.routes.length })) : routes));
      solves++;
      const balanced = balanceShares(pr, next);
      const v = score(pr, balanced);
      if (v < value * (1 - 1e-7)) {
        a = balanced;
        value = v;
        moves.push(describe(pr, t, r));
        improved = true;
        break;
      }
    }
    if (!improved) break;
  }
  return { assignment: a, moves };
}

/** Whether pipeline m's routes can become `routes` with everything else deployed as it is. */
function movable(pr: PlanProblem, placed: Map<string, PlacedSegment>[], m: number, routes: Route[]): boolean {
  const mine = deployment(pr, routes);
  for (let d = 0; d < placed.length; d++) {
    const add = [...mine[d]!.values()];
    const had = [...placed[d]!.values()].some((x) => x.pipeline === m);
    if (add.length === 0 && !had) continue;
    const segs = [...placed[d]!.values()].filter((x) => x.pipeline !== m).concat(add);
    const list = add.sort((x, y) => x.from - y.from);
    for (let i = 1; i < list.length; i++) if (list[i]!.from < list[i - 1]!.to) return false;
    if (add.length > 0 && !fitSet(pr, d, segs).ok) return false;
  }
  return true;
}

interface Proposal {
  m: number;
  kind: 'add' | 'replace' | 'fan-out';
  /** The pipeline's routes after the move (shares set by the LP). */
  routes: Route[];
  estimate: number;
  label: Route;
}

/**
 * A route plus copies of it with its most loaded segment on every other accelerator that can
 * hold it alongside everything else deployed (the frames then alternate between the copies).
 */
function fanOut(pr: PlanProblem, route: Route, others: Route[]): Route[] {
  let worst = -1;
  for (let r = 0; r < route.loads.length; r++) if (worst < 0 || route.loads[r]! > route.loads[worst]!) worst = r;
  const device = pr.resources[worst]?.device ?? null;
  if (device === null || !route.steps.some((s) => s.device === device)) return [route];
  const out = [route];
  for (const rep of replicas(pr, route, device)) {
    const trial = [...others, ...out, rep];
    if (overlappingSegments(pr, trial) === null && jointViolations(pr, trial).length === 0) out.push(rep);
  }
  return out;
}

/**
 * Stage-1 fan-out options for the joint search: a route plus its copies with its most loaded
 * segment on every other accelerator that holds it alone, frames shared in inverse proportion
 * to each copy's own bottleneck (the joint search then checks what fits together).
 */
export function fanOutAlone(pr: PlanProblem, route: Route): RouteShare[] | null {
  const fan = fanOut(pr, route, []);
  if (fan.length < 2) return null;
  const speed = fan.map((x) => 1 / Math.max(1e-12, ...x.loads));
  const norm = speed.reduce((a, v) => a + v, 0);
  return fan.map((x, i) => ({ route: x, share: speed[i]! / norm }));
}

/** T if pipeline m's frames were split over the routes in inverse proportion to their own bottlenecks. */
function proportionalShares(pr: PlanProblem, a: Assignment, m: number, routes: Route[]): number {
  const R = pr.resources.length;
  const total = new Float64Array(R);
  a.forEach((rs, k) => {
    if (k === m) return;
    const w = pr.pipelines[k]!.weight;
    for (const { route: x, share } of rs) for (let r = 0; r < R; r++) total[r] = total[r]! + w * share * x.loads[r]!;
  });
  const speed = routes.map((x) => 1 / Math.max(1e-12, ...x.loads));
  const norm = speed.reduce((acc, v) => acc + v, 0);
  routes.forEach((x, i) => {
    const w = (pr.pipelines[m]!.weight * speed[i]!) / norm;
    for (let r = 0; r < R; r++) total[r] = total[r]! + w * x.loads[r]!;
  });
  return Math.max(...total);
}

/** Lower is better: T for max-min, minus the objective for sum. */
function score(pr: PlanProblem, a: Assignment): number {
  const ev = evaluate(pr, a);
  return pr.objective === 'maxmin' ? (ev.objective > 0 ? 1 / ev.objective : Number.POSITIVE_INFINITY) : -ev.objective;
}

/** The route with the steps on `device` moved to each other accelerator that can hold them. */
function replicas(pr: PlanProblem, route: Route, device: number): Route[] {
  const out: Route[] = [];
  const p = pr.pipelines[route.pipeline]!;
  route.steps.forEach((s, i) => {
    if (s.device !== device) return;
    for (const d of pr.devices) {
      if (d.index === device || p.cnnPrefix[route.variant]![d.index] === null) continue;
      if (!endsOn(pr, route.pipeline, route.variant, d.index)[s.from]!.includes(s.to)) continue;
      const steps = route.steps.map((o, j) => (j === i ? { ...o, device: d.index } : o));
      out.push(makeRoute(pr, route.pipeline, route.variant, route.source, steps, route.target));
    }
  });
  return out;
}

/** T after giving the new route its best share of pipeline m's frames, the rest unchanged. */
function screen(pr: PlanProblem, a: Assignment, m: number, route: Route): number {
  const R = pr.resources.length;
  const total = new Float64Array(R);
  const mine = new Float64Array(R);
  a.forEach((routes, k) => {
    const w = pr.pipelines[k]!.weight;
    for (const { route: x, share } of routes) for (let r = 0; r < R; r++) {
      total[r] = total[r]! + w * share * x.loads[r]!;
      if (k === m) mine[r] = mine[r]! + w * share * x.loads[r]!;
    }
  });
  const w = pr.pipelines[m]!.weight;
  const T = (alpha: number): number => {
    let t = 0;
    for (let r = 0; r < R; r++) t = Math.max(t, total[r]! - alpha * mine[r]! + alpha * w * route.loads[r]!);
    return t;
  };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const m1 = lo + (hi - lo) / 3;
    const m2 = hi - (hi - lo) / 3;
    if (T(m1) <= T(m2)) hi = m2;
    else lo = m1;
  }
  return pr.objective === 'maxmin' ? T((lo + hi) / 2) : T((lo + hi) / 2);
}

/** Optimal shares of every pipeline's routes (an LP), dropping routes left without frames. */
export function balanceShares(pr: PlanProblem, a: Assignment, minShare = 0): Assignment {
  const R = pr.resources.length;
  const sum = pr.objective === 'sum';
  const lp = new Program(sum);
  const T = sum ? -1 : lp.addVar(0, Number.POSITIVE_INFINITY, 1);
  // minShare: each route of a pipeline with several carries at least that share (max-min).
  const low = (n: number): number => (!sum && n > 1 ? minShare : 0);
  const cols: number[][] = a.map((routes, m) => routes.map(() => lp.addVar(low(routes.length), sum ? Number.POSITIVE_INFINITY : 1, sum ? pr.pipelines[m]!.weight : 0)));
  for (let r = 0; r < R; r++) {
    const c: number[] = [];
    const k: number[] = [];
    a.forEach((routes, m) => routes.forEach((x, i) => {
      const load = x.route.loads[r]! * (sum ? 1 : pr.pipelines[m]!.weight);
      if (load > 0) {
        c.push(cols[m]![i]!);
        k.push(load);
      }
    }));
    if (c.length === 0) continue;
    if (sum) lp.addRow(Number.NEGATIVE_INFINITY, 1, c, k);
    else lp.addRow(Number.NEGATIVE_INFINITY, 0, [...c, T], [...k, -1]);
  }
  if (!sum) a.forEach((routes, m) => routes.length > 0 && lp.addRow(1, 1, cols[m]!, cols[m]!.map(() => 1)));
  const res = solveProgram(lp);
  if (res.status !== 'optimal') return a;
  return a.map((routes, m) => {
    const xs = cols[m]!.map((c) => Math.max(0, res.x[c]!));
    const total = xs.reduce((s, x) => s + x, 0);
    if (total <= 0) return routes.slice(0, 1).map((x) => ({ ...x, share: 1 }));
    const kept: RouteShare[] = routes.map((x, i) => ({ route: x.route, share: xs[i]! / total })).filter((x) => x.share > SHARE_EPS);
    const s = kept.reduce((acc, x) => acc + x.share, 0);
    return kept.map((x) => ({ ...x, share: x.share / s }));
  });
}

function describe(pr: PlanProblem, t: Proposal, r: number): string {
  const steps = t.label.steps.map((s) => `${s.from}-${s.to}@${pr.devices[s.device]!.spec.name}`).join(' ');
  const what = t.kind === 'add' ? `share frames with route ${steps}`
    : t.kind === 'replace' ? `move to route ${steps}` : `fan out route ${steps} over ${t.routes.length} accelerators`;
  return `${pr.pipelines[t.m]!.spec.name}: ${what} to relieve ${pr.resources[r]!.id}`;
}
