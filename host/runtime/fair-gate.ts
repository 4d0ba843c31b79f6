// Max-min admission. Under the max-min objective every pipeline should run at lambda times its
// weight; admitted freely (each a little above its planned rate), pipelines that share a
// bottleneck would split it by who asks fastest, and the slowest would measure below the plan.
// The gate couples them: a pipeline may start frame n only while it is at most `lead` frames
// (counted in units of its weight) ahead of the pipeline furthest behind. So the common rate
// floats up to what the desk sustains for all of them together, and the measured lambda is
// the plan's. Under the sum objective there is no gate.

export class FairGate {
  private readonly started = new Map<string, number>();
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly weights: ReadonlyMap<string, number>,
    /** how far ahead of the slowest a pipeline may run, in frames at weight 1 */
    private readonly lead = 3,
  ) {
    for (const p of weights.keys()) this.started.set(p, 0);
  }

  private progress(p: string): number {
    return (this.started.get(p) ?? 0) / (this.weights.get(p) ?? 1);
  }

  private slowest(): number {
    let m = Number.POSITIVE_INFINITY;
    for (const p of this.started.keys()) m = Math.min(m, this.progress(p));
    return m;
  }

  private mayStart(p: string): boolean {
    if (!this.started.has(p)) return true;
    return this.closed || this.progress(p) - this.slowest() < this.lead;
  }

  /** Resolves when pipeline `p` may start its next frame (and counts it as started). */
  async admit(p: string): Promise<void> {
    while (!this.mayStart(p)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.started.has(p)) this.started.set(p, this.started.get(p)! + 1);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Stops coupling `p` (it stopped or was left out): the others no longer wait for it. */
  release(p: string): void {
    this.started.delete(p);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Lets every waiter through (the run is stopping). */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }
}
