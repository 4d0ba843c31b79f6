// The Synergy planner: stage 1 per-pipeline execution plans (candidates.ts), stages 2 and 3 joint
// plan generation and selection by branch and bound (select.ts), then parallelization of the
// bottleneck (parallelize.ts). Model synthesis and deployment (stage 4 of the paper) belong to
// the runtime, which consumes the plan object (plan-object.ts).

import { generateCandidates, type CandidateOptions, type CandidateSet } from './candidates.js';
import { evaluate, type Assignment } from './evaluate.js';
import { adjacentPieces, polishFlows } from './flow-polish.js';
import { jointViolations, overlappingSegments, routesOf } from './joint-fit.js';
import { balanceShares, fanOutAlone, parallelize } from './parallelize.js';
import { enforceMinShare, MIN_ROUTE_SHARE } from './min-share.js';
import type { PlanProblem } from './problem.js';
import { optionOf, selectJoint, type JointOption } from './select.js';
import { planNow } from './clock.js';

/** How many of each pipeline's best candidates also enter the joint search fanned out. */
const FAN_OPTIONS = 16;

/** The large-neighbourhood moves are bounded by work, not time (within the budget), so that the
 * same instance gives the same plan on a fast or a loaded machine: at most this many pinned
 * re-selections, each a branch and bound of at most LNS_NODES nodes. */
const LNS_ATTEMPTS = 6;
const LNS_NODES = 2_000;

/** LP rounds of the flow polish at most (each commits or bans segments; a round cap, not a
 * deadline, so that the same instance gives the same plan however loaded the machine is). */
const POLISH_ROUNDS = 24;

/** Free flow passes with one pipeline's source pinned, at most (each one LP when it cannot win). */
const PINNED_PASSES = 16;

export interface SynergyOptions {
  /** Planning time budget in milliseconds (the search keeps its best plan when it runs out). */
  budgetMs?: number;
  /** Multiplies the default budget when budgetMs is not given (ONE_SHOT_BUDGET_SCALE). */
  budgetScale?: number;
  candidates?: CandidateOptions;
  /** Skip parallelization (stage 4). */
  noParallel?: boolean;
}

export interface SynergyResult {
  assignment: Assignment;
  candidates: CandidateSet[];
  /** Branch-and-bound nodes visited, and whether it finished before the deadline. */
  nodes: number;
  complete: boolean;
  order: number[];
  moves: string[];
  /** Why a pipeline could not be placed (all runnable alone, not together). */
  unplaced: { pipeline: number; reason: string }[];
}

export function defaultBudgetMs(pr: PlanProblem): number {
  return Math.min(1500, 40 * Math.max(1, pr.devices.length * pr.pipelines.length));
}

/**
 * The default budget's multiple for planning once in a fresh process (`synergy plan`, a run's
 * first plan, `compare`). The default is sized for a host that keeps running; a fresh process
 * also pays the JIT and fills the fit caches inside the budget. On the heavy mix (5 devices x 4
 * pipelines, budget 800 ms) the search ends on its work bounds after ~250 ms warm, ~820 ms cold,
 * ~1.4 s cold beside two busy processes; cut at 800 ms it kept a plan of 0.85 frames/s instead
 * of 1.11. Three times the budget lets it end on its work bounds, so the plan is the same
 * cold or warm.
 */
export const ONE_SHOT_BUDGET_SCALE = 3;

export function planSynergy(pr: PlanProblem, opts: SynergyOptions = {}): SynergyResult {
  const t0 = planNow();
  const budget = opts.budgetMs ?? defaultBudgetMs(pr) * (opts.budgetScale ?? 1);
  // Stage 1 gets at most a third of the budget, shared by the pipelines: each gets an equal part
  // of what is left when it starts (and its minimum of routes whatever the clock says).
  const stage1End = t0 + budget / 3;
  const candidates = pr.pipelines.map((_, m) => {
    const now = planNow();
    const deadline = now + Math.max(0, stage1End - now) / (pr.pipelines.length - m);
    return generateCandidates(pr, m, { deadline, now: planNow, ...opts.candidates });
  });
  const used = planNow() - t0;
  // Joint selection, then parallelization, each get a part of what is left; the rest (45%) is
  // the flow polish's and the large-neighbourhood moves'.
  const selectDeadline = t0 + used + (budget - used) * 0.4;
  const singles: JointOption[][] = candidates.map((c) => c.routes.map((r) => optionOf([{ route: r, share: 1 }])));
  const sel = selectJoint(pr, singles, selectDeadline);
  let assignment: Assignment = sel.routes.map((o) => (o ? o.routes.map((x) => ({ ...x })) : []));
  const moves: string[] = [];
  const end = t0 + budget;
  // Max-min needs every pipeline placed to improve anything; the sum objective improves what
  // runs (and may yet place the rest).
  if (!opts.noParallel && (pr.objective === 'sum' || sel.routes.every((r) => r !== null))) {
    // Every plan weighed below obeys the least share per placement first (min-share.ts).
    const parallel = (start: Assignment, deadline: number): ReturnType<typeof parallelize> => {
      const r = parallelize(pr, start, candidates, deadline);
      return { ...r, assignment: enforceMinShare(pr, r.assignment) };
    };
    let par = parallel(assignment, t0 + used + (budget - used) * 0.55);
    assignment = par.assignment;
    moves.push(...par.moves);
    let value = evaluate(pr, assignment).objective;
    // Route mixing by flows: the best split of every pipeline's frames over routes (an LP),
    // repaired until every chip's segments fit together; first with each pipeline's source,
    // target and variant free too, then with the plan's, then anchored on the plan (only adding
    // beside its segments, which always succeeds); each kept if better.
    const cuts = candidates.map((c) => [...new Set(c.routes.flatMap((r) => r.steps.map((st) => st.from)))]);
    // The least LP objective seen over the free passes: no plan with these cuts does better.
    let bound = Number.POSITIVE_INFINITY;
    let exactBound = false;
    const polish = (from: Assignment, freeChoice: boolean, anchored: boolean, unanchored?: readonly number[], pin?: { pipeline: number; source: number }, free?: readonly number[], banned?: ReadonlySet<string>): boolean => {
      // The plan so far, plus a hair: an LP that falls to it cannot lead to a better plan.
      const stopAt = value * (1 + 1e-7);
      if (bound <= stopAt || planNow() > end) return false;
      // A pass still running at the end of the budget is dropped (large desks only).
      const pol = polishFlows(pr, from, { freeChoice, anchored, cuts, maxRounds: POLISH_ROUNDS, stopAt, deadline: end, ...(unanchored !== undefined ? { unanchored } : {}), ...(pin ? { pin } : {}), ...(free ? { free } : {}), ...(banned ? { banned } : {}) });
      // The free LP bounds every plan with these cuts (memory relaxed); a pinned one does not.
      if (freeChoice && !pin && !free && pol.bound < bound) {
        bound = pol.bound;
        exactBound = pol.allCuts;
      }
      if (!pol.assignment) return false;
      pol.assignment = enforceMinShare(pr, pol.assignment);
      const routes = routesOf(pol.assignment);
      const v = evaluate(pr, pol.assignment).objective;
      if (!(v > value * (1 + 1e-7) && jointViolations(pr, routes).length === 0 && overlappingSegments(pr, routes) === null)) return false;
      assignment = pol.assignment;
      value = v;
      const beside = unanchored !== undefined ? ` beside the other pipelines' segments (${unanchored.map((m) => pr.pipelines[m]!.spec.name).join(' and ')} moved)` : anchored ? ' beside the plan' : '';
      const pinned = pin ? ` (${pr.pipelines[pin.pipeline]!.spec.name} sensing on ${pr.devices[pin.source]!.spec.name})` : '';
      moves.push(`routes re-mixed by flows${freeChoice ? ', sources, targets and variants free' : ''}${pinned}${beside} (${pol.rounds} LP rounds)`);
      return true;
    };
    const polishAll = (): void => {
      // Each pass starts from the same plan (a free choice that improves a little must not lock
      // the others out of a better mix with the plan's choices).
      const base = assignment;
      const chose = polish(base, true, false);
      polish(base, false, false);
      polish(base, false, true);
      if (chose && assignment !== base) {
        const best = assignment;
        polish(best, false, false);
        polish(best, false, true);
      }
      // Where memory is tight the free passes commit the wrong segments first: keep all but one
      // pipeline's segments, and let that one move (the pipelines loading the bottleneck most
      // first).
      if (pr.pipelines.length > 1) {
        const ev = evaluate(pr, assignment);
        const load = (m: number): number => assignment[m]!.reduce((a, x) => a + x.share * x.route.loads[ev.bottleneck]!, 0) * pr.pipelines[m]!.weight;
        const order = [...pr.pipelines.keys()].filter((m) => load(m) > 0).sort((a, b) => load(b) - load(a) || a - b);
        const from = assignment;
        for (const m of order) polish(from, false, true, [m]);
      }
      // Two pieces of one range on one device, where the whole range may fit (adjacentPieces).
      for (const pieces of adjacentPieces(assignment)) polish(assignment, false, false, undefined, undefined, undefined, pieces);
    };
    const polishPinned = (): void => {
      // The free pass fixes each source by the frames the memory-relaxed LP sends from it, which
      // memory may then betray (the source with the most flow cannot keep the segments it
      // needs beside the others'). Each other source of each pipeline gets two passes, the
      // pipelines loading the bottleneck first: one where only that pipeline chooses (its
      // target and variant; the others keep the plan's choices, which the LP cannot then talk
      // it out of), then one where every pipeline chooses.
      const ev = evaluate(pr, assignment);
      const load = (m: number): number => assignment[m]!.reduce((a, x) => a + x.share * (ev.bottleneck >= 0 ? x.route.loads[ev.bottleneck]! : 0), 0) * pr.pipelines[m]!.weight;
      const order = [...pr.pipelines.keys()].sort((a, b) => load(b) - load(a) || a - b);
      let passes = 0;
      const now = assignment;
      for (const m of order) {
        for (const { device } of pr.pipelines[m]!.sources) {
          if (now[m]!.some((x) => x.route.source === device)) continue;
          if (passes++ >= PINNED_PASSES) return;
          polish(now, true, false, undefined, { pipeline: m, source: device }, [m]);
          polish(now, true, false, undefined, { pipeline: m, source: device });
        }
      }
    };
    polishAll();
    // A plan as good as the LP bound over the whole plan space is optimal: nothing left to do.
    const proved = exactBound && bound <= value * (1 + 1e-7);
    if (!proved) {
      const before = value;
      // Large-neighbourhood moves: pin the bottleneck pipeline to one of its candidates fanned
      // out over the other accelerators, choose the other pipelines again around it (branch and
      // bound), parallelize, and keep the result if it is better. This frees memory elsewhere for
      // a fan-out that no single-pipeline move can reach.
      const tried = new Set<string>();
      const lnsEnd = end;
      let attempts = 0;
      for (let round = 0; round < 8 && planNow() < lnsEnd; round++) {
        const ev = evaluate(pr, assignment);
        if (ev.bottleneck < 0 || pr.resources[ev.bottleneck]!.kind === 'sensor') break;
        const loaders = assignment.flatMap((rs, m) => (rs.some((x) => x.route.loads[ev.bottleneck]! > 0) ? [m] : []));
        let improved = false;
        for (const m of loaders) {
          // Fan-outs over the 2, 3 or all best copies: smaller ones leave memory to the others.
          const fans = candidates[m]!.routes.slice(0, FAN_OPTIONS).flatMap((r) => {
            const f = fanOutAlone(pr, r);
            if (!f) return [];
            const byShare = [...f].sort((x, y) => y.share - x.share);
            return [2, 3, f.length].filter((k, i, ks) => k <= f.length && ks.indexOf(k) === i).flatMap((k) => {
              const part = byShare.slice(0, k);
              const total = part.reduce((a, x) => a + x.share, 0);
              const key = `${m}|${r.key}|${k}`;
              return tried.has(key) ? [] : [{ key, option: optionOf(part.map((x) => ({ ...x, share: x.share / total }))) }];
            });
          });
          for (const { key, option } of fans.sort((x, y) => Math.max(...x.option.loads) - Math.max(...y.option.loads)).slice(0, 6)) {
            if (planNow() > lnsEnd || attempts++ >= LNS_ATTEMPTS) break;
            tried.add(key);
            const pinned = singles.map((o, k) => (k === m ? [option] : o));
            const again = selectJoint(pr, pinned, lnsEnd, LNS_NODES);
            if (again.routes.some((r) => r === null)) continue;
            const start = balanceShares(pr, again.routes.map((o) => o!.routes.map((x) => ({ ...x }))));
            par = parallel(start, lnsEnd);
            const v = evaluate(pr, par.assignment).objective;
            if (v > value * (1 + 1e-7)) {
              assignment = par.assignment;
              value = v;
              moves.push(`${pr.pipelines[m]!.spec.name}: fanned out, the others re-chosen around it`, ...par.moves);
              improved = true;
              break;
            }
          }
          if (improved) break;
        }
        if (!improved) break;
      }
      if (value > before * (1 + 1e-7)) polishAll();
      // The pinned passes come last: on large desks they are many, and the budget they would
      // take from the large-neighbourhood moves is worth more there.
      polishPinned();
    } else {
      moves.push('the plan meets the flow bound of the whole plan space (memory relaxed): no plan does better');
    }
  }
  const kept = enforceMinShare(pr, assignment);
  const unplaced = kept.flatMap((rs, m) => (rs.length > 0 ? [] : [{
    pipeline: m,
    reason: candidates[m]!.routes.length === 0 ? 'no candidate route fits the devices'
      : sel.routes[m] === null ? 'its model does not fit on the accelerators alongside the other pipelines'
        : 'the sum objective gives its capacity to the other pipelines',
  }]));
  if (kept.some((rs, m) => rs.length !== assignment[m]!.length)) {
    moves.push(`routes below ${MIN_ROUTE_SHARE * 100}% of a pipeline's frames dropped, shares set again`);
  }
  assignment = kept;
  return { assignment, candidates, nodes: sel.nodes, complete: sel.complete, order: sel.order, moves, unplaced };
}
