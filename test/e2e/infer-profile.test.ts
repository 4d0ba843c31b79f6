// `synergy infer` and `synergy profile` as a user runs them: real processes that start their own
// emulated boards and stop them. infer reproduces the golden MNIST output (text and --json);
// profile of KWS on an emulated MAX78000 reports a total within 1% of the cycle model and writes
// profile.json, profile.csv and profile.html; bad inputs fail with the reason; no emulator is
// left running after any of it.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chipSpec } from '../../host/model/chips.js';
import { networkCycles } from '../../host/model/cycles.js';
import { fit, type FitOk } from '../../host/model/fit.js';
import { loadTable } from '../../host/model/zoo.js';
import { requireShared } from '../../host/model/shared-dir.js';
import { expectBuilt, taggedCli } from './tagged-cli.js';

const work = mkdtempSync(join(tmpdir(), 'synergy-profile-'));

beforeAll(() => expectBuilt(['host/cli', 'host/board', 'host/report', 'host/proto', 'host/model']));

afterAll(() => rmSync(work, { recursive: true, force: true }));

const { synergy, leftovers } = taggedCli('synergy-e2e', work, 60_000);

describe('synergy infer', () => {
  const golden = requireShared('golden/mnist', 'synergy infer on the golden MNIST needs it');
  it('prints the golden MNIST output and per-layer cycles', async () => {
    const r = await synergy(['infer', join(golden, 'model.json'), '--input', join(golden, 'input.json'), '--baud', '0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = JSON.parse(readFileSync(join(golden, 'expected_output.json'), 'utf8')) as { data: number[] };
    expect(r.stdout).toContain('output [10, 1, 1] int32:');
    expect(r.stdout).toContain(expected.data.join(' '));
    expect(r.stdout).toMatch(/^LAYER\s+NAME\s+BOARD\s+CYCLES\s+US$/m);
    expect(r.stdout).toMatch(/^total [\d,]+ cycles/m);
    expect(leftovers()).toEqual([]);
  });

  it('--json prints {shape, data, layers: [{name, cycles}]} and nothing else', async () => {
    const r = await synergy(['infer', join(golden, 'model.json'), '--input', join(golden, 'input.json'), '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]!) as { shape: number[]; data: number[]; layers: { name: string; cycles: number }[] };
    const expected = JSON.parse(readFileSync(join(golden, 'expected_output.json'), 'utf8')) as { shape: number[]; data: number[] };
    expect(Object.keys(doc)).toEqual(['shape', 'data', 'layers']);
    expect(doc.shape).toEqual(expected.shape);
    expect(doc.data).toEqual(expected.data);
    expect(doc.layers).toHaveLength(5);
    for (const l of doc.layers) {
      expect(Object.keys(l)).toEqual(['name', 'cycles']);
      expect(l.cycles).toBeGreaterThan(0);
    }
    expect(leftovers()).toEqual([]);
  });

  it('an input of the wrong shape fails with the shape the model takes, before any board starts', async () => {
    const r = await synergy(['infer', 'kws20_v3', '--input', join(golden, 'input.json')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`synergy infer: ${join(golden, 'input.json')}: input of kws20_v3 must be int8 [128, 128, 1] (16384 values); got 8-bit [1, 28, 28] with 784 values\n`);
  });

  it('without --input it is a usage error', async () => {
    const r = await synergy(['infer', 'kws20_v3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input FILE is required/);
  });
});

describe('synergy profile', () => {
  it('kws20_v3 on an emulated MAX78000: total within 1% of the cycle model; report files written', async () => {
    const out = join(work, 'kws');
    const r = await synergy(['profile', 'kws20_v3', '--runs', '3', '--warmup', '1', '--out', out, '--json', '--baud', '0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      model: string;
      runs: number;
      boards: { id: string; chip: string }[];
      layers: { median: number; model_cycles: number }[];
      total: { cycles: number; model_cycles: number; difference_pct: number };
    };
    expect(doc.model).toBe('kws20_v3');
    expect(doc.runs).toBe(3);
    expect(doc.boards.map((b) => b.chip)).toEqual(['max78000']);
    // The cycle model computed here, independently of the command.
    const { model } = loadTable('kws20_v3');
    const chip = chipSpec('max78000');
    const placed = fit(chip, [{ model: model.name, layers: model.layers }]) as FitOk;
    const expected = networkCycles(model.layers, chip, placed.perLayer.map((p) => p.kernelStart));
    expect(doc.total.model_cycles).toBe(expected);
    expect(Math.abs(doc.total.cycles - expected) / expected).toBeLessThan(0.01);
    expect(doc.layers).toHaveLength(model.layers.length);

    expect(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8'))).toEqual(doc);
    const csv = readFileSync(join(out, 'profile.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(model.layers.length + 1);
    expect(csv[0]).toBe('index,name,board,segment,min_cycles,median_cycles,max_cycles,median_us,model_cycles');
    const html = readFileSync(join(out, 'profile.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('kws20_v3');
    expect(leftovers()).toEqual([]);
  });

  it('--boards emulated:1,emulated:1 starts two boards; a model that fits one leaves the other empty (text output)', async () => {
    const out = join(work, 'mnist');
    const r = await synergy(['profile', 'convnet5_mnist', '--boards', 'emulated:1,emulated:1', '--runs', '2', '--out', out, '--baud', '0']);
    expect(r.code).toBe(0);
    // MNIST fits the first board whole; the second stays empty.
    expect(r.stdout).toMatch(/^convnet5_mnist on emu-1 \(max78000\);/);
    expect(r.stdout).toMatch(/^total [\d,]+ cycles \([\d.]+ us\); cycle model [\d,]+ cycles \([\d.]+ us\), \+0\.00%$/m);
    expect(existsSync(join(out, 'profile.html'))).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});
