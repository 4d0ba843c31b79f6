// Baseline `standalone`: each pipeline runs whole on its source device, as if the device were
// alone. A pipeline whose model does not fit there (alone, or beside the pipelines placed
// before it, in app order) gets no plan and zero throughput.

import type { PlanProblem } from '../problem.js';
import { bestEnds, JointBuilder, runs, type Unplaced } from './placement.js';
import type { Assignment } from '../evaluate.js';
import type { Route } from '../route.js';

export function planStandalone(pr: PlanProblem): { assignment: Assignment; unplaced: Unplaced[] } {
  const b = new JointBuilder(pr);
  pr.pipelines.forEach((p, m) => {
    let best: Route | null = null;
    for (const src of p.sources) {
      p.variants.forEach((prof, v) => {
        if (!runs(pr, m, v, src.device) || !b.rangeFits(m, v, 0, prof.layers, src.device)) return;
        const r = bestEnds(pr, m, v, [{ from: 0, to: prof.layers, device: src.device }], 'throughput', [src.device]);
        if (r && (!best || Math.max(...r.loads) < Math.max(...best.loads))) best = r;
      });
    }
    if (best) b.place(best);
    else b.fail(m, `model ${p.spec.model} does not fit on any of its source devices (${p.sources.map((s) => pr.devices[s.device]!.spec.name).join(', ')})`);
  });
  return { assignment: b.assignment, unplaced: b.unplaced };
}
