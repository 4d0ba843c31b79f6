// Segments and resident unions of the zoo on MAX78000. A segment's image must be the program of
// the segment run as a network of its own (slots from 0, its own quadrants, the model's offsets),
// its tensors the ones crossing its cuts, and several segments resident on one chip must hold
// their kernels and biases in disjoint memory that adds up to fit()'s accounting of the union.

import { describe, expect, it } from 'vitest';
import { segmentTensors } from '../../host/model/boundary.js';
import { chipSpec } from '../../host/model/chips.js';
import { uniform } from '../../host/model/prng.js';
import { fit } from '../../host/model/fit.js';
import type { Model } from '../../host/model/layer.js';
import { loadModel, zooNames } from '../../host/model/zoo.js';
import { compareImages } from '../../host/synth/compare.js';
import type { HwImage } from '../../host/synth/image.js';
import { SynthError } from '../../host/synth/synth-error.js';
import { hardwareLayers, residentSegment, synthesize, synthesizeUnion } from '../../host/synth/synthesize.js';

const chip = chipSpec('max78000');
const models: Model[] = zooNames().map((n) => loadModel(n)).filter((m) => m.chips.includes('max78000')).map((m) => m.model);

/** Layers first..last as a model of their own: sources before `first` become its input. */
function asNetwork(model: Model, first: number, last: number): Model {
  const layers = model.layers.slice(first, last + 1).map((l) => ({
    ...l,
    index: l.index - first,
    inputSources: l.inputSources.map((s) => (s < first ? -1 : s - first)),
  }));
  return { ...model, name: `${model.name}[${first}..${last}]`, inputShape: layers[0]!.inputShape, layers, params: model.params!.slice(first, last + 1) };
}

/** Fitting segments [first, last] of a model, seeded. */
function segmentsOf(model: Model, seed: number, count: number): [number, number][] {
  const next = uniform(seed);
  const n = model.layers.length;
  const out: [number, number][] = [];
  for (let tries = 0; out.length < count && tries < 200; tries++) {
    const first = Math.floor(next() * n);
    const last = Math.min(n - 1, first + Math.floor(next() * 8));
    if (fit(chip, [{ model: model.name, layers: hardwareLayers(model).slice(first, last + 1) }]).ok) out.push([first, last]);
  }
  return out;
}

/** Kernel columns as loader addresses (processor base + 4 x column). */
const kernelColumns = (img: HwImage): Set<number> => {
  const cols = new Set<number>();
  for (const r of img.kernels) {
    const columns = Math.floor((r.words.length * 4) / 9);
    for (let c = 0; c < columns; c++) cols.add(r.addr + 4 * c);
  }
  return cols;
};
const biasWords = (img: HwImage): Set<number> => new Set(img.bias.flatMap((r) => r.bytes.map((_, k) => r.addr + 4 * k)));

describe('segment images', () => {
  it('refuse a layer without its weights or biases, naming it', () => {
    const model = models.find((m) => m.name === 'simplenet_cifar100')!;
    const noWeights = { ...model, params: model.params!.map((p, j) => (j === 3 ? { ...p, weights: null } : p)) };
    expect(() => synthesize(noWeights, { chip: 'max78000' })).toThrow(/layer 3 \(.*\): no weights/);
    const j = model.layers.findIndex((l) => l.biasPresent);
    const shortBias = { ...model, params: model.params!.map((p, k) => (k === j ? { ...p, bias: p.bias!.subarray(1) } : p)) };
    expect(() => synthesize(shortBias, { chip: 'max78000' })).toThrow(new RegExp(`layer ${j} .*: ${model.layers[j]!.outputShape[0] - 1} biases`));
  });

  it.each(models.map((m, i) => [m.name, i] as const))('%s: a segment is the program of its layers run as a network', (_, i) => {
    const model = models[i]!;
    const segments = segmentsOf(model, 1000 + i, 5);
    expect(segments.length).toBeGreaterThan(0);
    for (const [first, last] of segments) {
      const img = synthesize(model, { chip: 'max78000', first, last });
      expect(img.count).toBe(last - first + 1);
      const lcnt = img.init.filter((w) => w[2] === 'Layer count');
      for (const w of lcnt) expect(w[1]).toBe(last - first);
      const tensors = segmentTensors(model, first, last - first + 1);
      for (const t of img.inputs) expect(t.source < first && tensors.inputs.some((x) => x.source === t.source)).toBe(true);
      for (const t of img.outputs) expect(t.source >= first && t.source <= last && tensors.outputs.some((x) => x.source === t.source)).toBe(true);
      const reads = new Set(model.layers.slice(first, last + 1).flatMap((l) => l.inputSources.filter((s) => s < first)));
      expect(img.inputs.map((t) => t.source).sort()).toEqual([...reads].sort());
      // Where its one outside input is laid out as the sub-network's input would be, the two programs are the same.
      const input = img.inputs[0];
      const head = model.layers[first]!;
      if (img.inputs.length === 1 && input!.writeGap === 0 && input!.width === 8 && input!.processors === head.hw.processors
        && input!.offset === head.hw.inOffset && head.hw.dataFormat === 'HWC' && head.operands === 1) {
        const alone = synthesize(asNetwork(model, first, last), { chip: 'max78000' });
        // A network unloads its last layer; the segment also hands on what later layers still read.
        const sameOutputs = img.outputs.length === 1 && img.outputs[0]!.source === last;
        expect(compareImages(sameOutputs ? img : { ...img, unload: [] }, sameOutputs ? alone : { ...alone, unload: [] }), `${model.name} ${first}..${last}`).toEqual([]);
      }
    }
  });
});

function disjointAndCounted(images: readonly HwImage[], parts: { model: Model; first: number; last: number }[]): void {
  const union = fit(chip, parts.map((p) => residentSegment(p.model, p.first, p.last - p.first + 1)));
  if (!union.ok) throw new Error(union.message);
  const allColumns = new Set<number>();
  const allBias = new Set<number>();
  let columns = 0;
  let biasBytes = 0;
  for (const img of images) {
    const cols = kernelColumns(img);
    const twice = [...cols].filter((c) => allColumns.has(c));
    expect(twice, 'kernel columns held twice').toEqual([]);
    for (const c of cols) allColumns.add(c);
    columns += cols.size;
    const bias = biasWords(img);
    const twiceBias = [...bias].filter((b) => allBias.has(b));
    expect(twiceBias, 'bias words held twice').toEqual([]);
    for (const b of bias) allBias.add(b);
    biasBytes += bias.size;
  }
  expect(columns).toBe(union.kernel.words);
  expect(biasBytes).toBe(union.bias.bytes);
}

describe('segments resident together', () => {
  it.each(models.map((m, i) => [m.name, i] as const))('%s: consecutive segments on one chip take disjoint kernel and bias memory, as fit() counts it', (_, i) => {
    const model = models[i]!;
    const next = uniform(2000 + i);
    const n = model.layers.length;
    // Cut the model into 2..4 consecutive segments and keep the longest prefix of them that fits one chip.
    const cuts = [...new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => 1 + Math.floor(next() * (n - 1))))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, n];
    const parts: { model: Model; first: number; last: number }[] = [];
    for (let s = 0; s + 1 < bounds.length; s++) {
      const part = { model, first: bounds[s]!, last: bounds[s + 1]! - 1 };
      const segs = [...parts, part].map((p) => residentSegment(p.model, p.first, p.last - p.first + 1));
      if (!fit(chip, segs).ok) break;
      parts.push(part);
    }
    expect(parts.length).toBeGreaterThan(0);
    const together = synthesizeUnion('max78000', parts);
    disjointAndCounted(together, parts);
    // Loaded one after another: each new segment either takes the union's places, leaving the
    // resident ones where they were, or is refused because it would move them.
    const loaded: HwImage[] = [];
    for (let k = 0; k < parts.length; k++) {
      const resident = parts.slice(0, k).map((p) => residentSegment(p.model, p.first, p.last - p.first + 1));
      let img: HwImage;
      try {
        img = synthesize(model, { chip: 'max78000', first: parts[k]!.first, last: parts[k]!.last, resident });
      } catch (e) {
        expect((e as SynthError).limit, (e as Error).message).toBe('resident_moved');
        break;
      }
      expect(compareImages(img, synthesizeUnion('max78000', parts.slice(0, k + 1))[k]!)).toEqual([]);
      loaded.push(img);
      disjointAndCounted(loaded, parts.slice(0, k + 1));
    }
  });
});
