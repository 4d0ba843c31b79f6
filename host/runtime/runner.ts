// One run of an app on a desk: boards up (emulated from the desk spec, or given), plan with the
// devices present, deploy, execute and measure; when a board is lost or joins, re-plan with the
// boards present, redeploy what changed and go on. Each plan's time is an epoch; each epoch has
// a measurement window that opens after a warm-up and closes at the next change or at the end.
// Every frame started ends in the ledger (delivered or failed with a reason), which must
// balance when the run ends.
//
// The parts: run-boards (boards up), run-epoch (plan, deploy, start), run-measure (windows,
// status, result), run-prepare and run-recovery (a lost board), run-adapt (upgrades, joins).

import { EventEmitter } from 'node:events';
import { bringBoardsUp, engineContext } from './run-boards.js';
import { DRAIN_MS, END_DRAIN_MS, RunContext } from './run-context.js';
import { replanOnJoin, supersedeUpgrade, upgradeStage } from './run-adapt.js';
import { bringUpRetrying, collectDetails, planNow } from './run-epoch.js';
import { closeEpoch, emitStatus, openWindowIfDue, runResult, sampleLinks } from './run-measure.js';
import { prepareLoop } from './run-prepare.js';
import { lostDuringLoad, notUpgraded, quickStage } from './run-recovery.js';
import type { RunConfig, RunEvents, RunResult } from './run-types.js';
import { planScore } from './quick-plan.js';
import { sleep } from './semaphore.js';

export type { DeskSource, Epoch, Fault, LiveStatus, QuickStage, Recovery, RunConfig, RunEvents, RunResult, UpgradeStage } from './run-types.js';
export { deskSpecOf, emulateOptions } from './desk-kinds.js';

const TICK_MS = 100;
const STATUS_MS = 500;
const MAX_END_DRAIN_MS = 60_000;

/** A run: `execute()` resolves with the result; events tell the progress (status, deploy, event). */
export class Run extends EventEmitter<RunEvents> {
  constructor(readonly config: RunConfig) {
    super();
  }

  async execute(): Promise<RunResult> {
    const ctx = new RunContext(this, this.config);
    try {
      await bringBoardsUp(ctx);
      ctx.engineContext = engineContext(ctx);
      // Deadlines and heartbeats from the first load on: a board lost while the first plan loads is
      // planned around like any other (bringUpRetrying).
      ctx.mon.start();
      await bringUpRetrying(ctx, await planNow(ctx, 'start'), 'start', 'not started');
      // On a timer, not in the loop: the status goes on while the loop re-plans after a change.
      const statusTimer = setInterval(() => emitStatus(ctx), STATUS_MS);
      ctx.finished.signal.addEventListener('abort', () => clearInterval(statusTimer), { once: true });
      if (ctx.cfg.prepareRecovery ?? true) void prepareLoop(ctx);
      lostDuringLoad(ctx);
      await loop(ctx);
      return await finish(ctx);
    } finally {
      ctx.finished.abort();
      await ctx.injecting;
      // A run that ends on an error still stops its engines: their admission loops would keep
      // the process alive (stopping an engine twice is harmless).
      await Promise.allSettled([...ctx.engines.values()].map((e) => e.stop('the run ended on an error', 0)));
      await ctx.checker?.close();
      await ctx.monitor?.stop();
      if (this.config.desk.kind === 'emulate') await ctx.emus?.stop();
    }
  }
}

/** The schedule: every tick, open the measurement window when due and act on board changes and upgrades. */
async function loop(ctx: RunContext): Promise<void> {
  while (performance.now() < ctx.endAt() && !ctx.cfg.signal?.aborted) {
    await sleep(TICK_MS, ctx.tick.wake.signal);
    if (ctx.tick.wake.signal.aborted) ctx.tick.wake = new AbortController();
    const now = performance.now();
    sampleLinks(ctx);
    openWindowIfDue(ctx, now);
    if (ctx.pendingChanges.length > 0) {
      ctx.state.phase = 'adapting';
      const changes = ctx.pendingChanges.splice(0);
      const why = changes.map((c) => `${c.device} ${c.kind}`).join(', ');
      supersedeUpgrade(ctx, `the boards changed again (${why}) before the upgrade`);
      // Staged: a plan that deploys quickly runs first; a better one may follow (upgradeStage).
      if (changes.some((c) => c.kind === 'lost')) await quickStage(ctx, changes, why);
      else await replanOnJoin(ctx, changes, why);
      continue;
    } else if (ctx.upgrade.due && ctx.state.phase === 'running') {
      const u = ctx.upgrade.due;
      ctx.upgrade.due = null;
      await upgradeStage(ctx, u);
      ctx.upgrade.open = null;
      ctx.state.phase = 'running';
    }
  }
}

/** The end: the last epoch closes, frames in flight finish, the ledger balances, the result. */
async function finish(ctx: RunContext): Promise<RunResult> {
  const { cfg, engines } = ctx;
  if (ctx.upgrade.due) for (const r of ctx.upgrade.due.recs) r.upgrade ??= notUpgraded('not reached', 'the run ended first', planScore(ctx.epoch.plan));
  ctx.upgrade.due = null;
  ctx.state.phase = 'draining';
  ctx.gates.current?.close();
  const stopAt = performance.now();
  closeEpoch(ctx, ctx.epoch, stopAt);
  // Frames in flight finish: wait up to three times the slowest latency seen (at least
  // END_DRAIN_MS); a run stopped by the user gives them DRAIN_MS.
  const slowest = Math.max(0, ...[...ctx.metrics.latency.values()].map((h) => h.max));
  const drainMs = cfg.signal?.aborted ? DRAIN_MS : Math.min(MAX_END_DRAIN_MS, Math.max(END_DRAIN_MS, 3 * slowest));
  await Promise.all([...engines.values()].map((e) => e.stop('run ended before the frame finished', drainMs)));
  for (const e of engines.values()) collectDetails(e, ctx.failureDetails);
  emitStatus(ctx);
  await ctx.checker?.drain(cfg.signal?.aborted ? DRAIN_MS : 10_000);
  ctx.ledger.assertBalanced();
  return runResult(ctx, stopAt);
}
