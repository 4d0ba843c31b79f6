// How much of the host's CPU the emulated boards and the host process used in a window. An
// emulated board computes every layer on this machine besides spending the modelled time; when
// the computing takes longer than the modelled time, the board falls behind its model and what
// is measured is this machine, not the plan. Such a window is marked host-bound: an emulator
// that used most of a core, or emulators and host together most of the machine's cores.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** An emulator this busy (share of one core) cannot keep up with its model. */
export const EMULATOR_SATURATED = 0.85;
/**
 * An emulator computes each infer in its one loop, which neither reads nor sends meanwhile: a
 * board that spends this much more of its time computing than its model keeps its CNN and CPU
 * busy loses that much link time the plan counts on.
 */
export const EMULATOR_EXCESS = 0.15;
/** All emulators and the host together this busy (share of all cores). */
export const MACHINE_SATURATED = 0.9;

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(v) && v > 0 ? v : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds (user + system) a process used so far, or null where /proc cannot tell. */
export function processCpuMs(pid: number): number | null {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return null;
  try {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** /proc/PID/schedstat's first two fields, ns: the time its main thread ran and waited for a core; null where /proc cannot tell. */
function schedstatNs(pid: number): [run: number, wait: number] | null {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? [run!, wait!] : null;
  } catch {
    return null; // no schedstat (kernel without it, or the process is gone)
  }
}

/**
 * CPU milliseconds this process's main thread has run: Node's event loop, which relays every
 * board's messages (its helper threads, the garbage collector's and libuv's, are not in it).
 * Null where /proc cannot tell.
 */
export function eventLoopCpuMs(): number | null {
  const s = schedstatNs(process.pid);
  return s === null ? null : s[0] / 1e6;
}

/**
 * Milliseconds a process has so far spent running or ready to run (waiting for a core), or null
 * where /proc cannot tell: /proc/PID/schedstat's first two fields, else its CPU time. A process
 * whose figure does not grow is neither computing nor about to: stopped (SIGSTOP) or blocked.
 * (CPU time alone does not tell: on a loaded machine a busy process waits for a core for
 * hundreds of ms.)
 */
export function processActivityMs(pid: number): number | null {
  const s = schedstatNs(pid);
  return s === null ? processCpuMs(pid) : (s[0] + s[1]) / 1e6;
}

/** Whether a process is stopped (SIGSTOP, or traced): it cannot answer until continued. Null where /proc cannot tell. */
export function processStopped(pid: number): boolean | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  at: number;
  host: number;
  emulators: Map<string, number>;
}

export function cpuSnapshot(emulators: ReadonlyMap<string, number>): CpuSnapshot {
  const u = process.cpuUsage();
  const out = new Map<string, number>();
  for (const [device, pid] of emulators) {
    const ms = processCpuMs(pid);
    if (ms !== null) out.set(device, ms);
  }
  return { at: performance.now(), host: (u.user + u.system) / 1000, emulators: out };
}

export interface CpuUse {
  /** share of one core per emulated board, and of the host process (its threads together) */
  emulators: Record<string, number>;
  host: number;
  cores: number;
  /** why the window measured this machine rather than the plan, or null */
  hostBound: string | null;
}

/** `modelled`: each board's modelled busy fraction (CNN plus CPU) in the same window. */
export function cpuUse(a: CpuSnapshot, b: CpuSnapshot, modelled: ReadonlyMap<string, number> = new Map()): CpuUse {
  const span = Math.max(1, b.at - a.at);
  const emulators: Record<string, number> = {};
  for (const [d, ms] of b.emulators) {
    const before = a.emulators.get(d);
    if (before !== undefined) emulators[d] = (ms - before) / span;
  }
  const host = (b.host - a.host) / span;
  const cores = availableParallelism();
  const busiest = Object.entries(emulators).sort((x, y) => y[1] - x[1])[0];
  const total = host + Object.values(emulators).reduce((s, v) => s + v, 0);
  let hostBound: string | null = null;
  if (busiest && busiest[1] >= EMULATOR_SATURATED) {
    hostBound = `emulated board ${busiest[0]} used ${(busiest[1] * 100).toFixed(0)}% of a core computing its layers`;
  } else if (total >= MACHINE_SATURATED * cores) {
    hostBound = `the emulators and the host used ${(total * 100).toFixed(0)}% of one core's time on this ${cores}-core machine`;
  } else {
    const excess = Object.entries(emulators)
      .map(([d, v]) => ({ d, v, over: v - (modelled.get(d) ?? 0) }))
      .sort((x, y) => y.over - x.over)[0];
    if (excess && excess.over >= EMULATOR_EXCESS) {
      hostBound = `emulated board ${excess.d} spent ${(excess.v * 100).toFixed(0)}% of the window computing its layers on this machine, ` +
        `${(excess.over * 100).toFixed(0)} points more than its modelled CNN and CPU time; it neither sends nor receives while it computes`;
    }
  }
  return { emulators, host, cores, hostBound };
}
