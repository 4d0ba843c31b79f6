// How long each pipeline went without a delivery: the gaps between consecutive deliveries (the
// long ones, recent ones kept), so a fault's effect on the pipelines that did not use the lost
// board can be told afterwards: from the fault until the recovery, their longest gap.

/** Gaps shorter than this are not kept (a pipeline at 10 frames/s has 100 ms between frames). */
const KEPT_GAP_MS = 50;
/** Gaps kept per pipeline: the recent ones. */
const KEPT_GAPS = 512;

export class DeliveryGaps {
  private readonly last = new Map<string, number>();
  private readonly gaps = new Map<string, { start: number; end: number }[]>();

  delivered(pipeline: string, at: number): void {
    const last = this.last.get(pipeline);
    this.last.set(pipeline, at);
    if (last === undefined || at - last < KEPT_GAP_MS) return;
    let list = this.gaps.get(pipeline);
    if (!list) this.gaps.set(pipeline, (list = []));
    list.push({ start: last, end: at });
    if (list.length > KEPT_GAPS) list.shift();
  }

  /** The longest time `pipeline` went without a delivery within [from, to] (performance.now() ms). */
  longestGap(pipeline: string, from: number, to: number): number {
    const last = this.last.get(pipeline);
    if (last === undefined || to <= from) return Math.max(0, to - from);
    let longest = Math.max(0, to - Math.max(last, from)); // since its last delivery
    for (const g of this.gaps.get(pipeline) ?? []) {
      if (g.end <= from || g.start >= to) continue;
      longest = Math.max(longest, Math.min(g.end, to) - Math.max(g.start, from));
    }
    return longest;
  }
}
