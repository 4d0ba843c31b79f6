// What the runtime runs: the planner's joint plan (a PlanProblem and an Assignment, host/plan/)
// restated by device names and zoo model names, so it survives re-planning on another desk,
// plus the planner's estimate (throughput, per-pipeline rates, per-resource utilisation) that the
// measurement is compared with. Model synthesis (stage 4 of the paper) starts here: the segments
// every device must hold, each a contiguous layer range of a zoo model with its weights.

import { listZoo } from '../model/zoo.js';
import { evaluate, type Assignment } from '../plan/evaluate.js';
import { HOST_TARGET, type PlanProblem } from '../plan/problem.js';

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

/** Restates a joint plan by names, with the planner's own estimate of it. */
export function runPlanOf(pr: PlanProblem, a: Assignment, policy: string, unplacedReasons: ReadonlyMap<number, string> = new Map()): RunPlan {
  if (a.length !== pr.pipelines.length) throw new Error(`the ${policy} plan has ${a.length} entries for ${pr.pipelines.length} pipelines`);
  const ev = evaluate(pr, a);
  const devName = (d: number): string => pr.devices[d]!.spec.name;
  const pipelines: RunPipeline[] = [];
  const unplaced: { pipeline: string; reason: string }[] = pr.errors.map((e) => ({ pipeline: e.pipeline, reason: e.reason }));
  a.forEach((routes, m) => {
    const p = pr.pipelines[m]!;
    if (routes.length === 0) {
      unplaced.push({ pipeline: p.spec.name, reason: unplacedReasons.get(m) ?? `the ${policy} plan does not place it` });
      return;
    }
    const variant = p.variants[routes[0]!.route.variant]!;
    if (routes.some((x) => x.route.variant !== routes[0]!.route.variant)) {
      throw new Error(`the ${policy} plan runs ${p.spec.name} with two model variants; the runtime runs one per pipeline`);
    }
    pipelines.push({
      name: p.spec.name,
      model: zooModelOf(variant.name, variant.variant, variant.layers),
      variantKey: variant.key,
      layers: variant.layers,
      weight: p.weight,
      sensorKind: p.spec.source.kind,
      targetKind: p.spec.target.kind,
      routes: routes.map(({ route, share }) => ({
        share,
        source: devName(route.source),
        steps: route.steps.map((s) => ({ from: s.from, to: s.to, device: devName(s.device) })),
        target: route.target === HOST_TARGET ? null : devName(route.target),
        latencyS: route.latency,
      })),
      estimatedRate: ev.rates[m]!,
    });
  });
  const utilisation: Record<string, number> = {};
  pr.resources.forEach((r, i) => {
    if (ev.utilisation[i]! > 0) utilisation[r.id] = ev.utilisation[i]!;
  });
  const rates: Record<string, number> = {};
  for (const p of pipelines) rates[p.name] = p.estimatedRate;
  return {
    policy,
    desk: pr.desk.name,
    devices: pr.devices.map((d) => d.spec.name),
    pipelines,
    unplaced,
    estimate: {
      objective: pr.objective,
      throughput: ev.objective,
      rates,
      utilisation,
      bottleneck: ev.bottleneck >= 0 ? pr.resources[ev.bottleneck]!.id : null,
    },
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
