// Baseline `greedy-memory`: layers fill the devices in a fixed order (desk order) until memory
// is full, first fit: each pipeline (app order) starts at the first device and puts as many of
// its next layers there as still fit beside everything placed, then moves on to the next device.

import type { Assignment } from '../evaluate.js';
import type { PlanProblem } from '../problem.js';
import type { Step } from '../route.js';
import { bestEnds, JointBuilder, runs, type Unplaced } from './placement.js';

export function planGreedyMemory(pr: PlanProblem): { assignment: Assignment; unplaced: Unplaced[] } {
  const b = new JointBuilder(pr);
  pr.pipelines.forEach((p, m) => {
    for (let v = 0; v < p.variants.length; v++) {
      const L = p.variants[v]!.layers;
      const steps: Step[] = [];
      let cut = 0;
      for (const dev of pr.devices) {
        const d = dev.index;
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
    b.fail(m, `model ${p.spec.model}: the devices are full before its last layer`);
  });
  return { assignment: b.assignment, unplaced: b.unplaced };
}
