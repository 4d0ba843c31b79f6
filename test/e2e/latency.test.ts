// `synergy latency` as a user runs it: a real process (node bin/synergy.js), text and --json
// output, a layer-table file instead of a zoo name, and clear refusals with their exit codes.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireShared } from '../../host/model/shared-dir.js';
import { expectBuilt, taggedCli } from './tagged-cli.js';

const ROOT = join(import.meta.dirname, '../..');

const { synergy } = taggedCli('synergy-latency-e2e', ROOT, 20_000);

beforeAll(() => expectBuilt(['host/cli', 'host/model']));

describe('synergy latency', () => {
  it('prints per-layer and total cycles of a zoo model', async () => {
    const r = await synergy(['latency', 'convnet5_mnist']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^convnet5_mnist on max78000 at 50 MHz/);
    expect(r.stdout).toMatch(/^\s+0\s+conv1\s+48956\s+979\.120$/m);
    expect(r.stdout).toMatch(/total \(with the leading cycle\)\s+70157\s+1403\.140$/m);
    expect(r.stderr).toBe('');
  });

  it('prints exactly the documented JSON with --json, the MAX78002 caveat on stderr', async () => {
    const r = await synergy(['latency', 'kws20_v3', '--chip', 'max78002', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['chip', 'clock_hz', 'layers', 'total_cycles', 'total_us']);
    expect([j['chip'], j['clock_hz'], j['total_cycles'], j['total_us']]).toEqual(['max78002', 200_000_000, 71_782, 358.91]);
    expect((j['layers'] as unknown[]).length).toBe(9);
    expect(r.stderr).toMatch(/assumption until calibrated on a board/);
  });

  it('takes a layer-table file in place of a zoo name', async () => {
    const table = requireShared('models/simplenet_cifar100.json', 'synergy latency on a layer-table file needs the shared tables');
    const r = await synergy(['latency', table, '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { total_cycles: number }).total_cycles).toBe(129_319);
  });

  it('refuses an unknown model, a chip that cannot run it, and an unknown chip', async () => {
    const unknown = await synergy(['latency', 'resnet50']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^synergy latency: resnet50: zoo: no such model \(known: .*kws20_v3/);
    const depthwise = await synergy(['latency', 'efficientnetv2_cifar100', '--chip', 'max78000']);
    expect(depthwise.code).toBe(1);
    expect(depthwise.stderr).toMatch(/runs on max78002 only .*the zoo has efficientnetv2_cifar100_max78000 for it/);
    const chip = await synergy(['latency', 'kws20_v3', '--chip', 'max78001']);
    expect(chip.code).toBe(2);
    expect(chip.stderr).toMatch(/option --chip: "max78001" is not one of max78000, max78002/);
  });
});
