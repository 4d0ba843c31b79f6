// Whole-model register synthesis time over the zoo (issue 12: synth_ms_max, target at most
// 200 ms): for every zoo model that fits one chip whole, the median wall time of synthesize()
// over a few runs after a warm-up (the model and its weights are loaded once, outside the timing).

import { chipSpec, type ChipName } from '../../host/model/chips.js';
import { fit } from '../../host/model/fit.js';
import { loadModel, zooNames } from '../../host/model/zoo.js';
import { hardwareLayers, synthesize } from '../../host/synth/synthesize.js';

const RUNS = 5;

export interface SynthTime {
  name: string;
  chip: ChipName;
  ms: number;
}

export interface SynthTimes {
  rows: SynthTime[];
  /** Models that fit no covered chip whole (split across boards instead). */
  skipped: string[];
  maxMs: number;
}

export function synthTimes(names: readonly string[] = zooNames(), chip: ChipName = 'max78000'): SynthTimes {
  const rows: SynthTime[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const { model, chips } = loadModel(name);
    if (!chips.includes(chip) || !fit(chipSpec(chip), [{ model: name, layers: hardwareLayers(model) }]).ok) {
      skipped.push(name);
      continue;
    }
    synthesize(model, { chip });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      synthesize(model, { chip });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    rows.push({ name, chip, ms: times[Math.floor(RUNS / 2)]! });
  }
  return { rows, skipped, maxMs: Math.max(0, ...rows.map((r) => r.ms)) };
}
