// Split execution equals unsplit execution for every zoo model (host/model/zoo.ts: trained
// weights where ../shared has them, else the zoo's generated ones), at several cut points
// (including the one crossed by the most tensors: residual branches, UNet skips). The
// TypeScript executor runs each later segment from exactly the tensors boundary.ts says cross
// the cut; the C simulator runs the segments as the board would (segment descriptions through
// the C decoder, several resident at once, outputs relayed between them) and must match every
// layer of the unsplit TypeScript run.
import { describe, expect, it } from 'vitest';
import { crossingTensors } from '../../host/model/boundary.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { runLayers, runModel } from '../../host/model/exec.js';
import { runOnSimulator } from '../../host/model/exec-sim.js';
import type { Model } from '../../host/model/layer.js';
import { segmentOf } from '../../host/model/segment-codec.js';
import { firstDifference, tensorHash, type Tensor } from '../../host/model/tensor.js';
import { listZoo, loadModel } from '../../host/model/zoo.js';

const zoo = listZoo();

/** Segment start lists: halves, quarters, and a cut crossed by the most tensors. */
function splitPlans(model: Model): number[][] {
  const n = model.layers.length;
  let busiest = 1;
  for (let c = 1; c < n; c++) if (crossingTensors(model, c).length > crossingTensors(model, busiest).length) busiest = c;
  const plans = [[0, Math.floor(n / 2)], [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4)], [0, busiest]];
  return plans.map((p) => [...new Set(p)].filter((c) => c < n).sort((a, b) => a - b));
}

/** MAX78000 when the model's operators allow it and every segment fits its 32 layers. */
function chipFor(chips: readonly string[], starts: readonly number[], n: number): string {
  const longest = Math.max(...starts.map((s, k) => (starts[k + 1] ?? n) - s));
  return chips.includes('max78000') && longest <= 32 ? 'max78000' : 'max78002';
}

describe('split execution equals unsplit execution', () => {
  it('covers the whole zoo', () => {
    expect(zoo.map((e) => e.name)).toEqual(expect.arrayContaining(['convnet5_mnist', 'efficientnetv2_cifar100',
      'efficientnetv2_cifar100_max78000', 'kws20_v3', 'mobilenetv2_075_cifar100', 'mobilenetv2_075_cifar100_max78000',
      'ressimplenet_cifar100', 'simplenet_cifar100', 'unet_large_camvid', 'widenet_cifar100']));
  });

  it.each(zoo.map((e) => e.name))('%s', (name) => {
    const { model, chips, weights } = loadModel(name);
    const input = seededTensor(model.inputShape, 0x57117);
    const n = model.layers.length;
    const whole = runModel(model, model.params!, input);
    // The outputs are not degenerate: the last 8-bit layer varies.
    const lastEight = [...whole].reverse().find((t) => t.data instanceof Int8Array)!;
    expect(new Set(lastEight.data).size, 'distinct values in the last 8-bit output').toBeGreaterThan(2);

    // TypeScript, one plan: each segment gets only the tensors crossing its cut.
    const plans = splitPlans(model);
    const starts = plans[1]!;
    const known = new Map<number, Tensor>([[-1, input]]);
    starts.forEach((first, k) => {
      const last = (starts[k + 1] ?? n) - 1;
      const inputs = new Map(crossingTensors(model, first).map((t) => [t.source, known.get(t.source)!]));
      const outs = runLayers(model, model.params!, { first, last }, inputs);
      for (const [i, t] of outs) {
        const d = firstDifference(whole[i]!, t);
        expect(d, `TS segment ${first}..${last}, layer ${i}: ${d?.reason}`).toBeNull();
        known.set(i, t);
      }
    });

    const runs = [[0], ...plans].map((p) => ({
      chip: chipFor(chips, p, n),
      segments: p.map((first, k) => segmentOf(model, first, (p[k + 1] ?? n) - first)),
      inputs: new Map([[-1, input]]),
    }));
    const results = runOnSimulator(runs);
    results.forEach((r, k) => {
      const where = `C segments at [${[[0], ...plans][k]!.join(', ')}] on ${runs[k]!.chip} (${weights} weights)`;
      expect(r.ok ? null : r.error, where).toBeNull();
      if (!r.ok) return;
      const layers = r.segments.flatMap((s) => s.layers);
      expect(layers.map((l) => l.id), where).toEqual(model.layers.map((l) => l.index));
      const bad = layers.find((l) => l.hash !== tensorHash(whole[l.id]!));
      expect(bad ? `layer ${bad.id} differs` : null, where).toBeNull();
      const final = r.segments.at(-1)!.outputs.find((o) => o.id === n - 1);
      expect(final?.hash, `${where}: model output`).toBe(tensorHash(whole[n - 1]!));
    });
  });
});
