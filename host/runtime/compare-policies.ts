// Running an app under several policies on one desk (`synergy compare`, `bench:compare`).
//
// Two policies often choose the very same plan (one model on one earbud: every policy puts it
// there). Running that plan twice only measures the desk's noise, and on a plan whose rate is
// fixed by the chip the noise decided which of two equal policies "won". So a policy whose plan
// is identical to one already run (same segments on the same devices, the same routes and
// shares, the same pipelines left out) is not run again: it shares that run's measurement, and
// the result says so (samePlanAs). Each policy is planned first to know; `optimal` (a solver run
// of up to minutes) is always run. The desk is warmed up first (warm-up.ts).

import type { PlanObject } from '../plan/planner.js';
import { planRun } from './planning.js';
import { deskSpecOf, type RunConfig } from './runner.js';
import { COMPARE_WARMUP_S, warmUp } from './warm-up.js';

/** What identifies a plan's execution: its segments and devices, routes and shares, pipelines left out. */
export function planSignature(plan: PlanObject): string {
  return JSON.stringify({
    objective: plan.objective,
    segments: plan.segments.map((s) => `${s.id}:${s.variant}`).sort(),
    pipelines: plan.pipelines
      .map((p) => ({ name: p.name, weight: p.weight, routes: p.routes.map((r) => ({ share: Number(r.share.toPrecision(4)), segments: r.segments })) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    errors: plan.errors.map((e) => JSON.stringify(e)).sort(),
  });
}

/** What the comparison reads of a run's document (the report's RunDocument): the plans it ran. */
export interface ComparedDoc {
  policy: string;
  epochs: readonly { plan: PlanObject }[];
}

export interface PolicyResult<Doc extends ComparedDoc = ComparedDoc> {
  policy: string;
  doc: Doc;
  /** the policy whose run measured this one's identical plan, or null when it ran itself */
  samePlanAs: string | null;
}

/** The signature of the plan `policy` would run now, or null when it is not worth knowing. */
async function expectedSignature(cfg: RunConfig): Promise<string | null> {
  if (cfg.policy === 'optimal' || cfg.desk.kind === 'boards') return null;
  const desk = deskSpecOf(cfg.desk);
  try {
    const planned = await planRun({ desk, app: cfg.app, policy: cfg.policy, ...(cfg.objective ? { objective: cfg.objective } : {}) });
    return planSignature(planned.object);
  } catch {
    return null; // the run will report why it cannot plan
  }
}

/**
 * Warms the desk up, then runs each policy in turn with `run` (in the order given), except one
 * whose plan is identical to an earlier policy's run: that one takes the earlier measurement
 * (`note` says so). A run that gives null (it failed, and `run` said why) is left out. A stop
 * (the configs' signal) ends the comparison after the run it cut short.
 */
export async function comparePolicies<Doc extends ComparedDoc>(
  policies: readonly string[],
  configFor: (policy: string) => RunConfig,
  run: (cfg: RunConfig) => Promise<Doc | null>,
  note: (line: string) => void = () => undefined,
): Promise<PolicyResult<Doc>[]> {
  note(`warming the desk up for ${COMPARE_WARMUP_S} s (unmeasured; the first run on a fresh desk measures low)`);
  const results: PolicyResult<Doc>[] = [];
  const stopped = (): boolean => configFor(policies[0]!).signal?.aborted ?? false;
  await warmUp(configFor(policies[0]!));
  const ran = new Map<string, string>(); // plan signature -> policy that ran it
  for (const policy of policies) {
    if (stopped()) break;
    const cfg = configFor(policy);
    const expected = ran.size > 0 ? await expectedSignature(cfg) : null;
    const same = expected !== null ? ran.get(expected) : undefined;
    if (same !== undefined) {
      const earlier = results.find((r) => r.policy === same)!;
      results.push({ policy, doc: { ...earlier.doc, policy }, samePlanAs: same });
      note(`${policy} chose the same plan as ${same} (segments, routes and shares): measured once, by ${same}'s run`);
      continue;
    }
    const doc = await run(cfg);
    if (doc === null) continue;
    const first = doc.epochs[0];
    if (first) ran.set(planSignature(first.plan), policy);
    results.push({ policy, doc, samePlanAs: null });
  }
  return results;
}
