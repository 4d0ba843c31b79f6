// `synergy models` as a user runs it: a real process (node bin/synergy.js), the zoo with each
// model's fit on both chips, weight bytes, MACs and CNN time; --json gives the same facts.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectBuilt, taggedCli } from './tagged-cli.js';
import { chipSpec } from '../../host/model/chips.js';
import { cyclesToUs, networkCycles } from '../../host/model/cycles.js';
import { fit } from '../../host/model/fit.js';
import { modelMacs } from '../../host/model/macs.js';
import { loadTable, zooNames } from '../../host/model/zoo.js';

const ROOT = join(import.meta.dirname, '../..');

const { synergy } = taggedCli('synergy-models-e2e', ROOT, 30_000);

interface ChipJson { runs: boolean; fits: boolean; limit?: string; max_kernel_columns?: number; cycles: number; us: number; calibrated: boolean }
interface ModelJson { name: string; layers: number; weight_bytes: number; macs: number; chips: Record<string, ChipJson> }

beforeAll(() => expectBuilt(['host/cli', 'host/model']));

describe('synergy models', () => {
  it('lists every zoo model with its fit, weights, MACs and time per chip (--json)', async () => {
    const r = await synergy(['models', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const models = (JSON.parse(r.stdout) as { models: ModelJson[] }).models;
    expect(models.map((m) => m.name)).toEqual(zooNames());
    for (const m of models) {
      const { model } = loadTable(m.name);
      expect(m.layers).toBe(model.layers.length);
      expect(m.macs).toBe(modelMacs(model));
      for (const name of ['max78000', 'max78002']) {
        const chip = chipSpec(name);
        const f = fit(chip, [{ model: m.name, layers: model.layers }]);
        const c = m.chips[name]!;
        expect(c.fits, `${m.name} on ${name}`).toBe(f.ok);
        if (!f.ok) expect(c.limit).toBe(f.limit);
        const cycles = networkCycles(model.layers, chip, f.ok ? f.perLayer.map((p) => p.kernelStart) : undefined);
        expect(c.cycles).toBe(cycles);
        expect(c.us).toBeCloseTo(cyclesToUs(cycles, chip.cnnClockHz), 3);
        expect(c.calibrated).toBe(name === 'max78000');
      }
    }
    const by = (n: string): ModelJson => models.find((m) => m.name === n)!;
    // The published facts: ResSimpleNet fills 764 of 768 kernel words; the depthwise models
    // never fit one MAX78000 (their variants neither), MobileNetV2 runs on one MAX78002.
    expect(by('ressimplenet_cifar100').chips['max78000']!.max_kernel_columns).toBe(764);
    expect(by('efficientnetv2_cifar100').chips['max78000']).toMatchObject({ runs: false, fits: false, limit: 'layers' });
    expect(by('efficientnetv2_cifar100_max78000').chips['max78000']).toMatchObject({ runs: true, fits: false });
    expect(by('mobilenetv2_075_cifar100').chips['max78002']).toMatchObject({ runs: true, fits: true });
    expect(by('kws20_v3').macs).toBe(8_345_344);
  });

  it('prints a table a person can read', async () => {
    const r = await synergy(['models']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^model\s+layers\s+weight B\s+MACs\s+max78000 fit\s+max78000 us\s+max78002 fit\s+max78002 us$/);
    expect(r.stdout).toMatch(/^ressimplenet_cifar100\s+17\s+381,792\s+18,461,184\s+yes\s+[\d,]+\s+yes\s+[\d,]+$/m);
    expect(r.stdout).toMatch(/^efficientnetv2_cifar100\s+33\s+753,952\s+166,899,712\s+no \(layers\)\s+-\s+yes\s+[\d,]+$/m);
    expect(r.stdout).toMatch(/assumption until calibrated on a board/);
  });

  it('refuses arguments it does not take', async () => {
    const r = await synergy(['models', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/extra|argument/i);
  });
});
