// Stopping a board's process: SIGTERM, then SIGKILL if it lingers past the grace period.

import type { ChildProcess } from 'node:child_process';

/** Resolves with how `child` ended (`exited`), signalling it first unless it already has. */
export async function stopChild<T>(child: ChildProcess, exited: Promise<T>, graceMs: number): Promise<T> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
