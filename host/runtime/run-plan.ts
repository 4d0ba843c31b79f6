// What the runtime runs: the planner's joint plan (a PlanProblem and an Assignment, host/plan/)
// restated by device names and zoo model names, so it survives re-planning on another desk,
// plus the planner's estimate (throughput, per-pipeline rates, per-resource utilisation) that the
// measurement is compared with. Model synthesis (stage 4 of the paper) starts here: the segments
// every device must hold, each a contiguous layer range of a zoo model with its weights.

import { listZoo } from '../model/zoo.js';
import { evaluate, type Assignment, type PlanObject, type PlanProblem } from '../plan/planner.js';

export interface RunStep {
  /** layers [from, to) of the pipeline's model */
  from: number;
  to: number;
  device: string;
}

export interface RunRoute {
  /** fraction of the pipeline's frames that take this route */
  share: number;
  source: string;
  steps: readonly RunStep[];
  /** the device that delivers, or null for the host */
  target: string | null;
  /** the planner's latency of one frame alone, seconds */
  latencyS: number;
}

/** Names a route in measurements: its segments, "0-4@glasses > 4-19@left-earbud". */
export function routeKey(route: Pick<RunRoute, 'steps'>): string {
  return route.steps.map((s) => `${s.from}-${s.to}@${s.device}`).join(' > ');
}

export interface RunPipeline {
  name: string;
  /** the zoo model whose weights are loaded (a variant's own zoo file when the plan picked one) */
  model: string;
  /** the planner's variant key, e.g. "mobilenetv2_075_cifar100@max78000" */
  variantKey: string;
  layers: number;
  weight: number;
  sensorKind: string;
  /** output kind, or "host" */
  targetKind: string;
  routes: readonly RunRoute[];
  /** the plan's frames per second for this pipeline */
  estimatedRate: number;
}

export interface PlanEstimate {
  objective: 'maxmin' | 'sum';
  /** max-min: lambda (frames/s per unit of weight); sum: the weighted total */
  throughput: number;
  /** frames per second by pipeline name */
  rates: Record<string, number>;
  /** busy fraction by resource id (e.g. "glasses.cnn", "glasses.tx", "keywords.sensor") */
  utilisation: Record<string, number>;
  bottleneck: string | null;
}

export interface RunPlan {
  policy: string;
  desk: string;
  /** devices of the desk planned for, in order */
  devices: readonly string[];
  pipelines: readonly RunPipeline[];
  /** pipelines of the app the plan does not run, with the planner's reason */
  unplaced: readonly { pipeline: string; reason: string }[];
  estimate: PlanEstimate;
  /** the throughput the planner reports for the policy (random-feasible: a mean over draws) */
  reportedThroughput: number;
  notes: readonly string[];
}

/** One segment a device must hold: layers [first, first + count) of a zoo model. */
export interface SegmentSpec {
  /** the board's segment id (at most 64 bytes, unique per pipeline, model, range) */
  id: string;
  device: string;
  pipeline: string;
  model: string;
  first: number;
  count: number;
}

/** The zoo file that holds a planner variant's layers and weights. */
export function zooModelOf(name: string, variant: string, layers: number): string {
  const zoo = listZoo();
  const candidates = variant === 'upstream' ? zoo.filter((e) => e.name === name) : zoo.filter((e) => e.variantOf === name && e.name === `${name}_${variant}`);
  const hit = candidates.find((e) => e.layers === layers) ?? candidates[0];
  if (!hit) throw new Error(`the plan runs ${name} variant "${variant}", which the zoo (models/) does not hold`);
  if (hit.layers !== layers) {
    throw new Error(`the plan's ${name}@${variant} has ${layers} layers; the zoo's ${hit.name} has ${hit.layers}: the planner and the zoo disagree on the model`);
  }
  return hit.name;
}

/**
 * The planner's plan object (host/plan/plan-object.ts) restated for the runtime: each route as
 * its steps (layer range and device, from the plan's segments), and the estimate of the plan
 * that runs: each pipeline's rate, each resource's busy fraction, and the objective evaluated
 * on this plan (random-feasible's object reports a mean over draws; the runtime compares with
 * the plan it ran).
 */
export function runPlanOf(obj: PlanObject, pr: PlanProblem, a: Assignment): RunPlan {
  const ev = evaluate(pr, a);
  const segments = new Map(obj.segments.map((s) => [s.id, s]));
  const pipelines: RunPipeline[] = obj.pipelines.map((p) => {
    const variant = pr.pipelines.find((x) => x.spec.name === p.name)?.variants.find((v) => v.variant === p.variant);
    if (!variant) throw new Error(`the plan runs ${p.name} with variant "${p.variant}", which the planning problem does not know`);
    const spec = pr.app.pipelines.find((x) => x.name === p.name)!;
    return {
      name: p.name,
      model: zooModelOf(p.model, p.variant, variant.layers),
      variantKey: variant.key,
      layers: variant.layers,
      weight: p.weight,
      sensorKind: p.source.sensor,
      targetKind: spec.target.kind,
      estimatedRate: p.rate_fps,
      routes: p.routes.map((r) => {
        const steps = r.segments.map((id) => {
          const seg = segments.get(id);
          if (!seg) throw new Error(`the plan's route of ${p.name} names segment ${id}, which it does not list`);
          return { from: seg.from, to: seg.to, device: seg.device };
        });
        steps.forEach((st, k) => {
          if (st.from !== (k === 0 ? 0 : steps[k - 1]!.to) || st.to <= st.from) throw new Error(`the plan's route of ${p.name} is not contiguous at segment ${r.segments[k]}`);
        });
        if (steps.at(-1)?.to !== variant.layers) throw new Error(`the plan's route of ${p.name} ends at layer ${steps.at(-1)?.to}; ${variant.key} has ${variant.layers}`);
        return { share: r.share, source: p.source.device, steps, target: p.target.device, latencyS: r.latency_ms / 1000 };
      }),
    };
  });
  const rates: Record<string, number> = {};
  for (const p of pipelines) rates[p.name] = p.estimatedRate;
  return {
    policy: obj.policy,
    desk: obj.desk,
    devices: obj.devices.map((d) => d.name),
    pipelines,
    unplaced: obj.errors.map((e) => ({ pipeline: e.pipeline, reason: e.reason })),
    estimate: {
      objective: obj.objective,
      throughput: ev.objective,
      rates,
      utilisation: Object.fromEntries(obj.utilisation.map((u) => [u.resource, u.busy])),
      bottleneck: obj.bottleneck,
    },
    reportedThroughput: obj.throughput,
    notes: obj.notes,
  };
}

/** A board segment id: `${pipeline}/${model}:${first}-${last}`, shortened with a hash past 64 bytes. */
export function segmentId(pipeline: string, model: string, first: number, count: number): string {
  const full = `${pipeline}/${model}:${first}-${first + count - 1}`;
  if (Buffer.byteLength(full) <= 64) return full;
  let h = 0x811c9dc5;
  for (const b of Buffer.from(full)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  const tail = `~${h.toString(16).padStart(8, '0')}:${first}-${first + count - 1}`;
  return Buffer.from(full, 'utf8').subarray(0, 64 - tail.length).toString('utf8').replace(/\uFFFD+$/, '') + tail;
}

/** Every segment the plan needs, per device (a range used by several routes is loaded once). */
export function segmentsOf(plan: RunPlan): SegmentSpec[] {
  const out = new Map<string, SegmentSpec>();
  for (const p of plan.pipelines) {
    for (const r of p.routes) {
      for (const s of r.steps) {
        const id = segmentId(p.name, p.model, s.from, s.to - s.from);
        const key = `${s.device}|${id}`;
        if (!out.has(key)) out.set(key, { id, device: s.device, pipeline: p.name, model: p.model, first: s.from, count: s.to - s.from });
      }
    }
  }
  return [...out.values()];
}

/** Measured throughput by the plan's own definition: max-min lambda, or the weighted sum. */
export function throughputOf(objective: 'maxmin' | 'sum', rates: ReadonlyMap<string, number>, weights: ReadonlyMap<string, number>): number {
  if (rates.size === 0) return 0;
  if (objective === 'maxmin') return Math.min(...[...rates].map(([p, r]) => r / (weights.get(p) ?? 1)));
  return [...rates].reduce((s, [p, r]) => s + r * (weights.get(p) ?? 1), 0);
}
