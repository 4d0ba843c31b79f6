// Each board's utilisation as it happens: the busy share of its resources (DEVICE.cnn, .cpu,
// .tx, .rx, as the run's metrics name them) over a trailing window, from the cumulative busy ms
// the run's live status carries. The window matches the status's rate window (2 s), so a
// board's shares and the pipelines' rates describe the same stretch of the run.

import type { LiveStatus } from '../runtime/runner.js';

export const BOARD_RESOURCES = ['cnn', 'cpu', 'tx', 'rx'] as const;
export type BoardResource = (typeof BOARD_RESOURCES)[number];

export interface BoardUse {
  device: string;
  lost: boolean;
  /** busy share (0..1, may pass 1 a little: busy time is counted when its work ends) per resource */
  busy: Record<BoardResource, number>;
}

const WINDOW_MS = 2000;

export class UtilisationWindow {
  /** (time, cumulative busy ms) samples reaching back just past the window */
  private readonly samples: { at: number; busy: Record<string, number> }[] = [];

  /** Adds a status taken at `at` (ms) and returns each board's shares over the window before it. */
  add(status: LiveStatus, at: number): BoardUse[] {
    const busy = status.busyMs ?? {};
    this.samples.push({ at, busy });
    while (this.samples.length > 2 && this.samples[1]!.at <= at - WINDOW_MS) this.samples.shift();
    const from = this.samples[0]!;
    const span = at - from.at;
    return status.boards.map((b) => {
      const shares = {} as Record<BoardResource, number>;
      for (const r of BOARD_RESOURCES) {
        const id = `${b.device}.${r}`;
        const delta = (busy[id] ?? 0) - (from.busy[id] ?? 0);
        shares[r] = span > 0 && delta > 0 ? Math.round((delta / span) * 1000) / 1000 : 0;
      }
      return { device: b.device, lost: b.lost, busy: shares };
    });
  }
}
