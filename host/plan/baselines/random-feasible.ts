// Baseline `random-feasible`: a uniformly random feasible joint plan. Each pipeline draws one
// route uniformly from every route the planner's generator enumerates (all sources, splits,
// placements and targets, before any pruning); a joint plan that does not fit is redrawn
// (up to 200 times). Seeded; the throughput reported is the mean over `seeds` draws, and the
// plan shown is the first draw.

import type { Assignment } from '../evaluate.js';
import { evaluate } from '../evaluate.js';
import { jointViolations, overlappingSegments } from '../joint-fit.js';
import type { PlanProblem } from '../problem.js';
import { rng } from '../random-instance.js';
import type { Route } from '../route.js';
import type { Unplaced } from './placement.js';

export interface RandomFeasibleResult {
  assignment: Assignment;
  unplaced: Unplaced[];
  /** Mean objective over the draws that found a feasible plan (0 for those that did not). */
  meanObjective: number;
  draws: number;
}

export function planRandomFeasible(pr: PlanProblem, pools: readonly Route[][], seed = 1, seeds = 10): RandomFeasibleResult {
  let first: Assignment | null = null;
  let total = 0;
  for (let k = 0; k < seeds; k++) {
    const rand = rng(seed * 7919 + k);
    let found: Assignment | null = null;
    for (let attempt = 0; attempt < 200 && !found; attempt++) {
      const routes = pools.map((pool) => pool[Math.floor(rand() * pool.length)]!);
      if (routes.some((r) => r === undefined)) break;
      if (overlappingSegments(pr, routes) === null && jointViolations(pr, routes).length === 0) found = routes.map((r) => [{ route: r, share: 1 }]);
    }
    if (found) total += evaluate(pr, found).objective;
    if (k === 0) first = found;
  }
  const unplaced: Unplaced[] = first ? [] : pr.pipelines.map((_, m) => ({ pipeline: m, reason: 'no feasible joint plan found in 200 random draws' }));
  return { assignment: first ?? pr.pipelines.map(() => []), unplaced, meanObjective: total / seeds, draws: seeds };
}
