// Failed token attempts per client address: after MAX_FAILURES within WINDOW_MS the address is
// refused for BLOCK_MS without its token being looked at, so guessing costs time. The table is
// bounded: the oldest addresses go first.

export interface AuthLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  blockMs?: number;
  /** addresses remembered at most */
  maxAddresses?: number;
}

interface Entry {
  failures: number[];
  blockedUntil: number;
}

export class AuthLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly maxAddresses: number;

  constructor(opts: AuthLimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.blockMs = opts.blockMs ?? 60_000;
    this.maxAddresses = opts.maxAddresses ?? 10_000;
  }

  /** ms the address must still wait, 0 when it may try. */
  blockedFor(address: string, now = Date.now()): number {
    const e = this.entries.get(address);
    return e && e.blockedUntil > now ? e.blockedUntil - now : 0;
  }

  /** Counts a failure; blocks the address once it had too many in the window. */
  failed(address: string, now = Date.now()): void {
    let e = this.entries.get(address);
    if (!e) {
      if (this.entries.size >= this.maxAddresses) this.entries.delete(this.entries.keys().next().value!);
      e = { failures: [], blockedUntil: 0 };
    }
    this.entries.delete(address);
    this.entries.set(address, e);
    e.failures = e.failures.filter((t) => now - t < this.windowMs);
    e.failures.push(now);
    if (e.failures.length >= this.maxFailures) {
      e.blockedUntil = now + this.blockMs;
      e.failures = [];
    }
  }

  succeeded(address: string): void {
    const e = this.entries.get(address);
    if (e && e.blockedUntil === 0) this.entries.delete(address);
  }
}
