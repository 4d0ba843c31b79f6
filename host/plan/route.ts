// A route: one way to run one frame of a pipeline: sense on a source device, run the model as
// an ordered list of contiguous layer ranges each on one accelerator, deliver on a target.
// Between two ranges the tensors always travel through the host (even back to the same device,
// which no policy chooses on purpose); the first range may run on the source without a transfer. A pipeline's plan is one route, or several routes
// that share its frames (parallelization); `loads` is what one frame of the route costs.

import { chargeDelivery, chargeSegment, chargeSense, chargeTransfer } from './costs.js';
import type { PlanProblem } from './problem.js';

export interface Step {
  from: number;
  to: number;
  device: number;
}

export interface Route {
  pipeline: number;
  variant: number;
  source: number;
  target: number;
  steps: readonly Step[];
  /** Busy seconds per frame on each resource (dense, indexed like problem.resources). */
  loads: Float64Array;
  /** Seconds from sensing to delivery for one frame with no queueing. */
  latency: number;
  /** Identity for de-duplication. */
  key: string;
}

export function routeKey(pipeline: number, variant: number, source: number, steps: readonly Step[], target: number): string {
  return `${pipeline}|${variant}|${source}|${steps.map((s) => `${s.from}-${s.to}@${s.device}`).join(',')}|${target}`;
}

export function makeRoute(pr: PlanProblem, pipeline: number, variant: number, source: number, steps: readonly Step[], target: number): Route {
  const p = pr.pipelines[pipeline]!;
  const prof = p.variants[variant]!;
  const loads = new Float64Array(pr.resources.length);
  const charge = (r: number, s: number): void => {
    loads[r] = loads[r]! + s;
  };
  let latency = chargeSense(pr, p, source, charge);
  let at = source;
  let cut = 0;
  for (const st of steps) {
    if (st.from !== cut || st.to <= st.from) throw new Error(`route of ${p.spec.name}: step ${st.from}-${st.to} does not continue at cut ${cut}`);
    if (cut > 0 || st.device !== at) latency += chargeTransfer(pr, prof.crossBytes[cut]!, at, st.device, charge);
    latency += chargeSegment(pr, p, variant, st.from, st.to, st.device, charge);
    at = st.device;
    cut = st.to;
  }
  if (cut !== prof.layers) throw new Error(`route of ${p.spec.name}: ends at cut ${cut}, the model has ${prof.layers} layers`);
  latency += chargeDelivery(pr, prof.crossBytes[cut]!, at, target, charge);
  return { pipeline, variant, source, target, steps, loads, latency, key: routeKey(pipeline, variant, source, steps, target) };
}

/** The largest per-frame load of a route alone, and on which resource. */
export function ownBottleneck(r: Route, weight: number): { seconds: number; resource: number } {
  let best = 0;
  let at = -1;
  for (let i = 0; i < r.loads.length; i++) {
    if (r.loads[i]! > best) {
      best = r.loads[i]!;
      at = i;
    }
  }
  return { seconds: best * weight, resource: at };
}
