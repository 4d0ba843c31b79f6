// npm run bench:estimate [-- --json] [-- --duration S] [-- --only NAME,...] [-- --policy NAME] [-- --check-every N]:
// every example workload (examples/workloads.yaml) run briefly on its emulated desk (--duration,
// or the workload's min_duration_s when longer); per
// workload the planner's estimated throughput beside the measured one, per pipeline the rates,
// per resource the estimated and measured busy fractions, and the CPU the emulated boards used
// (a window where an emulator ran out of CPU measures this machine, not the plan: host-bound).
// With --json it ends with one JSON line:
//   {"workloads": [{"name", "estimated", "measured", "ratio", "host_bound", "host_cpu_us_per_frame", ...}], "within_10pct", "of",
//    "host_cpu_us_per_frame"} (the host process's CPU per frame settled, over every workload's window)

import { Run, type Epoch, type RunResult } from '../../host/runtime/runner.js';
import { runDocument, type RunDocument } from '../../host/report/run-report.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import { json, log, opt } from './bench-args.js';
import { durationFor, readWorkloads } from './workloads.js';

const duration = Number(opt('duration') ?? 8);
const only = opt('only')?.split(',');
const policy = opt('policy') ?? 'synergy';
const checkEvery = Number(opt('check-every') ?? 20);

const workloads = readWorkloads(only);

interface Row {
  name: string;
  duration_s: number;
  estimated: number;
  measured: number;
  ratio: number | null;
  /** why the window measured this machine, or null */
  host_bound: string | null;
  /** the host process's CPU per frame and per message in the window, and its share of a core */
  host_cpu_us_per_frame: number | null;
  host_cpu_us_per_message: number | null;
  host_core_fraction: number | null;
  /** frames settled in the window (weights the overall figure) */
  window_frames: number;
  bottleneck: string | null;
  pipelines: { name: string; planned: number; measured: number | null }[];
  resources: { id: string; estimated: number; measured: number | null }[];
  cpu: Record<string, number> | null;
  frames: { started: number; delivered: number; failed: number; wrong: number };
}

const rows: Row[] = [];
log(`bench:estimate: ${workloads.length} example workloads, ${duration} s each (longer where a workload asks), policy ${policy}, emulated desks`);
for (const w of workloads) {
  const desk = readDesk(w.desk);
  const app = readApp(w.app);
  const durationS = durationFor(w, duration);
  if ('discovered' in desk) continue;
  let doc: RunDocument;
  let result: RunResult;
  try {
    result = await new Run({ app, desk: { kind: 'emulate', spec: desk }, policy, durationS, checkEvery }).execute();
    doc = runDocument(result);
  } catch (e) {
    log(`${w.name}: failed: ${(e as Error).message}`);
    process.exitCode = 1;
    continue;
  }
  const row: Row = {
    name: w.name,
    duration_s: durationS,
    estimated: doc.estimated_throughput,
    measured: doc.measured_throughput,
    ratio: doc.ratio,
    host_bound: doc.host_bound ? doc.host_bound.reason : null,
    host_cpu_us_per_frame: doc.host_cpu?.host_cpu_us_per_frame ?? null,
    host_cpu_us_per_message: doc.host_cpu?.host_cpu_us_per_message ?? null,
    host_core_fraction: doc.host_cpu?.host_core_fraction ?? null,
    window_frames: windowFrames(result.epochs[0]!),
    bottleneck: doc.epochs[0]!.bottleneck,
    pipelines: doc.pipelines.map((p) => ({ name: p.name, planned: p.planned_rate, measured: p.measured_rate })),
    resources: doc.resources,
    cpu: doc.epochs[0]!.cpu ? { ...doc.epochs[0]!.cpu.emulators, host: doc.epochs[0]!.cpu.host } : null,
    frames: { started: doc.totals.started, delivered: doc.totals.delivered, failed: doc.totals.failed, wrong: doc.totals.wrong },
  };
  rows.push(row);
  log(`\n${w.name}: estimated ${row.estimated.toFixed(2)}, measured ${row.measured.toFixed(2)}, ratio ${row.ratio?.toFixed(3) ?? '-'}; bottleneck ${row.bottleneck ?? '-'}` +
    `${row.host_bound ? `\n  HOST-BOUND: ${row.host_bound}` : ''}`);
  for (const p of row.pipelines) log(`  ${p.name.padEnd(18)} planned ${p.planned.toFixed(2).padStart(8)} /s  measured ${(p.measured ?? 0).toFixed(2).padStart(8)} /s`);
  const busy = row.resources.filter((r) => r.estimated >= 0.05 || (r.measured ?? 0) >= 0.05);
  for (const r of busy) log(`  ${r.id.padEnd(26)} busy estimated ${(r.estimated * 100).toFixed(1).padStart(5)}%  measured ${((r.measured ?? 0) * 100).toFixed(1).padStart(5)}%`);
  if (row.host_cpu_us_per_frame !== null) log(`  host process: ${Math.round(row.host_cpu_us_per_frame)} µs CPU per frame, ${Math.round(row.host_cpu_us_per_message ?? 0)} µs per message, ${((row.host_core_fraction ?? 0) * 100).toFixed(0)}% of a core`);
  if (row.cpu) log(`  host CPU (share of a core): ${Object.entries(row.cpu).map(([d, v]) => `${d} ${(v * 100).toFixed(0)}%`).join(', ')}`);
  log(`  frames: ${row.frames.started} started, ${row.frames.delivered} delivered, ${row.frames.failed} failed, ${row.frames.wrong} wrong`);
}

/** Frames settled in an epoch's window: its rates over its span. */
function windowFrames(e: Epoch): number {
  if (!e.window || !e.host) return 0;
  return Math.round(e.host.framesPerSec * ((e.window.end - e.window.start) / 1000));
}

const measuredHost = rows.filter((r) => r.host_cpu_us_per_frame !== null && r.window_frames > 0);
const hostFrames = measuredHost.reduce((a, r) => a + r.window_frames, 0);
const hostUsPerFrame = hostFrames > 0 ? Math.round(measuredHost.reduce((a, r) => a + r.host_cpu_us_per_frame! * r.window_frames, 0) / hostFrames) : null;
log(`host process: ${hostUsPerFrame ?? '-'} µs of CPU per frame over ${hostFrames} frames of ${measuredHost.length} workloads`);
const within = rows.filter((r) => r.ratio !== null && Math.abs(r.ratio - 1) <= 0.1);
log(`\nworkload                              estimated  measured   ratio  within 10%  host-bound`);
for (const r of rows) {
  log(`${r.name.padEnd(36)}  ${r.estimated.toFixed(2).padStart(9)}  ${r.measured.toFixed(2).padStart(8)}  ${(r.ratio ?? 0).toFixed(3).padStart(6)}  ${(within.includes(r) ? 'yes' : 'no').padStart(10)}  ${r.host_bound ? 'yes' : 'no'}`);
}
log(`${within.length} of ${rows.length} within 10% of the estimate`);
if (json) process.stdout.write(JSON.stringify({ policy, duration_s: duration, workloads: rows, within_10pct: within.length, of: rows.length, host_cpu_us_per_frame: hostUsPerFrame }) + '\n');
