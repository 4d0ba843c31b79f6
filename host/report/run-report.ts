// The report of a run: one document (run.json, `synergy-run/1`) made from the runtime's result,
// and a self-contained HTML page from it: the measured-against-estimated tables, the plan
// diagram of every epoch, a timeline of one window with each resource's busy spans, and the
// throughput over time with the run's events (boards lost and joined, re-plans) marked.

import { hostBound, hostCpuFigures, type HostBound, type HostCpuFigures } from './host-figures.js';
import type { RunResult } from '../runtime/runner.js';
import { routeKey } from '../runtime/run-plan.js';
import { esc } from '../common/svg.js';
import { planSvg } from '../plan/diagram-svg.js';
import type { PlanObject } from '../plan/plan-object.js';
import { throughputChart, timelineChart } from './run-svg.js';

export interface RunRoute {
  share: number;
  /** the pipeline's planned rate times the share */
  planned_rate: number;
  /** measured in the epoch's window when the pipeline has several routes, else null */
  measured_rate: number | null;
  source: string;
  steps: { first: number; last: number; device: string }[];
  target: string;
}

export interface RunDocument {
  format: 'synergy-run/1';
  app: string;
  desk: string;
  policy: string;
  objective: 'maxmin' | 'sum';
  duration_s: number;
  /** the run was stopped before its duration (Ctrl-C, SIGTERM) */
  stopped: boolean;
  /** the first plan's throughput, measured in its window and estimated by the planner */
  measured_throughput: number;
  estimated_throughput: number;
  /** measured / estimated (null when the estimate is 0) */
  ratio: number | null;
  /**
   * whether the first plan's window measured this machine rather than the plan (the host process
   * or the emulators out of CPU): false, or the reason with the host's figures; null without a window
   */
  host_bound: HostBound | null;
  /** the host process's CPU per frame and per message in the first plan's window */
  host_cpu: HostCpuFigures | null;
  pipelines: {
    name: string;
    model: string | null;
    weight: number;
    planned_rate: number;
    measured_rate: number | null;
    latency_p50_ms: number;
    latency_p99_ms: number;
    started: number;
    delivered: number;
    failed: number;
    failures: Record<string, number>;
    checked: number;
    wrong: number;
    placed: boolean;
    unplaced_reason: string | null;
  }[];
  /** the first plan's resources: the planner's busy fraction and the measured one */
  resources: { id: string; estimated: number; measured: number | null }[];
  epochs: {
    index: number;
    reason: string;
    start_s: number;
    end_s: number;
    estimated_throughput: number;
    measured_throughput: number | null;
    bottleneck: string | null;
    plan_ms: number;
    deploy_ms: number;
    deploy_bytes: number;
    window: { start_s: number; end_s: number } | null;
    /** CPU share of one core per emulated board and of the host process, in the window */
    cpu: { emulators: Record<string, number>; host: number; cores: number; host_bound: HostBound | null; host_cpu: HostCpuFigures | null } | null;
    pipelines: { name: string; model: string; planned_rate: number; measured_rate: number | null; routes: RunRoute[] }[];
    unplaced: { pipeline: string; reason: string }[];
    /** the planner's plan object, as `synergy plan --json` prints it */
    plan: PlanObject;
  }[];
  recoveries: {
    device: string; kind: string; reason: string; at_s: number; detection_ms: number | null; recovery_ms: number | null; resumed_ms: Record<string, number | null>; unplaced: string[];
    /** a lost board: per pipeline that did not use it, its longest gap between deliveries from the fault until the recovery */
    stall_ms: Record<string, number>;
    /** a lost board, stage 1 (runner.ts QuickStage): the plan that runs again first, its loads within a deploy budget */
    quick: {
      plan_ms: number; search_ms: number; complete: boolean; prepared: boolean; estimate: number;
      repair: { estimate: number; deploy_estimate_ms: number; placed: number } | null;
      deploy_budget_ms: number; deploy_estimate_ms: number; deploy_estimate_bytes: number; within_budget: boolean; deploy_ms: number; bytes: number; deployed_ms: number;
    } | null;
    /** a lost board, stage 2 (runner.ts UpgradeStage): a fresh plan when more than 10% better, not counted in recovery_ms */
    upgrade: {
      status: string; reason: string; start_ms: number | null; done_ms: number | null; plan_ms: number | null; from: number; to: number | null;
      preload_ms: number; preload_bytes: number; switch_deploy_ms: number; switch_bytes: number; paused_ms: Record<string, number | null>;
    } | null;
  }[];
  events: { t_s: number; kind: string; text: string }[];
  totals: { started: number; delivered: number; failed: number; checked: number; wrong: number; check_skipped: number };
  wrong_outputs: { pipeline: string; frame: number; detail: string }[];
  failure_details: Record<string, string>;
  series: { bucket_s: number; pipelines: Record<string, { delivered: number[]; failed: number[] }> };
  timeline: { start_ms: number; end_ms: number; spans: { resource: string; start_ms: number; end_ms: number; pipeline: string; label: string }[] } | null;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export function runDocument(r: RunResult): RunDocument {
  const t = (ms: number): number => r3((ms - r.t0) / 1000);
  const first = r.epochs[0]!;
  const w = first.window;
  const pipelines = Object.entries(r.counts).map(([name, c]) => {
    const p = first.plan.pipelines.find((x) => x.name === name);
    const unplaced = first.plan.unplaced.find((u) => u.pipeline === name);
    const lat = r.latencyMs[name]!;
    return {
      name,
      model: p?.model ?? null,
      weight: p?.weight ?? 1,
      planned_rate: r3(first.plan.estimate.rates[name] ?? 0),
      measured_rate: w && p ? r3(w.rates[name] ?? 0) : null,
      latency_p50_ms: r3(lat.p50),
      latency_p99_ms: r3(lat.p99),
      started: c.started,
      delivered: c.delivered,
      failed: c.failed,
      failures: c.reasons,
      checked: c.checked,
      wrong: c.wrong,
      placed: p !== undefined,
      unplaced_reason: unplaced?.reason ?? null,
    };
  });
  const ids = new Set([...Object.keys(first.plan.estimate.utilisation), ...Object.keys(w?.utilisation ?? {})]);
  const resources = [...ids].sort().map((id) => ({ id, estimated: r3(first.plan.estimate.utilisation[id] ?? 0), measured: w ? r3(w.utilisation[id] ?? 0) : null }));
  return {
    format: 'synergy-run/1',
    app: r.app,
    desk: r.desk,
    policy: r.policy,
    objective: r.objective,
    duration_s: r3(r.durationS),
    stopped: r.stopped,
    measured_throughput: r3(r.measuredThroughput),
    estimated_throughput: r3(r.estimatedThroughput),
    ratio: r.estimatedThroughput > 0 ? r3(r.measuredThroughput / r.estimatedThroughput) : null,
    host_bound: hostBound(first),
    host_cpu: hostCpuFigures(first),
    pipelines,
    resources,
    epochs: r.epochs.map((e) => ({
      index: e.index,
      reason: e.reason,
      start_s: t(e.start),
      end_s: t(e.end),
      estimated_throughput: r3(e.plan.estimate.throughput),
      measured_throughput: e.measured === null ? null : r3(e.measured),
      bottleneck: e.plan.estimate.bottleneck,
      plan_ms: r3(e.planMs),
      deploy_ms: r3(e.deploy.ms),
      deploy_bytes: e.deploy.bytes,
      window: e.window ? { start_s: t(e.window.start), end_s: t(e.window.end) } : null,
      cpu: e.cpu
        ? {
            emulators: Object.fromEntries(Object.entries(e.cpu.emulators).map(([d, v]) => [d, r3(v)])),
            host: r3(e.cpu.host),
            cores: e.cpu.cores,
            host_bound: hostBound(e),
            host_cpu: hostCpuFigures(e),
          }
        : null,
      pipelines: e.plan.pipelines.map((p) => ({
        name: p.name,
        model: p.model,
        planned_rate: r3(p.estimatedRate),
        measured_rate: e.window ? r3(e.window.rates[p.name] ?? 0) : null,
        routes: p.routes.map((x) => ({
          share: r3(x.share),
          planned_rate: r3(x.share * p.estimatedRate),
          // measured only for a pipeline split over routes (one route is the pipeline's rate)
          measured_rate: e.window && p.routes.length > 1 ? r3(e.window.routeRates[p.name]?.[routeKey(x)] ?? 0) : null,
          source: x.source,
          steps: x.steps.map((s) => ({ first: s.from, last: s.to - 1, device: s.device })),
          target: x.target ?? 'host',
        })),
      })),
      unplaced: [...e.plan.unplaced],
      plan: e.object,
    })),
    recoveries: r.recoveries.map((x) => ({
      device: x.device,
      kind: x.kind,
      reason: x.reason,
      at_s: t(x.at),
      detection_ms: x.detectionMs === null ? null : r3(x.detectionMs),
      recovery_ms: x.recoveryMs === null ? null : r3(x.recoveryMs),
      resumed_ms: Object.fromEntries(Object.entries(x.resumedMs).map(([k, v]) => [k, v === null ? null : r3(v)])),
      unplaced: x.unplaced,
      stall_ms: Object.fromEntries(Object.entries(x.stallMs).map(([k, v]) => [k, r3(v)])),
      quick: x.quick
        ? {
            plan_ms: r3(x.quick.planMs), search_ms: r3(x.quick.searchMs), complete: x.quick.complete, prepared: x.quick.prepared, estimate: r3(x.quick.estimate),
            repair: x.quick.repair ? { estimate: r3(x.quick.repair.estimate), deploy_estimate_ms: r3(x.quick.repair.deployEstimateMs), placed: x.quick.repair.placed } : null,
            deploy_budget_ms: x.quick.deployBudgetMs, deploy_estimate_ms: r3(x.quick.deployEstimateMs), deploy_estimate_bytes: x.quick.deployEstimateBytes, within_budget: x.quick.withinBudget,
            deploy_ms: r3(x.quick.deployMs), bytes: x.quick.bytes, deployed_ms: r3(x.quick.deployedMs),
          }
        : null,
      upgrade: x.upgrade
        ? {
            status: x.upgrade.status, reason: x.upgrade.reason, start_ms: x.upgrade.startMs === null ? null : r3(x.upgrade.startMs),
            done_ms: x.upgrade.doneMs === null ? null : r3(x.upgrade.doneMs), plan_ms: x.upgrade.planMs === null ? null : r3(x.upgrade.planMs),
            from: r3(x.upgrade.from), to: x.upgrade.to === null ? null : r3(x.upgrade.to), preload_ms: r3(x.upgrade.preloadMs), preload_bytes: x.upgrade.preloadBytes,
            switch_deploy_ms: r3(x.upgrade.switchDeployMs), switch_bytes: x.upgrade.switchBytes,
            paused_ms: Object.fromEntries(Object.entries(x.upgrade.pausedMs).map(([k, v]) => [k, v === null ? null : r3(v)])),
          }
        : null,
    })),
    events: r.events.map((e) => ({ t_s: t(e.at), kind: e.kind, text: e.text })),
    totals: { started: r.totals.started, delivered: r.totals.delivered, failed: r.totals.failed, checked: r.totals.checked, wrong: r.totals.wrong, check_skipped: r.checkSkipped },
    wrong_outputs: r.wrongOutputs,
    failure_details: r.failureDetails,
    series: { bucket_s: r.bucketMs / 1000, pipelines: r.series },
    timeline: r.timeline
      ? {
          start_ms: 0,
          end_ms: r3(r.timeline.end - r.timeline.start),
          spans: r.spans
            .filter((s) => s.end >= r.timeline!.start && s.start <= r.timeline!.end)
            .map((s) => ({ resource: s.resource, start_ms: r3(s.start - r.timeline!.start), end_ms: r3(s.end - r.timeline!.start), pipeline: s.pipeline, label: s.label })),
        }
      : null,
  };
}

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const fix = (v: number | null, d = 2): string => (v === null ? '-' : v.toFixed(d));

export function runHtml(doc: RunDocument): string {
  const unit = doc.objective === 'maxmin' ? 'frames/s per unit weight (max-min)' : 'frames/s (sum)';
  const prow = doc.pipelines
    .map((p) => {
      const fails = Object.entries(p.failures).map(([k, n]) => `${n} ${esc(k)}`).join('; ');
      return `<tr><td>${esc(p.name)}</td><td>${esc(p.model ?? '-')}</td><td>${fix(p.planned_rate)}</td><td>${fix(p.measured_rate)}</td><td>${fix(p.latency_p50_ms, 1)}</td><td>${fix(p.latency_p99_ms, 1)}</td>` +
        `<td>${p.started}</td><td>${p.delivered}</td><td>${p.failed}${fails ? ` (${fails})` : ''}</td><td>${p.checked}</td><td class="${p.wrong ? 'bad' : ''}">${p.wrong}</td></tr>`;
    })
    .join('\n');
  const rrow = doc.resources.map((r) => `<tr><td>${esc(r.id)}</td><td>${pct(r.estimated)}</td><td>${pct(r.measured)}</td></tr>`).join('\n');
  const recov = doc.recoveries
    .map((r) => `<tr><td>${esc(r.device)}</td><td>${esc(r.kind)}</td><td>${r.at_s.toFixed(2)}</td><td>${fix(r.detection_ms, 1)}</td><td>${fix(r.recovery_ms, 0)}${r.unplaced.length ? ` (${esc(r.unplaced.join(', '))} cannot run)` : ''}</td><td>${esc(r.reason)}</td></tr>`)
    .join('\n');
  const events = doc.events.map((e) => `<li><code>${e.t_s.toFixed(2)} s</code> <b>${esc(e.kind)}</b> ${esc(e.text)}</li>`).join('\n');
  const wrong = doc.wrong_outputs.length
    ? `<p class="bad"><b>${doc.wrong_outputs.length} wrong outputs</b>: ${doc.wrong_outputs.slice(0, 20).map((w) => `${esc(w.pipeline)} frame ${w.frame}: ${esc(w.detail)}`).join('; ')}</p>`
    : '';
  const epochs = doc.epochs
    .map((e) => `<h3>Plan ${e.index} (${esc(e.reason)}), from ${e.start_s.toFixed(2)} s: estimated ${fix(e.estimated_throughput)}, measured ${fix(e.measured_throughput)}; bottleneck ${esc(e.bottleneck ?? 'none')}; planned in ${e.plan_ms.toFixed(0)} ms, deployed ${e.deploy_bytes} bytes in ${e.deploy_ms.toFixed(0)} ms</h3>\n${planSvg(e.plan)}`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>synergy run: ${esc(doc.app)} on ${esc(doc.desk)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}.bad{color:#b00020}li{margin:2px 0}</style>
</head><body>
<h1>${esc(doc.app)} on ${esc(doc.desk)}, policy ${esc(doc.policy)}</h1>
<p>${doc.duration_s.toFixed(1)} s. Throughput in ${unit}: <b>measured ${fix(doc.measured_throughput)}</b>, estimated ${fix(doc.estimated_throughput)}${doc.ratio !== null ? ` (ratio ${doc.ratio.toFixed(3)})` : ''}.
Frames: ${doc.totals.started} started, ${doc.totals.delivered} delivered, ${doc.totals.failed} failed; ${doc.totals.checked} checked against the reference executor, <span class="${doc.totals.wrong ? 'bad' : ''}">${doc.totals.wrong} wrong</span>${doc.totals.check_skipped ? ` (${doc.totals.check_skipped} samples skipped for the checker's CPU budget)` : ''}.</p>
${wrong}
${doc.host_bound ? `<p class="bad"><b>Host-bound measurement</b>: ${esc(doc.host_bound.reason)}. This measures this machine, not the plan.</p>` : ''}
<h2>Pipelines</h2>
<p>Rates are frames per second in the first plan's measurement window; latency from admission to delivery over the whole run.</p>
<table><tr><th>pipeline</th><th>model</th><th>planned /s</th><th>measured /s</th><th>p50 ms</th><th>p99 ms</th><th>started</th><th>delivered</th><th>failed</th><th>checked</th><th>wrong</th></tr>
${prow}
</table>
<h2>Resources (first plan)</h2>
<table><tr><th>resource</th><th>estimated busy</th><th>measured busy</th></tr>
${rrow}
</table>
${doc.epochs[0]?.cpu ? `<p>Host CPU in the window (share of one core): ${Object.entries(doc.epochs[0].cpu.emulators).map(([d, v]) => `${esc(d)} ${pct(v)}`).join(', ')}; host process ${pct(doc.epochs[0].cpu.host)}; ${doc.epochs[0].cpu.cores} cores.</p>` : ''}
${doc.recoveries.length ? `<h2>Boards lost and joined</h2>\n<table><tr><th>board</th><th>change</th><th>at s</th><th>detected after ms</th><th>all pipelines again after ms</th><th>reason</th></tr>\n${recov}\n</table>` : ''}
<h2>Throughput over time</h2>
${throughputChart(doc)}
<h2>One window: busy spans per resource</h2>
<p>Reconstructed from the host's send and receive times, each link's wire rate and the busy times the boards report (CPU load, CNN, CPU unload).</p>
${timelineChart(doc)}
<h2>Plans</h2>
${epochs}
<h2>Events</h2>
<ul>
${events}
</ul>
${Object.keys(doc.failure_details).length ? `<h2>Failure reasons</h2><ul>${Object.entries(doc.failure_details).map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
