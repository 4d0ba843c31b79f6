// `synergy run --live`: the run's progress pushed to the live page as it happens. The run's
// events become messages (messages.ts): each epoch's plan diagram when it starts and its
// measured rates when its window closes, every status (rates, boards and their utilisation),
// every event (plans, loads, boards lost and joined, recoveries), and the report's figures at
// the end.

import type { RunDocument } from '../report/run-report.js';
import type { Run } from '../runtime/runner.js';
import type { LiveAddress } from './address.js';
import { LiveMessages } from './messages.js';
import { LiveServer } from './server.js';
import { UtilisationWindow } from './utilisation.js';

export class LiveView {
  /** times in the messages count from the run's start (set again by `watch`) */
  private messages = new LiveMessages(performance.now());

  private constructor(private readonly server: LiveServer) {}

  /** Listens on `addr`. */
  static async start(addr: LiveAddress, pageDir?: string): Promise<LiveView> {
    return new LiveView(await LiveServer.start(addr, pageDir));
  }

  get url(): string {
    return this.server.url;
  }

  /** Follows a run that has not started yet: what it emits is published from here on. */
  watch(run: Run): void {
    this.messages = new LiveMessages(performance.now());
    const cfg = run.config;
    const devices = cfg.desk.kind === 'emulated' ? cfg.desk.emulators.desk.devices : cfg.desk.spec.devices;
    this.server.publish(this.messages.hello(cfg.app.name, cfg.policy, cfg.durationS, cfg.app.pipelines.map((p) => p.name), devices.map((d) => d.name)));
    const use = new UtilisationWindow();
    run.on('status', (s) => {
      const at = performance.now();
      this.server.publish(this.messages.status(s, use.add(s, at), at));
    });
    run.on('event', (e) => this.server.publish(this.messages.event(e)));
    // An epoch is emitted once when it starts and once when it closes (with its window, if it
    // lasted past the warm-up).
    const started = new Set<number>();
    run.on('epoch', (e) => {
      if (!started.has(e.index)) {
        started.add(e.index);
        this.server.publish(this.messages.plan(e));
        return;
      }
      const measured = this.messages.measured(e);
      if (measured) this.server.publish(measured);
    });
  }

  /** The report's figures, then the pages' sockets close (the pages keep what they show). */
  async finish(doc: RunDocument | null): Promise<void> {
    if (doc) this.server.publish(this.messages.end(doc));
    await this.server.close();
  }
}
