// One epoch of a run: plan with the boards present, load what the plan needs, start an engine
// per pipeline whose routes changed (the others keep running) behind one max-min gate.

import type { BoardHandle } from './boards.js';
import { deployPlan, LOAD_BESIDE_RUNNING_WINDOW, type ModelStore } from './deploy.js';
import { Engine } from './engine.js';
import { FairGate, holdFor } from './fair-gate.js';
import { deskOf, planRun, type Planned } from './planning.js';
import { DRAIN_MS, REPLAN_BUDGET_MS, routeDevices, type RunContext } from './run-context.js';
import { segmentsOf, type RunPipeline, type RunPlan } from './run-plan.js';
import type { Epoch } from './run-types.js';
import { sleep } from './semaphore.js';

/** A re-plan whose load fails (a board that stops answering mid-load) plans again on the boards
 *  still present, this many times, RETRY_DELAY_MS apart, before the run ends with the error. */
const REPLAN_ATTEMPTS = 3;
const RETRY_DELAY_MS = 500;

/** Plans on the boards present now and notes what the plan estimates. */
export async function planNow(ctx: RunContext, reason: string, budgetMs?: number): Promise<Planned> {
  const cfg = ctx.cfg;
  const present = ctx.present();
  const planned = await planRun({
    desk: deskOf(ctx.desk, present), app: ctx.app, policy: cfg.policy,
    ...(cfg.objective ? { objective: cfg.objective } : {}),
    ...(budgetMs !== undefined ? { budgetMs } : {}),
    ...(cfg.optimalTimeLimitSec !== undefined ? { optimalTimeLimitSec: cfg.optimalTimeLimitSec } : {}),
  });
  const plan = planned.plan;
  ctx.note('plan', `${cfg.policy} plan on ${present.size} boards (${reason}): estimated ${plan.estimate.throughput.toFixed(2)} ` +
    `${plan.estimate.objective === 'maxmin' ? 'frames/s per unit weight' : 'frames/s'}, bottleneck ${plan.estimate.bottleneck ?? 'none'}` +
    `${plan.unplaced.length ? `; not placed: ${plan.unplaced.map((u) => u.pipeline).join(', ')}` : ''}`);
  return planned;
}

/** The pipelines of `plan` that run on as they are: same routes as before, on boards still present. */
function keptPipelines(ctx: RunContext, plan: RunPlan): Set<string> {
  const present = ctx.present();
  const previous = ctx.epochs.at(-1)?.plan;
  const kept = new Set<string>();
  for (const p of plan.pipelines) {
    const before = previous?.pipelines.find((x) => x.name === p.name);
    if (before && ctx.engines.has(p.name) && sameRoutes(before, p) && p.routes.every((r) => routeDevices(r).every((d) => present.has(d)))) kept.add(p.name);
  }
  return kept;
}

/** Runs a plan: keeps pipelines whose routes did not change, restarts the rest; the new epoch is ctx.epoch. */
export async function bringUp(ctx: RunContext, planned: Planned, reason: string, stopReason: string): Promise<{ epoch: Epoch; kept: Set<string> }> {
  const { cfg, engines, mon } = ctx;
  ctx.state.phase = 'deploying';
  const plan = planned.plan;
  if (!ctx.emus) checkSensorShapes(plan, mon.handles, ctx.store);
  const kept = keptPipelines(ctx, plan);
  // The others stop (their frames on live boards may finish) before their segments change.
  await Promise.all(
    [...engines].filter(([name]) => !kept.has(name)).map(async ([name, e]) => {
      await e.stop(stopReason, DRAIN_MS);
      collectDetails(e, ctx.failureDetails);
      engines.delete(name);
    }),
  );
  // The first load may be cut short by a stop (nothing runs yet); a re-plan's load completes.
  const first = ctx.epochs.length === 0;
  if (first) ctx.loadStarted.reach(performance.now());
  const deploy = await deployPlan(mon.present(), segmentsOf(plan), ctx.store, {
    onProgress: (p) => ctx.run.emit('deploy', p),
    ...(first && cfg.signal ? { signal: cfg.signal } : {}),
    // Pipelines that keep running share the links with the loads.
    ...(engines.size > 0 ? { window: LOAD_BESIDE_RUNNING_WINDOW } : {}),
  });
  ctx.note('deployed', `loaded ${deploy.devices.reduce((a, d) => a + d.loaded.length, 0)} segments (${deploy.bytes} bytes) in ${Math.round(deploy.ms)} ms; ` +
    `kept ${deploy.devices.reduce((a, d) => a + d.kept.length, 0)}, unloaded ${deploy.devices.reduce((a, d) => a + d.unloaded.length, 0)}` +
    `${kept.size > 0 ? `; ${[...kept].join(', ')} kept running` : ''}`);
  const start = performance.now();
  if (ctx.firstStart === 0) {
    ctx.firstStart = start;
    ctx.runStarted.reach(start);
  }
  startEngines(ctx, plan, kept);
  ctx.state.phase = 'running';
  const epoch: Epoch = { index: ctx.epochs.length, reason, plan, object: planned.object, problem: planned.problem, planMs: planned.ms, deploy, start, end: start, window: null, measured: null, cpu: null, host: null };
  ctx.epochs.push(epoch);
  ctx.epoch = epoch;
  ctx.run.emit('epoch', epoch);
  return { epoch, kept };
}

/** One gate for the epoch (max-min couples every pipeline's admission, fair-gate.ts); new engines for the pipelines not kept. */
function startEngines(ctx: RunContext, plan: RunPlan, kept: ReadonlySet<string>): void {
  const cfg = ctx.cfg;
  const engineOptions = {
    ...(cfg.admitFactor !== undefined ? { admitFactor: cfg.admitFactor } : {}),
    ...(cfg.stageDepth !== undefined ? { stageDepth: cfg.stageDepth } : {}),
  };
  ctx.gates.current?.close();
  const gate = plan.estimate.objective === 'maxmin' ? new FairGate(new Map(plan.pipelines.map((p) => [p.name, { weight: p.weight, hold: holdFor(p.estimatedRate, p.routes) }]))) : null;
  ctx.gates.current = gate;
  for (const p of plan.pipelines) {
    if (kept.has(p.name)) {
      const e = ctx.engines.get(p.name)!;
      e.setPlannedRate(p.name, p.estimatedRate);
      e.setGate(gate);
      continue;
    }
    const e = new Engine({ ...plan, pipelines: [p] }, ctx.engineContext(), engineOptions);
    e.setGate(gate);
    ctx.engines.set(p.name, e);
    e.start();
  }
  // A pipeline started again beside running ones does not hold them until it delivers (its
  // first frames fill its stages, computed on boards that have not seen them): it joins the
  // gate then, level with them.
  ctx.joining.clear();
  if (gate && kept.size > 0) {
    for (const p of plan.pipelines) {
      if (kept.has(p.name)) continue;
      gate.suspend(p.name);
      ctx.joining.add(p.name);
    }
  }
}

/** bringUp for a re-plan: a load that fails is planned again on the boards present (the
 *  monitor drops a board that stopped answering) before the run gives up. */
export async function bringUpRetrying(ctx: RunContext, planned: Planned, why: string, stopReason: string): Promise<{ epoch: Epoch; kept: Set<string> }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bringUp(ctx, planned, why, stopReason);
    } catch (e) {
      if (ctx.cfg.signal?.aborted) throw e; // stopped while loading: nothing to plan again
      const last = attempt >= REPLAN_ATTEMPTS || ctx.finished.signal.aborted;
      ctx.note('note', `${ctx.epochs.length === 0 ? 'the first load' : 're-plan'} failed${last ? '' : `, planning again (attempt ${attempt + 1} of ${REPLAN_ATTEMPTS})`}: ${(e as Error).message}`);
      if (last) throw e;
      await sleep(RETRY_DELAY_MS);
      planned = await planNow(ctx, `${why}; again after a failed load`, REPLAN_BUDGET_MS);
    }
  }
}

export function collectDetails(e: Engine, into: Record<string, string>): void {
  for (const [r, d] of e.reasonDetails) into[r] ??= d;
}

/** Whether two plans run a pipeline the same way (model, routes and shares). */
export function sameRoutes(a: RunPipeline, b: RunPipeline): boolean {
  const key = (p: RunPipeline): string =>
    JSON.stringify([p.model, p.routes.map((r) => [r.share.toFixed(6), r.source, r.steps.map((s) => [s.from, s.to, s.device]), r.target])]);
  return key(a) === key(b);
}

/**
 * A pipeline whose sensor frame is not its model's input cannot run on boards the run did not
 * start (their sensors give what they give): say so before deploying. Emulated streams are
 * made in the model's input shape (desk-emulators.ts).
 */
function checkSensorShapes(plan: RunPlan, boards: ReadonlyMap<string, BoardHandle>, store: ModelStore): void {
  for (const p of plan.pipelines) {
    const want = store.model(p.model).model.inputShape;
    const need = want[0] * want[1] * want[2];
    for (const r of p.routes) {
      const sensor = boards.get(r.source)?.session.hello.sensors.find((s) => s.kind === p.sensorKind);
      if (!sensor) throw new Error(`pipeline ${p.name}: the plan senses on ${r.source}, whose board has no ${p.sensorKind} sensor`);
      const got = sensor.shape.reduce((a, b) => a * b, 1);
      if (got !== need) {
        throw new Error(`pipeline ${p.name}: the ${p.sensorKind} of ${r.source} gives [${sensor.shape.join(', ')}] = ${got} values a frame; ` +
          `${p.model} takes [${want.join(', ')}] = ${need}`);
      }
    }
  }
}
