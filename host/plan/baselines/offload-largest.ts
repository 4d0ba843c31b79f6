// Baseline `offload-largest`: everything goes to the device with the largest accelerator
// (a MAX78002 when there is one). A model is split only when that device cannot hold it (beside
// what is already there): the largest device takes the longest prefix it can hold, the next
// largest the longest continuation, and so on. Pipelines in app order.

import type { Assignment } from '../evaluate.js';
import type { PlanProblem } from '../problem.js';
import type { Step } from '../route.js';
import { bestEnds, byCapability, JointBuilder, runs, type Unplaced } from './placement.js';

export function planOffloadLargest(pr: PlanProblem): { assignment: Assignment; unplaced: Unplaced[] } {
  const b = new JointBuilder(pr);
  const order = byCapability(pr);
  pr.pipelines.forEach((p, m) => {
    for (let v = 0; v < p.variants.length; v++) {
      const L = p.variants[v]!.layers;
      const steps: Step[] = [];
      let cut = 0;
      for (const d of order) {
        if (cut === L) break;
        if (!runs(pr, m, v, d)) continue;
        const end = b.longestFit(m, v, cut, d);
        if (end > cut) {
          steps.push({ from: cut, to: end, device: d });
          cut = end;
        }
      }
      if (cut < L) continue;
      const r = bestEnds(pr, m, v, steps);
      if (r && b.fits(r)) {
        b.place(r);
        return;
      }
    }
    b.fail(m, `model ${p.spec.model} does not fit even across all accelerators beside the other pipelines`);
  });
  return { assignment: b.assignment, unplaced: b.unplaced };
}
