// --explain: why the plan is what it is. Per pipeline: its bottleneck resource (the busiest
// resource it uses) and the best alternatives that were not taken, each with the reason: it
// does not fit beside the other pipelines (the fit rule that refuses it), or it would lower
// the objective (to how much).

import type { CandidateSet } from './candidates.js';
import { evaluate, type Assignment } from './evaluate.js';
import { jointViolations, overlappingSegments, routesOf } from './joint-fit.js';
import type { PlanProblem } from './problem.js';
import type { Route } from './route.js';

export interface Alternative {
  route: string;
  verdict: string;
}

export interface PipelineExplanation {
  pipeline: string;
  bottleneck: string | null;
  why: string;
  rejected: Alternative[];
}

export function describeRoute(pr: PlanProblem, r: Route): string {
  const steps = r.steps.map((s) => `${s.from}-${s.to}@${pr.devices[s.device]!.spec.name}`).join(' ');
  const target = r.target < 0 ? 'host' : pr.devices[r.target]!.spec.name;
  return `${pr.devices[r.source]!.spec.name} -> ${steps} -> ${target}`;
}

export function explain(pr: PlanProblem, a: Assignment, cands: readonly CandidateSet[] | null, perPipeline = 3): PipelineExplanation[] {
  const ev = evaluate(pr, a);
  return a.flatMap((routes, m): PipelineExplanation[] => {
    if (routes.length === 0) return [];
    const p = pr.pipelines[m]!;
    let bottleneck = -1;
    for (let r = 0; r < pr.resources.length; r++) {
      const mine = routes.reduce((s, x) => s + x.share * x.route.loads[r]!, 0);
      if (mine > 0 && (bottleneck < 0 || ev.utilisation[r]! > ev.utilisation[bottleneck]!)) bottleneck = r;
    }
    const res = bottleneck >= 0 ? pr.resources[bottleneck]! : null;
    const why = res
      ? `${res.id} is ${(ev.utilisation[bottleneck]! * 100).toFixed(1)}% busy (${res.kind === 'sensor' ? 'the sensor delivers no faster'
        : res.kind === 'cnn' ? 'accelerator time' : res.kind === 'cpu' ? 'CPU time: sensing, loading, messages' : res.kind === 'host' ? 'the host process relays every message of every board' : 'link time'})`
      : 'no resource is busy';
    const inUse = new Set(routes.map((x) => x.route.key));
    const rejected: Alternative[] = [];
    for (const c of cands?.[m]?.routes ?? []) {
      if (rejected.length >= perPipeline) break;
      if (inUse.has(c.key)) continue;
      const next = a.map((rs, k) => (k === m ? [{ route: c, share: 1 }] : rs));
      const all = routesOf(next);
      const overlap = overlappingSegments(pr, all);
      const bad = jointViolations(pr, all);
      let verdict: string;
      if (overlap) verdict = `rejected: ${overlap}`;
      else if (bad.length > 0) verdict = `rejected: does not fit on ${pr.devices[bad[0]!.device]!.spec.name} beside the other pipelines (${bad[0]!.reason})`;
      else {
        const v = evaluate(pr, next).objective;
        if (Math.abs(v - ev.objective) <= 1e-9 * Math.max(1, ev.objective)) {
          const busy = (x: typeof next): number => x.reduce((s, rs, k) => s + rs.reduce((t, y) => t + pr.pipelines[k]!.weight * y.share * y.route.loads.reduce((u, l) => u + l, 0), 0), 0) * 1000;
          verdict = `rejected: same objective, but ${busy(next).toFixed(2)} ms of busy time per frame set instead of ${busy(a).toFixed(2)} ms`;
        } else {
          verdict = `rejected: objective would be ${v.toPrecision(4)} instead of ${ev.objective.toPrecision(4)}`;
        }
      }
      rejected.push({ route: describeRoute(pr, c), verdict });
    }
    return [{ pipeline: p.spec.name, bottleneck: res?.id ?? null, why, rejected }];
  });
}
