// The example workloads the benchmarks run (examples/workloads.yaml): a desk and an app each,
// and for workloads whose frames take seconds, the least run that measures them.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../host/repo-root.js';

export interface Workload {
  name: string;
  /** desk and app spec files, as paths */
  desk: string;
  app: string;
  /** seconds a run needs at least to measure this workload (its slowest routes deliver only
   * every few seconds, seconds after their first frame); 0 when any duration does */
  minDurationS: number;
}

export const WORKLOADS_FILE = join(repoRoot(), 'examples/workloads.yaml');

/** The workloads, or those named in `only`. */
export function readWorkloads(only?: readonly string[]): Workload[] {
  const doc = parse(readFileSync(WORKLOADS_FILE, 'utf8')) as { workloads: { name: string; desk: string; app: string; min_duration_s?: number }[] };
  const dir = dirname(WORKLOADS_FILE);
  return doc.workloads
    .filter((w) => !only || only.includes(w.name))
    .map((w) => ({ name: w.name, desk: join(dir, w.desk), app: join(dir, w.app), minDurationS: w.min_duration_s ?? 0 }));
}

/** The run's duration for a workload: the one asked for, or the workload's least if longer. */
export function durationFor(w: Workload, asked: number): number {
  return Math.max(asked, w.minDurationS);
}
