// Where a frame's messages sit on each board's link, for the run's timeline: a message the host
// sends (rx on the board) starts when the link is free of the ones before it; an answer (tx on
// the board) ends when it arrived, its wire time before.

import type { BoardHandle } from './boards.js';
import type { Metrics } from './metrics.js';
import type { RunPipeline } from './run-plan.js';

/** Wire bytes of a frame whose body holds about `n` bytes (header, CRC, COBS, delimiter). */
export function wire(n: number): number {
  const raw = n + 12;
  return raw + Math.floor(raw / 254) + 2;
}

export class LinkSpans {
  private readonly rxFree = new Map<string, number>();

  constructor(private readonly metrics: Metrics) {}

  /** ms `bytes` of message take on the board's link (0 on an unpaced link). */
  txMs(h: BoardHandle, bytes: number): number {
    return Number.isFinite(h.wireBytesPerSec) ? (wire(bytes) * 1000) / h.wireBytesPerSec : 0;
  }

  /** An answer of `bytes` that arrived at `at`. */
  tx(p: RunPipeline, h: BoardHandle, at: number, bytes: number, label: string): void {
    this.metrics.span(`${h.device}.tx`, at - this.txMs(h, bytes), at, p.name, label);
  }

  /** A message of `bytes` sent at `sent`, behind the ones before it. */
  rx(p: RunPipeline, h: BoardHandle, sent: number, bytes: number, label: string): void {
    const start = Math.max(sent, this.rxFree.get(h.device) ?? 0);
    const end = start + this.txMs(h, bytes);
    this.rxFree.set(h.device, end);
    this.metrics.span(`${h.device}.rx`, start, end, p.name, label);
  }
}
