// npm run bench:adapt [-- --json]: boards lost and joining during a run. For each scenario an
// emulated desk runs an app; one board's emulator is killed (SIGKILL) a few seconds in and
// started again later. Prints how long the runtime took to notice the loss (from the kill to
// its detection: link closed, process exit or heartbeat), how long until every pipeline
// delivered again on the re-planned desk, the same after the board joined, and the frames:
// delivered + failed = started, failures only from the loss, no wrong output.
// With --json it ends with one JSON line:
//   {"scenarios": [{"name", "device", "detection_ms", "recovery_ms", "rejoin_recovery_ms",
//    "started", "delivered", "failed", "wrong", "failure_reasons"}]}

import { join } from 'node:path';
import { repoRoot } from '../../host/link/repo-root.js';
import { startDeskEmulators } from '../../host/runtime/desk-emulators.js';
import { planRun } from '../../host/runtime/planning.js';
import { Run } from '../../host/runtime/runner.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';

const json = process.argv.includes('--json');
const root = repoRoot();

function log(line: string): void {
  (json ? process.stderr : process.stdout).write(line + '\n');
}

interface Scenario {
  name: string;
  desk: string;
  app: string;
  /** the device to kill, or the source of this pipeline's first route */
  device?: string;
  sourceOf?: string;
}

const scenarios: Scenario[] = [
  { name: 'four-wearables/everyday, an earbud lost', desk: 'examples/desk-4-earbuds-glasses-watch.yaml', app: 'examples/app-4-everyday.yaml', device: 'right-earbud' },
  { name: 'earbuds/two-keywords, an earbud lost', desk: 'examples/desk-2-earbuds.yaml', app: 'examples/app-2-two-keywords.yaml', device: 'left-earbud' },
  { name: 'test desk of four, a camera lost', desk: 'test/fixtures/runtime/desk-four.yaml', app: 'test/fixtures/runtime/app-digits-keywords.yaml', sourceOf: 'digits' },
];

const KILL_AT = 4;
const RESTART_AT = 10;
const DURATION = 16;
const rows: Record<string, unknown>[] = [];
for (const s of scenarios) {
  const desk = readDesk(join(root, s.desk));
  if ('discovered' in desk) continue;
  const app = readApp(join(root, s.app));
  const emus = await startDeskEmulators(desk, app);
  try {
    let device = s.device;
    if (!device) device = (await planRun({ desk: emus.desk, app, policy: 'synergy' })).plan.pipelines.find((p) => p.name === s.sourceOf)!.routes[0]!.source;
    const result = await new Run({
      app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: DURATION, checkEvery: 10,
      faults: [{ action: 'kill', device, atS: KILL_AT }, { action: 'restart', device, atS: RESTART_AT }],
    }).execute();
    const lost = result.recoveries.find((r) => r.kind === 'lost');
    const joined = result.recoveries.find((r) => r.kind === 'joined');
    const t = result.totals;
    const row = {
      name: s.name,
      device,
      detection_ms: lost?.detectionMs ?? null,
      recovery_ms: lost?.recoveryMs ?? null,
      rejoin_recovery_ms: joined?.recoveryMs ?? null,
      rejoin_replanned: result.epochs.length > 2,
      started: t.started,
      delivered: t.delivered,
      failed: t.failed,
      wrong: t.wrong,
      failure_reasons: t.reasons,
      unplaced_after_loss: result.epochs[1]?.plan.unplaced.map((u) => u.pipeline) ?? [],
    };
    rows.push(row);
    log(`${s.name}: killed ${device} at ${KILL_AT} s, detected after ${row.detection_ms?.toFixed(1) ?? '-'} ms; every placed pipeline delivering again after ` +
      `${row.recovery_ms?.toFixed(0) ?? 'never'} ms${row.unplaced_after_loss.length ? ` (not placed without it: ${row.unplaced_after_loss.join(', ')})` : ''}; ` +
      `rejoined at ${RESTART_AT} s: ${row.rejoin_replanned ? `re-planned, delivering again after ${row.rejoin_recovery_ms?.toFixed(0) ?? 'never'} ms` : 'the current plan stayed'}`);
    log(`  frames: ${t.started} started = ${t.delivered} delivered + ${t.failed} failed (${Object.entries(t.reasons).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}); ${t.wrong} wrong of ${t.checked} checked`);
  } finally {
    await emus.stop();
  }
}
if (json) process.stdout.write(JSON.stringify({ scenarios: rows }) + '\n');
