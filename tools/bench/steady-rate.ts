// A rate measured in steady state: from the first completion (when the pipe is full) to the
// last, so the ramp-up while the first answers are under way does not dilute it.

export class SteadyRate {
  /** completions, the first included */
  completed = 0;
  private firstAt = 0;
  private lastAt = 0;
  /** units (answers, bytes) completed after the first */
  private units = 0;

  /** Counts one completion of `units`; true for the first, which only starts the clock. */
  add(units = 1): boolean {
    const now = performance.now();
    const first = this.completed === 0;
    if (first) this.firstAt = now;
    else this.units += units;
    this.completed++;
    this.lastAt = now;
    return first;
  }

  /** seconds from the first completion to the last */
  get seconds(): number {
    return (this.lastAt - this.firstAt) / 1000;
  }

  /** units after the first per second of steady state */
  get perSecond(): number {
    return this.units / this.seconds;
  }
}
