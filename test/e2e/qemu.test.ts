// The firmware on a real Cortex-M4 instruction set, as a user runs it: `synergy infer --qemu 1`
// computes every golden network of ../shared/golden bit for bit on a QEMU board (the core and the
// software accelerator compiled for the M4), and `synergy compare --qemu 2` runs an example app
// on two QEMU boards under every policy without losing a frame. Real processes, real
// pseudo-terminals; nothing is left running.

import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../host/link/repo-root.js';
import { sharedDir } from '../../host/model/zoo.js';
import { taggedCli } from './tagged-cli.js';

const ROOT = repoRoot();
const golden = join(sharedDir(), 'golden');
const sets = existsSync(golden) ? readdirSync(golden).filter((d) => existsSync(join(golden, d, 'model.json'))).sort() : [];
const work = mkdtempSync(join(tmpdir(), 'synergy-qemu-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const { synergy, leftovers } = taggedCli('synergy-qemu-e2e', ROOT, 240_000);

// Two at a time: each QEMU board takes much of a core while it loads (CI has two).
let running = 0;
const waiting: Array<() => void> = [];
async function inTurn<T>(f: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

describe.concurrent('synergy infer --qemu 1 on every golden network', () => {
  it('finds the golden sets', () => expect(sets.length).toBeGreaterThanOrEqual(7));
  for (const set of sets) {
    it(`${set}: the output equals expected_output.json`, { timeout: 240_000 }, async () => {
      const dir = join(golden, set);
      const r = await inTurn(() => synergy(['infer', join(dir, 'model.json'), '--input', join(dir, 'input.json'), '--qemu', '1', '--json']));
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { shape: number[]; data: number[] };
      const want = JSON.parse(readFileSync(join(dir, 'expected_output.json'), 'utf8')) as { shape: number[]; data: number[] };
      expect(out.shape).toEqual(want.shape);
      expect(out.data).toEqual(want.data);
    });
  }
});

describe('synergy compare --qemu 2', () => {
  it('runs an example app on two QEMU boards under every policy, no frame lost', { timeout: 240_000 }, async () => {
    const app = join(ROOT, 'examples/app-5-digits-keywords.yaml');
    const r = await synergy(['compare', app, '--qemu', '2', '--duration', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as {
      workload: string;
      policies: { policy: string; started: number; delivered: number; failed: number; measured_throughput: number }[];
    };
    expect(last.workload).toBe('digits-keywords on qemu-2');
    expect(last.policies.length).toBeGreaterThanOrEqual(8);
    for (const p of last.policies) {
      expect(p.failed, p.policy).toBe(0);
      expect(p.delivered, p.policy).toBe(p.started);
    }
    expect(last.policies[0]!.policy).toBe('synergy');
    expect(last.policies[0]!.delivered).toBeGreaterThan(0);
    expect(leftovers()).toEqual([]);
  });
});

afterAll(() => expect(leftovers()).toEqual([]));
