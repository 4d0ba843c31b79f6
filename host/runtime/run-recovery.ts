// Fault handling: a lost board's quick stage (the plan that deploys quickly runs first, from the
// search prepared before the loss when there is one), the recovery records of every change of
// boards, and when each pipeline delivers again.

import type { Engine } from './engine.js';
import { deskOf } from './planning.js';
import { planScore, problemFor, QuickSearch, type QuickChoice } from './quick-plan.js';
import { bringUpRetrying, planNow } from './run-epoch.js';
import { closeEpoch } from './run-measure.js';
import { basisOf, costModel, PREPARE_SEARCH_MS } from './run-prepare.js';
import { END_DRAIN_MS, REPLAN_BUDGET_MS, routeDevices, type RunContext } from './run-context.js';
import type { BoardChange, QuickStage, Recovery, UpgradeStage } from './run-types.js';
import { sleep } from './semaphore.js';

/**
 * CPU ms a board's loss may spend searching its quick plan once the loss is known, when the
 * search prepared in the background is not done (or none was): each ms delays the recovery,
 * and the search finds good plans early (quick-plan.ts).
 */
const QUICK_SEARCH_LIMIT_MS = 200;

export function notUpgraded(status: 'superseded' | 'not reached', reason: string, from: number): UpgradeStage {
  return { status, reason, startMs: null, doneMs: null, planMs: null, from, to: null, preloadMs: 0, preloadBytes: 0, switchDeployMs: 0, switchBytes: 0, pausedMs: {} };
}

/** The quick plan for the boards present: the prepared search when it fits, else one searched now. */
async function quickChoice(ctx: RunContext, lostNames: string[], present: Set<string>): Promise<{ quick: QuickChoice; wasPrepared: boolean }> {
  let search: QuickSearch | null = null;
  let wasPrepared = false;
  const ready = lostNames.length === 1 ? ctx.prepared.get(lostNames[0]!) : undefined;
  if (ready && ready.basis === basisOf(ctx.epoch.index, present)) {
    search = ready.search;
    wasPrepared = true;
  }
  ctx.prepared.clear();
  if (!search) search = new QuickSearch(ctx.epoch.plan, await problemFor(deskOf(ctx.desk, present), ctx.app, ctx.cfg.objective), ctx.cfg.policy, costModel(ctx, ctx.epoch.plan, present));
  // A prepared search cut at its background limit is a hard case: take what it found.
  if (!search.done && !(wasPrepared && search.searchMs >= PREPARE_SEARCH_MS)) search.run(performance.now() + QUICK_SEARCH_LIMIT_MS);
  return { quick: search.choice(), wasPrepared };
}

function quickStageOf(quick: QuickChoice, wasPrepared: boolean, planMs: number): QuickStage {
  return {
    planMs,
    searchMs: quick.searchMs,
    complete: quick.complete,
    prepared: wasPrepared,
    estimate: quick.score,
    repair: quick.repair ? { estimate: quick.repair.score, deployEstimateMs: quick.repair.deployMs, placed: quick.repair.placed } : null,
    deployBudgetMs: quick.budgetMs,
    deployEstimateMs: quick.deploy.ms,
    deployEstimateBytes: quick.deploy.bytes,
    withinBudget: quick.withinBudget,
    deployMs: 0,
    bytes: 0,
    deployedMs: 0,
  };
}

/** A lost board: the quick stage runs a plan that deploys quickly; an upgrade may follow (run-adapt.ts). */
export async function quickStage(ctx: RunContext, changes: BoardChange[], why: string): Promise<void> {
  const present = ctx.present();
  const lostNames = changes.filter((c) => c.kind === 'lost').map((c) => c.device);
  const detectedAt = changes[0]!.at;
  const token = {};
  ctx.upgrade.open = token;
  let chosen: { quick: QuickChoice; wasPrepared: boolean } | null = null;
  try {
    chosen = await quickChoice(ctx, lostNames, present);
  } catch (e) {
    ctx.prepared.clear();
    ctx.note('note', `the quick re-plan failed (${(e as Error).message}); planning afresh`);
  }
  const quick = chosen?.quick ?? null;
  const planned = quick ? quick.planned : await planNow(ctx, why, REPLAN_BUDGET_MS);
  const chosenAt = performance.now();
  const plan = planned.plan;
  if (quick) {
    ctx.note('plan', `${planned.note}: estimated ${plan.estimate.throughput.toFixed(2)}` +
      `${plan.unplaced.length ? ` (not placed: ${plan.unplaced.map((u) => u.pipeline).join(', ')})` : ''}; ` +
      `the repair of the running plan ${quick.repair ? `${quick.repair.score.toFixed(2)} placing ${quick.repair.placed}, deploy estimated ${Math.round(quick.repair.deployMs)} ms` : 'none'}; ` +
      `searched ${Math.round(quick.searchMs)} ms${chosen!.wasPrepared ? ' (prepared before the loss)' : ''}${quick.complete ? '' : ', cut short'}`);
  }
  closeEpoch(ctx, ctx.epoch, detectedAt);
  const stage = quick && quickStageOf(quick, chosen!.wasPrepared, chosenAt - detectedAt);
  const recs = newRecoveries(ctx, changes, stage);
  ctx.recoveries.push(...recs);
  const stopReason = `re-plan after board ${lostNames.join(', ')} lost`;
  const { epoch, kept } = await bringUpRetrying(ctx, planned, why, stopReason);
  if (stage) {
    stage.deployMs = epoch.deploy.ms;
    stage.bytes = epoch.deploy.bytes;
    stage.deployedMs = performance.now() - detectedAt;
  }
  const quickEpoch = epoch.index;
  void watchResumption(ctx, recs, kept).then(() => {
    if (stage && ctx.epochs.at(-1)!.index === quickEpoch && ctx.pendingChanges.length === 0 && !ctx.finished.signal.aborted) {
      ctx.upgrade.due = { recs, epochIndex: quickEpoch, why, at: detectedAt, stopReason };
      ctx.wake();
      return;
    }
    if (ctx.upgrade.open === token) ctx.upgrade.open = null;
    if (!stage) return; // planned afresh: nothing to upgrade
    for (const r of recs) r.upgrade ??= ctx.finished.signal.aborted ? notUpgraded('not reached', 'the run ended first', planScore(plan)) : notUpgraded('superseded', 'the boards changed again first', planScore(plan));
  });
}

/** Recovery records for a batch of changes (the quick stage's, for losses), made while the plan before them is the last one. */
export function newRecoveries(ctx: RunContext, changes: BoardChange[], quick: QuickStage | null): Recovery[] {
  const before = ctx.epochs.at(-1)?.plan.pipelines ?? [];
  const recs: Recovery[] = changes.map((c) => {
    const faultAt = c.kind === 'lost' ? ctx.faultTimes.get(c.device) ?? c.lastHeard : null;
    const r: Recovery = {
      device: c.device,
      kind: c.kind,
      reason: c.reason,
      detectionMs: faultAt === null ? null : c.at - faultAt,
      recoveryMs: null,
      resumedMs: {},
      unplaced: [],
      stallMs: {},
      at: c.at,
      quick: c.kind === 'lost' ? quick : null,
      upgrade: null,
    };
    if (faultAt !== null) {
      const others = before.filter((p) => !p.routes.some((route) => routeDevices(route).includes(c.device))).map((p) => p.name);
      ctx.stallSpans.set(r, { from: faultAt, others });
    }
    return r;
  });
  for (const c of changes) ctx.faultTimes.delete(c.device);
  return recs;
}

/** Boards lost while the first plan loaded: the plan that runs was made without them. */
export function lostDuringLoad(ctx: RunContext): void {
  const duringLoad = ctx.pendingChanges.filter((c) => c.kind === 'lost' && !ctx.epoch.plan.devices.includes(c.device));
  if (duringLoad.length === 0) return;
  ctx.pendingChanges.splice(0, ctx.pendingChanges.length, ...ctx.pendingChanges.filter((c) => !duringLoad.includes(c)));
  const recs = newRecoveries(ctx, duringLoad, null);
  for (const r of recs) ctx.stallSpans.delete(r); // nothing ran before: no pipeline stalled
  ctx.recoveries.push(...recs);
  void watchResumption(ctx, recs, new Set());
}

/** Fills recoveryMs once every pipeline the new epoch placed delivers; resolves then. */
export async function watchResumption(ctx: RunContext, recs: Recovery[], kept: ReadonlySet<string>): Promise<void> {
  const epoch = ctx.epoch;
  const placed = epoch.plan.pipelines.map((p) => p.name);
  for (const r of recs) r.unplaced = epoch.plan.unplaced.map((u) => u.pipeline);
  const restarted = placed.filter((p) => !kept.has(p));
  const firsts = await waitFirstDeliveries(ctx, restarted);
  for (const r of recs) {
    for (const p of placed) r.resumedMs[p] = kept.has(p) ? 0 : firsts.has(p) ? firsts.get(p)! - r.at : null;
    const all = placed.map((p) => r.resumedMs[p]);
    r.recoveryMs = all.every((x) => x !== null && x !== undefined) ? Math.max(0, ...(all as number[])) : null;
    const span = ctx.stallSpans.get(r);
    const to = r.recoveryMs !== null ? r.at + r.recoveryMs : performance.now();
    for (const p of span?.others ?? []) r.stallMs[p] = ctx.gaps.longestGap(p, span!.from, to);
  }
  const r0 = recs[0];
  ctx.note('resumed', `every placed pipeline delivering on the new plan${r0?.recoveryMs != null ? `, ${Math.round(r0.recoveryMs)} ms after the change was detected` : ''}`);
}

/** Resolves with each pipeline's first delivery under its (new) engine, as far as the run got. */
export async function waitFirstDeliveries(ctx: RunContext, pipelines: readonly string[]): Promise<Map<string, number>> {
  const mine = new Map<string, Engine | undefined>(pipelines.map((p) => [p, ctx.engines.get(p)]));
  const firsts = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const [p, e] of mine) {
      const t = e?.firstDelivery.get(p);
      if (t !== undefined) out.set(p, t);
    }
    return out;
  };
  const signal = ctx.finished.signal;
  while (firsts().size < pipelines.length && performance.now() < ctx.endAt() + END_DRAIN_MS && !signal.aborted) await sleep(20, signal);
  return firsts();
}
