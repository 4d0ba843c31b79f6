// Baseline `independent-optimal`: each pipeline takes the plan that would be fastest if it were
// alone on the desk (its own throughput-optimal route among Synergy's candidates, which cover
// every source, split and placement the planner considers), ignoring contention; then all run
// together. Deployed in app order; a route that no longer fits beside the earlier pipelines is
// replaced by the pipeline's next best one that fits.

import type { CandidateSet } from '../candidates.js';
import type { Assignment } from '../evaluate.js';
import type { PlanProblem } from '../problem.js';
import { JointBuilder, type Unplaced } from './placement.js';

export function planIndependentOptimal(pr: PlanProblem, cands: readonly CandidateSet[]): { assignment: Assignment; unplaced: Unplaced[] } {
  const b = new JointBuilder(pr);
  pr.pipelines.forEach((p, m) => {
    // Candidates are sorted by their own bottleneck (best first).
    for (const r of cands[m]!.routes) {
      if (b.fits(r)) {
        b.place(r);
        return;
      }
    }
    b.fail(m, `none of model ${p.spec.model}'s own best routes fits beside the other pipelines`);
  });
  return { assignment: b.assignment, unplaced: b.unplaced };
}
