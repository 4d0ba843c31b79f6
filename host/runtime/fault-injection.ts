// Faults injected into an emulated desk during a run (`synergy run --kill/--hang/--restart`,
// bench:adapt): a board killed (its emulator SIGKILLed: the link closes, the process exits), hung
// (SIGSTOPped: process alive, link open, no answers), or started again. Each happens at its time
// whatever the run is doing (a board may die while another's loss is being recovered), counted
// from the first plan's start, or from the first load's start (`from: 'load'`: a board lost while
// the first plan loads).

import type { DeskEmulators } from './desk-emulators.js';
import { sleep } from './semaphore.js';

export interface Fault {
  action: 'kill' | 'hang' | 'restart';
  device: string;
  /** seconds after the first plan started running (or after the first load began) */
  atS: number;
  /** what atS counts from (default 'run') */
  from?: 'run' | 'load';
}

/** When the run reached its first load and its first plan's start (performance.now() ms). */
export interface RunClock {
  loadStarted: Promise<number>;
  runStarted: Promise<number>;
}

/** A promise with its resolve, for a moment not reached yet. */
export function moment(): { at: Promise<number>; reach(at: number): void } {
  let reach: (at: number) => void = () => undefined;
  const at = new Promise<number>((resolve) => (reach = resolve));
  return { at, reach };
}

/**
 * Injects `faults`, each at its time; `onFault` is told just before a kill or a hang (the fault's
 * time), `note` what happened. Ends when every fault is done or `signal` aborts.
 */
export async function injectFaults(
  faults: readonly Fault[],
  emus: DeskEmulators,
  clock: RunClock,
  signal: AbortSignal,
  onFault: (f: Fault, at: number) => void,
  note: (text: string) => void,
): Promise<void> {
  const ended = new Promise<null>((resolve) => {
    if (signal.aborted) resolve(null);
    signal.addEventListener('abort', () => resolve(null), { once: true });
  });
  const dueAt = async (f: Fault): Promise<number | null> => {
    const base = await Promise.race([f.from === 'load' ? clock.loadStarted : clock.runStarted, ended]);
    return base === null ? null : base + f.atS * 1000;
  };
  // Each fault waits for its own moment: one timed from the first load does not wait for the run.
  await Promise.all(faults.map(async (f) => {
    const at = await dueAt(f);
    if (at === null) return;
    await sleep(at - performance.now(), signal);
    if (signal.aborted) return;
    try {
      if (f.action === 'restart') {
        note(`fault: starting ${f.device}'s emulator again`);
        await emus.restart(f.device);
        return;
      }
      onFault(f, performance.now());
      if (f.action === 'kill') {
        note(`fault: killing ${f.device}'s emulator`);
        await emus.kill(f.device);
      } else {
        note(`fault: stopping ${f.device}'s emulator (SIGSTOP: it hangs, its link stays open)`);
        emus.hang(f.device);
      }
    } catch (e) {
      note(`fault ${f.action} ${f.device} not done: ${(e as Error).message}`);
    }
  }));
}
