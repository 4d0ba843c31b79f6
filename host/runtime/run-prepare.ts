// Recovery plans prepared while a plan runs: for each board the running plan uses, the search
// of the plan that would run without it (quick-plan.ts), one short slice at a time between the
// runtime's own work, so a lost board's plan is usually ready when the loss is detected.

import { boardEngine } from '../board/segments.js';
import type { Engine as AccelEngine } from '../synth/engine.js';
import { deskOf } from './planning.js';
import { problemFor, QuickSearch, type DeployCostModel } from './quick-plan.js';
import { routeDevices, type RunContext } from './run-context.js';
import { segmentsOf, type RunPlan } from './run-plan.js';
import { sleep } from './semaphore.js';

/**
 * Background search of every board's recovery plan: slices of PREPARE_SLICE_MS ms with a pause of
 * PREPARE_PAUSE_MS after each, at most PREPARE_SEARCH_MS per board (the search finds good plans
 * early; the rest proves them). A slice holds the event loop that relays every board's messages:
 * short slices with long pauses (a quarter of the loop at most) keep the boards' pipelines fed.
 */
export const PREPARE_SLICE_MS = 2;
const PREPARE_PAUSE_MS = 6;
export const PREPARE_SEARCH_MS = 600;
/** The background search waits this long after a plan starts (its first frames go first). */
const PREPARE_AFTER_MS = 1000;

export const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Which plan and boards a prepared search was made for. */
export function basisOf(index: number, present: Iterable<string>): string {
  return `${index}|${[...present].sort().join(',')}`;
}

/** How a device's board drives its accelerator (what its segments are encoded as). */
function engineOf(ctx: RunContext, device: string): AccelEngine {
  const h = ctx.mon.handles.get(device);
  return h ? boardEngine(h.session) : 'layer';
}

/**
 * What loading a plan costs on the boards present: what they hold for the running plan costs
 * nothing, the rest its bytes over each board's link.
 */
export function costModel(ctx: RunContext, plan: RunPlan, present: ReadonlySet<string>): DeployCostModel {
  const resident = new Map<string, Set<string>>();
  for (const s of segmentsOf(plan)) {
    if (!present.has(s.device)) continue;
    let ids = resident.get(s.device);
    if (!ids) resident.set(s.device, (ids = new Set()));
    ids.add(s.id);
  }
  return {
    resident,
    segmentBytes: (s) => ctx.store.segmentBytes(s, engineOf(ctx, s.device)),
    bytesPerSec: (d) => ctx.mon.handles.get(d)?.wireBytesPerSec ?? Number.POSITIVE_INFINITY,
  };
}

/** Whether the background search should wait: nothing runs steadily, or a change is being handled. */
function mustWait(ctx: RunContext): boolean {
  return ctx.state.phase !== 'running' || ctx.pendingChanges.length > 0 || ctx.upgrade.open !== null || performance.now() < ctx.epoch.start + PREPARE_AFTER_MS;
}

/** Runs until the run ends: searches for each board in turn (ctx.prepared). */
export async function prepareLoop(ctx: RunContext): Promise<void> {
  const { prepared, finished } = ctx;
  let basis = '';
  let queue: string[] = [];
  let turn = 0;
  while (!finished.signal.aborted) {
    if (mustWait(ctx)) {
      await sleep(50, finished.signal);
      continue;
    }
    const epoch = ctx.epoch;
    const present = ctx.present();
    const now = basisOf(epoch.index, present);
    if (now !== basis) {
      prepared.clear();
      basis = now;
      const used = new Set(epoch.plan.pipelines.flatMap((p) => p.routes.flatMap(routeDevices)));
      queue = ctx.desk.devices.map((d) => d.name).filter((d) => present.has(d) && used.has(d));
    }
    const device = queue.shift();
    if (device !== undefined) {
      const after = new Set([...present].filter((d) => d !== device));
      try {
        const pr = await problemFor(deskOf(ctx.desk, after), ctx.app, ctx.cfg.objective);
        if (basis === basisOf(ctx.epoch.index, ctx.present())) {
          prepared.set(device, { basis: basisOf(ctx.epoch.index, after), search: new QuickSearch(ctx.epoch.plan, pr, ctx.cfg.policy, costModel(ctx, ctx.epoch.plan, after)) });
        }
      } catch (e) {
        ctx.note('note', `the recovery plan for losing ${device} was not prepared: ${(e as Error).message}`);
      }
      await yieldNow();
      continue;
    }
    const open = [...prepared].filter(([, c]) => !c.search.done && c.search.searchMs < PREPARE_SEARCH_MS);
    if (open.length === 0) {
      await sleep(100, finished.signal);
      continue;
    }
    const [lost, c] = open[turn++ % open.length]!;
    try {
      c.search.run(performance.now() + PREPARE_SLICE_MS);
    } catch (e) {
      prepared.delete(lost);
      ctx.note('note', `the recovery plan for losing ${lost} was not prepared: ${(e as Error).message}`);
    }
    await sleep(PREPARE_PAUSE_MS, finished.signal);
  }
}
