// The cycle model (MAX78000.md section 3): its three reference points exactly, in TypeScript
// and in C; the mapping notes; the published model times as a sanity check; and the C model
// (through synergy-accel) giving the same cycles as the TypeScript one for every layer of
// every zoo model on both chips.

import { describe, expect, it } from 'vitest';
import { runAccelTool } from '../../host/model/accel-tool.js';
import { CHIPS, chipSpec } from '../../host/model/chips.js';
import { cycleInputsOf, cyclesToUs, layerCycles, networkCycles } from '../../host/model/cycles.js';
import { parseLayerTable } from '../../host/model/import-table.js';
import type { Model } from '../../host/model/layer.js';
import { encodeSegment, segmentOf } from '../../host/model/segment-codec.js';
import { listZoo, loadModel } from '../../host/model/zoo.js';


const { max78000, max78002 } = CHIPS;

/** A one-layer network: C x H x W input, 3x3 conv with padding 1 to `out` channels. */
function oneConv(c: number, h: number, w: number, out: number): Model {
  return parseLayerTable({
    network: `conv_${c}x${h}x${w}_${out}`,
    input_shape: [c, h, w],
    layers: [{ op: 'conv2d', kernel: [3, 3], pad: [1, 1], input_sources: [-1], input_shape: [c, h, w], pooled_shape: [c, h, w],
      output_shape: [out, h, w], weight_bits: 8, weights_shape: [out, c, 3, 3] }],
  }, 'reference');
}

const REFERENCE: [string, Model, number][] = [
  ['3x32x32 -> 64, 3x3 pad 1', oneConv(3, 32, 32, 64), 67_981],
  ['1x28x28 -> 8, 3x3 pad 1', oneConv(1, 28, 28, 8), 8_189],
  ['128x8x8 -> 16 (m = 2), 3x3 pad 1', oneConv(128, 8, 8, 16), 2_485],
];

describe('reference points', () => {
  it.each(REFERENCE)('%s: %i cycles in TypeScript', (_what, model, cycles) => {
    expect(networkCycles(model.layers, max78000)).toBe(cycles);
  });

  it('67,981 cycles are 1.36 ms at 50 MHz', () => {
    expect(cyclesToUs(67_981, max78000.cnnClockHz)).toBeCloseTo(1359.62, 2);
  });

  it('the same three in C', () => {
    const answers = runAccelTool('cycles', REFERENCE.map(([, m]) => ({
      chip: 'max78000', segments: [encodeSegment(segmentOf(loadModelWithWeights(m), 0, 1))],
    })));
    answers.forEach((a, k) => {
      const seg = (a['segments'] as { total_cycles: number }[])[0]!;
      expect(seg.total_cycles).toBe(REFERENCE[k]![2]);
    });
  });
});

/** A table model with generated weights (the C tool reads whole segments, weights included). */
function loadModelWithWeights(m: Model): Model {
  const params = m.layers.map((l) => ({
    weights: l.weightsShape ? new Int8Array(l.weightsShape.reduce((a, b) => a * b, 1)) : null,
    bias: l.biasPresent ? new Int8Array(l.outputShape[0]) : null,
  }));
  return { ...m, params };
}

describe('mapping notes', () => {
  const res = loadModel('ressimplenet_cifar100').model;
  const kws = loadModel('kws20_v3').model;
  const unet = loadModel('unet_large_camvid').model;
  const effnet = loadModel('efficientnetv2_cifar100').model;

  it('counts hardware output channels from the output processors (100 outputs -> 2 x 52)', () => {
    expect(cycleInputsOf(res.layers[16]!, max78000).co).toBe(104);
    const table = oneConv(3, 8, 8, 100);
    expect(cycleInputsOf(table.layers[0]!, max78000).co).toBe(104);
  });

  it('maps conv1d to H = L, W = 1, kernel k x 1, padding p x 0', () => {
    const i = cycleInputsOf(kws.layers[2]!, max78000);
    expect([i.hp, i.wp, i.kr, i.kc, i.pr, i.pc, i.m]).toEqual([63, 1, 3, 1, 1, 0, 2]);
  });

  it('maps a flattening linear layer to a 1x1 conv over the pooled dims, F not passed', () => {
    const i = cycleInputsOf(kws.layers[8]!, max78000);
    expect([i.hp, i.wp, i.kr, i.kc, i.pr, i.pc, i.wo, i.flatten, i.co]).toEqual([4, 1, 1, 1, 0, 0, 1, false, 21]);
  });

  it('doubles the pooled input of a transposed conv', () => {
    const i = cycleInputsOf(unet.layers[8]!, max78000);
    expect([i.hp, i.wp]).toEqual([22, 22]);
  });

  it('gives passthrough layers timeslots from their processors per quadrant', () => {
    // ResSimpleNet layer 2: 20 processors 0..19 -> 16 in quadrant 0: T = 1 + floor(15 / 4) = 4.
    expect(cycleInputsOf(res.layers[2]!, max78000).t).toBe(4);
    const narrow = { ...res.layers[2]!, hw: { ...res.layers[2]!.hw, processors: 0x0007000700070007n } };
    expect(cycleInputsOf(narrow, max78000).t).toBe(1);
  });

  it('counts 2m - 1 passes for MAX78000 passthrough pooling over several passes, not for MAX78002', () => {
    const avgpool = effnet.layers[31]!; // 1024 channels, 16x16 average pool
    expect(cycleInputsOf(avgpool, max78000).m).toBe(31);
    expect(cycleInputsOf(avgpool, max78002).m).toBe(16);
  });

  it('adds the MAX78000 pre-read term for pool-after-eltwise layers, proportional to the kernel start', () => {
    const l = res.layers[12]!; // add then 2x2 max pool, 3x3 pad 1 on 4x4
    expect(l.poolFirst).toBe(false);
    // ((Hp + 2pr - kc + 1) pc + (Wp + 2pc - kr + 1) pr - pr pc) * start = (4 + 4 - 1) * start
    expect(layerCycles(l, max78000, 8) - layerCycles(l, max78000, 0)).toBe(56);
    expect(layerCycles(l, max78002, 8) - layerCycles(l, max78002, 0)).toBe(0);
  });

  it('multiplies streaming layers by 1.5 (rounded as floor((15 x + 9) / 10))', () => {
    const l = res.layers[0]!;
    const plain = layerCycles(l, max78000);
    expect(layerCycles({ ...l, streaming: true }, max78000)).toBe(Math.floor((15 * plain + 9) / 10));
  });
});

describe('published model times (whole-program times, MSDK READMEs)', () => {
  it.each([['kws20_v3', 1442], ['convnet5_mnist', 1410], ['simplenet_cifar100', 2593]] as const)(
    '%s: the CNN estimate is close to %i us at 50 MHz', (name, published) => {
      const us = cyclesToUs(networkCycles(loadModel(name).model.layers, max78000), max78000.cnnClockHz);
      console.log(`${name}: estimate ${us.toFixed(1)} us, published ${published} us (${((us / published) * 100).toFixed(1)}%)`);
      // Published times include the program around the CNN; the estimate is the CNN alone.
      expect(us).toBeLessThanOrEqual(published);
      expect(us).toBeGreaterThan(0.9 * published);
    });
});

describe('C and TypeScript agree', () => {
  it('on every layer of every zoo model, on both chips, with and without kernel start columns', () => {
    let layers = 0;
    for (const chip of [max78000, max78002]) {
      const requests = [];
      const expected: number[][] = [];
      for (const e of listZoo()) {
        const model = loadModel(e.name).model;
        const blob = encodeSegment(segmentOf(model, 0, model.layers.length));
        const starts = model.layers.map((_, i) => 4 * ((i * 37) % 192));
        requests.push({ chip: chip.name, segments: [blob] });
        expected.push(model.layers.map((l) => layerCycles(l, chip)));
        requests.push({ chip: chip.name, segments: [blob], args: new Map([[0, [starts]]]) });
        expected.push(model.layers.map((l, i) => layerCycles(l, chip, starts[i])));
      }
      const answers = runAccelTool('cycles', requests);
      answers.forEach((a, k) => {
        expect(a.error).toBeUndefined();
        expect(a['chip']).toBe(chip.name);
        expect(a['clock_hz']).toBe(chip.cnnClockHz);
        const seg = (a['segments'] as { layers: { cycles: number }[]; total_cycles: number }[])[0]!;
        expect(seg.layers.map((l) => l.cycles)).toEqual(expected[k]);
        expect(seg.total_cycles).toBe(1 + expected[k]!.reduce((x, y) => x + y, 0));
        layers += seg.layers.length;
      });
    }
    expect(layers).toBe(2 * 2 * listZoo().reduce((a, e) => a + e.layers, 0));
  });

  it('on split segments: per-layer cycles do not depend on where a model is cut', () => {
    const model = loadModel('unet_large_camvid').model;
    const whole = model.layers.map((l) => layerCycles(l, chipSpec('max78000')));
    const pieces = [[0, 7], [7, 5], [12, 7]] as const;
    const answers = runAccelTool('cycles', [{ chip: 'max78000', segments: pieces.map(([f, n]) => encodeSegment(segmentOf(model, f, n))) }]);
    const segs = answers[0]!['segments'] as { first: number; layers: { cycles: number }[] }[];
    expect(segs.flatMap((s) => s.layers.map((l) => l.cycles))).toEqual(whole);
  });
});
