// Measuring a run: link busy time from the sessions' byte counters, each epoch's measurement
// window (opened after a warm-up, closed at the next change or the end) with its throughput by
// the planner's definition and the CPU used, the live status, and the result at the end.

import { HOST_LOOP_USABLE } from '../plan/planner.js';
import { fullDuplex } from '../space/device.js';
import { cpuSnapshot, cpuUse } from './host-cpu.js';
import { hostCost, hostWork } from './host-cost.js';
import { BUCKET_MS } from './metrics.js';
import type { RunContext } from './run-context.js';
import { throughputOf } from './run-plan.js';
import type { Epoch, RunResult } from './run-types.js';

/** Adds each link's busy time since the last sample (bytes over its wire rate). */
export function sampleLinks(ctx: RunContext): void {
  for (const h of ctx.mon.handles.values()) {
    const s = h.session.hostStats;
    const prev = ctx.linkBytes.get(h.session) ?? { in: 0, out: 0 };
    ctx.linkBytes.set(h.session, { in: s.bytesIn, out: s.bytesOut });
    if (!Number.isFinite(h.wireBytesPerSec)) continue;
    const inMs = ((s.bytesIn - prev.in) * 1000) / h.wireBytesPerSec;
    const outMs = ((s.bytesOut - prev.out) * 1000) / h.wireBytesPerSec;
    const kind = ctx.desk.devices.find((d) => d.name === h.device)?.link.kind;
    if (kind !== undefined && !fullDuplex(kind)) {
      // One channel both ways (BLE): the planner's DEVICE.link (problem.ts names it by the same rule).
      ctx.metrics.addBusy(`${h.device}.link`, inMs + outMs);
    } else {
      ctx.metrics.addBusy(`${h.device}.tx`, inMs);
      ctx.metrics.addBusy(`${h.device}.rx`, outMs);
    }
  }
}

/** Opens the running epoch's measurement window once its warm-up is over. */
export function openWindowIfDue(ctx: RunContext, now: number): void {
  const epoch = ctx.epoch;
  const warmupMs = (ctx.cfg.warmupS ?? 1) * 1000;
  if (ctx.metrics.windowOpen || epoch.window !== null || now < epoch.start + warmupMs || ctx.state.phase !== 'running' || epoch.end !== epoch.start) return;
  ctx.metrics.openWindow(now, epoch.plan.pipelines.map((p) => p.name));
  ctx.cpuAtOpen = cpuSnapshot(ctx.emulatorPids());
  ctx.hostAtOpen = hostWork(ctx.ledger, ctx.mon.handles.values());
  if (epoch.index === 0) ctx.metrics.startTimeline(now + Math.min(1000, ctx.cfg.durationS * 250));
}

/** Ends an epoch at `at`: its window's rates, throughput and CPU use. */
export function closeEpoch(ctx: RunContext, epoch: Epoch, at: number): void {
  sampleLinks(ctx);
  epoch.end = at;
  const w = ctx.metrics.closeWindow(at);
  epoch.window = w;
  if (w && ctx.cpuAtOpen) {
    const modelled = new Map<string, number>();
    for (const d of ctx.desk.devices) modelled.set(d.name, (w.utilisation[`${d.name}.cnn`] ?? 0) + (w.utilisation[`${d.name}.cpu`] ?? 0));
    epoch.cpu = cpuUse(ctx.cpuAtOpen, cpuSnapshot(ctx.emulatorPids()), modelled);
  }
  ctx.cpuAtOpen = null;
  if (w && ctx.hostAtOpen) {
    epoch.host = hostCost(ctx.hostAtOpen, hostWork(ctx.ledger, ctx.mon.handles.values()));
    // Measured beside the planner's host.cpu (costs.ts): the event loop's busy share of what it can give.
    w.utilisation['host.cpu'] = epoch.host.coreFraction / HOST_LOOP_USABLE;
  }
  ctx.hostAtOpen = null;
  if (w) {
    // The planner's definition: over the pipelines it could plan (a pipeline the desk cannot
    // run at all is reported apart); one the policy left out counts as 0.
    const plannable = epoch.problem.pipelines.map((p) => p.spec);
    const rates = new Map<string, number>(plannable.map((p) => [p.name, epoch.plan.pipelines.some((x) => x.name === p.name) ? (w.rates[p.name] ?? 0) : 0]));
    const weights = new Map(plannable.map((p) => [p.name, p.weight]));
    epoch.measured = throughputOf(epoch.plan.estimate.objective, rates, weights);
  }
  ctx.run.emit('epoch', epoch);
}

/** Emits the live status: per pipeline the rate over the last 2 s, latency and counts. */
export function emitStatus(ctx: RunContext): void {
  const now = performance.now();
  const recent = 4; // buckets: the last 2 s
  const epoch = ctx.epoch;
  ctx.run.emit('status', {
    elapsedS: (now - ctx.firstStart) / 1000,
    epoch: epoch.index,
    phase: ctx.state.phase,
    busyMs: ctx.metrics.busyTotals(),
    boards: [...ctx.mon.handles.values()].map((h) => ({ device: h.device, lost: h.lost !== null })),
    pipelines: ctx.names.map((name) => {
      const s = ctx.metrics.series.get(name)!.delivered;
      const cur = Math.floor((now - ctx.t0) / BUCKET_MS);
      let n = 0;
      for (let b = Math.max(0, cur - recent); b < cur; b++) n += s[b] ?? 0;
      const c = ctx.ledger.pipeline(name);
      return {
        name,
        rate: (n * 1000) / (recent * BUCKET_MS),
        p50Ms: ctx.metrics.latency.get(name)!.quantile(0.5),
        delivered: c.delivered,
        failed: c.failed,
        planned: epoch.plan.estimate.rates[name] ?? 0,
      };
    }),
  });
}

/** The run's result once it drained (`stopAt`: when the last epoch ended). */
export function runResult(ctx: RunContext, stopAt: number): RunResult {
  const { cfg, metrics, ledger, epochs } = ctx;
  const first = epochs[0]!;
  const latencyMs: RunResult['latencyMs'] = {};
  for (const [p, h] of metrics.latency) latencyMs[p] = { p50: h.quantile(0.5), p99: h.quantile(0.99), count: h.count };
  return {
    app: ctx.app.name,
    desk: ctx.desk.name,
    policy: cfg.policy,
    objective: first.plan.estimate.objective,
    durationS: (stopAt - ctx.firstStart) / 1000,
    stopped: cfg.signal?.aborted ?? false,
    t0: ctx.t0,
    epochs,
    counts: ledger.all(),
    totals: ledger.totals(),
    wrongOutputs: ledger.wrongOutputs,
    failureDetails: ctx.failureDetails,
    recoveries: ctx.recoveries,
    events: metrics.events,
    spans: metrics.spans,
    timeline: metrics.timelineWindow,
    series: Object.fromEntries(metrics.series),
    bucketMs: BUCKET_MS,
    latencyMs,
    measuredThroughput: first.measured ?? 0,
    estimatedThroughput: first.plan.estimate.throughput,
    checkSkipped: ctx.checker?.skipped ?? 0,
    devices: ctx.desk.devices.map((d) => ({ name: d.name, chip: d.chip, bytesPerSec: d.link.rateBps > 0 ? d.link.rateBps / 10 : null })),
  };
}
