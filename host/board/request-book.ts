// A session's book of requests: those waiting for a credit, those in flight by id, when each
// answer is due by the cost model, its timeout, and how late answers came lately.

import type { Deadline, Pending } from './session-types.js';

/** Answers remembered for recentLatenessMs. */
const LATE_ANSWERS_KEPT = 64;

export class RequestBook {
  readonly queue: Pending[] = [];
  readonly inFlight = new Map<number, Pending>();
  private nextId = 1;
  /** answers that came after their deadline lately: when, and how late */
  private readonly lateAnswers: { at: number; lateMs: number }[] = [];

  /** Ids run 1..65535, skip 0 and never one still in flight. */
  allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id === 0xffff ? 1 : id + 1;
      if (!this.inFlight.has(id)) return id;
    }
  }

  /**
   * When `p`'s answer is due by the cost model, from its sending: every byte in flight both ways
   * (the requests ahead, their answers, its own) at the link's rate, the board's work on every
   * request in flight (served in turn), and its own wait for an outside event.
   */
  dueAt(p: Pending, baud: number): number {
    let bytes = 0;
    let work = 0;
    for (const q of this.inFlight.values()) {
      bytes += q.wireBytes + q.expectBytes;
      work += q.workMs;
    }
    return p.sentAt + (bytes * 10 * 1000) / baud + work + p.waitMs;
  }

  /** `p`'s timeout: a fixed part and a multiple of the wire time of every byte ahead of its answer. */
  timeoutFor(p: Pending, baseMs: number, factor: number, baud: number): number {
    if (p.timeoutMs !== undefined) return p.timeoutMs;
    // Answers to requests already in flight come first on the wire: their bytes count too.
    let bytes = p.wireBytes + p.expectBytes;
    for (const q of this.inFlight.values()) if (q !== p) bytes += q.wireBytes + q.expectBytes;
    return Math.ceil(baseMs + (factor * bytes * 10 * 1000) / baud);
  }

  /** The request in flight whose answer is the most overdue at `now`, or null when none is late. */
  overdue(now: number): Deadline | null {
    let worst: Pending | null = null;
    for (const p of this.inFlight.values()) if (p.dueAt < now && (worst === null || p.dueAt < worst.dueAt)) worst = p;
    return worst && { name: worst.name, id: worst.id, dueAt: worst.dueAt, sentAt: worst.sentAt };
  }

  /** Every request in flight with its deadline, in the order sent. */
  deadlines(): Deadline[] {
    return [...this.inFlight.values()].sort((a, b) => a.sentAt - b.sentAt).map((p) => ({ name: p.name, id: p.id, dueAt: p.dueAt, sentAt: p.sentAt }));
  }

  noteLateness(at: number, lateMs: number): void {
    if (lateMs <= 0) return;
    this.lateAnswers.push({ at, lateMs });
    if (this.lateAnswers.length > LATE_ANSWERS_KEPT) this.lateAnswers.shift();
  }

  /** How late, at most, answers came after their deadlines over the last `windowMs` (0: none was late). */
  recentLatenessMs(windowMs: number, now: number): number {
    let m = 0;
    for (const l of this.lateAnswers) if (l.at >= now - windowMs) m = Math.max(m, l.lateMs);
    return m;
  }

  /** The largest work (ms) of one request in flight. */
  longestWorkMs(): number {
    let m = 0;
    for (const p of this.inFlight.values()) m = Math.max(m, p.workMs);
    return m;
  }
}
