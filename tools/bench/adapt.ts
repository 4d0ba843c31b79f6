// npm run bench:adapt [-- --fault kill|hang|kill-during-load] [-- --json]: boards lost and
// joining during a run. For each scenario an emulated desk runs an app; one board fails a few
// seconds in and its emulator is started again later. The fault (--fault, default kill):
//   kill              its emulator is SIGKILLed at 4 s (the link closes, the process exits);
//   hang              its emulator is SIGSTOPped at 4 s (process alive, link open, no answers:
//                     only the requests' deadlines from the cost model show it);
//   kill-during-load  its emulator is SIGKILLed 0.5 s into the first plan's load.
// Prints how long the runtime took to notice the loss (from the fault to its detection), how
// long until every pipeline delivered again on the re-planned desk, the longest gap in the
// deliveries of every other pipeline (one that did not use the board) from the fault until
// then, the same after the board joined, and the frames: delivered + failed = started,
// failures only from the loss, no wrong output.
// Recovery from the loss is staged (runner.ts): the quick stage (a plan whose loads fit a
// deploy budget; its search, deploy estimate and measured deploy are printed) and, once every
// pipeline delivers again, the upgrade stage (a fresh plan when more than 10% better: when it
// started and ended, the loads ahead while the quick plan ran, and how long the pipelines it
// moved paused). Recovery time is the quick stage's: detection to every placed pipeline
// delivering again. The table at the end has one line per desk.
// With --json it ends with one JSON line:
//   {"fault", "detection_ms" (the worst), "max_stall_ms_other_pipelines" (the worst),
//    "frames_accounted" (every scenario: delivered + failed = started), "completed",
//    "scenarios": [{"name", "device", "detection_ms", "recovery_ms", "max_stall_ms_other_pipelines", "rejoin_recovery_ms",
//    "quick": {"plan_ms", "search_ms", "prepared", "deploy_budget_ms", "deploy_estimate_ms",
//    "deploy_ms", "bytes", "estimate", "repair_estimate"}, "upgrade": {"status", "start_ms",
//    "done_ms", "from", "to", "preload_bytes", "switch_bytes", "paused_ms"},
//    "started", "delivered", "failed", "wrong", "failure_reasons"}]}

import { join } from 'node:path';
import { repoRoot } from '../../host/repo-root.js';
import { startDeskEmulators } from '../../host/runtime/desk-emulators.js';
import { planRun } from '../../host/runtime/planning.js';
import { Run } from '../../host/runtime/runner.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import type { Fault } from '../../host/runtime/fault-injection.js';
import { json, log, opt } from './bench-args.js';

const root = repoRoot();

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

const FAULTS = ['kill', 'hang', 'kill-during-load'] as const;
type FaultKind = (typeof FAULTS)[number];
const faultKind = (opt('fault') ?? 'kill') as FaultKind;
if (!FAULTS.includes(faultKind)) {
  process.stderr.write(`bench:adapt: --fault ${faultKind}: expected one of ${FAULTS.join(', ')}\n`);
  process.exit(2);
}
const FAULT_AT = 4;
const LOAD_FAULT_AT = 0.5;
const RESTART_AT = 10;
const DURATION = 16;

function faultsFor(kind: FaultKind, device: string): Fault[] {
  const restart: Fault = { action: 'restart', device, atS: RESTART_AT };
  if (kind === 'kill-during-load') return [{ action: 'kill', device, atS: LOAD_FAULT_AT, from: 'load' }, restart];
  return [{ action: kind, device, atS: FAULT_AT }, restart];
}

const rows: Record<string, unknown>[] = [];
let completed = 0;
for (const s of scenarios) {
  const desk = readDesk(join(root, s.desk));
  if ('discovered' in desk) continue;
  const app = readApp(join(root, s.app));
  const emus = await startDeskEmulators(desk, app);
  try {
    let device = s.device;
    if (!device) device = (await planRun({ desk: emus.desk, app, policy: 'synergy' })).plan.pipelines.find((p) => p.name === s.sourceOf)!.routes[0]!.source;
    let result;
    try {
      result = await new Run({ app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: DURATION, checkEvery: 10, faults: faultsFor(faultKind, device) }).execute();
    } catch (e) {
      log(`${s.name}: the run failed: ${(e as Error).message}`);
      rows.push({ name: s.name, device, completed: false, error: (e as Error).message });
      continue;
    }
    completed++;
    const lost = result.recoveries.find((r) => r.kind === 'lost');
    const stalls = Object.values(lost?.stallMs ?? {});
    const joined = result.recoveries.find((r) => r.kind === 'joined');
    const t = result.totals;
    const q = lost?.quick ?? null;
    const u = lost?.upgrade ?? null;
    const r1 = (v: number): number => Math.round(v * 10) / 10;
    const row = {
      name: s.name,
      device,
      completed: true,
      detection_ms: lost?.detectionMs ?? null,
      recovery_ms: lost?.recoveryMs ?? null,
      max_stall_ms_other_pipelines: stalls.length ? Math.max(...stalls) : null,
      stall_ms: lost?.stallMs ?? {},
      rejoin_recovery_ms: joined?.recoveryMs ?? null,
      rejoin_replanned: result.epochs.some((e) => e.reason.includes('joined')),
      quick: q && {
        plan_ms: r1(q.planMs), search_ms: r1(q.searchMs), prepared: q.prepared, deploy_budget_ms: q.deployBudgetMs,
        deploy_estimate_ms: r1(q.deployEstimateMs), deploy_ms: r1(q.deployMs), bytes: q.bytes, estimate: q.estimate, repair_estimate: q.repair?.estimate ?? null,
      },
      upgrade: u && {
        status: u.status, reason: u.reason, start_ms: u.startMs === null ? null : r1(u.startMs), done_ms: u.doneMs === null ? null : r1(u.doneMs),
        from: u.from, to: u.to, preload_bytes: u.preloadBytes, switch_bytes: u.switchBytes,
        paused_ms: Object.fromEntries(Object.entries(u.pausedMs).map(([k, v]) => [k, v === null ? null : r1(v)])),
      },
      started: t.started,
      delivered: t.delivered,
      failed: t.failed,
      wrong: t.wrong,
      failure_reasons: t.reasons,
      unplaced_after_loss: result.epochs[1]?.plan.unplaced.map((u) => u.pipeline) ?? [],
    };
    rows.push(row);
    const when = faultKind === 'kill-during-load' ? `${LOAD_FAULT_AT} s into the first load` : `at ${FAULT_AT} s`;
    log(`${s.name}: ${faultKind === 'hang' ? 'hung' : 'killed'} ${device} ${when}, detected after ${row.detection_ms?.toFixed(1) ?? '-'} ms (${lost?.reason ?? 'not lost'}); ` +
      `other pipelines' longest gap ${row.max_stall_ms_other_pipelines?.toFixed(0) ?? '-'} ms; every placed pipeline delivering again after ` +
      `${row.recovery_ms?.toFixed(0) ?? 'never'} ms${row.unplaced_after_loss.length ? ` (not placed without it: ${row.unplaced_after_loss.join(', ')})` : ''}; ` +
      `rejoined at ${RESTART_AT} s: ${row.rejoin_replanned ? `re-planned, delivering again after ${row.rejoin_recovery_ms?.toFixed(0) ?? 'never'} ms` : 'the current plan stayed'}`);
    if (q) {
      log(`  quick stage: plan chosen ${q.planMs.toFixed(0)} ms after detection (search ${q.searchMs.toFixed(0)} ms${q.prepared ? ', prepared before the loss' : ''}), ` +
        `estimate ${q.estimate.toFixed(2)} (the repair of the running plan ${q.repair ? q.repair.estimate.toFixed(2) : '-'}); ` +
        `deploy estimated ${q.deployEstimateMs.toFixed(0)} ms (budget ${q.deployBudgetMs}), measured ${q.deployMs.toFixed(0)} ms for ${Math.round(q.bytes / 1024)} KB`);
    }
    if (u) {
      log(`  upgrade stage: ${u.status}${u.startMs !== null ? ` (began ${u.startMs.toFixed(0)} ms after detection)` : ''}: ${u.reason}` +
        `${u.status === 'upgraded' ? `; done ${u.doneMs === null ? 'never' : `${u.doneMs.toFixed(0)} ms`} after detection, ${Math.round(u.preloadBytes / 1024)} KB loaded ahead while the quick plan ran, ` +
          `${Math.round(u.switchBytes / 1024)} KB at the switch-over; paused ${Object.entries(u.pausedMs).map(([k, v]) => `${k} ${v === null ? '-' : v.toFixed(0)} ms`).join(', ') || 'nothing'}` : ''}`);
    }
    log(`  frames: ${t.started} started = ${t.delivered} delivered + ${t.failed} failed (${Object.entries(t.reasons).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}); ${t.wrong} wrong of ${t.checked} checked`);
  } finally {
    await emus.stop();
  }
}
interface Row {
  name: string; completed: boolean; detection_ms?: number | null; recovery_ms?: number | null; max_stall_ms_other_pipelines?: number | null;
  quick?: { deploy_estimate_ms: number; deploy_ms: number } | null; upgrade?: { status: string } | null;
  started?: number; delivered?: number; failed?: number; wrong?: number;
}
const done = (rows as unknown as Row[]);
const accounted = (r: Row): boolean => r.completed && r.delivered! + r.failed! === r.started;
log('');
log(`fault: ${faultKind}`);
log(`${'desk/app, board lost'.padEnd(44)} ${'detect ms'.padStart(9)} ${'stall ms'.padStart(8)} ${'recover ms'.padStart(10)} ${'deploy est/meas ms'.padStart(18)} ${'upgrade'.padStart(10)} ${'frames ok'.padStart(9)}`);
for (const r of done) {
  if (!r.completed) {
    log(`${r.name.padEnd(44)} the run failed`);
    continue;
  }
  const ok = accounted(r) && r.wrong === 0;
  log(`${r.name.padEnd(44)} ${(r.detection_ms?.toFixed(1) ?? '-').padStart(9)} ${(r.max_stall_ms_other_pipelines?.toFixed(0) ?? '-').padStart(8)} ${(r.recovery_ms?.toFixed(0) ?? 'never').padStart(10)} ` +
    `${(r.quick ? `${r.quick.deploy_estimate_ms.toFixed(0)}/${r.quick.deploy_ms.toFixed(0)}` : '-').padStart(18)} ${(r.upgrade?.status ?? '-').padStart(10)} ${(ok ? 'yes' : 'NO').padStart(9)}`);
}
const worst = (k: 'detection_ms' | 'max_stall_ms_other_pipelines'): number | null => {
  const v = done.map((r) => r[k]).filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};
const summary = {
  fault: faultKind,
  completed: completed === done.length,
  detection_ms: worst('detection_ms'),
  max_stall_ms_other_pipelines: worst('max_stall_ms_other_pipelines'),
  frames_accounted: done.every(accounted),
};
log(`worst detection ${summary.detection_ms?.toFixed(1) ?? '-'} ms, worst stall of the other pipelines ${summary.max_stall_ms_other_pipelines?.toFixed(0) ?? '-'} ms; ` +
  `${completed} of ${done.length} runs completed; every frame accounted for: ${summary.frames_accounted ? 'yes' : 'NO'}`);
if (json) process.stdout.write(JSON.stringify({ ...summary, scenarios: rows }) + '\n');
