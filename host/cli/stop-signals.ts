// Stopping a command from outside: SIGINT (Ctrl-C), SIGTERM, SIGHUP. The first one aborts the
// command's signal: the command stops cleanly (a run writes its report, boards are released,
// emulators stopped, temporary directories removed) and `synergy` exits 128 + the signal's
// number (130, 143, 129). A second one exits at once; the process's exit handlers still kill
// the emulators it started and remove their directories (desk-emulators.ts, desk-arg.ts).

import { constants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit code of a command stopped by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface StopWatch {
  /** aborted by the first stop signal */
  readonly signal: AbortSignal;
  /** the first stop signal received, if any */
  received(): StopSignal | null;
  dispose(): void;
}

/** Watches the stop signals while a command runs; `say` tells the user what happens. */
export function watchStopSignals(say: (text: string) => void): StopWatch {
  const abort = new AbortController();
  let first: StopSignal | null = null;
  const handlers = STOP_SIGNALS.map((sig) => {
    const on = (): void => {
      if (first !== null) {
        say(`${sig} again: exiting now`);
        process.exit(signalExitCode(first));
      }
      first = sig;
      say(`${sig}: stopping (again to exit at once)`);
      abort.abort();
    };
    process.on(sig, on);
    return { sig, on };
  });
  return {
    signal: abort.signal,
    received: () => first,
    dispose: () => {
      for (const h of handlers) process.off(h.sig, h.on);
    },
  };
}
