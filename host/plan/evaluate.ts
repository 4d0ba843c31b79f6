// Throughput of a joint plan under SYNERGY.md's definition: resource r can be busy at most all
// the time, so rates x are feasible when sum_m x[m] * U[m][r] <= 1 for every r, where U[m][r]
// is pipeline m's per-frame load (its routes' loads weighted by their shares of frames).
// max-min: every pipeline runs at lambda * weight, lambda = 1 / max_r sum_m weight[m] U[m][r].
// sum: the rates maximising sum_m weight[m] x[m] (a small LP).

import { Program, solveProgram } from './lp.js';
import type { Objective, PlanProblem } from './problem.js';
import type { Route } from './route.js';

export interface RouteShare {
  route: Route;
  /** Fraction of the pipeline's frames that take this route (shares sum to 1). */
  share: number;
}

/** One entry per plannable pipeline; an empty list means the pipeline is not placed. */
export type Assignment = RouteShare[][];

export interface Evaluation {
  /** max-min: lambda (frames/s per unit of weight), 0 if a pipeline is not placed; sum: sum of weight x rate. */
  objective: number;
  /** Frames per second of each pipeline (0 when not placed). */
  rates: number[];
  /** Fraction of time each resource is busy at these rates. */
  utilisation: Float64Array;
  /** The most utilised resource (-1 if nothing runs). */
  bottleneck: number;
}

/** Per-frame load vector of each pipeline (share-weighted over its routes). */
export function pipelineLoads(pr: PlanProblem, a: Assignment): Float64Array[] {
  return a.map((routes) => {
    const u = new Float64Array(pr.resources.length);
    for (const { route, share } of routes) for (let r = 0; r < u.length; r++) u[r] = u[r]! + share * route.loads[r]!;
    return u;
  });
}

export function evaluate(pr: PlanProblem, a: Assignment, objective: Objective = pr.objective): Evaluation {
  const U = pipelineLoads(pr, a);
  const placed = a.map((routes) => routes.length > 0);
  let rates: number[];
  if (objective === 'maxmin') {
    const total = new Float64Array(pr.resources.length);
    U.forEach((u, m) => {
      if (!placed[m]) return;
      const w = pr.pipelines[m]!.weight;
      for (let r = 0; r < u.length; r++) total[r] = total[r]! + w * u[r]!;
    });
    const T = Math.max(0, ...total);
    const lambda = T > 0 ? 1 / T : 0;
    rates = pr.pipelines.map((p, m) => (placed[m] ? lambda * p.weight : 0));
  } else {
    rates = sumRates(pr, U, placed);
  }
  const utilisation = new Float64Array(pr.resources.length);
  U.forEach((u, m) => {
    for (let r = 0; r < u.length; r++) utilisation[r] = utilisation[r]! + rates[m]! * u[r]!;
  });
  let bottleneck = -1;
  for (let r = 0; r < utilisation.length; r++) if (utilisation[r]! > 1e-12 && (bottleneck < 0 || utilisation[r]! > utilisation[bottleneck]!)) bottleneck = r;
  let value: number;
  if (objective === 'maxmin') {
    const allPlaced = placed.every((x) => x) && pr.pipelines.length > 0;
    value = allPlaced ? rates[0]! / pr.pipelines[0]!.weight : 0;
  } else {
    value = rates.reduce((s, x, m) => s + pr.pipelines[m]!.weight * x, 0);
  }
  return { objective: value, rates, utilisation, bottleneck };
}

/** The sum objective's rates for fixed per-frame loads: max sum w x s.t. U^T x <= 1. */
function sumRates(pr: PlanProblem, U: Float64Array[], placed: boolean[]): number[] {
  const lp = new Program(true);
  const x = pr.pipelines.map((p, m) => (placed[m] ? lp.addVar(0, Number.POSITIVE_INFINITY, p.weight) : -1));
  for (let r = 0; r < pr.resources.length; r++) {
    const cols: number[] = [];
    const coefs: number[] = [];
    U.forEach((u, m) => {
      if (x[m]! >= 0 && u[r]! > 0) {
        cols.push(x[m]!);
        coefs.push(u[r]!);
      }
    });
    if (cols.length > 0) lp.addRow(Number.NEGATIVE_INFINITY, 1, cols, coefs);
  }
  if (lp.numCols === 0) return pr.pipelines.map(() => 0);
  const res = solveProgram(lp);
  if (res.status !== 'optimal') throw new Error(`sum-objective rates: the LP ended ${res.status}`);
  return x.map((c) => (c >= 0 ? Math.max(0, res.x[c]!) : 0));
}
