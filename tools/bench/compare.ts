// npm run bench:compare [-- --json] [-- --duration S] [-- --only NAME,...] [-- --check-every N]: `synergy compare` on
// every example workload (examples/workloads.yaml): per workload every policy runs on the same
// emulated desk (started once) for the same time (--duration, or the workload's min_duration_s
// when longer); prints each policy's measured throughput and
// synergy's divided by it, then per baseline the mean ratio over the workloads where both
// measured above 0, and whether synergy measured at or above every baseline everywhere.
// With --json it ends with one JSON line:
//   {"duration_s", "workloads": [{"name", "duration_s", "policies": [{policy, measured_throughput,
//    estimated_throughput, started, delivered, failed, host_bound, same_plan_as}]}], "mean_ratio": {baseline: r},
//    "synergy_at_or_above": {baseline: count}, "of": n}

import type { CompareRow } from '../../host/cli/commands/compare.js';
import { runDocument } from '../../host/report/run-report.js';
import { startDeskEmulators } from '../../host/runtime/desk-emulators.js';
import { comparedPolicies } from '../../host/runtime/planning.js';
import { Run } from '../../host/runtime/runner.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import { comparePolicies } from '../../host/runtime/compare-policies.js';
import { json, log, opt } from './bench-args.js';
import { durationFor, readWorkloads } from './workloads.js';

const duration = Number(opt('duration') ?? 6);
const only = opt('only')?.split(',');
const checkEvery = Number(opt('check-every') ?? 20);

const workloads = readWorkloads(only);
const policies = comparedPolicies();

/** compare's row, with the frames checked wrong and the host-bound mark beside it. */
interface Row extends Omit<CompareRow, 'same_plan_as'> {
  wrong: number;
  host_bound: boolean;
  /** the policy whose run measured this one's identical plan (compare-policies.ts), or null */
  same_plan_as: string | null;
}

const results: { name: string; duration_s: number; policies: Row[] }[] = [];
for (const w of workloads) {
  const desk = readDesk(w.desk);
  const app = readApp(w.app);
  const durationS = durationFor(w, duration);
  if ('discovered' in desk) continue;
  const emus = await startDeskEmulators(desk, app);
  const rows: Row[] = [];
  try {
    const ran = await comparePolicies(
      policies,
      (policy) => ({ app, desk: { kind: 'emulated', emulators: emus }, policy, durationS, checkEvery }),
      async (cfg) => {
        try {
          return runDocument(await new Run(cfg).execute());
        } catch (e) {
          log(`${w.name}/${cfg.policy}: failed: ${(e as Error).message}`);
          process.exitCode = 1;
          return null;
        }
      },
      (line) => log(`${w.name}: ${line}`),
    );
    for (const { policy, doc, samePlanAs } of ran) {
      rows.push({
        policy, measured_throughput: doc.measured_throughput, estimated_throughput: doc.estimated_throughput,
        started: doc.totals.started, delivered: doc.totals.delivered, failed: doc.totals.failed, wrong: doc.totals.wrong, host_bound: doc.host_bound !== null,
        same_plan_as: samePlanAs,
      });
    }
  } finally {
    await emus.stop();
  }
  results.push({ name: w.name, duration_s: durationS, policies: rows });
  const syn = rows.find((r) => r.policy === 'synergy')?.measured_throughput ?? 0;
  log(`\n${w.name}`);
  for (const r of rows) {
    log(`  ${r.policy.padEnd(20)} measured ${r.measured_throughput.toFixed(2).padStart(8)}  estimated ${r.estimated_throughput.toFixed(2).padStart(8)}  ` +
      `synergy ÷ ${r.measured_throughput > 0 ? (syn / r.measured_throughput).toFixed(2) : 'inf'}${r.same_plan_as ? `  (plan of ${r.same_plan_as}, measured once)` : ''}${r.host_bound ? '  (host-bound)' : ''}${r.failed ? `  ${r.failed} failed` : ''}${r.wrong ? `  ${r.wrong} WRONG` : ''}`);
  }
}

const meanRatio: Record<string, number | null> = {};
const atOrAbove: Record<string, number> = {};
for (const p of policies.filter((x) => x !== 'synergy')) {
  const ratios: number[] = [];
  atOrAbove[p] = 0;
  for (const w of results) {
    const syn = w.policies.find((r) => r.policy === 'synergy')?.measured_throughput ?? 0;
    const base = w.policies.find((r) => r.policy === p)?.measured_throughput ?? 0;
    if (syn >= base) atOrAbove[p]++;
    if (syn > 0 && base > 0) ratios.push(syn / base);
  }
  meanRatio[p] = ratios.length ? Math.round((ratios.reduce((a, b) => a + b, 0) / ratios.length) * 1000) / 1000 : null;
}
log(`\nbaseline             mean synergy/baseline   synergy >= baseline`);
for (const p of Object.keys(meanRatio)) {
  log(`${p.padEnd(20)} ${(meanRatio[p] === null ? '-' : meanRatio[p]!.toFixed(2)).padStart(22)}   ${atOrAbove[p]} of ${results.length}`);
}
if (json) process.stdout.write(JSON.stringify({ duration_s: duration, workloads: results, mean_ratio: meanRatio, synergy_at_or_above: atOrAbove, of: results.length }) + '\n');
