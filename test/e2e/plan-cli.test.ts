// synergy plan as a user runs it: a real process on the example files.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBuilt, taggedCli } from './tagged-cli.js';

const ROOT = join(import.meta.dirname, '../..');
const EX = join(ROOT, 'examples');
const tmp = mkdtempSync(join(tmpdir(), 'synergy-plan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const { synergy } = taggedCli('synergy-plan-e2e', ROOT, 120_000);

beforeAll(() => expectBuilt(['host/cli', 'host/plan', 'host/space']));

describe('synergy plan', () => {
  it('prints a table per pipeline with source, segments, target, throughput, latency and bottleneck', async () => {
    const r = await synergy(['plan', join(EX, 'app-3-vision-mix.yaml'), '--desk', join(EX, 'desk-3-glasses-watch-ring.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pipeline\s+source\s+segments \(layers@device\)\s+target\s+frames\/s\s+latency ms\s+bottleneck/);
    for (const name of ['digits', 'objects', 'keywords']) expect(r.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
  });

  it('--json gives the plan object, --explain the reasons, --report an HTML page with the SVG diagram', async () => {
    const dir = join(tmp, 'report');
    const r = await synergy(['plan', join(EX, 'app-4-everyday.yaml'), '--emulated', '4', '--explain', '--json', '--report', dir]);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as { format: string; pipelines: { name: string; routes: unknown[] }[]; explain: { pipeline: string; bottleneck: string }[] };
    expect(p.format).toBe('synergy-plan/1');
    expect(p.pipelines.map((x) => x.name).sort()).toEqual(['classes', 'keywords', 'objects', 'scene']);
    expect(p.explain.map((x) => x.pipeline).sort()).toEqual(['classes', 'keywords', 'objects', 'scene']);
    const html = readFileSync(join(dir, 'plan.html'), 'utf8');
    expect(html).toMatch(/<svg[^>]*aria-label="plan of everyday on emulated-4 by synergy"/);
    expect(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'))).toMatchObject({ app: 'everyday', desk: 'emulated-4' });
  });

  it('every policy plans the heterogeneous desk', async () => {
    for (const policy of ['standalone', 'best-single', 'offload-largest', 'neurosurgeon', 'greedy-memory', 'independent-optimal', 'random-feasible']) {
      const r = await synergy(['plan', join(EX, 'app-3-vision-mix.yaml'), '--desk', join(EX, 'desk-5-heterogeneous.yaml'), '--policy', policy, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { policy: string }).policy).toBe(policy);
    }
  });

  it('a pipeline that cannot run is named with its reason and the others still plan', async () => {
    const r = await synergy(['plan', join(EX, 'app-4-vision-and-keywords.yaml'), '--desk', join(EX, 'desk-4-earbuds-glasses-watch.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cannot run big: model mobilenetv2_075_cifar100 fits no combination of the devices on this desk/);
    expect(r.stdout).toMatch(/^keywords\s/m);
  });

  it('a bad app file is refused with its file, line and reason', async () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'pipelines:\n  - name: p\n    source: camera\n    model: kws20_v3\n    target: host\n    wieght: 2\n');
    const r = await synergy(['plan', bad, '--emulated', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:6: pipelines[0].wieght: unknown key`);
  });
});
