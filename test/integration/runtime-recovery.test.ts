// Staged recovery on real emulated boards (runner.ts, quick-plan.ts): a board killed mid-run;
// the quick stage runs a plan for the boards left whose loads the runtime estimated from what
// the boards still hold (the bytes it then loads are the bytes it estimated), every placed
// pipeline delivers again, the upgrade stage is decided once they do, and every frame is
// accounted for through both stages, with no wrong output. A board that hangs is found by its
// missed deadlines, one killed during the first load is planned around, and a run stopped early
// accounts for its frames. Speed is not asserted here (npm run bench:adapt prints it).

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDocument } from '../../host/report/run-report.js';
import { startDeskEmulators, type DeskEmulators } from '../../host/runtime/desk-emulators.js';
import { planRun } from '../../host/runtime/planning.js';
import { Run } from '../../host/runtime/runner.js';
import { readApp, type AppSpec } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';

const fixtures = join(import.meta.dirname, '../fixtures/runtime');
const desks: DeskEmulators[] = [];

afterAll(async () => {
  await Promise.allSettled(desks.map((d) => d.stop()));
});

/** The four-board test desk running digits and keywords, and the camera digits senses on. */
async function fourBoards(): Promise<{ app: AppSpec; emus: DeskEmulators; digitsCamera: string }> {
  const desk = readDesk(join(fixtures, 'desk-four.yaml'));
  if ('discovered' in desk) throw new Error('the fixture desk lists its devices');
  const app = readApp(join(fixtures, 'app-digits-keywords.yaml'));
  const emus = await startDeskEmulators(desk, app);
  desks.push(emus);
  const digitsCamera = (await planRun({ desk: emus.desk, app, policy: 'synergy' })).plan.pipelines.find((p) => p.name === 'digits')!.routes[0]!.source;
  return { app, emus, digitsCamera };
}

describe('recovering from a lost board in two stages', () => {
  it('runs a quick plan whose loads it estimated, decides the upgrade, and accounts for every frame', async () => {
    // The digits camera: the other camera can take its pipeline (its model loads there).
    const { app, emus, digitsCamera: victim } = await fourBoards();
    const result = await new Run({
      app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 8, checkEvery: 4,
      faults: [{ action: 'kill', device: victim, atS: 2.5 }],
    }).execute();

    for (const [name, c] of Object.entries(result.counts)) {
      expect(c.delivered + c.failed, `${name}: delivered + failed = started`).toBe(c.started);
      // Failures only from the loss (the runtime names the board: lost, its link closed, the re-plan after it).
      for (const reason of Object.keys(c.reasons)) expect(reason, name).toContain(victim);
    }
    expect(result.totals.wrong, JSON.stringify(result.wrongOutputs)).toBe(0);
    expect(result.totals.checked).toBeGreaterThan(0);

    const lost = result.recoveries.find((r) => r.kind === 'lost')!;
    expect(lost.device).toBe(victim);
    const quick = lost.quick!;
    expect(quick, 'the quick stage is recorded').not.toBeNull();
    const quickEpoch = result.epochs[1]!;
    expect(quickEpoch.plan.devices).not.toContain(victim);
    expect(quickEpoch.plan.pipelines.map((p) => p.name).sort()).toEqual(['digits', 'keywords']);
    // What the boards loaded is what the estimate said they would (what they held cost nothing).
    expect(quickEpoch.deploy.bytes).toBe(quick.deployEstimateBytes);
    expect(quick.bytes).toBe(quickEpoch.deploy.bytes);
    expect(quick.withinBudget).toBe(quick.deployEstimateMs <= quick.deployBudgetMs);
    expect(lost.recoveryMs, 'every placed pipeline delivers again').not.toBeNull();
    expect(lost.recoveryMs!).toBeGreaterThanOrEqual(quick.deployedMs);

    // The upgrade is decided once every pipeline delivers (8 s leave time for it).
    const up = lost.upgrade!;
    expect(up, 'the upgrade stage is recorded').not.toBeNull();
    expect(['upgraded', 'kept']).toContain(up.status);
    expect(up.startMs!).toBeGreaterThanOrEqual(lost.recoveryMs!);
    expect(result.events.some((e) => e.kind === 'upgrade')).toBe(true);
    const upgraded = result.epochs.filter((e) => e.reason.startsWith('upgrade after'));
    expect(upgraded.length).toBe(up.status === 'upgraded' ? 1 : 0);
    for (const e of upgraded) expect(e.plan.devices).not.toContain(victim);

    // run.json carries both stages beside the fields it had.
    const doc = runDocument(result).recoveries.find((r) => r.kind === 'lost')!;
    expect(doc.recovery_ms).not.toBeNull();
    expect(doc.quick?.deploy_estimate_bytes).toBe(quick.deployEstimateBytes);
    expect(doc.upgrade?.status).toBe(up.status);
  });

  it('carries on when a second board dies while the first loss is being recovered', async () => {
    // The digits camera dies; its pipeline moves to the other camera, which dies during (or
    // soon after) that load. Whichever way the timing falls, the run re-plans on the two boards
    // left (keyword spotting goes on; digits has no camera) instead of ending with the error.
    const { app, emus, digitsCamera: first } = await fourBoards();
    const second = first === 'cam1' ? 'cam2' : 'cam1';
    const result = await new Run({
      app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 7, checkEvery: 4,
      faults: [{ action: 'kill', device: first, atS: 2.5 }, { action: 'kill', device: second, atS: 2.8 }],
    }).execute();

    for (const [name, c] of Object.entries(result.counts)) {
      expect(c.delivered + c.failed, `${name}: delivered + failed = started`).toBe(c.started);
      for (const reason of Object.keys(c.reasons)) expect(reason, name).toMatch(/cam[12]/);
    }
    expect(result.totals.wrong, JSON.stringify(result.wrongOutputs)).toBe(0);
    const last = result.epochs.at(-1)!;
    expect([...last.plan.devices].sort()).toEqual(['ear', 'watch']);
    expect(last.plan.pipelines.map((p) => p.name)).toEqual(['keywords']);
    expect(last.window, 'the last plan ran and was measured').not.toBeNull();
    expect(result.counts['keywords']!.delivered).toBeGreaterThan(0);
  });

  it('finds a hung board (process alive, link open, no answers) by its missed deadlines, and re-plans around it', async () => {
    // The digits camera stops (SIGSTOP): its link stays open and its process alive; only the
    // requests' deadlines from the cost model tell. Keyword spotting does not use it.
    const { app, emus, digitsCamera: victim } = await fourBoards();
    const result = await new Run({
      app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 7, checkEvery: 4,
      faults: [{ action: 'hang', device: victim, atS: 2.5 }],
    }).execute();
    for (const [name, c] of Object.entries(result.counts)) {
      expect(c.delivered + c.failed, `${name}: delivered + failed = started`).toBe(c.started);
      for (const reason of Object.keys(c.reasons)) expect(reason, name).toContain(victim);
    }
    expect(result.totals.wrong, JSON.stringify(result.wrongOutputs)).toBe(0);
    const lost = result.recoveries.find((r) => r.kind === 'lost')!;
    expect(lost.device).toBe(victim);
    expect(lost.reason).toMatch(/^no answer: .* request id \d+ was due \d+ ms ago by the cost model, and nothing was heard for \d+ ms, and its emulator is stopped/);
    expect(lost.detectionMs, 'detection is timed from the hang').not.toBeNull();
    expect(lost.detectionMs!).toBeGreaterThan(0);
    expect(lost.recoveryMs, 'every placed pipeline delivers again').not.toBeNull();
    // The pipeline that did not use the hung board has its longest gap measured, and kept delivering.
    expect(Object.keys(lost.stallMs)).toEqual(['keywords']);
    expect(result.epochs.at(-1)!.plan.devices).not.toContain(victim);
    expect(runDocument(result).recoveries[0]!.detection_ms).toBe(Math.round(lost.detectionMs! * 1000) / 1000);
  });

  it('plans around a board killed while the first plan loads, and runs', async () => {
    const { app, emus, digitsCamera: victim } = await fourBoards();
    const result = await new Run({
      app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 4, checkEvery: 4,
      faults: [{ action: 'kill', device: victim, atS: 0.2, from: 'load' }],
    }).execute();
    for (const [name, c] of Object.entries(result.counts)) {
      expect(c.delivered + c.failed, `${name}: delivered + failed = started`).toBe(c.started);
      expect(c.delivered, `${name} delivers on the boards left`).toBeGreaterThan(0);
    }
    const lost = result.recoveries.find((r) => r.kind === 'lost')!;
    expect(lost.device).toBe(victim);
    expect(lost.recoveryMs).not.toBeNull();
    // The plan that first ran was made without it (the load it was killed in was planned again).
    expect(result.epochs[0]!.plan.devices).not.toContain(victim);
    expect(result.epochs.at(-1)!.plan.pipelines.map((p) => p.name).sort()).toEqual(['digits', 'keywords']);
  });

  it('stops early on its signal: the result says so and every frame is accounted for', async () => {
    const { app, emus } = await fourBoards();
    const stop = new AbortController();
    const run = new Run({ app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 60, checkEvery: 4, signal: stop.signal });
    run.on('event', (e) => {
      if (e.kind === 'deployed') setTimeout(() => stop.abort(), 1500);
    });
    const result = await run.execute();
    expect(result.stopped).toBe(true);
    expect(result.durationS).toBeLessThan(10);
    expect(result.totals.delivered + result.totals.failed).toBe(result.totals.started);
    expect(result.totals.delivered).toBeGreaterThan(0);
  });
});
