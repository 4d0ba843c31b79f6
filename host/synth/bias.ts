// Bias memory contents. Which quadrant and offset hold a layer's biases is fit()'s allocation
// (fit-bias.ts, the tool's first-fit-descending allocator); a layer's block starts with
// s x passes zero bytes (s = its lowest output processor mod 4) and then holds one int8 bias
// per output channel (izer/kbias.py). The records cover each quadrant's bytes of the image's
// layers, one record per run of consecutive bytes.

import type { RegisterMap } from './chip-map.js';
import type { BiasRecord } from './image.js';

export interface BiasBlock {
  quadrant: number;
  offset: number;
  /** Leading zero bytes (s x output passes), then the biases. */
  lead: number;
  values: Int8Array;
}

export function biasRecords(map: RegisterMap, blocks: readonly BiasBlock[]): BiasRecord[] {
  const records: BiasRecord[] = [];
  for (let q = 0; q < 4; q++) {
    const bytes = new Map<number, number>();
    for (const b of blocks) {
      if (b.quadrant !== q) continue;
      for (let i = 0; i < b.lead; i++) bytes.set(b.offset + i, 0);
      b.values.forEach((v, i) => bytes.set(b.offset + b.lead + i, v & 0xff));
    }
    const order = [...bytes.keys()].sort((a, b) => a - b);
    let i = 0;
    while (i < order.length) {
      let j = i;
      while (j + 1 < order.length && order[j + 1] === order[j]! + 1) j++;
      records.push({ addr: map.biasBase(q) + 4 * order[i]!, bytes: order.slice(i, j + 1).map((a) => bytes.get(a)!) });
      i = j + 1;
    }
  }
  return records;
}
