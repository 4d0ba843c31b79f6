// The host's cost as the run report states it: the host process's CPU per frame and per message
// in the first plan's window, and `host_bound`: false when the plan, not this machine, set the
// rate, else the reason with the same figures.

import type { Epoch } from '../runtime/runner.js';

export interface HostCpuFigures {
  host_core_fraction: number;
  /** share of the window the host process ran or waited for a core (null: the system does not say) */
  host_runnable_fraction: number | null;
  host_cpu_us_per_frame: number | null;
  host_cpu_us_per_message: number | null;
  messages_per_frame: number | null;
  /** frames per second one core carries at this cost per frame */
  frames_per_s_per_core: number | null;
}

export type HostBound = false | (HostCpuFigures & { reason: string });

const r3 = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);

export function hostCpuFigures(e: Epoch): HostCpuFigures | null {
  if (!e.host) return null;
  return {
    host_core_fraction: r3(e.host.coreFraction)!,
    host_runnable_fraction: r3(e.host.runnableFraction),
    host_cpu_us_per_frame: r3(e.host.cpuUsPerFrame),
    host_cpu_us_per_message: r3(e.host.cpuUsPerMessage),
    messages_per_frame: r3(e.host.messagesPerFrame),
    frames_per_s_per_core: r3(e.host.framesPerSecPerCore),
  };
}

/** Whether the epoch's window measured this machine rather than the plan (the host process or the emulators out of CPU); null without a window. */
export function hostBound(e: Epoch): HostBound | null {
  const figures = hostCpuFigures(e);
  if (!figures) return null;
  const reason = e.host?.bound ?? e.cpu?.hostBound ?? null;
  return reason === null ? false : { reason, ...figures };
}
