// Split execution equals unsplit execution for every model of ../shared/models, at several cut
// points (including the one crossed by the most tensors: residual branches, UNet skips). The
// TypeScript executor runs each later segment from exactly the tensors boundary.ts says cross
// the cut; the C simulator runs the segments as the board would (segment descriptions through
// the C decoder, several resident at once, outputs relayed between them) and must match every
// layer of the unsplit TypeScript run.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accelToolBuilt, accelToolPath } from '../../host/model/accel-tool.js';
import { crossingTensors } from '../../host/model/boundary.js';
import { seededModel } from '../../host/model/exec-cases.js';
import { runLayers, runModel } from '../../host/model/exec.js';
import { runOnSimulator } from '../../host/model/exec-sim.js';
import { readLayerTable } from '../../host/model/import-table.js';
import type { Model } from '../../host/model/layer.js';
import { segmentOf } from '../../host/model/segment-codec.js';
import { firstDifference, tensorHash, type Tensor } from '../../host/model/tensor.js';

const modelsDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'models');
const haveModels = existsSync(modelsDir);
const haveTool = accelToolBuilt();
if (!haveModels) console.warn(`SKIPPED: ${modelsDir} is absent; the split tests need the shared layer tables`);
if (!haveTool) console.warn(`SKIPPED: ${accelToolPath()} is missing (run \`make firmware\`); the C split runs need it`);
const files = haveModels ? readdirSync(modelsDir).filter((f) => f.endsWith('.json')).sort() : [];

/** Segment start lists: halves, quarters, and a cut crossed by the most tensors. */
function splitPlans(model: Model): number[][] {
  const n = model.layers.length;
  let busiest = 1;
  for (let c = 1; c < n; c++) if (crossingTensors(model, c).length > crossingTensors(model, busiest).length) busiest = c;
  const plans = [[0, Math.floor(n / 2)], [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4)], [0, busiest]];
  return plans.map((p) => [...new Set(p)].filter((c) => c < n).sort((a, b) => a - b));
}

const chipFor = (m: Model): string => (m.layers.some((l) => l.groups > 1) || m.layers.length > 32 ? 'max78002' : 'max78000');

describe.skipIf(!haveModels)('split execution equals unsplit execution', () => {
  it.each(files)('%s', (file) => {
    const { model, input } = seededModel(readLayerTable(join(modelsDir, file)), 0x57117);
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

    if (!haveTool) return;
    const chip = chipFor(model);
    const runs = [[0], ...plans].map((p) => ({
      chip,
      segments: p.map((first, k) => segmentOf(model, first, (p[k + 1] ?? n) - first)),
      inputs: new Map([[-1, input]]),
    }));
    const results = runOnSimulator(runs);
    results.forEach((r, k) => {
      const where = `C segments at [${[[0], ...plans][k]!.join(', ')}] on ${chip}`;
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
