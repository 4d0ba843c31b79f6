// Synergy on desks of the unseen family (random-instance.ts, unseenInstance: two MAX78002s among
// MAX78000s, one pipeline weighted 2), where the flow polish's choice of each pipeline's source,
// target and variant decides the plan: the memory-relaxed LP's favourite is not always the one
// that survives the memory repair.

import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../host/plan/evaluate.js';
import { polishFlows } from '../../host/plan/flow-polish.js';
import { jointViolations, overlappingSegments, routesOf } from '../../host/plan/joint-fit.js';
import { loadSolver } from '../../host/plan/lp.js';
import { solveOptimal } from '../../host/plan/optimal.js';
import { buildProblem, type Objective, type PlanProblem } from '../../host/plan/problem.js';
import { unseenInstance } from '../../host/plan/random-instance.js';
import { ONE_SHOT_BUDGET_SCALE, planSynergy } from '../../host/plan/synergy.js';

beforeAll(async () => {
  await loadSolver();
});

/** Unseen instance i at the bench's size for it (6 to 8 devices, 3 to 5 pipelines). */
function unseen(i: number, objective: Objective): PlanProblem {
  const devices = 6 + ((i - 1) % 3);
  const pipelines = 3 + (Math.floor((i - 1) / 3) % 3);
  const { desk, app } = unseenInstance(i, devices, pipelines);
  return buildProblem(desk, app, { objective });
}

/** Synergy as a fresh process plans (the one-shot budget), its plan checked for joint fit. */
function synergyValue(pr: PlanProblem): number {
  const syn = planSynergy(pr, { budgetScale: ONE_SHOT_BUDGET_SCALE });
  const routes = routesOf(syn.assignment);
  expect(jointViolations(pr, routes)).toEqual([]);
  expect(overlappingSegments(pr, routes)).toBeNull();
  return evaluate(pr, syn.assignment).objective;
}

describe('unseen desks: the choices the relaxed LP favours are tried against the others', () => {
  it('unseen 11 (7 x 3, max-min): within 1% of the optimum the MILP proves', () => {
    // The optimum senses the digits on the patch and delivers there; the relaxed LP favours the
    // glasses' camera, whose CPU WideNet needs (Synergy kept 466 of 491 frames/s).
    const pr = unseen(11, 'maxmin');
    const v = synergyValue(pr);
    const opt = solveOptimal(pr, { timeLimitSec: 60 });
    expect(opt.status).toBe('optimal');
    expect(v).toBeGreaterThanOrEqual(0.99 * opt.objective);
  }, 120_000);

  it('unseen 7 (6 x 5, sum): within 1% of 2484.995 (proved by the MILP in 80 s)', () => {
    // The optimum starves one MobileNetV2 and UNet and gives the weighted MobileNetV2 the
    // MAX78002; the relaxed LP first gives both MobileNetV2s no frames, and fixing their choices
    // then (by name) put the weighted one on the wrong camera (0.915 of the optimum).
    const v = synergyValue(unseen(7, 'sum'));
    expect(v).toBeGreaterThanOrEqual(0.99 * 2484.995);
    expect(v).toBeLessThanOrEqual(2484.995 * (1 + 1e-6));
  }, 60_000);

  it('a pass where one pipeline chooses keeps every other pipeline\'s variant, source and target', () => {
    const pr = unseen(11, 'maxmin');
    const start = planSynergy(pr, { budgetScale: ONE_SHOT_BUDGET_SCALE }).assignment;
    const choice = (rs: typeof start[number]): string[] => rs.map((x) => `${x.route.variant}/${x.route.source}/${x.route.target}`);
    for (let m = 0; m < pr.pipelines.length; m++) {
      for (const { device } of pr.pipelines[m]!.sources) {
        const pol = polishFlows(pr, start, { freeChoice: true, free: [m], pin: { pipeline: m, source: device } });
        if (!pol.assignment) continue;
        pol.assignment.forEach((rs, k) => {
          if (k === m) expect(rs.every((x) => x.route.source === device)).toBe(true);
          else expect(new Set(choice(rs))).toEqual(new Set(choice(start[k]!)));
        });
      }
    }
  }, 60_000);
});
