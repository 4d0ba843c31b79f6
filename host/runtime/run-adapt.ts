// Adapting a run to its boards: after a loss's quick stage delivers again, the upgrade stage
// moves to a fresh plan (or one moving less) when it is better enough, loading what it can
// beside the running plan first; a board that joins gets a re-plan that keeps what still works.

import { LOAD_BESIDE_RUNNING_WINDOW, preloadSegments } from './deploy.js';
import { deskOf, repairPlan, type Planned } from './planning.js';
import { planScore, preloadable, problemFor, QuickSearch } from './quick-plan.js';
import { REPAIR_KEEPS, REPLAN_BUDGET_MS, type RunContext } from './run-context.js';
import { bringUp, bringUpRetrying, planNow, sameRoutes } from './run-epoch.js';
import { closeEpoch } from './run-measure.js';
import { costModel, PREPARE_SLICE_MS, yieldNow } from './run-prepare.js';
import { newRecoveries, notUpgraded, waitFirstDeliveries, watchResumption } from './run-recovery.js';
import type { BoardChange, UpgradeDue, UpgradeStage } from './run-types.js';

/**
 * The upgrade stage's switch-over stops the pipelines it moves while their segments load; it
 * prefers a plan whose loads fit this budget, searched (in slices, at most UPGRADE_SEARCH_MS)
 * from the quick plan, when its estimate is within REPAIR_KEEPS of the fresh plan's.
 */
const UPGRADE_DEPLOY_BUDGET_MS = 1500;
const UPGRADE_SEARCH_MS = 1000;

const placed = (p: Planned): number => p.plan.pipelines.length;

/** Marks an upgrade waiting for its turn as superseded (the boards changed again). */
export function supersedeUpgrade(ctx: RunContext, why: string): void {
  ctx.upgrade.open = null;
  if (!ctx.upgrade.due) return;
  for (const r of ctx.upgrade.due.recs) r.upgrade ??= notUpgraded('superseded', why, planScore(ctx.epoch.plan));
  ctx.upgrade.due = null;
}

/** A plan that moves less than `fresh`: searched from the running plan in slices while it runs. */
async function movingLess(ctx: RunContext): Promise<ReturnType<QuickSearch['choice']>> {
  const present = ctx.present();
  const plan = ctx.epoch.plan;
  const migration = new QuickSearch(plan, await problemFor(deskOf(ctx.desk, present), ctx.app, ctx.cfg.objective), ctx.cfg.policy, costModel(ctx, plan, present), { budgetMs: UPGRADE_DEPLOY_BUDGET_MS });
  while (!migration.run(performance.now() + PREPARE_SLICE_MS) && migration.searchMs < UPGRADE_SEARCH_MS && ctx.pendingChanges.length === 0 && !ctx.finished.signal.aborted) await yieldNow();
  return migration.choice();
}

/** After the quick stage: moves to a fresh plan when it places more or is more than 10% better. */
export async function upgradeStage(ctx: RunContext, u: UpgradeDue): Promise<void> {
  const from = planScore(ctx.epoch.plan);
  if (ctx.epoch.index !== u.epochIndex) {
    for (const r of u.recs) r.upgrade ??= notUpgraded('superseded', 'another plan runs', from);
    return;
  }
  const began = performance.now();
  const fresh = await planNow(ctx, `upgrade check after ${u.why}`, REPLAN_BUDGET_MS);
  const to = planScore(fresh.plan);
  const up: UpgradeStage = {
    status: 'kept', reason: '', startMs: began - u.at, doneMs: null, planMs: fresh.ms, from, to,
    preloadMs: 0, preloadBytes: 0, switchDeployMs: 0, switchBytes: 0, pausedMs: {},
  };
  for (const r of u.recs) r.upgrade = up;
  // Beside the fresh plan, one that moves less (each pipeline keeps its route or moves, loads
  // within a budget); it is taken when it places as many pipelines and is nearly as good.
  const moved = await movingLess(ctx);
  const best = placed(moved.planned) > placed(fresh) || (placed(moved.planned) === placed(fresh) && moved.score > to) ? moved.planned : fresh;
  const nearly = placed(moved.planned) === placed(best) && moved.score >= REPAIR_KEEPS * planScore(best.plan);
  const target = nearly ? moved.planned : best;
  up.to = planScore(target.plan);
  const quickPlaced = ctx.epoch.plan.pipelines.length;
  const better = placed(target) > quickPlaced || (placed(target) === quickPlaced && from < REPAIR_KEEPS * up.to);
  const what = (p: Planned, score: number): string => `places ${placed(p)} pipelines, estimates ${score.toFixed(2)}`;
  const options = `the quick plan places ${quickPlaced} pipelines, estimates ${from.toFixed(2)}; a fresh plan ${what(fresh, to)}; ` +
    `one moving less ${what(moved.planned, moved.score)} (loads estimated ${Math.round(moved.deploy.ms)} ms)`;
  if (!better) {
    up.reason = `${options}: neither places more nor is more than ${Math.round((1 / REPAIR_KEEPS - 1) * 100)}% better`;
    ctx.note('upgrade', `no upgrade: ${up.reason}`);
    return;
  }
  up.reason = `${options}: moving to the ${target === moved.planned ? 'one moving less' : 'fresh plan'}`;
  await switchOver(ctx, u, up, target);
}

/** Make before break: what fits beside the running plan loads while it goes on, then the switch. */
async function switchOver(ctx: RunContext, u: UpgradeDue, up: UpgradeStage, target: Planned): Promise<void> {
  ctx.state.phase = 'adapting';
  const early = preloadable(ctx.epoch.plan, target);
  ctx.note('upgrade', `upgrade: ${up.reason}; loading ${early.length} of its new segments beside the running plan first`);
  if (early.length > 0 && ctx.pendingChanges.length === 0) {
    const pre = await preloadSegments(ctx.mon.present(), early, ctx.store, { onProgress: (p) => ctx.run.emit('deploy', p), signal: ctx.finished.signal, window: LOAD_BESIDE_RUNNING_WINDOW });
    up.preloadMs = pre.ms;
    up.preloadBytes = pre.bytes;
    for (const d of pre.devices) if (d.error) ctx.note('note', `upgrade: loading ahead on ${d.device} stopped (the switch-over loads the rest): ${d.error}`);
  }
  if (ctx.pendingChanges.length > 0 || ctx.finished.signal.aborted || performance.now() >= ctx.endAt()) {
    up.status = ctx.pendingChanges.length > 0 ? 'superseded' : 'not reached';
    up.reason += ctx.pendingChanges.length > 0 ? '; the boards changed again before the switch-over' : '; the run ended before the switch-over';
    ctx.state.phase = 'running';
    return;
  }
  closeEpoch(ctx, ctx.epoch, performance.now());
  const switchAt = performance.now();
  const { epoch, kept } = await bringUp(ctx, target, `upgrade after ${u.why}`, u.stopReason);
  up.status = 'upgraded';
  up.switchDeployMs = epoch.deploy.ms;
  up.switchBytes = epoch.deploy.bytes;
  const restarted = epoch.plan.pipelines.map((p) => p.name).filter((p) => !kept.has(p));
  for (const p of restarted) up.pausedMs[p] = null;
  const deployedAt = performance.now();
  void waitFirstDeliveries(ctx, restarted).then((firsts) => {
    for (const p of restarted) up.pausedMs[p] = firsts.has(p) ? firsts.get(p)! - switchAt : null;
    const all = restarted.every((p) => firsts.has(p));
    up.doneMs = all ? Math.max(deployedAt, ...restarted.map((p) => firsts.get(p)!)) - u.at : null;
    const paused = restarted.map((p) => `${p} ${up.pausedMs[p] === null ? 'not again' : `${Math.round(up.pausedMs[p]!)} ms`}`);
    ctx.note('upgrade', `upgrade done${up.doneMs !== null ? ` ${Math.round(up.doneMs)} ms after the loss was detected` : ''}: ` +
      `${Math.round(up.preloadBytes / 1024)} KB loaded ahead in ${Math.round(up.preloadMs)} ms while the quick plan ran, ` +
      `${Math.round(up.switchBytes / 1024)} KB at the switch-over (${Math.round(up.switchDeployMs)} ms)` +
      `${paused.length ? `; paused: ${paused.join(', ')}` : '; no pipeline paused'}`);
  });
}

/** Boards joined: a fresh plan, or a repair of the running one when nearly as good; nothing when neither is better. */
export async function replanOnJoin(ctx: RunContext, changes: BoardChange[], why: string): Promise<void> {
  const fresh = await planNow(ctx, why, REPLAN_BUDGET_MS);
  const running = ctx.epoch.plan;
  // Moving fewer segments recovers sooner: keep the running routes that still work when
  // that plan is nearly as good as a fresh one (planning.ts repairPlan).
  const repair = repairPlan(running, fresh);
  const planned = repair && planScore(repair.plan) >= REPAIR_KEEPS * planScore(fresh.plan) && repair.plan.pipelines.length >= fresh.plan.pipelines.length ? repair : fresh;
  if (planned === repair) {
    ctx.note('plan', `repair of the running plan (${repair.note}): estimated ${repair.plan.estimate.throughput.toFixed(2)}, a fresh plan ${fresh.plan.estimate.throughput.toFixed(2)}`);
  }
  const unchanged = planned.plan.pipelines.length === running.pipelines.length &&
    planned.plan.pipelines.every((p) => running.pipelines.some((q) => q.name === p.name && sameRoutes(p, q)));
  if (unchanged) {
    ctx.note('note', `the running plan stays: ${changes.map((c) => c.device).join(', ')} joined, and a fresh plan is not better enough (${fresh.plan.estimate.throughput.toFixed(2)} vs ${running.estimate.throughput.toFixed(2)})`);
    ctx.state.phase = 'running';
    return;
  }
  closeEpoch(ctx, ctx.epoch, changes[0]!.at);
  const recs = newRecoveries(ctx, changes, null);
  ctx.recoveries.push(...recs);
  const { kept } = await bringUpRetrying(ctx, planned, why, `re-plan: ${why}`);
  void watchResumption(ctx, recs, kept);
}
