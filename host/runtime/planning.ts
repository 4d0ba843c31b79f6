// The runtime's door to the planner: a policy by name (host/plan/policies.ts), applied to the
// desk as it is now (the devices present) and the app, gives the plan object to run
// (host/plan/planner.ts), restated for the runtime (run-plan.ts).

import type { AppSpec } from '../space/app-spec.js';
import type { DeskSpec } from '../space/device.js';
import { plan } from '../plan/planner.js';
import { isPolicy, POLICIES, type PolicyName } from '../plan/policies.js';
import type { Objective, PlanProblem } from '../plan/problem.js';
import type { PlanObject } from '../plan/plan-object.js';
import { runPlanOf, type RunPlan } from './run-plan.js';

/** Every policy the planner offers. */
export function policyNames(): string[] {
  return [...POLICIES];
}

/** What `synergy compare` runs by default: every policy but the exact optimum (a solver run of minutes). */
export function comparedPolicies(): string[] {
  return POLICIES.filter((p) => p !== 'optimal');
}

export class UnknownPolicyError extends Error {
  override readonly name = 'UnknownPolicyError';
}

export function policyName(name: string): PolicyName {
  if (!isPolicy(name)) throw new UnknownPolicyError(`no policy "${name}" (known: ${policyNames().join(', ')})`);
  return name;
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
  /** synergy's search budget, ms (re-plans during a run use a short one) */
  budgetMs?: number;
  /** optimal's time limit, s */
  optimalTimeLimitSec?: number;
}

export interface Planned {
  plan: RunPlan;
  object: PlanObject;
  problem: PlanProblem;
  ms: number;
}

/** Plans the app on the desk with a policy. */
export async function planRun(req: PlanRequest): Promise<Planned> {
  const t0 = performance.now();
  const out = await plan(req.desk, req.app, {
    policy: policyName(req.policy),
    ...(req.objective ? { objective: req.objective } : {}),
    ...(req.budgetMs !== undefined ? { budgetMs: req.budgetMs } : {}),
    ...(req.optimalTimeLimitSec !== undefined ? { optimalTimeLimitSec: req.optimalTimeLimitSec } : {}),
  });
  return { plan: runPlanOf(out.plan, out.problem, out.assignment), object: out.plan, problem: out.problem, ms: performance.now() - t0 };
}
