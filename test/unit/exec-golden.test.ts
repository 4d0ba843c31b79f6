// The reference executor against Analog Devices' golden data: every layer's prepared input,
// accumulators and output, and the final output, must equal the synthesis tool's exactly.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runModel, type LayerTrace } from '../../host/model/exec.js';
import { compareWithGolden, loadGolden } from '../../host/model/exec-golden.js';
import { firstDifference } from '../../host/model/tensor.js';
import { goldenSets } from '../../host/model/shared-dir.js';

describe('reference executor reproduces the golden outputs', () => {
  const { dir: goldenDir, names: sets } = goldenSets("the golden executor tests need Analog Devices' golden data");
  it('finds the seven golden networks', () => {
    expect(sets).toEqual(expect.arrayContaining(['mnist', 'mnist-actvariant', 'kws20_v3', 'kws20_v3-pre2023',
      'cifar100-simple-synth', 'cifar100-ressimplenet-synth', 'cifar100-simplewide2x-synth']));
  });

  it.each(sets)('%s: every layer and the final output are exact', (name) => {
    const set = loadGolden(join(goldenDir, name), name);
    const traces = new Map<number, LayerTrace>();
    const outputs = runModel(set.model, set.model.params!, set.input, { trace: (t) => traces.set(t.layer, t) });
    // Stage by stage, so a failure names where the arithmetic first parts ways.
    for (const g of set.layers) {
      const t = traces.get(g.layer)!;
      const prep = firstDifference(g.convInput, { shape: g.convInput.shape, data: t.prepared });
      expect(prep, `layer ${g.layer} conv_input: ${prep?.reason}`).toBeNull();
      if (g.acc) {
        expect(t.acc, `layer ${g.layer} has accumulators`).not.toBeNull();
        const bad = g.acc.data.findIndex((v, k) => v !== t.acc![k]);
        expect(bad, `layer ${g.layer} acc first differs at ${bad}: expected ${g.acc.data[bad]}, got ${t.acc![bad]}`).toBe(-1);
        expect(t.acc!.length).toBe(g.acc.data.length);
      }
    }
    const mismatch = compareWithGolden(set, outputs);
    expect(mismatch, mismatch ? `layer ${mismatch.layer} ${mismatch.stage}: ${mismatch.reason}` : '').toBeNull();
  });
});
