// npm run bench:plan [-- --json] [--instances N] [--optimal-limit SEC] [--policies a,b]
// For each example workload (examples/workloads.yaml) and each policy: the estimated throughput
// (the objective, max-min), its ratio to synergy and to the exact optimum, and the planning time.
// Then seeded random instances (2 to 8 devices, 1 to 6 pipelines; the last tenth are all 8 x 6):
// synergy's ratio to the optimum (geometric mean), every baseline's, and synergy's planning time
// (median up to 4 devices x 4 pipelines, worst up to 8 x 6). Planning time is wall time of
// building the problem and running the policy, after one warm-up pass (a long-running host).
// The optimum is the MILP of host/plan/optimal.ts; an instance where it hits its time limit is
// left out of the ratios and counted. Ends, with --json, with one JSON line of the numbers.

import { evaluate } from '../../host/plan/evaluate.js';
import { loadSolver } from '../../host/plan/lp.js';
import { POLICIES, runPolicy, type PolicyName } from '../../host/plan/policies.js';
import { buildProblem } from '../../host/plan/problem.js';
import { randomInstance, rng } from '../../host/plan/random-instance.js';
import { readApp, type AppSpec } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import type { DeskSpec } from '../../host/space/device.js';
import { json, log, opt } from './bench-args.js';
import { readWorkloads } from './workloads.js';

const INSTANCES = Number(opt('instances') ?? 200);
const OPTIMAL_LIMIT = Number(opt('optimal-limit') ?? 120);
const policies = (opt('policies')?.split(',') ?? [...POLICIES]) as PolicyName[];
if (!policies.includes('synergy') || !policies.includes('optimal')) throw new Error('--policies must include synergy and optimal');

interface Outcome {
  throughput: number;
  ms: number;
  proved: boolean | null;
}

function runOne(desk: DeskSpec, app: AppSpec, policy: PolicyName, seed = 1): Outcome {
  const t0 = performance.now();
  const pr = buildProblem(desk, app);
  const out = runPolicy(pr, policy, { seed, optimalTimeLimitSec: OPTIMAL_LIMIT });
  const ms = performance.now() - t0;
  const throughput = out.objectiveOverride ?? evaluate(pr, out.assignment).objective;
  return { throughput, ms, proved: out.proved };
}

function sizeOf(seed: number): { devices: number; pipelines: number } {
  if (seed > INSTANCES - Math.floor(INSTANCES / 10)) return { devices: 8, pipelines: 6 };
  const r = rng(seed * 104729);
  return { devices: 2 + Math.floor(r() * 7), pipelines: 1 + Math.floor(r() * 6) };
}

const geomean = (xs: number[]): number => (xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(Math.max(x, 1e-12)), 0) / xs.length) : Number.NaN);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : Number.NaN;
};
const fmt = (x: number, d = 4): string => (Number.isFinite(x) ? x.toPrecision(d) : '-');

async function main(): Promise<void> {
  await loadSolver();
  const list = readWorkloads();

  // Warm-up: the JIT and the caches of the zoo and the fit rules, as in a running host.
  for (const w of list) {
    const d = readDesk(w.desk);
    if ('discovered' in d) continue;
    runOne(d, readApp(w.app), 'synergy');
  }

  log(`${'workload'.padEnd(38)} ${'policy'.padEnd(20)} ${'throughput'.padStart(10)} ${'/synergy'.padStart(9)} ${'/optimal'.padStart(9)} ${'ms'.padStart(9)}`);
  const workloads: { workload: string; policy: string; throughput: number; ratio_to_synergy: number; ratio_to_optimal: number; plan_ms: number }[] = [];
  for (const w of list) {
    const d = readDesk(w.desk);
    if ('discovered' in d) throw new Error(`${w.desk}: a benchmark desk must list its devices`);
    const app = readApp(w.app);
    const results = new Map(policies.map((p) => [p, runOne(d, app, p)]));
    const syn = results.get('synergy')!.throughput;
    const best = results.get('optimal')!;
    for (const p of policies) {
      const r = results.get(p)!;
      const row = {
        workload: w.name, policy: p, throughput: r.throughput,
        ratio_to_synergy: syn > 0 ? r.throughput / syn : Number.NaN,
        ratio_to_optimal: best.throughput > 0 ? r.throughput / best.throughput : Number.NaN,
        plan_ms: r.ms,
      };
      workloads.push(row);
      log(`${w.name.padEnd(38)} ${(p + (p === 'optimal' && r.proved === false ? '*' : '')).padEnd(20)} ${fmt(r.throughput).padStart(10)} ${fmt(row.ratio_to_synergy).padStart(9)} ${fmt(row.ratio_to_optimal).padStart(9)} ${r.ms.toFixed(1).padStart(9)}`);
    }
  }

  const ratios = new Map<PolicyName, number[]>(policies.filter((p) => p !== 'optimal').map((p) => [p, []]));
  const synMs4x4: number[] = [];
  const synMsAll: number[] = [];
  let unproved = 0;
  let infeasible = 0;
  let compared = 0;
  for (let seed = 1; seed <= INSTANCES; seed++) {
    const { devices, pipelines } = sizeOf(seed);
    const { desk, app } = randomInstance(seed, devices, pipelines);
    const syn = runOne(desk, app, 'synergy');
    synMsAll.push(syn.ms);
    if (devices <= 4 && pipelines <= 4) synMs4x4.push(syn.ms);
    const best = runOne(desk, app, 'optimal');
    let line = `instance ${String(seed).padStart(3)} ${devices}x${pipelines}: synergy ${fmt(syn.throughput)} in ${syn.ms.toFixed(1)} ms, optimal ${fmt(best.throughput)} in ${best.ms.toFixed(0)} ms`;
    if (best.proved === false) {
      unproved++;
      line += ' (time limit: not compared)';
    } else if (!(best.throughput > 0)) {
      infeasible++;
      line += ' (no joint plan: not compared)';
    } else {
      compared++;
      for (const p of ratios.keys()) {
        const t = p === 'synergy' ? syn.throughput : runOne(desk, app, p, seed).throughput;
        ratios.get(p)!.push(t / best.throughput);
      }
      line += `, ratio ${fmt(syn.throughput / best.throughput)}`;
    }
    log(line);
  }
  log('');
  log(`random instances: ${INSTANCES} (${compared} compared, ${unproved} where the optimum hit its ${OPTIMAL_LIMIT} s limit, ${infeasible} with no joint plan)`);
  log('geometric-mean ratio to the optimum (instances where a policy scores 0 count as 1e-12):');
  for (const [p, xs] of ratios) log(`  ${p.padEnd(20)} ${fmt(geomean(xs))}   (min ${fmt(Math.min(...xs))}, zero on ${xs.filter((x) => x <= 0).length})`);
  const med = median(synMs4x4);
  const worst = Math.max(...synMsAll);
  log(`synergy planning time: median ${med.toFixed(1)} ms up to 4x4 (${synMs4x4.length} instances), worst ${worst.toFixed(1)} ms up to 8x6`);
  if (json) {
    process.stdout.write(JSON.stringify({
      workloads: workloads.map(({ workload, policy, throughput, ratio_to_optimal, plan_ms }) => ({ workload, policy, throughput, ratio_to_optimal, plan_ms })),
      random: {
        instances: INSTANCES,
        compared,
        unproved,
        geomean_ratio_to_optimal: geomean(ratios.get('synergy')!),
        geomean_ratio_by_policy: Object.fromEntries([...ratios].map(([p, xs]) => [p, geomean(xs)])),
        plan_ms_median_4x4: med,
        plan_ms_max_8x6: worst,
      },
    }) + '\n');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:plan failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
