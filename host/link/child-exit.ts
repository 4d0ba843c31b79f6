// A board process's end, as every way of starting one (emulator, QEMU) watches it: when it
// closed, a spawn failure as a rejection, and a stop that asks it to end and then makes it.

import type { ChildProcess } from 'node:child_process';
import type { EmulatorExit } from './emulator.js';

export interface ChildExit {
  /** resolves once the process closed (its output read to the end) */
  exited: Promise<EmulatorExit>;
  /** rejects when the process could not be started (never resolves) */
  spawnError: Promise<never>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit */
  stop(graceMs?: number): Promise<EmulatorExit>;
}

/** `program` names the process in the spawn error; `onClose` runs when it closed, before `exited` resolves. */
export function watchChild(child: ChildProcess, program: string, onClose: () => void = () => undefined): ChildExit {
  // 'close', not 'exit': the process may exit before its last stderr lines are read, and
  // whoever awaits `exited` then reads what it said.
  const exited = new Promise<EmulatorExit>((resolve) => {
    child.once('close', (code, signal) => {
      onClose();
      resolve({ code, signal });
    });
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${program}: ${err.message}`)));
  });
  spawnError.catch(() => undefined);
  const stop = async (graceMs = 2000): Promise<EmulatorExit> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { exited, spawnError, stop };
}
