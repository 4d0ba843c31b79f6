// The fit rules against the examples FIT-RULES.md marks as printed by Analog Devices' synthesis
// tool (the worked kernel examples of 3.7, the allocation of 3.4, footprints of 3.3, the bias
// examples of 4.1, the messages of 5, 6.2 and 7), and against the facts published with the
// shared layer tables. Every case runs in TypeScript and, when synergy-accel is built, in C
// (one process for all of them), and the two answers must be identical.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FitOk, FitRefusal, FitResult } from '../../host/model/fit.js';
import { readLayerTable } from '../../host/model/import-table.js';
import type { Model } from '../../host/model/layer.js';
import { modelMacs } from '../../host/model/macs.js';
import { asToolJson, fitC, fitTs, type FitCase } from './fit-both.js';
import { ALL, net, type NetLayer } from './fit-net.js';
import { requireShared } from '../../host/model/shared-dir.js';


// Every case is registered here at load time, so the C side can run all of them in one process.
const cases: FitCase[] = [];
const cResults: unknown[] = [];
function register(chip: string, ...models: Model[]): number {
  cases.push({ chip, slices: models.map((model) => ({ model, first: 0, count: model.layers.length })) });
  return cases.length - 1;
}
/** The TypeScript answer of a registered case, checked against the C answer. */
function answer(id: number): FitResult {
  const r = fitTs(cases[id]!);
  expect(cResults[id], 'C answer').toEqual(asToolJson(r));
  return r;
}
function ok(id: number): FitOk {
  const r = answer(id);
  if (!r.ok) throw new Error(`expected a fit, got ${r.limit}: ${r.message}`);
  return r;
}
function refused(id: number): FitRefusal {
  const r = answer(id);
  if (r.ok) throw new Error('expected a refusal, got a fit');
  return r;
}

beforeAll(() => {
  cResults.push(...fitC(cases));
});

const one = (name: string, input: [number, number, number], layer: NetLayer, chip = 'max78000'): number =>
  register(chip, net(name, input, [layer]));
const processorsHolding = (r: FitOk): number => r.kernel.columnsPerProcessor.filter((c) => c > 0).length;

describe('kernel lengths of FIT-RULES.md 3.7 (MAX78000)', () => {
  const rows: [string, [number, number, number], NetLayer, number, number][] = [
    ['3x3 64->64', [64, 8, 8], { cout: 64 }, 64, 64],
    ['1x1 64->64', [64, 8, 8], { cout: 64, k: 1 }, 8, 64],
    ['3x3 128->128', [128, 4, 4], { cout: 128 }, 256, 64],
    ['1x1 128->256', [128, 4, 4], { cout: 256, k: 1 }, 57, 64],
    ['3x3 3->128 first layer on 0x7', [3, 8, 8], { cout: 128 }, 128, 3],
    ['linear 256->10, no flatten', [256, 1, 1], { op: 'linear', cout: 10 }, 5, 64],
    ['linear flatten 64x2x2->10', [64, 2, 2], { op: 'linear', flatten: true, cout: 10 }, 5, 64],
    ['linear flatten 16x4x4->10', [16, 4, 4], { op: 'linear', flatten: true, cout: 10 }, 18, 16],
    ['linear flatten 4x8x8->10', [4, 8, 8], { op: 'linear', flatten: true, cout: 10 }, 72, 4],
    ['linear flatten 64x4x4->10', [64, 4, 4], { op: 'linear', flatten: true, cout: 10 }, 18, 64],
    ['linear flatten 128x2x2->10', [128, 2, 2], { op: 'linear', flatten: true, cout: 10 }, 9, 64],
    ['3x3 64->64 4-bit', [64, 8, 8], { cout: 64, bits: 4 }, 32, 64],
    ['3x3 64->64 2-bit', [64, 8, 8], { cout: 64, bits: 2 }, 16, 64],
    ['3x3 64->64 1-bit', [64, 8, 8], { cout: 64, bits: 1 }, 8, 64],
    ['3x3 ->7 4-bit', [16, 8, 8], { cout: 7, bits: 4 }, 4, 16],
    ['3x3 ->7 2-bit', [16, 8, 8], { cout: 7, bits: 2 }, 3, 16],
    ['3x3 ->7 1-bit (over-reserved)', [16, 8, 8], { cout: 7, bits: 1 }, 7, 16],
    ['1x1 ->64 4-bit', [16, 8, 8], { cout: 64, k: 1, bits: 4 }, 4, 16],
    ['1x1 ->64 2-bit', [16, 8, 8], { cout: 64, k: 1, bits: 2 }, 2, 16],
    ['1x1 ->64 1-bit', [16, 8, 8], { cout: 64, k: 1, bits: 1 }, 1, 16],
    ['conv1d k=1 4->64', [4, 32, 1], { op: 'conv1d', k: 1, cout: 64 }, 8, 4],
    ['conv1d k=3 4->64', [4, 32, 1], { op: 'conv1d', k: 3, cout: 64 }, 22, 4],
    ['conv1d k=5 4->64', [4, 32, 1], { op: 'conv1d', k: 5, cout: 64 }, 36, 4],
    ['conv1d k=9 4->64', [4, 32, 1], { op: 'conv1d', k: 9, cout: 64 }, 64, 4],
    ['conv1d k=5 4->64 4-bit', [4, 32, 1], { op: 'conv1d', k: 5, cout: 64, bits: 4 }, 18, 4],
    ['conv1d k=3 dilation 2 (stretched to 5)', [4, 32, 1], { op: 'conv1d', k: 3, dilation: 2, cout: 64 }, 36, 4],
    ['conv1d k=3 dilation 8 (3x3 hardware)', [4, 64, 1], { op: 'conv1d', k: 3, dilation: 8, cout: 64, outOffset: 0x1000 }, 64, 4],
  ];
  const ids = rows.map(([name, input, layer]) => one(name, input, layer));
  rows.forEach(([name, , , len, holders], i) => {
    it(`${name}: ${len} columns on ${holders} processors`, () => {
      const r = ok(ids[i]!);
      expect(r.perLayer[0]!.kernelLength).toBe(len);
      expect(processorsHolding(r)).toBe(holders);
      expect(r.kernel.maxColumns).toBe(len);
    });
  });

  const full = register('max78000', net('384-pair', [64, 4, 4], [{ cout: 384 }, { cout: 64 }]));
  it('3x3 64->384 then 384->64 fill all 768 columns', () => {
    const r = ok(full);
    expect(r.perLayer.map((p) => p.kernelLength)).toEqual([384, 384]);
    expect(r.kernel.columnsPerProcessor.every((c) => c === 768)).toBe(true);
  });

  const big = one('128-512', [128, 4, 4], { cout: 512 });
  it('3x3 128->512 (1,024 columns) is refused', () => {
    const r = refused(big);
    expect(r.limit).toBe('kernel_memory');
    expect(r.message).toBe('Layer 0: Kernel memory exhausted at processor 0; offset: 0 (0x0000), needed: 1024.');
  });
});

describe('footprints of FIT-RULES.md 3.3', () => {
  const a = one('1x1 0xffe', [16, 4, 4], { cout: 11, k: 1, outProcs: 0xffen });
  const b = one('3x3 0x1fe', [16, 4, 4], { cout: 8, outProcs: 0x1fen });
  const c = one('1x1 0x155', [16, 4, 4], { cout: 5, k: 1, outProcs: 0x155n });
  it('1x1 8-bit on output map 0xffe reserves 2 columns and marks 3', () => {
    const r = ok(a);
    expect(r.perLayer[0]!.kernelLength).toBe(2);
    expect(r.kernel.maxColumns).toBe(3);
  });
  it('3x3 on output map 0x1fe marks columns 1-8 and leaves column 0 free', () => {
    const r = ok(b);
    expect(r.perLayer[0]!.kernelLength).toBe(8);
    expect(r.kernel.maxColumns).toBe(8);
  });
  it('1x1 with gaps (0x155) overruns its 1-column reservation to 5 columns', () => {
    const r = ok(c);
    expect(r.perLayer[0]!.kernelLength).toBe(1);
    expect(r.kernel.maxColumns).toBe(5);
  });
  const later = register('max78000', net('gap then 3x3', [16, 4, 4], [{ cout: 8, outProcs: 0x1fen, procs: 0xffffn }, { cout: 16, procs: 0x1fen }]));
  it('a later layer\'s window avoids the columns of a gapped footprint', () => {
    const r = ok(later);
    // Layer 0 marks columns 1-8 of processors 0-15; layer 1 (processors 1-8, 16 columns) first fits at 12.
    expect(r.perLayer.map((p) => p.kernelStart)).toEqual([0, 12]);
  });
});

describe('allocation of FIT-RULES.md 3.4', () => {
  const four = register('max78000', net('four layers', [3, 4, 4], [
    { cout: 64, procs: 0x7n },
    { cout: 64, procs: ALL },
    { cout: 64, k: 1, procs: ALL },
    { op: 'linear', flatten: true, cout: 10, procs: ALL },
  ]));
  it('places all-64-processor layers first: L1 at 0, L2 at 64, L3 at 72, L0 at 92; 52,928 weight bytes', () => {
    const r = ok(four);
    expect(r.perLayer.map((p) => p.kernelStart)).toEqual([92, 0, 64, 72]);
    expect(r.perLayer.map((p) => p.kernelLength)).toEqual([64, 64, 8, 18]);
    expect(r.weightBytes).toBe(52_928);
  });

  const disjoint = register('max78000', net('disjoint', [4, 4, 4], [
    { cout: 8, k: 1, procs: 0xfn, outProcs: 0xff0n },
    { cout: 4, k: 1, procs: 0xff0n, outProcs: 0xfn },
  ]));
  it('layers on disjoint processors share columns (both start at 0)', () => {
    expect(ok(disjoint).perLayer.map((p) => p.kernelStart)).toEqual([0, 0]);
  });

  const twelve = Array.from({ length: 12 }, (): NetLayer => ({ cout: 64, procs: ALL }));
  const thirteen = register('max78000', net('thirteen', [64, 4, 4], [...twelve, { cout: 64, procs: ALL }]));
  it('reports the first aligned offset past the end when 768 columns are full (offset 708, needed 64)', () => {
    const r = refused(thirteen);
    expect(r.limit).toBe('kernel_memory');
    expect(r.layer).toBe(12);
    expect(r.message).toBe('Layer 12: Kernel memory exhausted at processor 0; offset: 708 (0x02c4), needed: 64.');
    expect(r.numbers).toEqual({ processor: 0, offset: 708, needed: 64, columns: 768 });
  });

  const chw = register('max78002', net('chw top', [3, 16, 16], [{ cout: 64, procs: 0x100010001n, chw: true }]));
  it('MAX78002 places a layer on large processors only at the top: 64 columns at 5056', () => {
    expect(ok(chw).perLayer[0]!.kernelStart).toBe(5056);
  });
});

describe('bias memory of FIT-RULES.md 4.1', () => {
  const wide = one('1024 biased', [64, 1, 1], { cout: 1024, k: 1, bias: true });
  it('refuses one layer with 1,024 biased outputs: one quadrant holds 512', () => {
    const r = refused(wide);
    expect(r.limit).toBe('bias_memory');
    expect(r.message).toBe('Layer 0: bias memory capacity exhausted - available groups: [0, 1, 2, 3], used so far: [0, 0, 0, 0], '
      + 'needed: 1024 bytes, best available: group 0 with 512 bytes available.');
  });

  const l256 = (): NetLayer => ({ cout: 256, k: 1, bits: 1, bias: true, procs: ALL, outProcs: ALL });
  const eight = register('max78000', net('eight 256', [256, 2, 2], Array.from({ length: 8 }, l256)));
  const nine = register('max78000', net('nine 256', [256, 2, 2], Array.from({ length: 9 }, l256)));
  it('eight 256-byte biases fill [512, 512, 512, 512], alternating quadrants', () => {
    const r = ok(eight);
    expect(r.bias.perQuadrant).toEqual([512, 512, 512, 512]);
    expect(r.perLayer.map((p) => p.biasQuadrant)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(r.bias.bytes).toBe(2048);
  });
  it('a ninth is refused', () => {
    const r = refused(nine);
    expect(r.message).toBe('Layer 8: bias memory capacity exhausted - available groups: [0, 1, 2, 3], used so far: [512, 512, 512, 512], '
      + 'needed: 256 bytes, best available: group 0 with 0 bytes available.');
  });

  const flat = (chip: string): number => register(chip, net('flatten last', [3, 4, 4], [
    { cout: 64, bias: true }, { cout: 64, bias: true }, { cout: 64, bias: true },
    { op: 'linear', flatten: true, cout: 10, bias: true },
  ]));
  const flat0 = flat('max78000');
  const flat2 = flat('max78002');
  it('MAX78000 places the flatten layer first (quadrant 0), then the 64-byte layers in quadrants 1, 2, 3', () => {
    const r = ok(flat0);
    expect(r.perLayer.map((p) => p.biasQuadrant)).toEqual([1, 2, 3, 0]);
    expect(r.bias.perQuadrant).toEqual([10, 64, 64, 64]);
  });
  it('MAX78002 does not: largest first', () => {
    expect(ok(flat2).perLayer.map((p) => p.biasQuadrant)).toEqual([0, 1, 2, 3]);
  });

  const q0 = register('max78000', net('quadrant 0 only', [16, 4, 4], [
    { cout: 16, bias: true }, { cout: 16, bias: true }, { cout: 16, bias: true }, { cout: 16, bias: true },
  ]));
  it('a network on quadrant 0 only has 512 bytes of bias', () => {
    const r = ok(q0);
    expect(r.bias.perQuadrant).toEqual([64, 0, 0, 0]);
    expect(r.perLayer.map((p) => p.biasOffset)).toEqual([0, 16, 32, 48]);
  });
});

describe('layer count, flatten, data memory and operator rules (FIT-RULES.md 5, 6.2, 7)', () => {
  const pts = (n: number): NetLayer[] => Array.from({ length: n }, (): NetLayer => ({ op: 'passthrough' }));
  const l32 = register('max78000', net('1+31', [16, 4, 4], [{ cout: 16 }, ...pts(31)]));
  const l33 = register('max78000', net('1+32', [16, 4, 4], [{ cout: 16 }, ...pts(32)]));
  it('1 conv + 31 passthrough layers fit; one more is refused', () => {
    expect(ok(l32).layers).toBe(32);
    const r = refused(l33);
    expect(r.limit).toBe('layers');
    expect(r.message).toBe('This device supports up to 32 layers (found in layer sequence 32 in YAML configuration).');
    expect(r.numbers).toEqual({ layers: 33, max: 32 });
  });

  const f17 = one('flatten 17x16', [4, 17, 16], { op: 'linear', flatten: true, cout: 10 });
  it('refuses flatten over 17 x 16 pixels', () => {
    const r = refused(f17);
    expect(r.limit).toBe('flatten');
    expect(r.message).toBe('Layer 0: `flatten` exceeds supported input dimensions (17 * 16 > 256)).');
  });
  const f128 = one('flatten 128x16x16', [128, 16, 16], { op: 'linear', flatten: true, cout: 10 });
  it('refuses flatten of 128x16x16 (2 passes x 256 pixels), which the tool forgets to check', () => {
    const r = refused(f128);
    expect(r.limit).toBe('flatten');
    expect(r.numbers).toEqual({ steps: 512, max: 256 });
  });

  const in91 = one('91x91', [4, 91, 91], { cout: 4, k: 1 });
  const chw182 = one('182x182 chw', [1, 182, 182], { cout: 1, k: 1, chw: true });
  const out90 = one('90x90 out', [4, 90, 90], { cout: 4, k: 1, outOffset: 0x4000 });
  const chw181 = one('181x181 chw', [1, 181, 181], { cout: 4, k: 1, chw: true });
  it('gives the tool\'s data-memory messages', () => {
    expect(refused(in91).message).toBe('Layer 0: 4 channels/word 91x91 input (size 33124) with input offset 0x0000 and expansion 1x '
      + 'exceeds data memory instance size of 32768.');
    expect(refused(chw182).message).toBe('Layer 0: 1 channel/word 182x182 input (size 33124) with input offset 0x0000 and expansion 1x '
      + 'exceeds data memory instance size of 32768.');
    const o = refused(out90);
    expect(o.limit).toBe('data_memory_output');
    expect(o.message).toBe('Layer 0: HWC (4 channels/word) 8-bit 90x90 output (size 32400) with output offset 0x4000 and expansion 1x '
      + 'exceeds data memory instance size of 32768.');
    const c = refused(chw181);
    expect(c.limit).toBe('data_memory_output');
    expect(c.numbers['size']).toBe(131_044);
  });

  const pad1 = one('1x1 pad 1', [4, 8, 8], { cout: 4, k: 1, pad: 1 });
  it('refuses pad >= kernel size', () => {
    const r = refused(pad1);
    expect(r.limit).toBe('padding');
    expect(r.message).toBe('Layer 0: Pad size ([1, 1]) is greater than or equal to kernel size ([1, 1]).');
  });

  const dw = (chip: string): number => one('depthwise 4', [4, 8, 8], { cout: 4, groups: 4 }, chip);
  const dw0 = dw('max78000');
  const dw2 = dw('max78002');
  it('refuses groups > 1 on MAX78000, accepts depthwise on MAX78002', () => {
    const r = refused(dw0);
    expect(r.limit).toBe('depthwise');
    expect(r.message).toBe('Layer 0: Convolution groups (4) > 1 are not  supported on this device.');
    expect(ok(dw2).perLayer[0]!.kernelLength).toBe(1);
  });

  const pool = (chip: string): number => register(chip, net('pool passthrough', [128, 4, 4], [
    { op: 'passthrough', pool: { type: 'max', size: 2 } },
  ]));
  const pool0 = pool('max78000');
  const pool2 = pool('max78002');
  it('refuses pooling in a passthrough layer over 2 passes on MAX78000 only', () => {
    expect(refused(pool0).message).toBe('Layer 0: pooling in passthrough layer uses 2 passes, which exceeds the maximum of 1 on this device.');
    expect(ok(pool2).layers).toBe(1);
  });

  const procs48 = one('100 in on 48', [100, 4, 4], { cout: 16, procs: (1n << 48n) - 1n });
  const out8 = one('100 out on 8', [16, 4, 4], { cout: 100, outProcs: 0xffn });
  it('checks processor counts per pass with the tool\'s messages', () => {
    expect(refused(procs48).message).toBe('Layer 0: 100 input channels using 2 passes, and 1 operand (52 processors per pass), but the enabled '
      + 'processor map 0x0000ffffffffffff has 48 bits instead of the expected number of 52.');
    expect(refused(out8).message).toBe('Layer 0: 100 output channels using 2 passes (52 processors per pass), but the processor output map '
      + '0x00000000000000ff has 8 bits instead of the expected number of 52.');
  });

  const noq0 = one('quadrant 1 only', [4, 4, 4], { cout: 4, procs: 0xf0000n, outProcs: 0xf0000n });
  it('refuses a network that does not use quadrant 0', () => {
    const r = refused(noq0);
    expect(r.limit).toBe('quadrant_0');
    expect(r.layer).toBeNull();
    expect(r.message).toBe('Quadrant 0 is not used, this is currently unsupported.');
  });
});

describe('several segments on one chip', () => {
  const a = net('a', [64, 4, 4], Array.from({ length: 6 }, (): NetLayer => ({ cout: 64, procs: ALL })));
  const both = register('max78000', a, a);
  const three = register('max78000', a, a, net('b', [64, 4, 4], [{ cout: 64, procs: ALL }]));
  it('allocates kernels segment after segment from column 0', () => {
    const r = ok(both);
    expect(r.layers).toBe(12);
    expect(r.perLayer.map((p) => p.kernelStart)).toEqual(Array.from({ length: 12 }, (_, i) => 64 * i));
    expect(r.perLayer[7]!.segment).toBe(1);
    expect(r.perLayer[7]!.modelLayer).toBe(1);
  });
  it('refuses the union when kernel memory runs out, naming the union layer and its segment', () => {
    const r = refused(three);
    expect(r.limit).toBe('kernel_memory');
    expect(r.layer).toBe(12);
    expect(r.segment).toBe(2);
    expect(r.modelLayer).toBe(0);
  });
});

describe('published facts of the shared layer tables', () => {
  const shared = requireShared('models', 'the published-facts tests need the shared layer tables');
  const files = readdirSync(shared).filter((f) => f.endsWith('.json')).sort();
  const models = files.map((f) => readLayerTable(join(shared, f)));
  const raw = files.map((f) => JSON.parse(readFileSync(join(shared, f), 'utf8')) as {
    fits_max78000: { verdict: string };
    totals: { weight_bytes: number; bias_bytes: number; max_kernel_words_per_processor_sum: number; macs: number };
  });
  const on78000 = models.map((m) => register('max78000', m));
  const on78002 = models.map((m) => register('max78002', m));
  it.each(files.map((f, i) => [f, i] as const))('%s: verdict, weights, bias and the fullest processor as published', (_f, i) => {
    const r0 = answer(on78000[i]!);
    const facts = raw[i]!;
    expect(r0.ok ? 'yes' : 'no').toBe(facts.fits_max78000.verdict);
    // The upstream EfficientNetV2 / MobileNetV2 layouts are MAX78002's; their totals are checked there.
    const r = r0.ok ? r0 : answer(on78002[i]!);
    if (!r.ok) throw new Error(`${_f} fits neither chip: ${r.message}`);
    expect(r.kernel.maxColumns).toBe(facts.totals.max_kernel_words_per_processor_sum);
    expect(r.weightBytes).toBe(facts.totals.weight_bytes);
    expect(r.bias.bytes).toBe(facts.totals.bias_bytes);
    expect(modelMacs(models[i]!)).toBe(facts.totals.macs);
  });
  it('ResSimpleNet needs 764 of the 768 kernel words of its fullest processor', () => {
    const r = ok(on78000[files.indexOf('ressimplenet_cifar100.json')]!);
    expect(r.kernel.maxColumns).toBe(764);
  });
  it('EfficientNetV2 and MobileNetV2 are refused by the 32-layer limit on MAX78000', () => {
    for (const f of ['efficientnetv2_cifar100.json', 'mobilenetv2_075_cifar100.json']) {
      const r = refused(on78000[files.indexOf(f)]!);
      expect(r.limit).toBe('layers');
    }
  });
});
