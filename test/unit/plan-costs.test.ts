// The cost model on hand-checked numbers: wire bytes of a payload, the per-resource loads of a
// route, and the max-min throughput of pipelines sharing a resource.

import { describe, expect, it } from 'vitest';
import { DEFAULT_CALIBRATION, wireBytes } from '../../host/plan/calibration.js';
import { evaluate } from '../../host/plan/evaluate.js';
import { chipFacts } from '../../host/plan/model-facts.js';
import { buildProblem, HOST_TARGET } from '../../host/plan/problem.js';
import { makeRoute } from '../../host/plan/route.js';
import { app, CAMERA, desk, device, pipeline } from './plan-fixtures.js';

describe('wire bytes', () => {
  it('one message: payload + 28 overhead, one COBS code per 254 plus one, a delimiter', () => {
    expect(wireBytes(100, DEFAULT_CALIBRATION)).toBe(100 + 28 + 0 + 1 + 1);
    expect(wireBytes(784, DEFAULT_CALIBRATION)).toBe(812 + 3 + 1 + 1);
    expect(wireBytes(8064, DEFAULT_CALIBRATION)).toBe(8092 + 31 + 1 + 1);
  });
  it('a payload over max_payload is two messages', () => {
    expect(wireBytes(8065, DEFAULT_CALIBRATION)).toBe(8092 + 31 + 2 + 29 + 0 + 2);
  });
});

describe('a route costs what the model says', () => {
  // dev0 senses a 28x28 frame (MNIST, 784 bytes) and sends it to dev1, which runs ConvNet5 and
  // sends the 10 x 32-bit result (40 bytes) up to the host. Links paced at 921,600 baud = 92,160 B/s.
  const d = desk('pair', [device('dev0', 'max78000', [{ kind: 'camera', shape: [1, 28, 28], rateHz: null }], []), device('dev1', 'max78000', [], [])]);
  const pr = buildProblem(d, app('digits', [pipeline('digits', 'convnet5_mnist', 'camera', 'host')]));
  const id = (name: string): number => pr.resources.findIndex((r) => r.id === name);
  const route = makeRoute(pr, 0, 0, 0, [{ from: 0, to: 5, device: 1 }], HOST_TARGET);
  const bps = 92_160;
  const chip = chipFacts('max78000');

  it('links: the input up dev0 and down dev1, the result up dev1, the small replies the other way', () => {
    expect(route.loads[id('dev0.tx')]).toBeCloseTo(817 / bps, 12);
    expect(route.loads[id('dev0.rx')]).toBeCloseTo(22 / bps, 12);
    expect(route.loads[id('dev1.rx')]).toBeCloseTo((817 + 22) / bps, 12);
    expect(route.loads[id('dev1.tx')]).toBeCloseTo((22 + 70) / bps, 12);
  });
  it('CPU: sensing on dev0; loading, unloading and the messages on dev1', () => {
    const msg = (bytes: number): number => (30 + wireBytes(bytes, DEFAULT_CALIBRATION) * 0.05) * 1e-6;
    expect(route.loads[id('dev0.cpu')]).toBeCloseTo(50e-6 + 784 * chip.cpuSenseNsPerByte * 1e-9 + msg(784), 12);
    expect(route.loads[id('dev1.cpu')]).toBeCloseTo(msg(784) + 20e-6 + (784 * chip.cpuLoadNsPerByte + 40 * chip.cpuUnloadNsPerByte) * 1e-9 + msg(40), 12);
  });
  it('CNN: the cycle model at 50 MHz, on dev1 only', () => {
    const cycles = pr.pipelines[0]!.variants[0]!.cyclePrefix.max78000!;
    expect(route.loads[id('dev1.cnn')]).toBeCloseTo((cycles[5]! + 1) / 50e6, 12);
    expect(route.loads[id('dev0.cnn')]).toBe(0);
  });
  it('max-min: one pipeline alone runs at 1 / its busiest resource', () => {
    const ev = evaluate(pr, [[{ route, share: 1 }]]);
    expect(ev.objective).toBeCloseTo(1 / Math.max(...route.loads), 9);
    expect(pr.resources[ev.bottleneck]!.id).toBe('dev1.rx');
  });
});

describe('throughput of pipelines sharing resources', () => {
  const d = desk('one', [device('cam', 'max78000', [CAMERA], ['display'])]);
  const pr = buildProblem(d, app('two', [pipeline('a', 'simplenet_cifar100', 'camera', 'display'), pipeline('b', 'convnet5_mnist', 'camera', 'display', 2)]));
  const ra = makeRoute(pr, 0, 0, 0, [{ from: 0, to: 14, device: 0 }], 0);
  const rb = makeRoute(pr, 1, 0, 0, [{ from: 0, to: 5, device: 0 }], 0);
  it('max-min gives lambda = 1 / max_r (w_a U_a[r] + w_b U_b[r]) and weight x lambda each', () => {
    const ev = evaluate(pr, [[{ route: ra, share: 1 }], [{ route: rb, share: 1 }]], 'maxmin');
    const T = Math.max(...ra.loads.map((u, r) => u + 2 * rb.loads[r]!));
    expect(ev.objective).toBeCloseTo(1 / T, 9);
    expect(ev.rates[1]).toBeCloseTo(2 / T, 9);
    expect(Math.max(...ev.utilisation)).toBeCloseTo(1, 9);
  });
  it('sum gives the rates that maximise the weighted sum with no resource over 1', async () => {
    const { loadSolver } = await import('../../host/plan/lp.js');
    await loadSolver();
    const ev = evaluate(pr, [[{ route: ra, share: 1 }], [{ route: rb, share: 1 }]], 'sum');
    for (const u of ev.utilisation) expect(u).toBeLessThanOrEqual(1 + 1e-9);
    // One shared bottleneck: all of it goes to the pipeline with the best weight per second of it.
    const r = ev.bottleneck;
    const best = Math.max(1 / ra.loads[r]!, 2 / rb.loads[r]!);
    expect(ev.objective).toBeCloseTo(best, 6);
  });
});
