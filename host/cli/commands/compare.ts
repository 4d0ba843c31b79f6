// synergy compare <app.yaml> [--desk FILE | --emulated N | --qemu N] [--duration S] [--policies a,b] [--report DIR]:
// runs the app under every policy on the same desk for the same duration (an emulated desk is
// started once and shared, each run loading its own plan's segments) and prints, per policy,
// the measured and the estimated throughput and synergy's measured throughput divided by the
// policy's. With --json the output ends with one JSON line:
//   {"workload", "duration_s", "policies": [{"policy", "measured_throughput", "estimated_throughput",
//    "started", "delivered", "failed", "same_plan_as"?}], "synergy_ratio": {policy: ratio or null}}
// A policy whose plan is identical to an earlier one's shares that run (runtime/compare-policies.ts).

import { join } from 'node:path';
import { UsageError } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { table } from '../output.js';
import { startDeskEmulators, type DeskEmulators } from '../../runtime/desk-emulators.js';
import { comparedPolicies, policyNames } from '../../runtime/planning.js';
import { comparePolicies } from '../../runtime/compare-policies.js';
import { emulateOptions, type DeskSource } from '../../runtime/runner.js';
import { baseConfig, deskArg, readAppArg, reportDirArg, RUN_OPTIONS, runWithStatus, writeReport } from './run.js';

export interface CompareRow {
  policy: string;
  measured_throughput: number;
  estimated_throughput: number;
  started: number;
  delivered: number;
  failed: number;
  /** set when the policy chose the identical plan of an earlier policy, whose run measured both */
  same_plan_as?: string;
}

export interface CompareLine {
  workload: string;
  duration_s: number;
  policies: CompareRow[];
  /** synergy's measured throughput over each policy's (null when the policy measured 0) */
  synergy_ratio: Record<string, number | null>;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'run an app under every planning policy on the same desk and compare measured throughput',
  description:
    'Each policy plans the app on the same desk (an emulated desk is started once), loads its\n' +
    'segments and runs for the same duration; the table shows measured and estimated\n' +
    'throughput and how many times synergy\'s measured throughput is each policy\'s. A policy\n' +
    'that chose the same plan as one run before it (segments, routes and shares) is measured\n' +
    'once, by that run, and marked so.\n' +
    'With --json the output ends with one JSON line (workload, duration_s, policies).',
  positionals: [{ name: 'app', description: 'app spec (YAML)' }],
  options: [
    ...RUN_OPTIONS,
    { name: 'policies', value: 'LIST', description: `comma-separated policies (default: ${comparedPolicies().join(', ')}; also optimal)` },
  ],
  async run({ args, json, io, signal }) {
    const app = readAppArg(args.positionals[0]!);
    const known = policyNames();
    const policies = args.has('policies') ? args.string('policies')!.split(',').map((p) => p.trim()).filter((p) => p !== '') : comparedPolicies();
    const unknown = policies.filter((p) => !known.includes(p));
    if (unknown.length > 0) throw new UsageError(`synergy compare: no policy ${unknown.join(', ')} (known: ${known.join(', ')})`);
    if (!policies.includes('synergy')) policies.unshift('synergy');
    const given = await deskArg(args, app, 'compare');
    const dir = reportDirArg(args);
    if (args.flag('compute-every-frame') && given.kind !== 'emulate') throw new UsageError('synergy compare: --compute-every-frame works on an emulated desk only');
    let emus: DeskEmulators | null = null;
    let desk: DeskSource = given;
    const onExit = (): void => emus?.killNow();
    process.on('exit', onExit);
    try {
      if (given.kind === 'emulate') {
        try {
          emus = await startDeskEmulators(given.spec, app, { ...emulateOptions(given), exactCompute: args.flag('compute-every-frame') });
        } catch (e) {
          throw new CommandFailure(`cannot start the emulated desk ${given.spec.name}: ${(e as Error).message}`);
        }
        desk = { kind: 'emulated', emulators: emus, ...(given.remote ? { remote: given.remote } : {}) };
      }
      const results = await comparePolicies(
        policies,
        (policy) => ({ ...baseConfig(args, app, desk, policy, signal), optimalTimeLimitSec: 60 }),
        async (cfg) => {
          const { doc } = await runWithStatus(cfg, io, `${app.name}/${cfg.policy}`);
          if (dir !== null) writeReport(dir, doc, `run-${cfg.policy}`);
          io.err(`${app.name}/${cfg.policy}: measured ${doc.measured_throughput.toFixed(2)}, estimated ${doc.estimated_throughput.toFixed(2)}`);
          return doc;
        },
        (line) => io.err(`${app.name}: ${line}`),
      );
      const synergyResult = results.find((r) => r.policy === 'synergy');
      if (!synergyResult) {
        if (signal.aborted) return EXIT.failure; // stopped before synergy's run: main.ts says so and exits 128 + N
        throw new CommandFailure('synergy\'s run gave no result to compare with');
      }
      const synergy = synergyResult.doc;
      const syn = synergy.measured_throughput;
      const rows: CompareRow[] = results.map(({ doc: d, samePlanAs }) => ({
        policy: d.policy,
        measured_throughput: r3(d.measured_throughput),
        estimated_throughput: r3(d.estimated_throughput),
        started: d.totals.started,
        delivered: d.totals.delivered,
        failed: d.totals.failed,
        ...(samePlanAs !== null ? { same_plan_as: samePlanAs } : {}),
      }));
      const ratio: Record<string, number | null> = {};
      for (const r of rows) ratio[r.policy] = r.measured_throughput > 0 ? r3(syn / r.measured_throughput) : null;
      const line: CompareLine = { workload: `${app.name} on ${synergy.desk}`, duration_s: args.number('duration') ?? 10, policies: rows, synergy_ratio: ratio };
      // A run shared by policies with the same plan counts once.
      const wrong = results.filter((r) => r.samePlanAs === null).reduce((a, r) => a + r.doc.totals.wrong, 0);
      if (!json) {
        io.out(
          table(
            ['POLICY', 'MEASURED', 'ESTIMATED', 'MEAS/EST', 'SYNERGY ÷', 'STARTED', 'DELIVERED', 'FAILED'],
            rows.map((r) => [
              r.policy,
              r.measured_throughput.toFixed(2),
              r.estimated_throughput.toFixed(2),
              r.estimated_throughput > 0 ? (r.measured_throughput / r.estimated_throughput).toFixed(3) : '-',
              (ratio[r.policy] === null ? 'inf' : ratio[r.policy]!.toFixed(2)) + (r.same_plan_as ? ` (plan of ${r.same_plan_as})` : ''),
              String(r.started),
              String(r.delivered),
              String(r.failed),
            ]),
          ),
        );
        const unit = synergy.objective === 'maxmin' ? 'frames/s per unit weight (max-min)' : 'frames/s (sum)';
        io.out(`throughput in ${unit}, ${line.duration_s} s per policy on ${line.workload}`);
        if (rows.some((r) => r.same_plan_as)) io.out('(plan of P): the policy chose the same plan as P (segments, routes, shares), measured once by P\'s run');
        if (dir !== null) io.out(`reports: ${join(dir, 'run-<policy>.html')}`);
        if (wrong > 0) io.out(`WRONG OUTPUTS: ${wrong}`);
      }
      if (json) io.out(JSON.stringify(line));
      return wrong > 0 ? EXIT.failure : EXIT.ok;
    } finally {
      await emus?.stop();
      process.off('exit', onExit);
    }
  },
};
