// Baseline `neurosurgeon` (after Kang et al., ASPLOS 2017): per pipeline, the single split
// point between its source device and one other device that gives the lowest end-to-end
// latency, chosen for each pipeline on its own (contention ignored). Split point 0 sends the
// raw input, split point L runs everything on the source; split points are the planner's cuts. Deployed in app order; a pipeline
// whose choice no longer fits beside those before it takes its next best choice that fits.

import type { Assignment } from '../evaluate.js';
import type { PlanProblem } from '../problem.js';
import type { Route, Step } from '../route.js';
import { bestEnds, JointBuilder, runs, type Unplaced } from './placement.js';
import { endsOn } from '../joint-fit.js';

export function planNeurosurgeon(pr: PlanProblem): { assignment: Assignment; unplaced: Unplaced[] } {
  const b = new JointBuilder(pr);
  pr.pipelines.forEach((p, m) => {
    const options: Route[] = [];
    p.variants.forEach((prof, v) => {
      const L = prof.layers;
      for (const src of p.sources) {
        const s = src.device;
        const fitsOn = (d: number, from: number, to: number): boolean => from === to || (runs(pr, m, v, d) && endsOn(pr, m, v, d)[from]!.includes(to));
        for (const other of pr.devices) {
          const d = other.index;
          for (let cut = 0; cut <= L; cut++) {
            if (!p.cutAllowed[v]![cut] || (d === s && cut < L)) continue;
            if (!fitsOn(s, 0, cut) || !fitsOn(d, cut, L)) continue;
            const steps: Step[] = [];
            if (cut > 0) steps.push({ from: 0, to: cut, device: s });
            if (cut < L) steps.push({ from: cut, to: L, device: d });
            const r = bestEnds(pr, m, v, steps, 'latency', [s]);
            if (r) options.push(r);
          }
        }
      }
    });
    const seen = new Set<string>();
    options.sort((x, y) => x.latency - y.latency || x.key.localeCompare(y.key));
    for (const r of options) {
      if (seen.has(r.key)) continue;
      seen.add(r.key);
      if (b.fits(r)) {
        b.place(r);
        return;
      }
    }
    b.fail(m, `model ${p.spec.model} fits no split between a source device and one other device beside the other pipelines`);
  });
  return { assignment: b.assignment, unplaced: b.unplaced };
}
