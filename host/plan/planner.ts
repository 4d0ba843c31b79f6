// The planner's entry point: a desk and an app in, a plan object out, under any policy.

import type { AppSpec } from '../space/app-spec.js';
import type { DeskSpec } from '../space/device.js';
import type { Calibration } from './calibration.js';
import { evaluate } from './evaluate.js';
import { explain, type PipelineExplanation } from './explain.js';
import { loadSolver } from './lp.js';
import { buildPlanObject, type PlanObject } from './plan-object.js';
import { runPolicy, type PolicyName, type PolicyOptions } from './policies.js';
import { buildProblem, type Objective, type PlanProblem } from './problem.js';
import type { Assignment } from './evaluate.js';

export interface PlanOptions extends PolicyOptions {
  policy?: PolicyName;
  objective?: Objective;
  calibration?: Calibration;
  explain?: boolean;
}

export interface PlanResult {
  plan: PlanObject;
  problem: PlanProblem;
  assignment: Assignment;
  explanation: PipelineExplanation[] | null;
}

export async function plan(desk: DeskSpec, app: AppSpec, opts: PlanOptions = {}): Promise<PlanResult> {
  await loadSolver();
  const policy = opts.policy ?? 'synergy';
  const t0 = performance.now();
  const problem = buildProblem(desk, app, {
    ...(opts.objective ? { objective: opts.objective } : {}),
    ...(opts.calibration ? { calibration: opts.calibration } : {}),
  });
  const out = problem.pipelines.length > 0 ? runPolicy(problem, policy, opts)
    : { assignment: [], unplaced: [], objectiveOverride: null, proved: null, candidates: null, notes: [] };
  const planningMs = performance.now() - t0;
  const ev = evaluate(problem, out.assignment);
  const plan = buildPlanObject(problem, policy, out.assignment, ev, {
    unplaced: out.unplaced, throughput: out.objectiveOverride ?? ev.objective, proved: out.proved, planningMs, notes: out.notes, solver: out.solver ?? null,
  });
  return { plan, problem, assignment: out.assignment, explanation: opts.explain ? explain(problem, out.assignment, out.candidates) : null };
}

// ---- the runtime's view of the planner -------------------------------------------------------
// The runtime (host/runtime) reaches the planner only through this module: these are the parts
// it re-plans with mid-run (quick re-plans, repairs of a running plan).
export { DEFAULT_CALIBRATION, EMULATED_CALIBRATION, HOST_LOOP_USABLE, type Calibration } from './calibration.js';
export { generateCandidates } from './candidates.js';
export { evaluate, pipelineLoads, type Assignment, type RouteShare } from './evaluate.js';
export { fitSet, jointViolations, overlappingSegments, routesOf, segmentKey, type PlacedSegment } from './joint-fit.js';
export { loadSolver } from './lp.js';
export { buildPlanObject, type PlanObject } from './plan-object.js';
export { isPolicy, POLICIES, type PolicyName } from './policies.js';
export { buildProblem, HOST_TARGET, type Objective, type PlanProblem } from './problem.js';
export { makeRoute, type Route } from './route.js';
export { ONE_SHOT_BUDGET_SCALE } from './synergy.js';
