// Summaries of round-trip times (ping, the link benchmark).

export interface RttSummary {
  count: number;
  minMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarizeRtt(samples: number[]): RttSummary {
  const s = [...samples].sort((a, b) => a - b);
  return {
    count: s.length,
    minMs: s[0] ?? NaN,
    p50Ms: quantile(s, 0.5),
    p99Ms: quantile(s, 0.99),
    maxMs: s[s.length - 1] ?? NaN,
    meanMs: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
  };
}
