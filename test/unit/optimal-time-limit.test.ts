// `synergy plan --policy optimal --time-limit S` on an instance the exact search cannot finish
// in seconds (eight boards, six pipelines; without a limit it ran for more than ten minutes):
// a real process that stops at the limit with the best plan found, the proven bound and the
// gap, exit 0; progress lines on stderr without --json.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanObject } from '../../host/plan/plan-object.js';
import { taggedCli } from '../e2e/tagged-cli.js';

const ROOT = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'synergy-optimal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const { synergy } = taggedCli('optimal-time-limit', ROOT, 60_000);

const APP = join(tmp, 'six.yaml');
writeFileSync(APP, `app: six
pipelines:
  - {name: digits, source: camera, model: convnet5_mnist, target: host}
  - {name: objects, source: camera, model: ressimplenet_cifar100, target: display}
  - {name: scene, source: camera, model: widenet_cifar100, target: host}
  - {name: keywords, source: microphone, model: kws20_v3, target: speaker}
  - {name: classes, source: camera, model: simplenet_cifar100, target: display, weight: 2}
  - {name: segmentation, source: camera, model: unet_large_camvid, target: host}
`);

describe('optimal under a time limit', () => {
  it('eight boards x six pipelines, --time-limit 1: status time-limit, the best plan, a bound at or above it, the gap, exit 0', async () => {
    const r = await synergy(['plan', APP, '--emulated', '8', '--policy', 'optimal', '--time-limit', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as PlanObject;
    expect(p.proved).toBe(false);
    expect(p.solver).toMatchObject({ status: 'time-limit', time_limit_s: 1 });
    expect(p.throughput).toBeGreaterThan(0);
    expect(p.pipelines).toHaveLength(6);
    const { bound, gap } = p.solver!;
    expect(bound).toBeGreaterThanOrEqual(p.throughput * (1 - 1e-6));
    expect(gap).toBeCloseTo(1 - p.throughput / bound!, 3);
    // (No wall-clock assertion beyond the runner's timeout: the machine may be shared.)
    expect(r.stderr).not.toMatch(/optimal: \d+ s/);
  }, 60_000);

  it('shows the bound and gap in the human output and progress on stderr', async () => {
    const r = await synergy(['plan', APP, '--emulated', '8', '--policy', 'optimal', '--time-limit', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/solver time-limit \(3 s\): best plan found kept, proven bound [0-9.]+, gap [0-9.]+%/);
    expect(r.stderr).toMatch(/^optimal: \d+ s, best plan [0-9.]+, bound ([0-9.]+|-), gap ([0-9.]+%|-)$/m);
  }, 60_000);

  it('--time-limit with another policy is a usage error', async () => {
    const r = await synergy(['plan', APP, '--emulated', '2', '--time-limit', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--time-limit applies to --policy optimal only/);
  });
});
