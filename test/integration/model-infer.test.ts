// Inference through the protocol on emulated boards: zoo models whole and split across 2 and 3
// boards (crossing tensors relayed by the host, several at once across residual branches) give
// what the TypeScript reference executor gives; the golden networks of ../shared/golden are
// reproduced exactly; inputs of the wrong shape are refused by the host and by the board;
// profile reports the board's cycles (median equal to infer's, the cycle model's total).

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployModel, planSplit, type Deployment, type SplitPart } from '../../host/board/deploy-model.js';
import { putTensor, inferSlots, infer, profile, TensorShapeError } from '../../host/board/tensors.js';
import type { BoardSession } from '../../host/board/session.js';
import { crossingTensors } from '../../host/model/boundary.js';
import { chipSpec } from '../../host/model/chips.js';
import { layerCycles, networkCycles } from '../../host/model/cycles.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { runModel } from '../../host/model/exec.js';
import { loadGolden } from '../../host/model/exec-golden.js';
import type { Model } from '../../host/model/layer.js';
import { firstDifference, type Tensor } from '../../host/model/tensor.js';
import { loadModel } from '../../host/model/zoo.js';
import { ProtocolError } from '../../host/proto/index.js';
import { goldenSets } from '../../host/model/shared-dir.js';
import { startBoard, stopAll, type Rig } from './helpers.js';

afterAll(stopAll);


const rigs: Rig[] = [];

/** n emulated boards (unpaced); the previous test's boards are stopped first, so few run at once. */
async function boards(n: number, chip: 'max78000' | 'max78002' = 'max78000', tag = 'inf'): Promise<BoardSession[]> {
  for (const r of rigs.splice(0)) {
    await r.session.close();
    await r.emulator.stop();
  }
  for (let i = 0; i < n; i++) rigs.push(await startBoard({ id: `${tag}-${i + 1}`, chip }));
  return rigs.map((r) => r.session);
}

function expectSame(expected: Tensor, actual: Tensor, what: string): void {
  const d = firstDifference(expected, actual);
  expect(d, `${what}: ${d?.reason}`).toBeNull();
}

/** Runs through the boards and compares every crossing tensor and the output with the executor. */
async function expectReference(dep: Deployment, model: Model, input: Tensor): Promise<void> {
  const ref = runModel(model, model.params!, input);
  const run = await dep.run(input);
  expectSame(ref.at(-1)!, run.output, `${model.name} output`);
  for (const seg of dep.segments) for (const t of seg.outputs) if (t.source >= 0) expectSame(ref[t.source]!, run.tensors.get(t.source)!, `tensor ${t.source} after ${seg.id}`);
  expect(run.layers.map((l) => l.index)).toEqual(model.layers.map((_, i) => i));
}

/** A split into `parts` pieces at the cuts the most tensors cross (residual branches). */
function busiestSplit(model: Model, parts: number): SplitPart[] {
  const cuts = model.layers
    .map((_, j) => j)
    .filter((j) => j > 0)
    .sort((a, b) => crossingTensors(model, b).length - crossingTensors(model, a).length || a - b)
    .slice(0, parts - 1)
    .sort((a, b) => a - b);
  const edges = [0, ...cuts, model.layers.length];
  return edges.slice(1).map((end, k) => ({ board: k, first: edges[k]!, count: end - edges[k]! }));
}

describe('zoo models through the protocol equal the reference executor', () => {
  it('whole on one MAX78000: MNIST, KWS, ResSimpleNet (residual adds)', async () => {
    const [b] = await boards(1, 'max78000', 'whole');
    for (const name of ['convnet5_mnist', 'kws20_v3', 'ressimplenet_cifar100']) {
      const model = loadModel(name).model;
      const dep = await deployModel([b!], model);
      expect(dep.segments).toHaveLength(1);
      await expectReference(dep, model, seededTensor(model.inputShape, 21));
      await dep.unload();
    }
  });

  it('ResSimpleNet split across 3 boards at the cuts the most tensors cross', async () => {
    const model = loadModel('ressimplenet_cifar100').model;
    const split = busiestSplit(model, 3);
    const crossing = split.slice(1).map((p) => crossingTensors(model, p.first).length);
    expect(Math.max(...crossing)).toBeGreaterThan(1);
    const dep = await deployModel(await boards(3, 'max78000', 'res'), model, { split });
    expect(dep.segments.map((s) => [s.first, s.count])).toEqual(split.map((p) => [p.first, p.count]));
    await expectReference(dep, model, seededTensor(model.inputShape, 22));
  });

  it('SimpleNet (2-, 4- and 8-bit weights) split across 2 boards', async () => {
    const model = loadModel('simplenet_cifar100').model;
    const half = Math.floor(model.layers.length / 2);
    const dep = await deployModel(await boards(2, 'max78000', 'simple'), model, {
      split: [{ board: 0, first: 0, count: half }, { board: 1, first: half, count: model.layers.length - half }],
    });
    await expectReference(dep, model, seededTensor(model.inputShape, 23));
  });

  it('a model over the 32-layer limit is split greedily over MAX78000 boards (MobileNetV2)', async () => {
    const model = loadModel('mobilenetv2_075_cifar100_max78000').model;
    const chips = Array.from({ length: 8 }, () => chipSpec('max78000'));
    const n = planSplit(model, chips).length;
    expect(n).toBeGreaterThan(1);
    const dep = await deployModel(await boards(n, 'max78000', 'mobile'), model);
    expect(dep.segments).toHaveLength(n);
    await expectReference(dep, model, seededTensor(model.inputShape, 24));
  });
});

describe('golden networks reproduced exactly through the protocol', () => {
  const { dir: goldenDir, names } = goldenSets("the golden-through-the-protocol tests need Analog Devices' golden data");
  it('finds the golden networks', () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
  });

  it.each(names)('%s: the final output whole, and every crossing tensor split in three', async (name) => {
    const set = loadGolden(join(goldenDir, name), name);
    const model = loadModel(join(goldenDir, name, 'model.json')).model;
    const [a, b, c] = await boards(3, 'max78000', `gold-${name}`);
    const whole = await deployModel([a!], model);
    const run = await whole.run(set.input);
    expectSame(set.expected, run.output, `${name} expected_output`);
    await whole.unload();
    const n = model.layers.length;
    const split: SplitPart[] = [
      { board: 0, first: 0, count: Math.floor(n / 3) },
      { board: 1, first: Math.floor(n / 3), count: Math.floor((2 * n) / 3) - Math.floor(n / 3) },
      { board: 2, first: Math.floor((2 * n) / 3), count: n - Math.floor((2 * n) / 3) },
    ];
    const parts = await deployModel([a!, b!, c!], model, { split });
    const r = await parts.run(set.input);
    expectSame(set.expected, r.output, `${name} expected_output (split)`);
    for (const g of set.layers) {
      const got = r.tensors.get(g.layer);
      if (got) expectSame(g.output, got, `${name} layer ${g.layer}`);
    }
  });
});

describe('bad inputs', () => {
  it('an input of the wrong shape is refused by the host, naming what the segment takes; the board by bytes', async () => {
    const [b] = await boards(1, 'max78000', 'badin');
    const model = loadModel('convnet5_mnist').model;
    const dep = await deployModel([b!], model);
    const seg = dep.segments[0]!;
    const wrong: Tensor = { shape: [1, 14, 56], data: new Int8Array(784) };
    await expect(dep.run(wrong)).rejects.toThrow(/input of convnet5_mnist must be int8 \[1, 28, 28\] \(784 values\); got 8-bit \[1, 14, 56\]/);
    await expect(infer(b!, seg, [wrong])).rejects.toThrow(TensorShapeError);
    // The board checks the bytes a slot holds against the tensor it expects.
    await putTensor(b!, 0, new Uint8Array(700));
    const e = await inferSlots(b!, seg, { inputSlots: [0], outputSlots: [1] }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe('bad_argument');
    expect((e as ProtocolError).detail).toMatch(/700/);
    // And the segment still runs on a good input.
    await expectReference(dep, model, seededTensor(model.inputShape, 25));
  });
});

describe('profile', () => {
  it('KWS on a MAX78000: per-layer medians equal infer\'s cycles and the cycle model; min <= median <= max', async () => {
    const [b] = await boards(1, 'max78000', 'prof');
    const model = loadModel('kws20_v3').model;
    const dep = await deployModel([b!], model);
    const x = seededTensor(model.inputShape, 26);
    const ran = await dep.run(x);
    const seg = dep.segments[0]!;
    const p = await profile(b!, seg, [x], { warmup: 1, runs: 5 });
    expect(p.runs).toBe(5);
    expect(p.layers.map((l) => l.median)).toEqual(ran.layers.map((l) => l.cycles));
    for (const l of [...p.layers, p.total]) {
      expect(l.min).toBeLessThanOrEqual(l.median);
      expect(l.median).toBeLessThanOrEqual(l.max);
    }
    expect(p.total.median).toBe(ran.totalCycles);
    const starts = dep.boardFits[0]!.perLayer.map((pl) => pl.kernelStart);
    const chip = chipSpec('max78000');
    expect(p.layers.map((l) => l.median)).toEqual(model.layers.map((l, i) => layerCycles(l, chip, starts[i])));
    expect(p.total.median).toBe(networkCycles(model.layers, chip, starts));
    expect(p.total.medianUs).toBeCloseTo((p.total.median * 1e6) / 50_000_000, 6);
  });
});
