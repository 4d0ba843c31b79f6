// A desk that spans two processes loses one: `synergy run` with two local emulated boards and
// `--remote` to a `synergy agent --emulated 2`, whose agent is SIGKILLed mid-run. The run sees
// it within 1 s and goes on on the local boards, every frame accounted for.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../host/link/repo-root.js';
import { agentHarness } from '../integration/agent-process.js';

const APP = join(repoRoot(), 'examples/app-4-everyday.yaml');
const { cli, start } = agentHarness('synergy-remote-kill', 120_000);

describe('a desk spanning two processes', () => {
  it('a run goes on on the local boards when the agent is SIGKILLed, the loss seen within 1 s', async () => {
    const agent = await start(['--emulated', '2'], 'victim');
    const run = cli.start(['run', APP, '--emulated', '2', '--remote', agent.url, '--token-file', agent.tokenFile, '--duration', '8', '--json']);
    let err = '';
    await new Promise<void>((resolve, reject) => {
      run.child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (/loaded \d+ segments/.test(err)) resolve();
      });
      void run.done.then(() => reject(new Error(`the run ended before its first load: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 1500));
    // The run says what it sees as it sees it: the time from the kill to its "lost" line is the
    // detection (a board's detection_ms counts from the last thing it sent, which may be earlier).
    const before = err.length;
    const seen = new Promise<number>((resolve) => {
      const onData = (): void => {
        if (/board agent-[12] lost: link closed/.test(err.slice(before))) {
          run.child.stderr!.off('data', onData);
          resolve(performance.now());
        }
      };
      run.child.stderr!.on('data', onData);
    });
    const killedAt = performance.now();
    agent.child.kill('SIGKILL');
    const detectedMs = (await seen) - killedAt;
    expect(detectedMs, `the run's report after the kill:\n${err.slice(before)}`).toBeLessThan(1000);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const doc = JSON.parse(done.stdout.trim().split('\n').at(-1)!) as {
      recoveries: { device: string; kind: string; reason: string; detection_ms: number | null; resumed_ms: Record<string, number | null> }[];
      epochs: { plan: { segments: { device: string }[] } }[];
      pipelines: { name: string; started: number; delivered: number; failed: number }[];
    };
    const lost = doc.recoveries.filter((x) => x.kind === 'lost' && /closed: code 1006/.test(x.reason));
    expect(lost.length).toBeGreaterThan(0);
    for (const x of lost) expect(x.device).toMatch(/^agent-[12]$/);
    // The run goes on on the local boards: its last plan uses them alone, and pipelines delivered
    // again on it after the loss.
    const last = doc.epochs.at(-1)!;
    expect(last.plan.segments.length).toBeGreaterThan(0);
    expect(last.plan.segments.every((seg) => seg.device === 'emu0' || seg.device === 'emu1')).toBe(true);
    expect(lost.some((x) => Object.values(x.resumed_ms).some((ms) => ms !== null))).toBe(true);
    for (const p of doc.pipelines) expect(p.delivered + p.failed).toBe(p.started);
  }, 120_000);
});
