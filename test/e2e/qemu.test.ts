// The firmware on a real Cortex-M4 instruction set, as a user runs it: `synergy infer --qemu 1`
// computes every golden network of ../shared/golden bit for bit on a QEMU board (the core and the
// software accelerator compiled for the M4), and `synergy compare --qemu 2` runs an example app
// on two QEMU boards under every policy without losing a frame. Real processes, real
// pseudo-terminals; nothing is left running.

import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../host/repo-root.js';
import { goldenSets } from '../../host/model/shared-dir.js';
import { taggedCli, type CliRun } from './tagged-cli.js';

const ROOT = repoRoot();
const { dir: golden, names: sets } = goldenSets("the QEMU board's golden runs need Analog Devices' golden data");
const work = mkdtempSync(join(tmpdir(), 'synergy-qemu-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const { synergy, start, leftovers } = taggedCli('synergy-qemu-e2e', ROOT, 240_000);

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
    const reports = join(work, 'compare');
    const r = await synergy(['compare', app, '--qemu', '2', '--duration', '2', '--report', reports, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as {
      workload: string;
      policies: { policy: string; started: number; delivered: number; failed: number; same_plan_as?: string }[];
    };
    expect(last.workload).toBe('digits-keywords on qemu-2');
    expect(last.policies.length).toBeGreaterThanOrEqual(8);
    expect(last.policies[0]!.policy).toBe('synergy');
    expect(last.policies[0]!.delivered).toBeGreaterThan(0);
    expect(last.policies[0]!.failed).toBe(0);
    // Every frame started is delivered, or was still on its way when the run ended (a slow
    // plan's frames outlast a 2 s run on QEMU's links): none lost on a link or a board.
    for (const p of last.policies) {
      expect(p.delivered + p.failed, p.policy).toBe(p.started);
      if (p.same_plan_as !== undefined) continue;
      const run = JSON.parse(readFileSync(join(reports, `run-${p.policy}.json`), 'utf8')) as { pipelines: { name: string; failures: Record<string, number> }[] };
      for (const pl of run.pipelines) expect(Object.keys(pl.failures).filter((why) => why !== 'run ended before the frame finished'), `${p.policy}/${pl.name}`).toEqual([]);
    }
    expect(leftovers()).toEqual([]);
  });
});

describe('QEMU boards started by synergy emu, found by boards, ping and info in other processes', () => {
  it('emu --qemu 1 registers the board; boards, ping and info reach it; SIGTERM stops QEMU and cleans the registry', { timeout: 60_000 }, async () => {
    const runtime = mkdtempSync(join(work, 'runtime-'));
    const env = { ...process.env, SYNERGY_RUNTIME_DIR: runtime, SYNERGY_USB: '0' };
    const desk = start(['emu', '--qemu', '1', '--sensor', 'camera:3x32x32@10', '--json'], env).child;
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: desk.stdout! }).once('line', resolve);
        desk.once('exit', (code) => reject(new Error(`synergy emu exited with ${code}`)));
      });
      const boards = (JSON.parse(first) as { boards: { id: string; kind: string; port: string; pid: number; baud: number }[] }).boards;
      expect(boards.map((b) => [b.id, b.kind, b.baud])).toEqual([['qemu-1', 'qemu', 115200]]);
      const cli = (args: string[]): Promise<CliRun> => synergy(args, undefined, env);
      const listed = await cli(['boards', '--json']);
      expect(listed.code).toBe(0);
      const b = (JSON.parse(listed.stdout) as { boards: Record<string, unknown>[] }).boards[0]!;
      expect([b['id'], b['transport'], b['port'], b['link_baud'], b['needs_flashing']]).toEqual(['qemu-1', 'qemu', boards[0]!.port, 115200, false]);
      const ping = await cli(['ping', 'qemu-1', '-n', '5', '--size', '100', '--json']);
      expect(ping.code).toBe(0);
      expect((JSON.parse(ping.stdout) as { count: number }).count).toBe(5);
      const info = await cli(['info', 'qemu-1', '--json']);
      expect(info.code).toBe(0);
      const hello = (JSON.parse(info.stdout) as { hello: Record<string, unknown> }).hello;
      expect([hello['board_id'], hello['reset_cause']]).toEqual(['qemu-1', 'power-on']);
      expect(hello['sensors']).toEqual([{ kind: 'camera', shape: [3, 32, 32], rate_mhz: 10000 }]);
      const exited = new Promise<number | null>((resolve) => desk.once('exit', (code) => resolve(code)));
      desk.kill('SIGTERM');
      expect(await exited).toBe(143);   // stopped by SIGTERM (main.ts: 128 + 15)
      expect(readdirSync(runtime)).toEqual([]);
      expect(existsSync(`/proc/${boards[0]!.pid}`)).toBe(false);
    } finally {
      if (desk.exitCode === null) desk.kill('SIGKILL');
    }
  });
});
