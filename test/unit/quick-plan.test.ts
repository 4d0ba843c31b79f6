// The quick stage of recovering from a lost board (host/runtime/quick-plan.ts) on a hand-made
// desk: a microphone board on a slow link, a board on a fast link, and the board that ran the
// keyword model, lost. Loading the model where the sound is (the best plan: the raw windows
// never cross the slow link) takes seconds over that link; so the quick stage must take a
// plan whose loads fit its budget, and the better plan only when the budget allows it; when no
// plan fits, the quickest to load; and segments a board already holds cost nothing.

import { describe, expect, it } from 'vitest';
import { generateCandidates } from '../../host/plan/candidates.js';
import { evaluate, type Assignment } from '../../host/plan/evaluate.js';
import { buildPlanObject } from '../../host/plan/plan-object.js';
import { HOST_TARGET, type PlanProblem } from '../../host/plan/problem.js';
import { makeRoute, type Step } from '../../host/plan/route.js';
import { encodeSegment, segmentOf } from '../../host/model/segment-codec.js';
import { ModelStore } from '../../host/runtime/deploy.js';
import { deskOf } from '../../host/runtime/planning.js';
import { deployEstimate, problemFor, quickPlan, type DeployCostModel } from '../../host/runtime/quick-plan.js';
import { runPlanOf, segmentId, segmentsOf, type RunPlan } from '../../host/runtime/run-plan.js';
import type { AppSpec } from '../../host/space/app-spec.js';
import type { DeskSpec, DeviceSpec, SensorSpec } from '../../host/space/device.js';

const board = (name: string, rateBps: number, sensors: SensorSpec[] = []): DeviceSpec => ({
  name, role: 'board', chip: 'max78000', cnnClockHz: null, sensors, outputs: [], link: { kind: 'usb-serial', rateBps },
});
// 20 KB/s for the microphone board, 1 MB/s for the others (10 bits a byte).
const desk: DeskSpec = {
  name: 'quick-plan-test', source: 'quick-plan.test.ts', profiles: [],
  devices: [board('mic', 200_000, [{ kind: 'microphone', shape: [128, 128, 1], rateHz: null }]), board('fast', 10_000_000), board('gone', 10_000_000)],
};
const app: AppSpec = {
  name: 'one-keyword', source: 'quick-plan.test.ts',
  pipelines: [{ name: 'keywords', source: { kind: 'microphone', role: null }, model: 'kws20_v3', target: { kind: 'host', role: null }, weight: 1, line: 1 }],
};
const store = new ModelStore();

/** The plan that ran on the whole desk: the keyword model on the given boards, with shares. */
async function runningOn(boards: readonly string[]): Promise<RunPlan> {
  const pr = await problemFor(desk, app);
  const dev = (n: string): number => pr.devices.find((d) => d.spec.name === n)!.index;
  const layers = pr.pipelines[0]!.variants[0]!.layers;
  const a: Assignment = [boards.map((b) => ({ share: 1 / boards.length, route: makeRoute(pr, 0, 0, dev('mic'), [{ from: 0, to: layers, device: dev(b) }], HOST_TARGET) }))];
  const object = buildPlanObject(pr, 'synergy', a, evaluate(pr, a), { unplaced: [], throughput: 0, proved: null, planningMs: 0, notes: [] });
  return runPlanOf(object, pr, a);
}

/** What the boards left hold (the running plan's segments on them), at their link rates. */
function costAfterLoss(running: RunPlan, present: ReadonlySet<string>): DeployCostModel {
  const resident = new Map<string, Set<string>>();
  for (const s of segmentsOf(running)) if (present.has(s.device)) resident.set(s.device, new Set([...(resident.get(s.device) ?? []), s.id]));
  return { resident, segmentBytes: (s) => store.segmentBytes(s), bytesPerSec: (d) => desk.devices.find((x) => x.name === d)!.link.rateBps / 10 };
}

const left = new Set(['mic', 'fast']);

/** The deploy estimate of each candidate route of the keyword pipeline alone. */
function candidateDeploys(pr: PlanProblem, cost: DeployCostModel): { steps: readonly Step[]; ms: number }[] {
  return generateCandidates(pr, 0).routes.map((route) => {
    const specs = route.steps.map((s) => ({ id: segmentId('keywords', 'kws20_v3', s.from, s.to - s.from), device: pr.devices[s.device]!.spec.name, pipeline: 'keywords', model: 'kws20_v3', first: s.from, count: s.to - s.from }));
    return { steps: route.steps, ms: deployEstimate(specs, cost).ms };
  });
}

describe('the quick stage after a lost board', () => {
  it('takes a plan whose loads fit the budget over a better one whose loads do not, and the better one when the budget allows', async () => {
    const running = await runningOn(['gone']);
    const pr = await problemFor(deskOf(desk, left), app);
    const cost = costAfterLoss(running, left);
    const tight = quickPlan(running, pr, 'synergy', cost, { budgetMs: 1500 });
    const loose = quickPlan(running, pr, 'synergy', cost, { budgetMs: 60_000 });
    expect(tight.complete && loose.complete).toBe(true);
    expect(tight.planned.plan.pipelines.map((p) => p.name)).toEqual(['keywords']);
    expect(tight.withinBudget).toBe(true);
    expect(tight.deploy.ms).toBeLessThanOrEqual(1500);
    // The plan the loose budget takes is better and would not have loaded in time.
    expect(loose.score).toBeGreaterThan(tight.score * 1.5);
    expect(loose.deploy.ms).toBeGreaterThan(1500);
    // It runs the whole model where the sound is: nothing crosses the slow link but the result.
    expect(loose.planned.plan.pipelines[0]!.routes[0]!.steps.map((s) => s.device)).toEqual(['mic']);
    // The estimate is the slowest board's loads: what the mic board loads, at 20 KB/s.
    const micBytes = segmentsOf(loose.planned.plan).filter((s) => s.device === 'mic').reduce((a, s) => a + store.segmentBytes(s), 0);
    expect(loose.deploy.ms).toBeGreaterThanOrEqual((micBytes / 20_000) * 1000);
  });

  it('takes the quickest plan to load when none fits the budget', async () => {
    const running = await runningOn(['gone']);
    const pr = await problemFor(deskOf(desk, left), app);
    const cost = costAfterLoss(running, left);
    const q = quickPlan(running, pr, 'synergy', cost, { budgetMs: 1 });
    expect(q.withinBudget).toBe(false);
    const quickest = Math.min(...candidateDeploys(pr, cost).map((c) => c.ms));
    // Deploy times within 10% count as equal (quick-plan.ts DEPLOY_TOLERANCE).
    expect(q.deploy.ms).toBeLessThanOrEqual(quickest * 1.1 + 40);
    expect(q.planned.plan.pipelines[0]!.routes[0]!.steps.map((s) => s.device)).toEqual(['fast']);
  });

  it('counts nothing for segments a board still holds: the running route left on a board present runs again as it is', async () => {
    // The model ran on both boards (half the frames each); the one on "fast" is still loaded.
    const running = await runningOn(['gone', 'fast']);
    const pr = await problemFor(deskOf(desk, left), app);
    const cost = costAfterLoss(running, left);
    expect([...(cost.resident.get('fast') ?? [])]).toEqual([segmentId('keywords', 'kws20_v3', 0, pr.pipelines[0]!.variants[0]!.layers)]);
    const q = quickPlan(running, pr, 'synergy', cost, { budgetMs: 1 });
    expect(q.deploy.ms).toBe(0);
    expect(q.deploy.bytes).toBe(0);
    expect(q.withinBudget).toBe(true);
    expect(q.planned.plan.pipelines[0]!.routes.map((r) => r.steps.map((s) => s.device))).toEqual([['fast']]);
  });

  it('knows a segment\'s upload bytes without encoding it: equal to the encoded segment', () => {
    const fresh = new ModelStore();
    for (const model of ['kws20_v3', 'ressimplenet_cifar100']) {
      const m = fresh.model(model).model;
      for (let first = 0; first < m.layers.length; first += 3) {
        for (const count of [1, 2, 5, m.layers.length - first]) {
          if (first + count > m.layers.length) continue;
          expect(fresh.segmentBytes({ model, first, count }), `${model} ${first}+${count}`).toBe(encodeSegment(segmentOf(m, first, count)).length);
        }
      }
    }
  });
});
