// The emulated board's C simulator against Analog Devices' golden data, through the real
// segment encoding (segment-codec.ts -> C decoder) and `synergy-accel run`: every layer's output
// and the final output must be exact, unsplit and split in two or three segments.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGolden, type GoldenSet } from '../../host/model/exec-golden.js';
import { runOnSimulator, simTensorOf, type SimSegmentResult } from '../../host/model/exec-sim.js';
import { segmentOf } from '../../host/model/segment-codec.js';
import { firstDifference, tensorHash } from '../../host/model/tensor.js';
import { goldenSets } from '../../host/model/shared-dir.js';


/** Layer starts of the segments: unsplit, halves, thirds. */
function splits(n: number): number[][] {
  return [[0], [0, Math.floor(n / 2)], [0, Math.floor(n / 3), Math.floor((2 * n) / 3)]]
    .map((s) => [...new Set(s)].filter((x) => x < n));
}

function check(set: GoldenSet, starts: number[], results: SimSegmentResult[]): string | null {
  const n = set.model.layers.length;
  const seen = new Map<number, number>();
  for (const seg of results) for (const l of seg.layers) seen.set(l.id, l.hash);
  for (const g of set.layers) {
    if (seen.get(g.layer) !== tensorHash(g.output)) return `segments at [${starts.join(', ')}]: layer ${g.layer} differs`;
  }
  const last = results.at(-1)!.outputs.find((o) => o.id === n - 1);
  if (!last || last.hash !== tensorHash(set.expected)) return `segments at [${starts.join(', ')}]: expected_output differs`;
  return null;
}

describe('C simulator reproduces the golden outputs', () => {
  const { dir: goldenDir, names: sets } = goldenSets("the golden simulator tests need Analog Devices' golden data");
  it.each(sets)('%s: every layer exact, unsplit and split', (name) => {
    const set = loadGolden(join(goldenDir, name), name);
    const n = set.model.layers.length;
    const plans = splits(n);
    const runs = plans.map((starts) => ({
      chip: 'max78000',
      segments: starts.map((s, k) => segmentOf(set.model, s, (starts[k + 1] ?? n) - s)),
      inputs: new Map([[-1, set.input]]),
    }));
    const results = runOnSimulator(runs);
    results.forEach((r, k) => {
      expect(r.ok ? null : r.error, `segments at [${plans[k]!.join(', ')}]`).toBeNull();
      if (!r.ok) return;
      const bad = check(set, plans[k]!, r.segments);
      if (bad) {
        // Name the first differing value of the first differing layer.
        const [full] = runOnSimulator([runs[k]!], { values: true });
        const layers = full!.ok ? full!.segments.flatMap((s) => s.layers) : [];
        const detail = set.layers.map((g) => {
          const got = layers.find((l) => l.id === g.layer);
          return got ? firstDifference(g.output, simTensorOf(got)) : null;
        }).find((d) => d !== null);
        expect.fail(`${bad}: ${detail?.reason ?? ''}`);
      }
    });
  });
});
