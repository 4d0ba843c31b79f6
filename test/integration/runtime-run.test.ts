// The runtime on real emulated boards (one synergy-emu per device, pseudo-terminals, paced
// links): every frame started ends delivered or failed with a reason, the outputs the boards
// received are what the host delivered, sampled outputs equal the reference executor's, and a
// board killed mid-run is detected, the app re-planned on the boards left and run again.
// Speed is not asserted here (bench:estimate and bench:adapt print it).

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBoard } from '../../host/board/open.js';
import { OUTPUTS } from '../../host/proto/index.js';
import { startDeskEmulators, type DeskEmulators } from '../../host/runtime/desk-emulators.js';
import { planRun } from '../../host/runtime/planning.js';
import { Run, type RunResult } from '../../host/runtime/runner.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import type { DeskSpec } from '../../host/space/device.js';

const fixtures = join(import.meta.dirname, '../fixtures/runtime');
const desks: DeskEmulators[] = [];

afterAll(async () => {
  await Promise.allSettled(desks.map((d) => d.stop()));
});

function deskFile(name: string): DeskSpec {
  const d = readDesk(join(fixtures, name));
  if ('discovered' in d) throw new Error('fixture desks list their devices');
  return d;
}

function expectBalanced(r: RunResult): void {
  for (const [name, c] of Object.entries(r.counts)) {
    expect(c.delivered + c.failed, `${name}: delivered + failed = started`).toBe(c.started);
    expect(Object.values(c.reasons).reduce((a, b) => a + b, 0), `${name}: every failure has a reason`).toBe(c.failed);
  }
  expect(r.totals.wrong, JSON.stringify(r.wrongOutputs)).toBe(0);
}

describe('a run on an emulated desk', () => {
  it('delivers every frame it starts, to the outputs the plan names, and the checked outputs equal the reference', async () => {
    const app = readApp(join(fixtures, 'app-digits-keywords.yaml'));
    const emus = await startDeskEmulators(deskFile('desk-three.yaml'), app);
    desks.push(emus);
    const result = await new Run({ app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 3, checkEvery: 4 }).execute();
    expectBalanced(result);
    expect(result.totals.failed).toBe(0);
    for (const name of ['digits', 'keywords']) {
      expect(result.counts[name]!.delivered, name).toBeGreaterThan(5);
      expect(result.counts[name]!.checked, `${name} outputs checked against exec.ts`).toBeGreaterThan(0);
    }
    // What the watch's outputs received (the emulator records every delivery) is what the host delivered.
    const watch = await openBoard(emus.boards.get('watch')!.path);
    try {
      const outs = (await watch.request(OUTPUTS, {})).outputs;
      expect(outs.find((o) => o.kind === 'display')!.count).toBe(result.counts['digits']!.delivered);
      expect(outs.find((o) => o.kind === 'haptic')!.count).toBe(result.counts['keywords']!.delivered);
    } finally {
      await watch.close();
    }
    // The plan ran as planned: the measured window exists and every CNN, link and sensor the
    // plan loads was busy in it.
    const epoch = result.epochs[0]!;
    expect(epoch.window).not.toBeNull();
    for (const r of Object.keys(epoch.plan.estimate.utilisation).filter((id) => !id.endsWith('.cpu'))) {
      expect(Object.keys(epoch.window!.utilisation), r).toContain(r);
    }
  });

  it('detects a killed board, re-plans on the boards left and accounts for every frame', async () => {
    const app = readApp(join(fixtures, 'app-digits-keywords.yaml'));
    const emus = await startDeskEmulators(deskFile('desk-four.yaml'), app);
    desks.push(emus);
    const planned = await planRun({ desk: emus.desk, app, policy: 'synergy' });
    const victim = planned.plan.pipelines.find((p) => p.name === 'digits')!.routes[0]!.source;
    const run = new Run({
      app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 6, checkEvery: 4,
      faults: [{ action: 'kill', device: victim, atS: 2 }],
    });
    const result = await run.execute();
    expectBalanced(result);
    const lost = result.recoveries.find((r) => r.kind === 'lost');
    expect(lost?.device).toBe(victim);
    expect(lost!.detectionMs).not.toBeNull();
    expect(lost!.detectionMs!).toBeLessThan(1000);
    expect(lost!.recoveryMs, 'every pipeline delivers again on the new plan').not.toBeNull();
    // Frames fail only because of the loss, and the new plan does not use the lost board.
    for (const c of Object.values(result.counts)) for (const reason of Object.keys(c.reasons)) expect([`board ${victim} lost`, `re-plan after board ${victim} lost`]).toContain(reason);
    const after = result.epochs[1]!;
    expect(after.plan.devices).not.toContain(victim);
    expect(after.plan.pipelines.map((p) => p.name).sort()).toEqual(['digits', 'keywords']);
    const series = result.series['digits']!.delivered;
    const detectedBucket = Math.floor((lost!.at - result.t0) / result.bucketMs);
    expect(series.slice(detectedBucket + 1).reduce((a, b) => a + b, 0), 'digits delivered after the loss').toBeGreaterThan(0);
  });
});
