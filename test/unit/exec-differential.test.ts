// One truth for the arithmetic: thousands of seeded random single layers run in the TypeScript
// reference executor and in the C simulator (one synergy-accel process for the whole batch)
// must give identical outputs. Hashes first; a mismatch is re-run with full values to name the
// first differing element.
import { describe, expect, it } from 'vitest';
import { layerCase, type LayerCase } from '../../host/model/exec-cases.js';
import { runLayer } from '../../host/model/exec.js';
import { runOnSimulator, simTensorOf, type SimRun } from '../../host/model/exec-sim.js';
import { segmentOf } from '../../host/model/segment-codec.js';
import { firstDifference, tensorHash, type Tensor } from '../../host/model/tensor.js';

const CASES = 3000;

function runTs(c: LayerCase): Tensor {
  const layer = c.model.layers[c.layer]!;
  return runLayer(layer, c.model.params![c.layer]!, layer.inputSources.map((s) => c.inputs.get(s)!));
}

function simRun(c: LayerCase): SimRun {
  return { chip: c.chip, segments: [segmentOf(c.model, c.layer, 1)], inputs: c.inputs };
}

describe('random layer cases', () => {
  const cases = Array.from({ length: CASES }, (_, k) => layerCase(0x5eed0000 + k));

  it('cover every operation and arithmetic feature', () => {
    const layers = cases.map((c) => c.model.layers[c.layer]!);
    const has = (what: string, f: (l: (typeof layers)[number]) => boolean): void => {
      expect(layers.filter(f).length, `cases with ${what}`).toBeGreaterThan(10);
    };
    for (const op of ['conv2d', 'conv1d', 'convtranspose2d', 'linear', 'passthrough'] as const) has(op, (l) => l.op === op);
    for (const e of ['add', 'sub', 'or', 'xor'] as const) {
      has(`${e} pooled first`, (l) => l.eltwise === e && l.poolFirst && l.pool.type !== null);
      has(`${e} then pooled`, (l) => l.eltwise === e && !l.poolFirst && l.pool.type !== null);
    }
    for (const n of [2, 3, 4]) has(`${n} operands`, (l) => l.operands === n);
    for (const p of ['max', 'avg'] as const) has(`${p} pooling`, (l) => l.pool.type === p && l.pool.size[0] > 1);
    has('1x1 pooling with stride (subsampling)', (l) => l.pool.size[0] === 1 && l.pool.stride[0] > 1);
    for (const b of [1, 2, 4, 8]) has(`${b}-bit weights`, (l) => l.weightBits === b);
    has('32-bit output', (l) => l.outputWidth === 32);
    for (const a of ['relu', 'abs', null] as const) has(`activation ${a}`, (l) => l.activation === a && l.op !== 'passthrough');
    has('passthrough with activation', (l) => l.op === 'passthrough' && l.activation !== null);
    has('padding 2', (l) => l.pad[0] === 2);
    has('more than 64 input channels', (l) => l.pooledShape[0] > 64);
    has('more than 64 output channels', (l) => l.outputShape[0] > 64 && l.op !== 'passthrough');
    has('flatten', (l) => l.flatten);
    has('conv1d with dilation', (l) => l.op === 'conv1d' && l.dilation[0] > 1);
    has('depthwise', (l) => l.groups > 1);
    has('bias', (l) => l.biasPresent);
    has('concatenated sources', (l) => l.inputSources.length > 1);
    has('extreme output shift', (l) => Math.abs(l.outputShift) >= 20);
  });

  it(`${CASES} cases: C simulator equals the TypeScript executor`, () => {
    const t0 = performance.now();
    const expected = cases.map(runTs);
    const t1 = performance.now();
    const results = runOnSimulator(cases.map(simRun));
    const t2 = performance.now();
    console.log(`differential: ${CASES} layers, TypeScript ${(t1 - t0).toFixed(0)} ms, C (one process, incl. encoding) ${(t2 - t1).toFixed(0)} ms`);

    const refused = results.flatMap((r, k) => (r.ok ? [] : [`${cases[k]!.summary}: ${r.error}`]));
    expect(refused, 'cases the C simulator refused').toEqual([]);
    const differ: number[] = [];
    results.forEach((r, k) => {
      if (!r.ok) return;
      const seg = r.segments[0]!;
      const h = tensorHash(expected[k]!);
      if (seg.layers[0]!.hash !== h || seg.outputs[0]!.hash !== h) differ.push(k);
    });
    if (differ.length > 0) {
      // Full values for the first few, to say where they part ways.
      const again = runOnSimulator(differ.slice(0, 5).map((k) => simRun(cases[k]!)), { values: true });
      const lines = again.map((r, j) => {
        const k = differ[j]!;
        const d = r.ok ? firstDifference(expected[k]!, simTensorOf(r.segments[0]!.layers[0]!)) : null;
        return `${cases[k]!.summary}: ${r.ok ? d?.reason : r.error}`;
      });
      expect.fail(`${differ.length} of ${CASES} cases differ:\n${lines.join('\n')}`);
    }

    // The cases must mean something: 8-bit outputs mostly neither all-saturated nor all-zero.
    const lively = expected.filter((t) => t.data instanceof Int8Array && t.data.some((v) => v !== 0 && v !== 127 && v !== -128)).length;
    const eight = expected.filter((t) => t.data instanceof Int8Array).length;
    expect(lively / eight).toBeGreaterThan(0.8);
  });
});
