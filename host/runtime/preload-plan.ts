// The segments of a coming plan that can load beside the running one (make before break), and
// the segments an assignment places on a board.

import { fitSet, routesOf, segmentKey, type Assignment, type PlacedSegment } from '../plan/planner.js';
import { keptAssignment, type Planned } from './planning.js';
import { segmentsOf, type RunPlan, type SegmentSpec } from './run-plan.js';

/** Segments per device of an assignment (for the fit of a device's set). */
export function onDevice(a: Assignment, device: number): PlacedSegment[] {
  const out = new Map<string, PlacedSegment>();
  for (const r of routesOf(a)) {
    for (const s of r.steps) {
      if (s.device !== device) continue;
      const key = segmentKey(r.pipeline, r.variant, s.from, s.to);
      out.set(key, { pipeline: r.pipeline, variant: r.variant, from: s.from, to: s.to, device, key });
    }
  }
  return [...out.values()];
}

/**
 * The segments of a coming plan that fit beside everything the boards hold for the running one
 * (the fit rules on each board's union), for loading while the running plan goes on
 * (deploy.ts preloadSegments). Both plans are of the same boards; `next.problem` is used.
 */
export function preloadable(current: RunPlan, next: Planned): SegmentSpec[] {
  const pr = next.problem;
  const { assignment: now, open } = keptAssignment(current, pr);
  // A running pipeline this problem cannot restate: what it holds is unknown here, so the boards it uses get nothing.
  const unknown = new Set(open.flatMap((m) => current.pipelines.filter((p) => p.name === pr.pipelines[m]!.spec.name).flatMap((p) => p.routes.flatMap((r) => r.steps.map((s) => s.device)))));
  const resident = new Set(segmentsOf(current).map((s) => `${s.device}|${s.id}`));
  const out: SegmentSpec[] = [];
  for (const d of pr.devices) {
    if (unknown.has(d.spec.name)) continue;
    const set = onDevice(now, d.index);
    for (const spec of segmentsOf(next.plan)) {
      if (spec.device !== d.spec.name || resident.has(`${spec.device}|${spec.id}`)) continue;
      const m = pr.pipelines.findIndex((p) => p.spec.name === spec.pipeline);
      const key = next.plan.pipelines.find((p) => p.name === spec.pipeline)?.variantKey;
      const v = m < 0 ? -1 : pr.pipelines[m]!.variants.findIndex((x) => x.key === key);
      if (v < 0) continue;
      const seg: PlacedSegment = { pipeline: m, variant: v, from: spec.first, to: spec.first + spec.count, device: d.index, key: segmentKey(m, v, spec.first, spec.first + spec.count) };
      // One copy of a pipeline's layer on a board (joint-fit.ts overlappingSegments).
      if (set.some((x) => x.pipeline === m && x.from < seg.to && seg.from < x.to)) continue;
      if (!fitSet(pr, d.index, [...set, seg]).ok) continue;
      set.push(seg);
      out.push(spec);
    }
  }
  return out;
}
