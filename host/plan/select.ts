// Stages 2 and 3, joint plan generation and selection: pick one candidate route per pipeline so
// that the segments sharing each chip fit together (fit rules on the union) and the max-min
// objective is best, i.e. T = max_r sum_m w_m U[m][r] is smallest. Pipelines are taken in order
// of data intensity (bytes they must move per second of weight), heaviest first, so the
// heaviest movers get first pick. Depth-first branch and bound: candidates in order of the T
// they lead to, pruned by an admissible bound (no completion can beat it):
//   max( max_r cur[r] + sum over remaining pipelines of their least load on r,
//        max over remaining pipelines m of min over m's candidates of max_r (cur[r] + w U[c][r]) ).
// Among plans with the same T the one with the least total busy time wins (score T + eps * S,
// eps = 1e-7, S = sum of all loads), so equal bottlenecks do not hide needless transfers.
// After each choice, every pipeline still to place must keep an option that fits (forward
// checking), so dead ends are left at once. A deadline stops the search with the best plan
// found so far.

import type { RouteShare } from './evaluate.js';
import { fitSet, segmentKey, type PlacedSegment } from './joint-fit.js';
import type { PlanProblem } from './problem.js';
import { segmentUsage } from './model-facts.js';
import { planNow } from './clock.js';

/** One way to run a pipeline: a route, or several sharing its frames (a fan-out). */
export interface JointOption {
  routes: RouteShare[];
  /** Per-frame load (share-weighted over the routes), unweighted by the pipeline's weight. */
  loads: Float64Array;
  key: string;
}

export function optionOf(routes: RouteShare[]): JointOption {
  const loads = new Float64Array(routes[0]!.route.loads.length);
  for (const { route, share } of routes) for (let r = 0; r < loads.length; r++) loads[r] = loads[r]! + share * route.loads[r]!;
  return { routes, loads, key: routes.map((x) => x.route.key).join('+') };
}

const segmentsCache = new WeakMap<JointOption, PlacedSegment[]>();

function segmentsOf(o: JointOption): PlacedSegment[] {
  const hit = segmentsCache.get(o);
  if (hit) return hit;
  const out = new Map<string, PlacedSegment>();
  for (const { route } of o.routes) {
    for (const s of route.steps) {
      const key = segmentKey(route.pipeline, route.variant, s.from, s.to);
      out.set(`${s.device}|${key}`, { pipeline: route.pipeline, variant: route.variant, from: s.from, to: s.to, device: s.device, key });
    }
  }
  const list = [...out.values()];
  segmentsCache.set(o, list);
  return list;
}

const usageCache = new WeakMap<JointOption, [number, number, number, number][]>();

/** Per device an option touches: [device, layers, weight bytes, bias bytes] it adds. */
function optionUsage(pr: PlanProblem, o: JointOption): [number, number, number, number][] {
  const hit = usageCache.get(o);
  if (hit) return hit;
  const per = new Map<number, [number, number, number, number]>();
  for (const seg of segmentsOf(o)) {
    const u = usageOf(pr, seg);
    const e = per.get(seg.device) ?? [seg.device, 0, 0, 0];
    e[1] += u[0];
    e[2] += u[1];
    e[3] += u[2];
    per.set(seg.device, e);
  }
  const list = [...per.values()];
  usageCache.set(o, list);
  return list;
}

/** Layers, weight bytes and bias bytes of a segment: linear lower bounds on what it uses. */
function usageOf(pr: PlanProblem, seg: PlacedSegment): [number, number, number] {
  const u = segmentUsage({ profile: pr.pipelines[seg.pipeline]!.variants[seg.variant]!, from: seg.from, to: seg.to });
  return [u.layers, u.weightBytes, u.biasBytes];
}

export interface SelectResult {
  /** One option per pipeline (index = pipeline), null where none could be placed. */
  routes: (JointOption | null)[];
  /** max_r of the weighted load sum of the chosen routes (Infinity if nothing was found). */
  T: number;
  nodes: number;
  /** The search proved this selection optimal among the candidates. */
  complete: boolean;
  order: number[];
}

/** Bytes a pipeline must move per frame at least (its model's input and output), times its weight. */
export function dataIntensity(pr: PlanProblem, m: number): number {
  const p = pr.pipelines[m]!;
  const least = Math.min(...p.variants.map((v) => v.crossBytes[0]! + v.crossBytes[v.layers]!));
  return p.weight * least;
}

const EPS = 1e-7;

function sumOf(u: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]!;
  return s;
}

/** `maxNodes` stops the search like the deadline does, but the same way on every machine. */
export function selectJoint(pr: PlanProblem, cands: readonly (readonly JointOption[])[], deadline: number, maxNodes = Number.POSITIVE_INFINITY): SelectResult {
  const P = pr.pipelines.length;
  const R = pr.resources.length;
  const order = [...Array(P).keys()].sort((a, b) => dataIntensity(pr, b) - dataIntensity(pr, a) || a - b);
  const weighted = cands.map((c, m) => c.map((r) => {
    const w = pr.pipelines[m]!.weight;
    const u = new Float64Array(R);
    for (let i = 0; i < R; i++) u[i] = w * r.loads[i]!;
    return u;
  }));
  // Least weighted load each pipeline puts on each resource, summed over the pipelines after level i.
  const suffixMin: Float64Array[] = Array.from({ length: P + 1 }, () => new Float64Array(R));
  for (let i = P - 1; i >= 0; i--) {
    const m = order[i]!;
    for (let r = 0; r < R; r++) {
      let least = Number.POSITIVE_INFINITY;
      for (const u of weighted[m]!) least = Math.min(least, u[r]!);
      suffixMin[i]![r] = suffixMin[i + 1]![r]! + (Number.isFinite(least) ? least : 0);
    }
  }
  const totals = weighted.map((ws) => ws.map(sumOf));
  const suffixTotal = new Float64Array(P + 1);
  for (let i = P - 1; i >= 0; i--) suffixTotal[i] = suffixTotal[i + 1]! + Math.min(...(totals[order[i]!]!.length ? totals[order[i]!]! : [0]));
  const cur = new Float64Array(R);
  let curTotal = 0;
  const onDevice: Map<string, PlacedSegment>[] = pr.devices.map(() => new Map());
  const chosen: (JointOption | null)[] = Array(P).fill(null);
  let best: (JointOption | null)[] = Array(P).fill(null);
  let bestT = Number.POSITIVE_INFINITY;
  let nodes = 0;
  let timedOut = false;

  // Per device: the layers, weight bytes and bias bytes placed so far, a cheap necessary check
  // before the fit rules run on a union.
  const used = pr.devices.map(() => [0, 0, 0]);
  const caps = pr.devices.map((d) => (d.chip ? [d.chip.maxLayers, d.chip.weightMem, d.chip.biasMem] : [0, 0, 0]));
  const fitsLinear = (o: JointOption): boolean => {
    for (const [d, l, w, b] of optionUsage(pr, o)) {
      const u = used[d]!;
      const c = caps[d]!;
      if (u[0]! + l > c[0]! || u[1]! + w > c[1]! || u[2]! + b > c[2]!) return false;
    }
    return true;
  };
  const fits = (o: JointOption): boolean => {
    const extra = new Map<number, number[]>();
    for (const seg of segmentsOf(o)) {
      if (onDevice[seg.device]!.has(seg.key)) continue;
      const u = usageOf(pr, seg);
      const e = extra.get(seg.device) ?? [0, 0, 0];
      for (let k = 0; k < 3; k++) e[k] = e[k]! + u[k]!;
      extra.set(seg.device, e);
    }
    for (const [d, e] of extra) for (let k = 0; k < 3; k++) if (used[d]![k]! + e[k]! > caps[d]![k]!) return false;
    const touched = new Map<number, PlacedSegment[]>();
    for (const seg of segmentsOf(o)) {
      const list = touched.get(seg.device) ?? [...onDevice[seg.device]!.values()];
      if (!onDevice[seg.device]!.has(seg.key)) list.push(seg);
      touched.set(seg.device, list);
    }
    for (const [d, list] of touched) if (!fitSet(pr, d, list).ok) return false;
    return true;
  };
  const place = (o: JointOption, add: boolean, w: Float64Array): string[] => {
    for (let r = 0; r < R; r++) cur[r] = cur[r]! + (add ? w[r]! : -w[r]!);
    curTotal += add ? sumOf(w) : -sumOf(w);
    const added: string[] = [];
    if (add) {
      for (const seg of segmentsOf(o)) {
        if (!onDevice[seg.device]!.has(seg.key)) {
          onDevice[seg.device]!.set(seg.key, seg);
          added.push(`${seg.device}|${seg.key}`);
          const u = usageOf(pr, seg);
          for (let k = 0; k < 3; k++) used[seg.device]![k] = used[seg.device]![k]! + u[k]!;
        }
      }
    }
    return added;
  };

  const dfs = (level: number): void => {
    nodes++;
    if (nodes > maxNodes || ((nodes & 63) === 0 && planNow() > deadline)) timedOut = true;
    if (timedOut) return;
    if (level === P) {
      const T = Math.max(0, ...cur) + EPS * curTotal;
      if (T < bestT) {
        bestT = T;
        best = [...chosen];
      }
      return;
    }
    let lb = 0;
    for (let r = 0; r < R; r++) lb = Math.max(lb, cur[r]! + suffixMin[level]![r]!);
    const lbTotal = EPS * (curTotal + suffixTotal[level]!);
    lb += lbTotal;
    if (lb >= bestT * (1 - 1e-12)) return;
    for (let i = level + 1; i < P; i++) {
      const m = order[i]!;
      let least = Number.POSITIVE_INFINITY;
      for (const u of weighted[m]!) {
        let t = 0;
        for (let r = 0; r < R; r++) t = Math.max(t, cur[r]! + u[r]!);
        least = Math.min(least, t);
      }
      lb = Math.max(lb, least + lbTotal);
      if (lb >= bestT * (1 - 1e-12)) return;
    }
    const m = order[level]!;
    const restTotal = EPS * (curTotal + suffixTotal[level + 1]!);
    const options = cands[m]!.map((route, i) => {
      let t = 0;
      const u = weighted[m]![i]!;
      for (let r = 0; r < R; r++) t = Math.max(t, cur[r]! + u[r]!);
      return { route, u, t: t + restTotal + EPS * totals[m]![i]! };
    }).sort((a, b) => a.t - b.t);
    for (const o of options) {
      if (o.t >= bestT * (1 - 1e-12)) break;
      if (planNow() > deadline) {
        timedOut = true;
        return;
      }
      if (!fits(o.route)) continue;
      const added = place(o.route, true, o.u);
      chosen[m] = o.route;
      // Forward check: every pipeline still to place must keep at least one option that fits.
      // (The cheap linear check only: layers, weight and bias bytes per chip.)
      let alive = true;
      for (let i = level + 1; i < P && alive; i++) alive = cands[order[i]!]!.some((x) => fitsLinear(x));
      if (alive) dfs(level + 1);
      chosen[m] = null;
      place(o.route, false, o.u);
      for (const a of added) {
        const bar = a.indexOf('|');
        const d = Number(a.slice(0, bar));
        const seg = onDevice[d]!.get(a.slice(bar + 1))!;
        const u = usageOf(pr, seg);
        for (let k = 0; k < 3; k++) used[d]![k] = used[d]![k]! - u[k]!;
        onDevice[d]!.delete(a.slice(bar + 1));
      }
      if (timedOut) return;
    }
  };
  dfs(0);
  if (Number.isFinite(bestT)) return { routes: best, T: bestT, nodes, complete: !timedOut, order };
  return { ...placeWhatFits(pr, cands, order, weighted), nodes, complete: false, order };
}

/** When no joint plan holds every pipeline: place greedily in order, skipping what does not fit. */
function placeWhatFits(pr: PlanProblem, cands: readonly (readonly JointOption[])[], order: number[], weighted: Float64Array[][]): { routes: (JointOption | null)[]; T: number } {
  const R = pr.resources.length;
  const cur = new Float64Array(R);
  const onDevice: Map<string, PlacedSegment>[] = pr.devices.map(() => new Map());
  const routes: (JointOption | null)[] = Array(pr.pipelines.length).fill(null);
  for (const m of order) {
    const options = cands[m]!.map((route, i) => {
      const u = weighted[m]![i]!;
      let t = 0;
      for (let r = 0; r < R; r++) t = Math.max(t, cur[r]! + u[r]!);
      return { route, u, t };
    }).sort((a, b) => a.t - b.t);
    for (const o of options) {
      const segs = new Map<number, PlacedSegment[]>();
      for (const seg of segmentsOf(o.route)) segs.set(seg.device, [...(segs.get(seg.device) ?? [...onDevice[seg.device]!.values()]), seg]);
      if (![...segs].every(([d, list]) => fitSet(pr, d, list).ok)) continue;
      for (const [d, list] of segs) for (const seg of list) onDevice[d]!.set(seg.key, seg);
      for (let r = 0; r < R; r++) cur[r] = cur[r]! + o.u[r]!;
      routes[m] = o.route;
      break;
    }
  }
  return { routes, T: Math.max(0, ...cur) };
}
