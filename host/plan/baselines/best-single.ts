// Baseline `best-single`: each pipeline runs whole, without splitting, on the single most
// capable accelerator (largest weight memory, then fastest clock) that holds it beside the
// pipelines placed before it (app order). Source and target are the best for that device.

import type { Assignment } from '../evaluate.js';
import type { PlanProblem } from '../problem.js';
import { bestEnds, byCapability, JointBuilder, runs, type Unplaced } from './placement.js';

export function planBestSingle(pr: PlanProblem): { assignment: Assignment; unplaced: Unplaced[] } {
  const b = new JointBuilder(pr);
  const order = byCapability(pr);
  pr.pipelines.forEach((p, m) => {
    for (const d of order) {
      const v = p.variants.findIndex((prof, vi) => runs(pr, m, vi, d) && b.rangeFits(m, vi, 0, prof.layers, d));
      if (v < 0) continue;
      const r = bestEnds(pr, m, v, [{ from: 0, to: p.variants[v]!.layers, device: d }]);
      if (r) {
        b.place(r);
        return;
      }
    }
    b.fail(m, `model ${p.spec.model} fits whole on no single accelerator beside the other pipelines`);
  });
  return { assignment: b.assignment, unplaced: b.unplaced };
}
