// Small async primitives of the execution engine: a counting semaphore with a FIFO of waiters
// (a stage's frames in flight, a board's tensor slots), and a sleep that a stop can cut short.

/** A waiter gave up because the semaphore was closed (the run stopped or the board was lost). */
export class ClosedError extends Error {
  override readonly name = 'ClosedError';
}

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Counting semaphore; `acquire(n)` takes n units at once (all or nothing), waiters in order. */
export class Semaphore {
  private free: number;
  private readonly waiters: Waiter[] = [];
  private closedWith: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`semaphore capacity ${capacity} must be a positive integer`);
    this.free = capacity;
  }

  get available(): number {
    return this.free;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(n = 1): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (n > this.capacity) return Promise.reject(new RangeError(`cannot take ${n} of ${this.capacity} units`));
    if (this.waiters.length === 0 && this.free >= n) {
      this.free -= n;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ n, resolve, reject }));
  }

  release(n = 1): void {
    this.free = Math.min(this.capacity, this.free + n);
    // First come, first served: a large request at the head is not overtaken (no starvation).
    while (this.waiters.length > 0 && this.waiters[0]!.n <= this.free) {
      const w = this.waiters.shift()!;
      this.free -= w.n;
      w.resolve();
    }
  }

  /** Fails every waiter and every later acquire with `reason`. */
  close(reason: Error): void {
    this.closedWith = reason;
    for (const w of this.waiters.splice(0)) w.reject(reason);
  }
}

/** A pool of numbered resources (a board's 16 tensor slots): take several at once, give back. */
export class Pool {
  private readonly freeIds: number[];
  private readonly units: Semaphore;

  constructor(ids: readonly number[]) {
    this.freeIds = [...ids];
    this.units = new Semaphore(ids.length);
  }

  get available(): number {
    return this.units.available;
  }

  async take(n: number): Promise<number[]> {
    await this.units.acquire(n);
    return this.freeIds.splice(0, n);
  }

  give(ids: readonly number[]): void {
    this.freeIds.push(...ids);
    this.units.release(ids.length);
  }

  close(reason: Error): void {
    this.units.close(reason);
  }
}

/**
 * One holder at a time; among those waiting, the lowest `rank` goes first (ties in order of
 * arrival). A board's link lane: the transfer with the fewest bytes left goes first.
 */
export class RankedLane {
  private held = false;
  /** in order of arrival, so the first of equal ranks is the earliest */
  private readonly waiters: { rank: () => number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private closedWith: Error | undefined;

  /** `rank` may be a function, asked each time the lane passes on (a rank that changes as it waits). */
  acquire(rank: number | (() => number)): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    const of = typeof rank === 'function' ? rank : () => rank;
    return new Promise((resolve, reject) => this.waiters.push({ rank: of, resolve, reject }));
  }

  release(): void {
    if (this.waiters.length === 0) {
      this.held = false;
      return;
    }
    let best = 0;
    let bestRank = this.waiters[0]!.rank();
    for (let i = 1; i < this.waiters.length; i++) {
      const r = this.waiters[i]!.rank();
      if (r < bestRank) {
        best = i;
        bestRank = r;
      }
    }
    const [next] = this.waiters.splice(best, 1);
    next!.resolve(); // the lane passes straight to it
  }

  close(reason: Error): void {
    this.closedWith = reason;
    for (const w of this.waiters.splice(0)) w.reject(reason);
  }
}

/**
 * One direction of a board's link for tensors of several chunks: `turns` says whose chunks go
 * next, `window` how many chunks are in flight at once, whoever's they are. A turn ends when its
 * last chunk is sent, not answered, so the next turn's chunks queue behind it on the link and
 * the link does not idle for a round trip at every turn.
 */
export class TransferLane {
  readonly turns = new RankedLane();
  readonly window: Semaphore;

  constructor(window: number) {
    this.window = new Semaphore(window);
  }

  close(reason: Error): void {
    this.turns.close(reason);
    this.window.close(reason);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
