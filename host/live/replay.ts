// What a page that opens mid-run is sent first, so it shows the whole run so far: the messages
// already published, each kind kept up to a bound (a run of hours keeps the host flat).

import type { LiveMessage } from './messages.js';

const KEEP: Record<LiveMessage['type'], number> = {
  hello: 1,
  plan: 20,
  event: 1000,
  measured: 200,
  // 20 minutes of statuses at two a second: the chart's span
  status: 2400,
  end: 1,
};

export class ReplayLog {
  private readonly kept = new Map<LiveMessage['type'], string[]>();

  add(type: LiveMessage['type'], frame: string): void {
    let list = this.kept.get(type);
    if (!list) this.kept.set(type, (list = []));
    list.push(frame);
    if (list.length > KEEP[type]) list.splice(0, list.length - KEEP[type]);
  }

  /** The kept frames: the run's description and plans first, then what happened, the end last. */
  frames(): string[] {
    return (['hello', 'plan', 'event', 'measured', 'status', 'end'] as const).flatMap((t) => this.kept.get(t) ?? []);
  }
}
