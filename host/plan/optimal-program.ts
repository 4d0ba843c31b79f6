// The exact optimum's program and plans: its edge and indicator records, the program's values
// for a known plan (the MIP start) and the path decomposition of a solution back into routes
// with shares. Split from optimal.ts, which builds and solves the program.

import { evaluate, type Assignment } from './evaluate.js';
import type { PlanProblem } from './problem.js';
import { makeRoute, type Step } from './route.js';

/** A linear load term: resource -> seconds per unit of flow. */
export type Costs = Map<number, number>;

export interface Edge {
  col: number;
  kind: 'sense' | 'local' | 'up' | 'down' | 'compute' | 'deliver';
  pipeline: number;
  variant: number;
  /** Node ids this edge leaves and enters (strings, unique per pipeline and variant). */
  tail: string;
  head: string;
  costs: Costs;
  /** compute: the layer range and device; transfer: cut and the two devices. */
  from: number;
  to: number;
  device: number;
  other: number;
  /** compute: the segment binary, once a fit cut needs it (sum: the start choice). */
  y: number;
}

export interface Indicator {
  cols: number[];
  bin: number;
  cap: number;
  exclude: boolean;
  /** a layer's placement on a device: under max-min it carries MIN_ROUTE_SHARE at least */
  placement?: boolean;
}

/** The program's variables for a given plan: the flow of every edge its routes use. */
export function startVector(pr: PlanProblem, n: number, edges: Edge[], a: Assignment, T: number, zts: Map<number, number>[], indicators: Indicator[], rateVars: number[]): Float64Array | null {
  const x = new Float64Array(n);
  const sum = T < 0;
  // Sum: flows are frame rates (the plan's, a hair under, so every capacity row holds).
  const rates = sum ? evaluate(pr, a).rates.map((r) => r * (1 - 1e-9)) : null;
  const index = new Map<string, Edge>();
  const key = (k: string, m: number, v: number, from: number, to: number, device: number, other: number): string => `${k}|${m}|${v}|${from}|${to}|${device}|${other}`;
  for (const e of edges) index.set(key(e.kind, e.pipeline, e.variant, e.from, e.to, e.device, e.other), e);
  const add = (k: string, m: number, v: number, from: number, to: number, device: number, other: number, amount: number): boolean => {
    const e = index.get(key(k, m, v, from, to, device, other));
    if (!e) return false;
    x[e.col] = x[e.col]! + amount;
    if (e.y >= 0) x[e.y] = 1;
    return true;
  };
  for (let m = 0; m < a.length; m++) {
    const routes = a[m]!;
    if (routes.length === 0) {
      if (sum) continue;
      return null;
    }
    if (rates) x[rateVars[m]!] = rates[m]!;
    for (const { route: r, share: part } of routes) {
      const share = rates ? part * rates[m]! : part;
      const prof = pr.pipelines[m]!.variants[r.variant]!;
      if (!add('sense', m, r.variant, 0, 0, r.source, r.source, share)) return null;
      let at = r.source;
      let cut = 0;
      for (const st of r.steps) {
        if (cut === 0 && st.device === at) {
          if (!add('local', m, r.variant, 0, 0, at, at, share)) return null;
        } else if (!add('up', m, r.variant, cut, cut, at, -1, share) || !add('down', m, r.variant, cut, cut, st.device, -1, share)) {
          return null;
        }
        if (!add('compute', m, r.variant, st.from, st.to, st.device, st.device, share)) return null;
        at = st.device;
        cut = st.to;
      }
      if (!add('deliver', m, r.variant, prof.layers, prof.layers, at, r.target, share)) return null;
      const z = zts[m]!.get(r.target);
      if (z === undefined) return null;
      x[z] = 1;
    }
  }
  const total = new Float64Array(pr.resources.length);
  a.forEach((routes, m) => routes.forEach(({ route, share }) => route.loads.forEach((l, r) => (total[r] = total[r]! + pr.pipelines[m]!.weight * share * l))));
  if (!sum) x[T] = Math.max(...total) * (1 + 1e-9);
  for (const g of indicators) if (!g.exclude && g.cols.some((c) => x[c]! > 0)) x[g.bin] = 1;
  return x;
}

export function rateCapOf(e: Edge): number {
  let m = 0;
  for (const s of e.costs.values()) m = Math.max(m, s);
  return m > 0 ? 1 / m : 1e9;
}


/** Splits each pipeline's flow into routes with shares (path decomposition of a DAG flow). */
export function decompose(pr: PlanProblem, edges: Edge[], x: Float64Array, rateVars: number[] | null): Assignment {
  const EPS = 1e-7;
  return pr.pipelines.map((p, m) => {
    const mine = edges.filter((e) => e.pipeline === m);
    const flow = new Map(mine.map((e) => [e, x[e.col]!]));
    const total = rateVars ? x[rateVars[m]!]! : 1;
    if (total <= EPS) return [];
    const out: { route: ReturnType<typeof makeRoute>; share: number }[] = [];
    const byTail = new Map<string, Edge[]>();
    for (const e of mine) {
      const key = `${e.variant}|${e.tail}`;
      let l = byTail.get(key);
      if (!l) byTail.set(key, (l = []));
      l.push(e);
    }
    for (let guard = 0; guard < 1000; guard++) {
      const start = mine.filter((e) => e.kind === 'sense' && flow.get(e)! > EPS).sort((a, b) => flow.get(b)! - flow.get(a)!)[0];
      if (!start) break;
      const path: Edge[] = [start];
      let at = start;
      while (at.kind !== 'deliver') {
        const next = (byTail.get(`${at.variant}|${at.head}`) ?? []).filter((e) => flow.get(e)! > EPS).sort((a, b) => flow.get(b)! - flow.get(a)!)[0];
        if (!next) break;
        path.push(next);
        at = next;
      }
      const amount = Math.min(...path.map((e) => flow.get(e)!));
      for (const e of path) flow.set(e, flow.get(e)! - amount);
      if (at.kind !== 'deliver') continue;
      const steps: Step[] = path.filter((e) => e.kind === 'compute').map((e) => ({ from: e.from, to: e.to, device: e.device }));
      const route = makeRoute(pr, m, start.variant, start.device, steps, at.other);
      const same = out.find((o) => o.route.key === route.key);
      if (same) same.share += amount / total;
      else out.push({ route, share: amount / total });
    }
    const s = out.reduce((a, o) => a + o.share, 0);
    for (const o of out) o.share /= s;
    void p;
    return out;
  });
}
