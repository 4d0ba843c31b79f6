// The plan object: what `synergy plan` prints with --json and what the runtime deploys and runs.
// JSON-serialisable and stable (format "synergy-plan/1", fields in a fixed order, lists sorted).
//
// For the runtime: load every entry of `segments` onto its device (layers [from, to) of the
// named model variant); then for each pipeline, sense on `source.device`, and send each frame
// along one of its `routes`, chosen by smooth weighted round robin over the routes' `share`s;
// a route runs its segment ids in order, the host relaying the tensors between devices (and
// back to the same device when two consecutive segments share one), and delivers the result
// to `target` (device null = the host). docs/planner.md describes every field.

import type { Unplaced } from './baselines/placement.js';
import type { Assignment, Evaluation } from './evaluate.js';
import { pipelineLoads } from './evaluate.js';
import { HOST_TARGET, type Objective, type PlanProblem } from './problem.js';
import type { Route } from './route.js';

/** What the exact solver ended with (optimal only). */
export interface SolverSummary {
  status: 'optimal' | 'time-limit' | 'infeasible' | 'error';
  /** Proven upper bound on the throughput (the objective's units); null when none. */
  bound: number | null;
  /** 1 - throughput / bound: how far the plan may be from the optimum; 0 when proved. */
  gap: number | null;
  time_limit_s: number;
}

export interface PlanSegment {
  id: string;
  pipeline: string;
  model: string;
  variant: string;
  from: number;
  to: number;
  device: string;
  /** Bytes the segment receives and hands on per frame. */
  input_bytes: number;
  output_bytes: number;
}

export interface PlanRoute {
  share: number;
  segments: string[];
  latency_ms: number;
}

export interface PlanPipeline {
  name: string;
  model: string;
  variant: string;
  weight: number;
  source: { device: string; sensor: string };
  target: { device: string | null; kind: string };
  rate_fps: number;
  latency_ms: number;
  bottleneck: string | null;
  routes: PlanRoute[];
}

export interface PlanError {
  pipeline: string;
  reason: string;
}

export interface PlanObject {
  format: 'synergy-plan/1';
  policy: string;
  objective: Objective;
  desk: string;
  app: string;
  /** max-min: frames/s of a weight-1 pipeline (lambda); sum: sum of weight x frames/s. */
  throughput: number;
  /** optimal only: whether the solver proved optimality. */
  proved: boolean | null;
  /** optimal only: how the solver ended (a time limit keeps the best plan found), its proven
   *  bound on the throughput and the gap 1 - throughput / bound; null for the other policies. */
  solver: SolverSummary | null;
  planning_ms: number;
  bottleneck: string | null;
  devices: { name: string; role: string; chip: string | null; link: { kind: string; rate_bps: number } }[];
  segments: PlanSegment[];
  pipelines: PlanPipeline[];
  errors: PlanError[];
  /** Busy fraction of every resource that does any work. */
  utilisation: { resource: string; busy: number }[];
  notes: string[];
}

const round = (x: number, digits = 6): number => Number(x.toPrecision(digits));

export function buildPlanObject(pr: PlanProblem, policy: string, a: Assignment, ev: Evaluation, opts: {
  unplaced: readonly Unplaced[]; throughput: number; proved: boolean | null; planningMs: number; notes: readonly string[];
  solver?: SolverSummary | null;
}): PlanObject {
  const segIds = new Map<string, string>();
  const segments: PlanSegment[] = [];
  const segmentOf = (r: Route, i: number): string => {
    const st = r.steps[i]!;
    const prof = pr.pipelines[r.pipeline]!.variants[r.variant]!;
    const key = `${r.pipeline}|${r.variant}|${st.from}|${st.to}|${st.device}`;
    let id = segIds.get(key);
    if (!id) {
      id = `${pr.pipelines[r.pipeline]!.spec.name}/${st.from}-${st.to}@${pr.devices[st.device]!.spec.name}`;
      segIds.set(key, id);
      segments.push({
        id, pipeline: pr.pipelines[r.pipeline]!.spec.name, model: prof.name, variant: prof.variant, from: st.from, to: st.to,
        device: pr.devices[st.device]!.spec.name, input_bytes: prof.crossBytes[st.from]!, output_bytes: prof.crossBytes[st.to]!,
      });
    }
    return id;
  };
  const loads = pipelineLoads(pr, a);
  const pipelines: PlanPipeline[] = [];
  a.forEach((routes, m) => {
    if (routes.length === 0) return;
    const p = pr.pipelines[m]!;
    const first = routes[0]!.route;
    const src = p.sources.find((s) => s.device === first.source)!;
    let bottleneck: string | null = null;
    let worst = 0;
    loads[m]!.forEach((u, r) => {
      if (u > 0 && ev.utilisation[r]! > worst) {
        worst = ev.utilisation[r]!;
        bottleneck = pr.resources[r]!.id;
      }
    });
    const sorted = [...routes].sort((x, y) => y.share - x.share || x.route.key.localeCompare(y.route.key));
    pipelines.push({
      name: p.spec.name, model: p.spec.model, variant: p.variants[first.variant]!.variant, weight: p.weight,
      source: { device: pr.devices[first.source]!.spec.name, sensor: src.sensor.kind },
      target: { device: first.target === HOST_TARGET ? null : pr.devices[first.target]!.spec.name, kind: p.spec.target.kind },
      rate_fps: round(ev.rates[m]!),
      latency_ms: round(routes.reduce((s, x) => s + x.share * x.route.latency, 0) * 1000),
      bottleneck,
      routes: sorted.map((x) => ({ share: round(x.share), segments: x.route.steps.map((_, i) => segmentOf(x.route, i)), latency_ms: round(x.route.latency * 1000) })),
    });
  });
  segments.sort((x, y) => pipelineOrder(pr, x.pipeline) - pipelineOrder(pr, y.pipeline) || x.from - y.from || x.device.localeCompare(y.device));
  const errors: PlanError[] = [
    ...pr.errors.map((e) => ({ pipeline: e.pipeline, reason: e.reason })),
    ...opts.unplaced.map((u) => ({ pipeline: pr.pipelines[u.pipeline]!.spec.name, reason: u.reason })),
  ].sort((x, y) => appOrder(pr, x.pipeline) - appOrder(pr, y.pipeline));
  return {
    format: 'synergy-plan/1',
    policy,
    objective: pr.objective,
    desk: pr.desk.name,
    app: pr.app.name,
    throughput: round(opts.throughput),
    proved: opts.proved,
    solver: opts.solver ? { ...opts.solver, bound: opts.solver.bound === null ? null : round(opts.solver.bound), gap: opts.solver.gap === null ? null : round(opts.solver.gap, 4) } : null,
    planning_ms: round(opts.planningMs, 4),
    bottleneck: ev.bottleneck >= 0 ? pr.resources[ev.bottleneck]!.id : null,
    devices: pr.devices.map((d) => ({ name: d.spec.name, role: d.spec.role, chip: d.spec.chip, link: { kind: d.spec.link.kind, rate_bps: d.spec.link.rateBps } })),
    segments,
    pipelines,
    errors,
    utilisation: pr.resources.flatMap((r, i) => (ev.utilisation[i]! > 1e-9 ? [{ resource: r.id, busy: round(ev.utilisation[i]!, 4) }] : [])),
    notes: [...opts.notes],
  };
}

function pipelineOrder(pr: PlanProblem, name: string): number {
  return pr.pipelines.findIndex((p) => p.spec.name === name);
}

function appOrder(pr: PlanProblem, name: string): number {
  return pr.app.pipelines.findIndex((p) => p.name === name);
}
