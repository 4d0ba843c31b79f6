// The least share of a pipeline's frames worth a placement: under max-min, every layer a
// pipeline places on a device carries at least MIN_ROUTE_SHARE of its frames. A replica that
// carries 1-2% of the frames buys the fluid model 1-2% and costs a real desk far more: its
// tensors cross links the plan already fills (a 16 KB input every 80th frame holds a BLE link
// for 65 ms, and the frames behind it wait), and its weights take memory on another chip.
// Measured on the emulated earbud desk: a 1.3% replica route cut the measured throughput of
// keyword spotting from 668 to 414 frames/s. The exact optimum (optimal.ts) obeys the same rule
// (each per-layer placement binary forces that share of flow), so the two stay comparable.

import { evaluate, type Assignment } from './evaluate.js';
import { balanceShares } from './parallelize.js';
import type { PlanProblem } from './problem.js';

export const MIN_ROUTE_SHARE = 0.05;

/** Per pipeline: share of its frames through each (variant, device, layer) its routes place. */
function placementShares(a: Assignment): Map<string, number>[] {
  return a.map((routes) => {
    const flow = new Map<string, number>();
    for (const x of routes) {
      for (const s of x.route.steps) {
        for (let l = s.from; l < s.to; l++) {
          const key = `${x.route.variant}|${s.device}|${l}`;
          flow.set(key, (flow.get(key) ?? 0) + x.share);
        }
      }
    }
    return flow;
  });
}

/** Whether every placement of every pipeline carries at least MIN_ROUTE_SHARE (max-min only). */
export function meetsMinShare(pr: PlanProblem, a: Assignment): boolean {
  if (pr.objective === 'sum') return true;
  return placementShares(a).every((flow) => [...flow.values()].every((s) => s >= MIN_ROUTE_SHARE - 1e-9));
}

/**
 * Makes every placement carry MIN_ROUTE_SHARE at least: the shares of the routes set again with
 * each route at that share or more (the max-min LP), or, when dropping the smallest route
 * through a placement below it does better, that route dropped and the rest set again; until
 * every placement carries its share. A pipeline's last route always stays (it carries every frame).
 */
export function enforceMinShare(pr: PlanProblem, a: Assignment): Assignment {
  if (pr.objective === 'sum') return a;
  let cur: Assignment = a.map((rs) => rs.map((x) => ({ ...x })));
  for (let guard = 0; guard < 256; guard++) {
    const flows = placementShares(cur);
    let worst: { m: number; i: number; share: number } | null = null;
    cur.forEach((routes, m) => {
      if (routes.length < 2) return;
      const flow = flows[m]!;
      routes.forEach((x, i) => {
        const low = x.route.steps.some((s) => {
          for (let l = s.from; l < s.to; l++) if (flow.get(`${x.route.variant}|${s.device}|${l}`)! < MIN_ROUTE_SHARE - 1e-9) return true;
          return false;
        });
        if (low && (worst === null || x.share < worst.share)) worst = { m, i, share: x.share };
      });
    });
    if (worst === null) return cur; // every placement carries its share (a lone route carries all)
    const { m, i } = worst as { m: number; i: number };
    const dropped = balanceShares(pr, cur.map((rs, k) => (k === m ? rs.filter((_, j) => j !== i) : rs)));
    const raised = balanceShares(pr, cur, MIN_ROUTE_SHARE);
    const fine = raised !== cur && meetsMinShare(pr, raised);
    if (fine && evaluate(pr, raised).objective >= evaluate(pr, dropped).objective) return raised;
    cur = dropped;
  }
  return cur;
}
