// `synergy run` and `synergy compare` as a user runs them: real processes that start their own
// emulated desk from a desk file, run the app, print the table (or JSON), write the report, and
// leave no process behind.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../host/repo-root.js';
import { taggedCli } from './tagged-cli.js';

const ROOT = repoRoot();
const fixtures = join(ROOT, 'test/fixtures/runtime');
const APP = join(fixtures, 'app-digits-keywords.yaml');
const DESK = join(fixtures, 'desk-three.yaml');
const work = mkdtempSync(join(tmpdir(), 'synergy-run-e2e-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

const { synergy, leftovers } = taggedCli('synergy-run-e2e', work, 90_000);

describe('synergy run', () => {
  it('runs the app on the emulated desk, prints JSON with --json and writes run.json and run.html', async () => {
    const dir = join(work, 'report');
    const r = await synergy(['run', APP, '--desk', DESK, '--duration', '2', '--report', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      format: string; measured_throughput: number; estimated_throughput: number;
      pipelines: { name: string; started: number; delivered: number; failed: number; checked: number; wrong: number }[];
      totals: { started: number; delivered: number; failed: number; wrong: number };
    };
    expect(doc.format).toBe('synergy-run/1');
    expect(doc.pipelines.map((p) => p.name)).toEqual(['digits', 'keywords']);
    for (const p of doc.pipelines) {
      expect(p.delivered + p.failed).toBe(p.started);
      expect(p.delivered).toBeGreaterThan(0);
      expect(p.wrong).toBe(0);
    }
    expect(doc.estimated_throughput).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual(doc);
    const html = readFileSync(join(dir, 'run.html'), 'utf8');
    expect(html.match(/<svg /g)?.length ?? 0).toBeGreaterThanOrEqual(3); // throughput, timeline, a plan
    expect(html).toContain('digits');
    expect(leftovers()).toEqual([]);
  });

  it('prints the final table without --json', async () => {
    const r = await synergy(['run', APP, '--desk', DESK, '--duration', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PIPELINE\s+MODEL\s+PLAN \/s\s+MEASURED \/s/m);
    expect(r.stdout).toMatch(/^throughput per unit weight \(max-min\): measured [\d.]+, estimated [\d.]+/m);
    expect(leftovers()).toEqual([]);
  });

  it('refuses bad input with the reason: a missing app file, no desk, an unknown policy or device', async () => {
    const missing = await synergy(['run', join(work, 'nope.yaml'), '--desk', DESK]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml');
    const noDesk = await synergy(['run', APP]);
    expect(noDesk.code).toBe(2);
    expect(noDesk.stderr).toMatch(/--desk FILE .* or --emulated N/);
    const policy = await synergy(['run', APP, '--desk', DESK, '--policy', 'nope']);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toMatch(/no policy "nope" \(known: synergy, /);
    const kill = await synergy(['run', APP, '--desk', DESK, '--kill', 'toaster@1']);
    expect(kill.code).toBe(2);
    expect(kill.stderr).toMatch(/no device toaster on desk test-three \(cam, ear, watch\)/);
    expect(leftovers()).toEqual([]);
  });
});

describe('synergy compare', () => {
  it('--json ends with one line: workload, duration_s and every policy measured', async () => {
    const r = await synergy(['compare', APP, '--desk', DESK, '--duration', '2', '--policies', 'synergy,standalone,best-single', '--json'], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as {
      workload: string; duration_s: number;
      policies: { policy: string; measured_throughput: number; estimated_throughput: number; started: number; delivered: number; failed: number; same_plan_as?: string }[];
    };
    expect(last.workload).toContain('digits-keywords');
    expect(last.duration_s).toBe(2);
    expect(last.policies.map((p) => p.policy)).toEqual(['synergy', 'standalone', 'best-single']);
    for (const p of last.policies) {
      const { same_plan_as: same, ...fields } = p;
      expect(Object.keys(fields).sort()).toEqual(['delivered', 'estimated_throughput', 'failed', 'measured_throughput', 'policy', 'started']);
      expect(p.delivered + p.failed).toBe(p.started);
      // A policy that chose the plan of one run before it carries that run's measurement.
      if (same !== undefined) {
        const by = last.policies.find((q) => q.policy === same)!;
        expect(last.policies.indexOf(by)).toBeLessThan(last.policies.indexOf(p));
        expect({ ...fields, policy: by.policy }).toEqual(by);
      }
    }
    expect(last.policies[0]!.measured_throughput).toBeGreaterThan(0);
    expect(existsSync(join(work, 'compare'))).toBe(false); // no --report, no files
    expect(leftovers()).toEqual([]);
  });
});
