// The Synergy planner: stage 1 per-pipeline execution plans (candidates.ts), stages 2 and 3 joint
// plan generation and selection by branch and bound (select.ts), then parallelization of the
// bottleneck (parallelize.ts). Model synthesis and deployment (stage 4 of the paper) belong to
// the runtime, which consumes the plan object (plan-object.ts).

import { generateCandidates, type CandidateOptions, type CandidateSet } from './candidates.js';
import type { Assignment } from './evaluate.js';
import { parallelize } from './parallelize.js';
import type { PlanProblem } from './problem.js';
import { selectJoint } from './select.js';

export interface SynergyOptions {
  /** Planning time budget in milliseconds (the search keeps its best plan when it runs out). */
  budgetMs?: number;
  candidates?: CandidateOptions;
  /** Skip parallelization (stage 4). */
  noParallel?: boolean;
}

export interface SynergyResult {
  assignment: Assignment;
  candidates: CandidateSet[];
  /** Branch-and-bound nodes visited, and whether it finished before the deadline. */
  nodes: number;
  complete: boolean;
  order: number[];
  moves: string[];
  /** Why a pipeline could not be placed (all runnable alone, not together). */
  unplaced: { pipeline: number; reason: string }[];
}

export function defaultBudgetMs(pr: PlanProblem): number {
  return Math.min(1500, 40 * Math.max(1, pr.devices.length * pr.pipelines.length));
}

export function planSynergy(pr: PlanProblem, opts: SynergyOptions = {}): SynergyResult {
  const t0 = performance.now();
  const budget = opts.budgetMs ?? defaultBudgetMs(pr);
  const candidates = pr.pipelines.map((_, m) => generateCandidates(pr, m, opts.candidates));
  const used = performance.now() - t0;
  const selectDeadline = t0 + used + (budget - used) * 0.6;
  const sel = selectJoint(pr, candidates, selectDeadline);
  let assignment: Assignment = sel.routes.map((r) => (r ? [{ route: r, share: 1 }] : []));
  let moves: string[] = [];
  if (!opts.noParallel && sel.routes.every((r) => r !== null)) {
    const par = parallelize(pr, assignment, candidates, t0 + budget);
    assignment = par.assignment;
    moves = par.moves;
  }
  const unplaced = sel.routes.flatMap((r, m) => (r ? [] : [{
    pipeline: m,
    reason: candidates[m]!.routes.length === 0 ? 'no candidate route fits the devices'
      : 'its model does not fit on the accelerators alongside the other pipelines',
  }]));
  return { assignment, candidates, nodes: sel.nodes, complete: sel.complete, order: sel.order, moves, unplaced };
}
