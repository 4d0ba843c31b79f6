// The runtime's door to the planner: a policy by name, applied to the desk as it is now (the
// devices present) and the app, gives the plan to run (run-plan.ts). The policies are the
// planner's (host/plan/): `synergy` and whatever the planner offers besides.

import type { AppSpec } from '../space/app-spec.js';
import type { DeskSpec } from '../space/device.js';
import type { Assignment } from '../plan/evaluate.js';
import { buildProblem, type Objective, type PlanProblem } from '../plan/problem.js';
import { planSynergy } from '../plan/synergy.js';
import { runPlanOf, type RunPlan } from './run-plan.js';

export interface PolicyOutcome {
  assignment: Assignment;
  /** why the policy left a pipeline out, by pipeline index */
  unplaced: Map<number, string>;
}

export type Policy = (pr: PlanProblem) => PolicyOutcome;

const POLICIES = new Map<string, Policy>([
  [
    'synergy',
    (pr) => {
      const r = planSynergy(pr);
      return { assignment: r.assignment, unplaced: new Map(r.unplaced.map((u) => [u.pipeline, u.reason])) };
    },
  ],
]);

export function policyNames(): string[] {
  return [...POLICIES.keys()];
}

export class UnknownPolicyError extends Error {
  override readonly name = 'UnknownPolicyError';
}

export function policy(name: string): Policy {
  const p = POLICIES.get(name);
  if (!p) throw new UnknownPolicyError(`no policy "${name}" (known: ${policyNames().join(', ')})`);
  return p;
}

/** A desk with only the devices present (by name), as the planner should see it now. */
export function deskOf(desk: DeskSpec, present: ReadonlySet<string>): DeskSpec {
  return { ...desk, devices: desk.devices.filter((d) => present.has(d.name)) };
}

export interface PlanRequest {
  desk: DeskSpec;
  app: AppSpec;
  policy: string;
  objective?: Objective;
}

/** Plans the app on the desk with a policy; also returns the problem (for the plan diagram). */
export function planRun(req: PlanRequest): { plan: RunPlan; problem: PlanProblem; ms: number } {
  const t0 = performance.now();
  const problem = buildProblem(req.desk, req.app, req.objective ? { objective: req.objective } : {});
  const out = policy(req.policy)(problem);
  const plan = runPlanOf(problem, out.assignment, req.policy, out.unplaced);
  return { plan, problem, ms: performance.now() - t0 };
}
