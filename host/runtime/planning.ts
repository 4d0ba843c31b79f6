// The runtime's door to the planner: a policy by name (host/plan/policies.ts), applied to the
// desk as it is now (the devices present) and the app, gives the plan object to run
// (host/plan/planner.ts), restated for the runtime (run-plan.ts).

import type { AppSpec } from '../space/app-spec.js';
import type { DeskSpec } from '../space/device.js';
import { DEFAULT_CALIBRATION, EMULATED_CALIBRATION, generateCandidates, evaluate, pipelineLoads, jointViolations, overlappingSegments, routesOf, buildPlanObject, plan, ONE_SHOT_BUDGET_SCALE, makeRoute, isPolicy, POLICIES, HOST_TARGET, type Calibration, type Assignment, type Route, type PolicyName, type Objective, type PlanProblem, type PlanObject } from '../plan/planner.js';
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

/**
 * The cost model's constants for a desk the runtime runs: an emulated desk (every link a paced
 * pseudo-terminal) gets what the emulated board and the runtime do (EMULATED_CALIBRATION);
 * real boards the planner's CPU estimates with the runtime's message bytes, until measured.
 */
export function calibrationFor(desk: DeskSpec): Calibration {
  if (desk.devices.every((d) => d.link.kind === 'emulated')) return EMULATED_CALIBRATION;
  const { senseFixedUs, cnnStartUs, msgCpuUs, msgCpuUsPerByte, deliverUs } = DEFAULT_CALIBRATION;
  return { ...EMULATED_CALIBRATION, senseFixedUs, cnnStartUs, msgCpuUs, msgCpuUsPerByte, deliverUs };
}

export interface PlanRequest {
  desk: DeskSpec;
  app: AppSpec;
  policy: string;
  objective?: Objective;
  /** synergy's search budget, ms (re-plans during a run use a short one; default: the
   *  planner's default for a fresh process, ONE_SHOT_BUDGET_SCALE times a warm host's) */
  budgetMs?: number;
  /** optimal's time limit, s */
  optimalTimeLimitSec?: number;
}

export interface Planned {
  plan: RunPlan;
  object: PlanObject;
  problem: PlanProblem;
  assignment: Assignment;
  ms: number;
  /** how the plan came about (a repair of the running plan says so) */
  note: string | null;
}

/** Plans the app on the desk with a policy. */
export async function planRun(req: PlanRequest): Promise<Planned> {
  const t0 = performance.now();
  const out = await plan(req.desk, req.app, {
    policy: policyName(req.policy),
    calibration: calibrationFor(req.desk),
    ...(req.objective ? { objective: req.objective } : {}),
    ...(req.budgetMs !== undefined ? { budgetMs: req.budgetMs } : { budgetScale: ONE_SHOT_BUDGET_SCALE }),
    ...(req.optimalTimeLimitSec !== undefined ? { optimalTimeLimitSec: req.optimalTimeLimitSec } : {}),
  });
  return { plan: runPlanOf(out.plan, out.problem, out.assignment), object: out.plan, problem: out.problem, assignment: out.assignment, ms: performance.now() - t0, note: null };
}

/** The weighted per-frame load of an assignment's busiest resource (lower is better). */
export function busiestLoad(pr: PlanProblem, a: Assignment): number {
  const loads = pipelineLoads(pr, a);
  let worst = 0;
  for (let r = 0; r < pr.resources.length; r++) {
    let sum = 0;
    loads.forEach((u, m) => (sum += u[r]! * pr.pipelines[m]!.weight));
    worst = Math.max(worst, sum);
  }
  return worst;
}

/**
 * The running plan's routes on a new problem (the same app on the boards present): every
 * pipeline whose routes use only boards still present keeps them (in the problem's indices);
 * the others are `open` (to place again), as are pipelines the running plan did not place.
 */
export function keptAssignment(running: RunPlan, pr: PlanProblem): { assignment: Assignment; open: number[] } {
  const deviceIndex = new Map(pr.devices.map((d) => [d.spec.name, d.index]));
  const assignment: Assignment = pr.pipelines.map(() => []);
  const open: number[] = [];
  for (const [m, pp] of pr.pipelines.entries()) {
    const before = running.pipelines.find((x) => x.name === pp.spec.name);
    const v = before ? pp.variants.findIndex((x) => x.key === before.variantKey) : -1;
    const present = before?.routes.every((r) => [r.source, ...r.steps.map((s) => s.device), ...(r.target ? [r.target] : [])].every((d) => deviceIndex.has(d)));
    if (!before || v < 0 || !present) {
      open.push(m);
      continue;
    }
    try {
      assignment[m] = before.routes.map((r) => ({
        share: r.share,
        route: makeRoute(pr, m, v, deviceIndex.get(r.source)!, r.steps.map((s) => ({ from: s.from, to: s.to, device: deviceIndex.get(s.device)! })),
          r.target === null ? HOST_TARGET : deviceIndex.get(r.target)!),
      }));
    } catch {
      open.push(m); // its running route cannot be costed on the new desk: place it again
    }
  }
  return { assignment, open };
}

/**
 * A repair of the running plan after the desk changed: every pipeline whose routes only use
 * boards still present keeps them; each other pipeline takes, of the planner's candidate routes
 * for it on the new desk (candidates.ts), the one that fits beside what is kept and placed
 * (fit on the union per chip, one copy of a layer range per device) and leaves the busiest
 * resource least busy. Null when nothing is kept or it places fewer pipelines than the fresh
 * plan. Moving fewer segments recovers sooner; the runtime takes the repair when its estimate
 * is close to the fresh plan's (runner.ts REPAIR_KEEPS).
 */
export function repairPlan(running: RunPlan, fresh: Planned): Planned | null {
  const t0 = performance.now();
  const pr = fresh.problem;
  const { assignment, open } = keptAssignment(running, pr);
  const kept = assignment.filter((x) => x.length > 0).length;
  if (kept === 0) return null;
  const feasible = (a: Assignment): boolean => {
    const routes = routesOf(a);
    return jointViolations(pr, routes).length === 0 && overlappingSegments(pr, routes) === null;
  };
  if (!feasible(assignment)) return null;
  const busiest = (a: Assignment): number => busiestLoad(pr, a);
  for (const m of open) {
    let best: { route: Route; t: number } | null = null;
    for (const route of generateCandidates(pr, m).routes) {
      const trial = assignment.map((x, k) => (k === m ? [{ route, share: 1 }] : x));
      if (!feasible(trial)) continue;
      const t = busiest(trial);
      if (!best || t < best.t) best = { route, t };
    }
    if (best) assignment[m] = [{ route: best.route, share: 1 }];
  }
  const placed = assignment.filter((x) => x.length > 0).length;
  if (placed < fresh.assignment.filter((x) => x.length > 0).length) return null;
  const ev = evaluate(pr, assignment);
  const unplaced = pr.pipelines.flatMap((_, m) => (assignment[m]!.length === 0 ? [{ pipeline: m, reason: 'no candidate route fits beside the pipelines kept running' }] : []));
  const object = buildPlanObject(pr, fresh.object.policy, assignment, ev, {
    unplaced, throughput: ev.objective, proved: null, planningMs: fresh.ms + performance.now() - t0,
    notes: [`repair of the running plan: ${kept} pipelines keep their routes, ${open.length} placed again`],
  });
  return {
    plan: runPlanOf(object, pr, assignment), object, problem: pr, assignment, ms: fresh.ms + performance.now() - t0,
    note: `${kept} pipelines keep their routes, ${open.length} placed again`,
  };
}
