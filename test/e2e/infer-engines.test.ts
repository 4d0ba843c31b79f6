// `synergy infer --engine register|layer` as a user runs it: every golden network of
// ../shared/golden is reproduced bit for bit on an emulated board that drives its accelerator by
// the register program the host synthesized (the default engine), and on the layer-level
// simulator; an unknown engine or chip is a usage error; nothing is left running.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenSets } from '../../host/model/shared-dir.js';
import { expectBuilt, taggedCli } from './tagged-cli.js';

const { dir: goldenDir, names: sets } = goldenSets("synergy infer on the golden networks needs Analog Devices' golden data");

beforeAll(() => expectBuilt(['host/cli', 'host/board', 'host/synth', 'host/proto', 'host/model']));

const { synergy, leftovers } = taggedCli('synergy-engines', goldenDir, 60_000);

interface Expected {
  shape: number[];
  data: number[];
}

describe('synergy infer on the golden networks', () => {
  it('finds the golden networks in ../shared', () => {
    expect(sets.length, `too few golden networks under ${goldenDir}`).toBeGreaterThanOrEqual(7);
  });

  for (const set of sets) {
    it(`${set}: --engine register equals expected_output.json bit for bit`, async () => {
      const dir = join(goldenDir, set);
      const r = await synergy(['infer', join(dir, 'model.json'), '--input', join(dir, 'input.json'), '--engine', 'register', '--baud', '0', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as Expected;
      const want = JSON.parse(readFileSync(join(dir, 'expected_output.json'), 'utf8')) as Expected;
      expect(got.shape).toEqual(want.shape);
      expect(got.data).toEqual(want.data);
    });
  }

  it('--engine layer gives the same output (mnist)', async () => {
    const dir = join(goldenDir, 'mnist');
    const r = await synergy(['infer', join(dir, 'model.json'), '--input', join(dir, 'input.json'), '--engine', 'layer', '--baud', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const want = JSON.parse(readFileSync(join(dir, 'expected_output.json'), 'utf8')) as Expected;
    expect((JSON.parse(r.stdout.trim().split('\n').pop()!) as Expected).data).toEqual(want.data);
  });

  it('an unknown --engine or --chip is a usage error (exit 2), before any board starts', async () => {
    for (const args of [['--engine', 'magic'], ['--chip', 'max99999']]) {
      const r = await synergy(['infer', 'kws20_v3', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(args[0] === '--engine' ? /--engine.*register.*layer/ : /--chip/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(leftovers()).toEqual([]);
  });
});
