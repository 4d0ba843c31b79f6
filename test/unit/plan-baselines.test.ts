// Each baseline of SYNERGY.md pinned on a hand-checked instance. Model facts used (MAX78000,
// 442,368 B of kernel memory): widenet 312,200 B and ressimplenet 381,792 B of weights never
// share one MAX78000; simplenet 165,228 B and convnet5 71,148 B do; a MAX78002 holds all four.

import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../host/plan/evaluate.js';
import { jointViolations, routesOf } from '../../host/plan/joint-fit.js';
import { loadSolver } from '../../host/plan/lp.js';
import { runPolicy, type PolicyName } from '../../host/plan/policies.js';
import { buildProblem, HOST_TARGET, type PlanProblem } from '../../host/plan/problem.js';
import { app, CAMERA, desk, device, MIC, pipeline } from './plan-fixtures.js';

beforeAll(async () => {
  await loadSolver();
});

const names = (pr: PlanProblem, policy: PolicyName) => {
  const out = runPolicy(pr, policy, { optimalTimeLimitSec: 120 });
  const steps = out.assignment.map((rs) => rs.map((x) => x.route.steps.map((s) => `${s.from}-${s.to}@${pr.devices[s.device]!.spec.name}`).join(' ')));
  return { out, steps, sources: out.assignment.map((rs) => (rs[0] ? pr.devices[rs[0].route.source]!.spec.name : null)) };
};

// Two MAX78000 boards; only `cam` has a camera. Two camera pipelines that cannot share a chip.
const twoBoards = desk('two', [device('cam', 'max78000', [CAMERA], ['display']), device('aux', 'max78000', [MIC], ['speaker'])]);
const rivals = app('rivals', [pipeline('wide', 'widenet_cifar100', 'camera', 'display'), pipeline('res', 'ressimplenet_cifar100', 'camera', 'display')]);

describe('standalone', () => {
  it('runs each pipeline whole on its source; the one that does not fit there gets zero', () => {
    const pr = buildProblem(twoBoards, rivals);
    const { out, steps } = names(pr, 'standalone');
    expect(steps[0]).toEqual(['0-14@cam']);
    expect(steps[1]).toEqual([]);
    expect(out.unplaced).toEqual([{ pipeline: 1, reason: expect.stringMatching(/ressimplenet_cifar100 does not fit on any of its source devices \(cam\)/) }]);
    expect(evaluate(pr, out.assignment).objective).toBe(0);
  });
});

describe('best-single', () => {
  it('puts every pipeline whole on the most capable device that holds it (the MAX78002)', () => {
    const d = desk('hetero', [device('cam', 'max78000', [CAMERA], ['display']), device('big', 'max78002', [], [])]);
    const pr = buildProblem(d, rivals);
    const { steps } = names(pr, 'best-single');
    expect(steps).toEqual([['0-14@big'], ['0-17@big']]);
  });
  it('falls back to the next device when the best one is full, never splitting', () => {
    const pr = buildProblem(twoBoards, rivals);
    const { steps } = names(pr, 'best-single');
    expect(steps).toEqual([['0-14@cam'], ['0-17@aux']]);
  });
});

describe('offload-largest', () => {
  it('sends everything to the largest accelerator while it holds the model', () => {
    const d = desk('hetero', [device('cam', 'max78000', [CAMERA], ['display']), device('big', 'max78002', [], [])]);
    const pr = buildProblem(d, rivals);
    expect(names(pr, 'offload-largest').steps).toEqual([['0-14@big'], ['0-17@big']]);
  });
  it('splits only when it must: the first device takes the longest prefix that still fits', () => {
    const pr = buildProblem(twoBoards, rivals);
    const { steps } = names(pr, 'offload-largest');
    expect(steps[0]).toEqual(['0-14@cam']);
    expect(steps[1]).toHaveLength(1);
    const [first, second] = steps[1]![0]!.split(' ');
    expect(first).toMatch(/^0-\d+@cam$/);
    expect(second).toMatch(/@aux$/);
  });
});

describe('neurosurgeon', () => {
  it('runs locally when that is fastest end to end', () => {
    const pr = buildProblem(twoBoards, app('kws', [pipeline('kws', 'kws20_v3', 'microphone', 'speaker')]));
    expect(names(pr, 'neurosurgeon').steps).toEqual([['0-9@aux']]);
  });
  it('from a source without an accelerator, sends the input to the device with the fastest link', () => {
    const d = desk('eye', [
      device('eye', null, [CAMERA], ['display']),
      device('slow', 'max78000', [], [], { kind: 'ble', rateBps: 1_000_000 }),
      device('fast', 'max78000', [], [], { kind: 'usb-serial', rateBps: 4_000_000 }),
    ]);
    const pr = buildProblem(d, app('one', [pipeline('obj', 'simplenet_cifar100', 'camera', 'display')]));
    const { out, steps } = names(pr, 'neurosurgeon');
    expect(steps).toEqual([['0-14@fast']]);
    expect(out.assignment[0]![0]!.route.target).toBe(0);
  });
});

describe('greedy-memory', () => {
  it('fills the devices in desk order: the second model starts where the first left room', () => {
    const pr = buildProblem(twoBoards, rivals);
    const { steps } = names(pr, 'greedy-memory');
    expect(steps[0]).toEqual(['0-14@cam']);
    const parts = steps[1]![0]!.split(' ');
    expect(parts[0]).toMatch(/@cam$/);
    expect(parts.at(-1)).toMatch(/@aux$/);
  });
});

describe('independent-optimal', () => {
  it('each pipeline takes its own fastest route; the later one falls back when memory is taken', () => {
    const pr = buildProblem(twoBoards, rivals);
    const { out, steps } = names(pr, 'independent-optimal');
    expect(steps[0]).toEqual(['0-14@cam']);
    expect(steps[1]![0]).not.toBe('0-17@cam');
    expect(jointViolations(pr, routesOf(out.assignment))).toEqual([]);
  });
  it('two models that share a chip both stay on their source', () => {
    const pr = buildProblem(twoBoards, app('pair', [pipeline('a', 'simplenet_cifar100', 'camera', 'display'), pipeline('b', 'convnet5_mnist', 'camera', 'display')]));
    const { steps } = names(pr, 'independent-optimal');
    expect(steps[0]![0]).toMatch(/^0-14@cam$/);
    expect(steps[1]![0]).toMatch(/^0-5@cam$/);
  });
});

describe('random-feasible', () => {
  const pr = buildProblem(twoBoards, rivals);
  it('draws a feasible joint plan, the same for the same seed', () => {
    const a = runPolicy(pr, 'random-feasible', { seed: 3 });
    const b = runPolicy(pr, 'random-feasible', { seed: 3 });
    expect(a.assignment.map((rs) => rs[0]!.route.key)).toEqual(b.assignment.map((rs) => rs[0]!.route.key));
    expect(jointViolations(pr, routesOf(a.assignment))).toEqual([]);
    expect(a.objectiveOverride).toBeGreaterThan(0);
  });
  it('reports the mean over its draws; with a single possible route that is the route itself', () => {
    const d = desk('solo', [device('cam', 'max78000', [CAMERA], ['display'])]);
    const solo = buildProblem(d, app('one', [pipeline('obj', 'convnet5_mnist', 'camera', 'display')]));
    const r = runPolicy(solo, 'random-feasible', { seed: 1 });
    expect(r.objectiveOverride).toBeCloseTo(evaluate(solo, r.assignment).objective, 9);
    expect(r.assignment[0]![0]!.route.target).not.toBe(HOST_TARGET);
  });
});

describe('optimal bounds every policy on these instances', () => {
  it.each([['two boards, rivals', twoBoards, rivals]])('%s', (_, d, a) => {
    const pr = buildProblem(d, a);
    const best = runPolicy(pr, 'optimal', { optimalTimeLimitSec: 120 });
    expect(best.proved).toBe(true);
    const top = evaluate(pr, best.assignment).objective;
    for (const p of ['synergy', 'standalone', 'best-single', 'offload-largest', 'neurosurgeon', 'greedy-memory', 'independent-optimal'] as const) {
      expect(evaluate(pr, runPolicy(pr, p).assignment).objective).toBeLessThanOrEqual(top * (1 + 1e-6));
    }
  });
});
