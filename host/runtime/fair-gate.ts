// Max-min admission. Under the max-min objective every pipeline should run at lambda times its
// weight; admitted freely (each a little above its planned rate), pipelines that share a
// bottleneck would split it by who asks fastest, and the slowest would measure below the plan.
// The gate couples them: a pipeline may start frame n only while it is at most `lead` frames
// (counted in units of its weight) ahead of the pipeline furthest behind. So the common rate
// floats up to what the desk sustains for all of them together, and the measured lambda is
// the plan's. Under the sum objective there is no gate.
//
// "Behind" counts finished frames too. Coupling starts alone lets a slow pipeline with deep
// stages (UNet at one frame a second over routes several seconds long) start frames faster
// than it finishes them: they queue in its stages, and for the minutes that takes to fill,
// the others run at the slow one's start rate, above its delivery rate, on links they share
// with it. So a pipeline's progress is also capped at what it has finished plus what it
// legitimately holds in flight (its `hold`: by Little's law its planned rate times its route
// latency, with margin; see holdFor).

/** A pipeline's weight and the frames it may hold in flight before it counts as behind. */
export interface GateMember {
  weight: number;
  /** frames in flight that do not count as falling behind (holdFor) */
  hold: number;
}

/** A pipeline's hold covers this many of its planned latencies (the planner's latency is of one
 * frame alone; under load, frames also wait for shared links)... */
const HOLD_LATENCIES = 1.5;
/** ...and this many seconds more (host round trips; a fast pipeline's frames are mostly those). */
const HOLD_SLACK_S = 0.5;

/**
 * Frames a pipeline legitimately holds in flight, by Little's law: its planned rate times its
 * mean route latency, with the margins above. At least 2 (double buffering). On the heavy mix
 * UNet gets 10 (it needs about 6 at its planned latency); twice the latency plus a second (13)
 * measured the same, and let the others run further ahead of it meanwhile.
 */
export function holdFor(rate: number, routes: readonly { share: number; latencyS: number }[]): number {
  const meanLatencyS = routes.reduce((a, r) => a + r.share * r.latencyS, 0);
  return Math.max(2, Math.ceil(rate * (HOLD_LATENCIES * meanLatencyS + HOLD_SLACK_S)));
}

export class FairGate {
  private readonly started = new Map<string, number>();
  private readonly finishedCount = new Map<string, number>();
  private readonly waiters: (() => void)[] = [];
  /** members whose board may be hung: the others do not wait for them (suspend) */
  private readonly suspended = new Set<string>();
  private closed = false;

  constructor(
    private readonly members: ReadonlyMap<string, GateMember>,
    /** how far ahead of the slowest a pipeline may run, in frames at weight 1 */
    private readonly lead = 3,
  ) {
    for (const p of members.keys()) {
      this.started.set(p, 0);
      this.finishedCount.set(p, 0);
    }
  }

  private weight(p: string): number {
    return this.members.get(p)?.weight ?? 1;
  }

  /** Where pipeline p stands: its starts, capped at what it finished plus its hold. */
  private standing(p: string): number {
    const started = this.started.get(p) ?? 0;
    const reach = (this.finishedCount.get(p) ?? 0) + (this.members.get(p)?.hold ?? Number.POSITIVE_INFINITY);
    return Math.min(started, reach) / this.weight(p);
  }

  private slowest(except?: string): number {
    let m = Number.POSITIVE_INFINITY;
    for (const p of this.started.keys()) if (p !== except && !this.suspended.has(p)) m = Math.min(m, this.standing(p));
    return m;
  }

  private mayStart(p: string): boolean {
    if (!this.started.has(p)) return true;
    return this.closed || (this.started.get(p)! / this.weight(p)) - this.slowest() < this.lead;
  }

  /** Resolves when pipeline `p` may start its next frame (and counts it as started). */
  async admit(p: string): Promise<void> {
    while (!this.mayStart(p)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.started.has(p)) this.started.set(p, this.started.get(p)! + 1);
    this.wake();
  }

  /** A frame of `p` ended (delivered or failed): the pipelines waiting on it may move. */
  finished(p: string): void {
    if (!this.finishedCount.has(p)) return;
    this.finishedCount.set(p, this.finishedCount.get(p)! + 1);
    this.wake();
  }

  /** Stops coupling `p` (it stopped or was left out): the others no longer wait for it. */
  release(p: string): void {
    this.started.delete(p);
    this.finishedCount.delete(p);
    this.suspended.delete(p);
    this.wake();
  }

  /**
   * Stops waiting for `p` while a board it uses may be hung (an answer overdue, the board
   * silent): a hanging board never holds the other pipelines. Its counts go on.
   */
  suspend(p: string): void {
    if (!this.started.has(p)) return;
    this.suspended.add(p);
    this.wake();
  }

  /**
   * Couples `p` again once its board answers. It rejoins level with the slowest of the others
   * (its frames lost while suspended are not a debt the others wait for).
   */
  resume(p: string): void {
    if (!this.suspended.delete(p) || !this.started.has(p)) return;
    const others = this.slowest(p);
    const behind = Number.isFinite(others) ? others * this.weight(p) - this.standing(p) * this.weight(p) : 0;
    if (behind > 0) {
      this.started.set(p, this.started.get(p)! + behind);
      this.finishedCount.set(p, this.finishedCount.get(p)! + behind);
    }
    this.wake();
  }

  /** Lets every waiter through (the run is stopping). */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
