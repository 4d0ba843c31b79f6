// One truth for tensor layouts: the generator's TypeScript (host/synth/layout.ts, which decides
// the layouts a register segment carries and the words the image unloads) and the board's C
// (firmware/accel/reg/reg_layout.c, which places inputs and gathers outputs) must turn the same
// tensor into the same data-memory words, lanes and values. Every layout the zoo's MAX78000 models
// have (the golden networks' are the same tool's, and register-engine tests run them through both):
// the network input and every layer's output, on seeded values.

import { describe, expect, it } from 'vitest';
import { accelToolBuilt, accelToolPath, runAccelTool, type AccelRequest } from '../../host/model/accel-tool.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import type { Model } from '../../host/model/layer.js';
import { loadModel, zooNames } from '../../host/model/zoo.js';
import type { CborValue } from '../../host/proto/cbor.js';
import type { TensorLayout } from '../../host/synth/image.js';
import { inputLayout, outputLayout, placeTensor } from '../../host/synth/layout.js';

if (!accelToolBuilt()) throw new Error(`${accelToolPath()} is missing: run \`make firmware\` (the layout cross-test runs the C code through it)`);

interface Case {
  what: string;
  layout: TensorLayout;
  values: Int8Array | Int32Array;
}

function casesOf(model: Model, seed: number): Case[] {
  const out: Case[] = [{ what: `${model.name} input`, layout: inputLayout(model), values: seededTensor(model.inputShape, seed).data as Int8Array }];
  model.layers.forEach((l, j) => {
    const [c, h, w] = l.outputShape;
    const values = l.outputWidth === 32
      ? Int32Array.from({ length: c * h * w }, (_, i) => (Math.imul(i + seed, 2654435761) | 0) >> 7)
      : (seededTensor(l.outputShape, seed + j).data as Int8Array);
    out.push({ what: `${model.name} layer ${j} (${l.name}) output`, layout: outputLayout(model, j), values });
  });
  return out;
}

const bytesOf = (v: Int8Array | Int32Array): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

function request(c: Case): AccelRequest {
  const l = c.layout;
  return {
    chip: 'max78000',
    args: new Map<number, CborValue>([
      [0, l.source], [1, [...l.shape]], [2, l.width], [3, l.format], [4, l.processors], [5, l.offset], [6, l.writeGap], [7, bytesOf(c.values)],
    ]),
  } as AccelRequest;
}

/** A lane mask of bytes (0xff per lane the tensor owns) as the C tool's bit per lane. */
const lanesOf = (mask: number): number => [0, 1, 2, 3].reduce((a, k) => a | (((mask >>> (8 * k)) & 0xff) ? 1 << k : 0), 0);

describe('tensor layouts: TypeScript and C give the same words', () => {
  it('every zoo model on MAX78000: the input and every layer output', () => {
    // The layouts of models that run on a MAX78000 (the register engine's chip).
    const models = zooNames().map((n) => loadModel(n)).filter((m) => m.chips.includes('max78000')).map((m) => m.model);
    const cases = models.flatMap((m, i) => casesOf(m, 100 * i + 1));
    const c = runAccelTool('layout', cases.map(request)) as { words?: [number, number, number][]; error?: string }[];
    let words = 0;
    cases.forEach((k, i) => {
      const ts = placeTensor(k.layout, 'max78000', k.values).map((p) => [p.addr >>> 0, (p.word & p.mask) >>> 0, lanesOf(p.mask)]);
      expect(c[i]!.error, k.what).toBeUndefined();
      const cw = c[i]!.words!.map(([a, v, lanes]) => [a >>> 0, (v & [0, 1, 2, 3].reduce((m, b) => m | ((lanes >> b) & 1 ? 0xff << (8 * b) : 0), 0)) >>> 0, lanes]);
      // The same words; the order differs (C places instance by instance, the generator walks them
      // as the tool's unload reads them).
      const byAddr = (a: number[], b: number[]): number => a[0]! - b[0]!;
      expect(cw.sort(byAddr), k.what).toEqual(ts.sort(byAddr));
      words += ts.length;
    });
    expect(cases.length).toBeGreaterThan(150);
    expect(words).toBeGreaterThan(100_000);
  });
});
