// The orchestrator's own cost: the host process's CPU per frame and per protocol message in a
// measurement window, and whether the host was the bottleneck. Node runs the runtime on one
// thread (the event loop reads and writes every link, frames, decodes, schedules), so a host
// process near one full core cannot go faster however idle the boards are: such a window
// measures the host, not the plan; so does a host process that is ready to run most of the
// window but waits for a core the machine's other processes hold.

import { HOST_LOOP_USABLE } from '../plan/planner.js';
import type { BoardHandle } from './boards.js';
import { eventLoopCpuMs, processActivityMs } from './host-cpu.js';
import type { Ledger } from './ledger.js';

/** The host's event loop this busy (share of one core) is the bottleneck of the run: the planner's usable share. */
export const HOST_SATURATED = HOST_LOOP_USABLE;

/**
 * The host process ready to run but waiting for a core this share of the window: every answer
 * it reads and every request it sends waits that long on average, and a frame's seven or so
 * messages in a row add it up: the machine's other load, not the plan, sets the rate.
 */
export const HOST_WAITING = 0.2;

/** What the host did up to a moment: frames settled, protocol messages sent and received, wire bytes. */
export interface HostWork {
  /** performance.now() of the snapshot */
  at: number;
  /** CPU ms of the event loop's thread (eventLoopCpuMs), or the process's (process.cpuUsage) where the system does not say */
  cpuMs: number;
  /** ms the process ran or waited for a core (/proc schedstat), or null where the system does not say */
  activityMs: number | null;
  frames: number;
  messages: number;
  wireBytes: number;
}

export interface HostCost {
  /** share of one core the host process used in the window */
  coreFraction: number;
  /** share of the window the process ran or was ready to run but waited for a core (null: unknown) */
  runnableFraction: number | null;
  /** host CPU µs per frame settled (delivered or failed), and per protocol message (sent or received) */
  cpuUsPerFrame: number | null;
  cpuUsPerMessage: number | null;
  messagesPerFrame: number | null;
  framesPerSec: number;
  /** frames per second one core would carry at this cost per frame */
  framesPerSecPerCore: number | null;
  /** why the host was the bottleneck, or null */
  bound: string | null;
}

/** A snapshot of the host's work (sessions of every board, lost ones included while counted). */
export function hostWork(ledger: Ledger, boards: Iterable<BoardHandle>): HostWork {
  let messages = 0;
  let wireBytes = 0;
  for (const h of boards) {
    const s = h.session.hostStats;
    messages += s.framesIn + s.framesOut;
    wireBytes += s.bytesIn + s.bytesOut;
  }
  const t = ledger.totals();
  const loop = eventLoopCpuMs();
  const u = loop === null ? process.cpuUsage() : null;
  return { cpuMs: loop ?? (u!.user + u!.system) / 1000, activityMs: processActivityMs(process.pid), at: performance.now(), frames: t.delivered + t.failed, messages, wireBytes };
}

/** The host's cost between two snapshots. */
export function hostCost(a: HostWork, b: HostWork): HostCost {
  const spanMs = Math.max(1, b.at - a.at);
  const cpuUs = (b.cpuMs - a.cpuMs) * 1000;
  const frames = b.frames - a.frames;
  // Boards that joined meanwhile start from 0: a count can only grow.
  const messages = Math.max(0, b.messages - a.messages);
  const coreFraction = cpuUs / 1000 / spanMs;
  const cpuUsPerFrame = frames > 0 ? cpuUs / frames : null;
  const runnableFraction = a.activityMs !== null && b.activityMs !== null ? (b.activityMs - a.activityMs) / spanMs : null;
  const perFrame = cpuUsPerFrame === null ? '?' : Math.round(cpuUsPerFrame);
  let bound: string | null = null;
  if (coreFraction >= HOST_SATURATED) {
    bound = `the host's event loop ran ${(coreFraction * 100).toFixed(0)}% of the time (${perFrame} µs of CPU per frame): ` +
      'it carries every message of every board, and it was the bottleneck';
  } else if (runnableFraction !== null && (runnableFraction >= HOST_SATURATED || runnableFraction - coreFraction >= HOST_WAITING)) {
    // Ready to run but not running: every answer waited for a core before the host read it.
    bound = `the host process had work ${(runnableFraction * 100).toFixed(0)}% of the window but ran ${(coreFraction * 100).toFixed(0)}% ` +
      `(${perFrame} µs of CPU per frame): it waited for a core the rest, taken by the machine's other load`;
  }
  return {
    coreFraction,
    runnableFraction,
    cpuUsPerFrame,
    cpuUsPerMessage: messages > 0 ? cpuUs / messages : null,
    messagesPerFrame: frames > 0 ? messages / frames : null,
    framesPerSec: (frames * 1000) / spanMs,
    framesPerSecPerCore: cpuUsPerFrame ? 1e6 / cpuUsPerFrame : null,
    bound,
  };
}
