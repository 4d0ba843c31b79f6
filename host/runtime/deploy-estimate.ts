// What a plan is worth when choosing between plans mid-run: the time its loads take on the
// boards present (what they hold costs nothing), its score, and the problem a re-plan searches.

import type { AppSpec } from '../space/app-spec.js';
import type { DeskSpec } from '../space/device.js';
import { evaluate, loadSolver, buildProblem, type Assignment, type Objective, type PlanProblem } from '../plan/planner.js';
import { loadMsEstimate } from './deploy.js';
import { calibrationFor } from './planning.js';
import type { RunPlan, SegmentSpec } from './run-plan.js';

/** What loading a plan costs on the boards present. */
export interface DeployCostModel {
  /** segment ids each device holds now (ids name pipeline, model and layer range: run-plan.ts segmentId) */
  resident: ReadonlyMap<string, ReadonlySet<string>>;
  /** encoded bytes of a segment (ModelStore.segmentBytes) */
  segmentBytes: (spec: Pick<SegmentSpec, 'model' | 'first' | 'count' | 'device'>) => number;
  /** payload bytes per second of a device's link (Infinity: unpaced) */
  bytesPerSec: (device: string) => number;
}

export interface DeployEstimate {
  /** ms until the slowest board has loaded its new segments (boards load in parallel) */
  ms: number;
  /** bytes to load, on every board together */
  bytes: number;
  devices: { device: string; bytes: number; segments: number; ms: number }[];
}

/**
 * The deploy time of a plan's segments: per board, what it does not hold yet, its bytes over
 * its link (the share `busy` of which carries frames meanwhile) plus a per-segment overhead;
 * boards load in parallel, so the plan's time is the slowest board's.
 */
export function deployEstimate(specs: readonly SegmentSpec[], cost: DeployCostModel, busy: (device: string) => number = () => 0): DeployEstimate {
  const per = new Map<string, { bytes: number; segments: number }>();
  for (const s of specs) {
    if (cost.resident.get(s.device)?.has(s.id)) continue;
    const d = per.get(s.device) ?? { bytes: 0, segments: 0 };
    d.bytes += cost.segmentBytes(s);
    d.segments++;
    per.set(s.device, d);
  }
  const devices = [...per].map(([device, d]) => ({ device, ...d, ms: loadMsEstimate(d.bytes, d.segments, cost.bytesPerSec(device), busy(device)) }));
  return { ms: Math.max(0, ...devices.map((d) => d.ms)), bytes: devices.reduce((a, d) => a + d.bytes, 0), devices };
}

/**
 * A plan's worth for choosing between two: its throughput, or under max-min with a pipeline left
 * out (throughput 0 by definition) the common rate of the pipelines it does place.
 */
export function planScore(p: RunPlan): number {
  if (p.estimate.throughput > 0 || p.pipelines.length === 0) return p.estimate.throughput;
  return Math.min(...p.pipelines.map((x) => (p.estimate.rates[x.name] ?? 0) / x.weight));
}

/** planScore of an assignment (evaluated on the problem). */
export function assignmentScore(pr: PlanProblem, a: Assignment): number {
  const ev = evaluate(pr, a);
  const placed = pr.pipelines.filter((_, m) => a[m]!.length > 0);
  if (ev.objective > 0 || placed.length === 0) return ev.objective;
  return Math.min(...placed.map((p) => ev.rates[p.index]! / p.weight));
}

/**
 * The planning problem of the app on the desk as it is now, as planRun builds it, but with every
 * cut allowed: the planner keeps to the cuts that move the fewest bytes (segments.ts splitCuts),
 * while a quick re-plan must fit around what the boards hold, which other cuts often do with
 * far fewer loads.
 */
export async function problemFor(desk: DeskSpec, app: AppSpec, objective?: Objective): Promise<PlanProblem> {
  await loadSolver();
  return buildProblem(desk, app, { ...(objective ? { objective } : {}), calibration: calibrationFor(desk), cuts: 'all' });
}
