// Every planning policy by name: Synergy, the seven baselines of SYNERGY.md and the exact
// optimum. Each turns a planning problem into a joint plan (routes and shares per pipeline).

import { planBestSingle } from './baselines/best-single.js';
import { planGreedyMemory } from './baselines/greedy-memory.js';
import { planIndependentOptimal } from './baselines/independent-optimal.js';
import { planNeurosurgeon } from './baselines/neurosurgeon.js';
import { planOffloadLargest } from './baselines/offload-largest.js';
import type { Unplaced } from './baselines/placement.js';
import { planRandomFeasible } from './baselines/random-feasible.js';
import { planStandalone } from './baselines/standalone.js';
import { generateCandidates, type CandidateSet } from './candidates.js';
import type { Assignment } from './evaluate.js';
import { solveOptimal, type OptimalProgress } from './optimal.js';
import type { SolverSummary } from './plan-object.js';
import type { PlanProblem } from './problem.js';
import { planSynergy } from './synergy.js';

export const POLICIES = ['synergy', 'standalone', 'best-single', 'offload-largest', 'neurosurgeon', 'greedy-memory',
  'independent-optimal', 'random-feasible', 'optimal'] as const;
export type PolicyName = (typeof POLICIES)[number];

export function isPolicy(name: string): name is PolicyName {
  return (POLICIES as readonly string[]).includes(name);
}

export interface PolicyOptions {
  /** Synergy's time budget in ms (default: scaled with the problem size). */
  budgetMs?: number;
  /** Multiplies Synergy's default budget (ONE_SHOT_BUDGET_SCALE for a fresh process). */
  budgetScale?: number;
  /** random-feasible's seed. */
  seed?: number;
  /** optimal's time limit in seconds (default OPTIMAL_TIME_LIMIT_SEC). */
  optimalTimeLimitSec?: number;
  /** optimal: called about once a second with the incumbent, the proven bound and the gap. */
  optimalProgress?: (p: OptimalProgress) => void;
}

/** The exact optimum's default time limit: long enough to prove most desks of up to six
 *  devices, short enough that a user waits for an answer, not for the solver. */
export const OPTIMAL_TIME_LIMIT_SEC = 60;


export interface PolicyOutcome {
  assignment: Assignment;
  unplaced: Unplaced[];
  /** When the policy's throughput is not its plan's (random-feasible reports a mean). */
  objectiveOverride: number | null;
  /** optimal: whether optimality was proved (false on a time limit). */
  proved: boolean | null;
  /** Synergy's candidates (for --explain), when the policy made them. */
  candidates: CandidateSet[] | null;
  notes: string[];
  /** optimal only: the solver's status, proven bound and gap. */
  solver?: SolverSummary;
}

export function runPolicy(pr: PlanProblem, name: PolicyName, opts: PolicyOptions = {}): PolicyOutcome {
  const base = { objectiveOverride: null, proved: null, candidates: null, notes: [] as string[] };
  switch (name) {
    case 'synergy': {
      const s = planSynergy(pr, opts.budgetMs !== undefined ? { budgetMs: opts.budgetMs } : { budgetScale: opts.budgetScale ?? 1 });
      return {
        ...base, assignment: s.assignment, unplaced: s.unplaced, candidates: s.candidates,
        notes: [`branch and bound: ${s.nodes} nodes${s.complete ? ', complete' : ', stopped at the time budget'}`, ...s.moves],
      };
    }
    case 'standalone':
      return { ...base, ...planStandalone(pr) };
    case 'best-single':
      return { ...base, ...planBestSingle(pr) };
    case 'offload-largest':
      return { ...base, ...planOffloadLargest(pr) };
    case 'neurosurgeon':
      return { ...base, ...planNeurosurgeon(pr) };
    case 'greedy-memory':
      return { ...base, ...planGreedyMemory(pr) };
    case 'independent-optimal': {
      const cands = pr.pipelines.map((_, m) => generateCandidates(pr, m));
      return { ...base, ...planIndependentOptimal(pr, cands), candidates: cands };
    }
    case 'random-feasible': {
      const pools = pr.pipelines.map((_, m) => generateCandidates(pr, m, { keepAll: true }).routes);
      const r = planRandomFeasible(pr, pools, opts.seed ?? 1);
      return { ...base, assignment: r.assignment, unplaced: r.unplaced, objectiveOverride: r.meanObjective,
        notes: [`mean over ${r.draws} seeded draws`] };
    }
    case 'optimal': {
      // Synergy's plan is handed to the solver as its first incumbent: it speeds the proof, and a
      // time limit returns at least that plan.
      // The time limit covers that plan too.
      const began = performance.now();
      const start = planSynergy(pr).assignment;
      const limit = opts.optimalTimeLimitSec ?? OPTIMAL_TIME_LIMIT_SEC;
      const o = solveOptimal(pr, { timeLimitSec: limit, began, start, ...(opts.optimalProgress ? { progress: opts.optimalProgress } : {}) });
      const unplaced = o.status === 'infeasible'
        ? pr.pipelines.map((_, m) => ({ pipeline: m, reason: 'no joint plan runs every pipeline together' })) : [];
      const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
      return { ...base, assignment: o.assignment, unplaced, proved: o.status === 'optimal',
        solver: { status: o.status, bound: finite(o.bound), gap: finite(o.gap), time_limit_s: limit },
        notes: [`MILP: ${o.columns} columns, ${o.rows} rows, ${o.rounds} solve(s), ${o.cuts} fit cut(s), ${o.status}`
          + (o.status === 'time-limit' ? ` after ${limit} s: best plan kept, proven bound ${Number.isFinite(o.bound) ? o.bound.toPrecision(5) : 'none'}, gap ${Number.isFinite(o.gap) ? (o.gap * 100).toFixed(2) + '%' : 'unknown'}` : '')] };
    }
  }
}
