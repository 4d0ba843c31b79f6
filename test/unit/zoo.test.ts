// The model zoo: every model loads with chaining shapes, the committed files are what the
// importer writes, real weights come from ../shared when present (and generated ones otherwise),
// generated weights are deterministic and in range and keep activations alive and mostly
// unsaturated, and the MAX78000 variants are the upstream models without depthwise layers with a
// data layout that holds together.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chipSpec } from '../../host/model/chips.js';
import { runModel } from '../../host/model/exec.js';
import { readLayerTable } from '../../host/model/import-table.js';
import { weightBytes, type Model } from '../../host/model/layer.js';
import { ModelError } from '../../host/model/model-error.js';
import { mulberry32, seedOf } from '../../host/model/prng.js';
import { listZoo, loadModel, zooDir } from '../../host/model/zoo.js';
import { buildZoo, dataLayoutProblems } from '../../tools/import-models.js';
import { requireShared } from '../../host/model/shared-dir.js';

const WHY = 'the importer and real-weight tests need the shared layer tables and golden weights';

// name -> [layers, weight bytes, bias bytes]: the paper's models at their published shapes.
const EXPECTED: Record<string, [number, number, number]> = {
  kws20_v3: [9, 169_472, 0],
  convnet5_mnist: [5, 71_148, 10],
  simplenet_cifar100: [14, 165_228, 1_220],
  widenet_cifar100: [14, 312_200, 1_500],
  ressimplenet_cifar100: [17, 381_792, 0],
  efficientnetv2_cifar100: [33, 753_952, 5_236],
  mobilenetv2_075_cifar100: [73, 1_341_960, 6_508],
  unet_large_camvid: [19, 278_176, 908],
  efficientnetv2_cifar100_max78000: [29, 740_704, 2_740],
  mobilenetv2_075_cifar100_max78000: [56, 1_293_576, 4_348],
};

describe('zoo listing', () => {
  it('holds the eight models and the two MAX78000 variants, with their layers and bytes', () => {
    const zoo = listZoo();
    expect(zoo.map((e) => e.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const e of zoo) {
      expect([e.layers, e.weightBytes, e.biasBytes], e.name).toEqual(EXPECTED[e.name]);
      const model = readLayerTable(e.file); // parsing checks that the shapes chain
      expect(model.layers.reduce((a, l) => a + weightBytes(l), 0)).toBe(e.weightBytes);
      expect(e.chips, e.name).toEqual(model.layers.some((l) => l.depthwise) ? ['max78002'] : ['max78000', 'max78002']);
    }
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => loadModel('resnet50')).toThrow(ModelError);
    expect(() => loadModel('resnet50')).toThrow(/resnet50: zoo: no such model \(known: convnet5_mnist, .*widenet_cifar100; or give a layer-table file path\)/);
    expect(() => loadModel('/nonexistent/model.json')).toThrow(/\/nonexistent\/model.json: file: does not exist/);
  });
});

describe('importer', () => {
  it('the committed zoo files are exactly what tools/import-models.ts writes from ../shared/models', () => {
    const files = buildZoo(requireShared('models', WHY));
    expect([...files.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, text] of files) expect(readFileSync(join(zooDir(), `${name}.json`), 'utf8'), name).toBe(text);
  });

  it('keeps the facts of the import tables: every layer field but the prose', () => {
    for (const name of Object.keys(EXPECTED).filter((n) => !n.endsWith('_max78000'))) {
      const ours = readLayerTable(join(zooDir(), `${name}.json`));
      const theirs = readLayerTable(requireShared(`models/${name}.json`, WHY));
      expect(JSON.stringify(ours.layers, big), name).toBe(JSON.stringify(theirs.layers, big));
      expect(ours.inputShape).toEqual(theirs.inputShape);
    }
  });
});

const big = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString(16) : v);

describe('weights', () => {
  const saved = process.env['SYNERGY_SHARED'];
  afterEach(() => {
    if (saved === undefined) delete process.env['SYNERGY_SHARED'];
    else process.env['SYNERGY_SHARED'] = saved;
  });

  it('loads the trained KWS and MNIST weights from ../shared/golden and says so', () => {
    for (const [name, dir] of [['kws20_v3', 'kws20_v3'], ['convnet5_mnist', 'mnist']] as const) {
      const file = requireShared(`golden/${dir}/model.json`, WHY);
      const loaded = loadModel(name);
      expect(loaded.weights).toBe('real');
      expect(loaded.weightsFrom).toBe(file);
      const golden = readLayerTable(file);
      loaded.model.params!.forEach((p, i) => {
        expect(p.weights ? [...p.weights] : null).toEqual(golden.params![i]!.weights ? [...golden.params![i]!.weights!] : null);
        expect(loaded.model.layers[i]!.outputShift).toBe(golden.layers[i]!.outputShift);
      });
    }
  });

  it('falls back to generated weights when ../shared is missing, and says so', () => {
    process.env['SYNERGY_SHARED'] = '/nonexistent/shared';
    const loaded = loadModel('kws20_v3');
    expect(loaded.weights).toBe('generated');
    expect(loaded.weightsFrom).toMatch(/^generated: mulberry32/);
    expect(loaded.model.params).not.toBeNull();
  });

  it('takes weights inside a file given by path, and generates them for a table without', () => {
    expect(loadModel(requireShared('golden/mnist/model.json', WHY)).weights).toBe('imported');
    const table = loadModel(requireShared('models/simplenet_cifar100.json', WHY));
    expect(table.weights).toBe('generated');
    expect(table.entry).toBeNull();
  });

  it('seeds with FNV-1a 32 (its published test vectors) and mulberry32', () => {
    expect(seedOf('')).toBe(0x811c9dc5);
    expect(seedOf('a')).toBe(0xe40c292c);
    expect(seedOf('foobar')).toBe(0xbf9cf968);
    const a = mulberry32(seedOf('x'));
    const b = mulberry32(seedOf('x'));
    const run = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(run);
    expect(new Set(run).size).toBeGreaterThan(990);
  });

  it('generates the same weights every time, different per layer, within each layer bit range', () => {
    for (const name of ['simplenet_cifar100', 'unet_large_camvid']) {
      const one = loadModel(name, { weights: 'generated' }).model;
      const two = loadModel(name, { weights: 'generated' }).model;
      one.layers.forEach((l, i) => {
        const p = one.params![i]!;
        expect(p.weights ? [...p.weights] : null).toEqual(two.params![i]!.weights ? [...two.params![i]!.weights!] : null);
        if (l.weightBits && p.weights) {
          const k = (1 << (l.weightBits - 1)) - 1;
          expect(p.weights.reduce((a, v) => Math.min(a, v), 0), `${name} ${l.name}`).toBe(-k);
          expect(p.weights.reduce((a, v) => Math.max(a, v), 0), `${name} ${l.name}`).toBe(k);
          expect(l.outputShift + 8 - l.weightBits).toBeGreaterThanOrEqual(-15);
          expect(l.outputShift + 8 - l.weightBits).toBeLessThanOrEqual(15);
        }
        if (l.biasPresent) {
          expect(p.bias!.length).toBe(l.outputShape[0]);
          expect(p.bias!.every((v) => v >= -32 && v < 32)).toBe(true);
        } else {
          expect(p.bias).toBeNull();
        }
      });
      const firstTwo = one.params!.filter((p) => p.weights).slice(0, 2).map((p) => [...p.weights!.slice(0, 16)]);
      expect(firstTwo[0]).not.toEqual(firstTwo[1]);
    }
  });

  it('keeps generated activations alive and mostly unsaturated on random inputs', () => {
    const report: string[] = [];
    for (const name of ['convnet5_mnist', 'kws20_v3', 'simplenet_cifar100', 'widenet_cifar100', 'ressimplenet_cifar100',
      'efficientnetv2_cifar100_max78000', 'mobilenetv2_075_cifar100_max78000']) {
      const model: Model = loadModel(name, { weights: 'generated' }).model;
      const [c, h, w] = model.inputShape;
      const next = mulberry32(seedOf(`${name}:input`));
      const data = Int8Array.from({ length: c * h * w }, () => (next() % 128) - 64);
      const outputs = runModel(model, model.params!, { shape: [c, h, w], data });
      let worst = 0;
      outputs.forEach((o, i) => {
        const l = model.layers[i]!;
        if (l.outputWidth === 32) return;
        let sat = 0;
        let zero = 0;
        for (const v of o.data) {
          if (v === 127 || v === -128) sat++;
          if (v === 0) zero++;
        }
        worst = Math.max(worst, sat / o.data.length);
        expect(sat / o.data.length, `${name} ${l.name} saturated`).toBeLessThan(0.25);
        expect(zero / o.data.length, `${name} ${l.name} zero`).toBeLessThan(0.9);
      });
      report.push(`${name}: worst layer saturates ${(worst * 100).toFixed(1)}%`);
    }
    console.log(`generated weights on random inputs:\n  ${report.join('\n  ')}`);
  });
});

describe('MAX78000 variants', () => {
  const pairs = [['efficientnetv2_cifar100', 4], ['mobilenetv2_075_cifar100', 17]] as const;
  it.each(pairs)('%s_max78000 is the upstream model without its %i depthwise layers', (upstream, dropped) => {
    const up = readLayerTable(join(zooDir(), `${upstream}.json`));
    const v = readLayerTable(join(zooDir(), `${upstream}_max78000.json`));
    expect(v.layers.some((l) => l.depthwise || l.groups > 1)).toBe(false);
    const kept = up.layers.filter((l) => !l.depthwise);
    expect(kept.length).toBe(up.layers.length - dropped);
    expect(v.layers.map((l) => l.name)).toEqual(kept.map((l) => l.name));
    v.layers.forEach((l, i) => {
      const u = kept[i]!;
      expect([l.op, l.kernel, l.weightsShape, l.weightBits, l.outputShape, l.activation], l.name)
        .toEqual([u.op, u.kernel, u.weightsShape, u.weightBits, u.outputShape, u.activation]);
      expect(l.biasPresent, l.name).toBe(u.biasPresent && u.outputShape[0] <= 512);
      expect(l.hw.processors, l.name).toBe(u.hw.processors);
      expect(l.hw.outputProcessors, l.name).toBe(u.hw.outputProcessors);
    });
    // Residual adds still add the same two tensors (by name).
    const names = (m: Model, i: number): string[] => m.layers[i]!.inputSources.map((s) => (s === -1 ? 'input' : m.layers[s]!.name));
    const upByName = new Map(up.layers.map((l) => [l.name, l]));
    const skipDw = (m: Model, names: string[]): string[] => names.map((n) => {
      let l = upByName.get(n);
      while (l && l.depthwise) l = m.layers[l.inputSources[0]!];
      return l ? l.name : n;
    });
    v.layers.forEach((l, i) => expect(names(v, i), l.name).toEqual(skipDw(up, names(up, up.layers.indexOf(upByName.get(l.name)!)))));
  });

  it('keeps the stride-2 pooling of MobileNetV2 (moved into the next 1x1 convolution)', () => {
    const v = readLayerTable(join(zooDir(), 'mobilenetv2_075_cifar100_max78000.json'));
    const pooled = v.layers.filter((l) => l.pool.type === 'max').map((l) => `${l.name} ${l.inputShape[1]}->${l.pooledShape[1]}`);
    expect(pooled).toEqual(['feature_stage.1.0.conv3 32->16', 'feature_stage.2.0.conv3 16->8', 'feature_stage.3.0.conv3 8->4']);
  });

  it('has a data-memory layout for 32 KiB instances where every tensor survives until it is read', () => {
    const max78000 = chipSpec('max78000');
    for (const e of listZoo()) {
      if (!e.chips.includes('max78000')) continue;
      // UNet's layout works in place (reads ahead of writes; the synthesis tool's --overlap-data).
      if (e.name === 'unet_large_camvid') continue;
      expect(dataLayoutProblems(readLayerTable(e.file), max78000).map((p) => p.text), e.name).toEqual([]);
    }
  });
});
