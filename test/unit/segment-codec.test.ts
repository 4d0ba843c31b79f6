// The segment description: the boundary rule, weight packing, the TypeScript round trip, and
// the C decoder (through synergy-accel) reading the same bytes to the same fields, and refusing
// the same bad segments at the same place.

import { describe, expect, it } from 'vitest';
import type { CborMap, CborValue } from '../../host/proto/cbor.js';
import { encodeCbor } from '../../host/proto/cbor.js';
import { runAccelTool } from '../../host/model/accel-tool.js';
import { crossingBytes, crossingTensors, segmentTensors } from '../../host/model/boundary.js';
import { readLayerTable } from '../../host/model/import-table.js';
import type { Layer, LayerParams, Model } from '../../host/model/layer.js';
import { ModelError } from '../../host/model/model-error.js';
import { mulberry32, seedOf } from '../../host/model/prng.js';
import {
  LAYER, SEG, TENSOR, decodeSegment, encodeSegment, packWeights, segmentMap, segmentOf, unpackWeights, type Segment,
} from '../../host/model/segment-codec.js';
import { goldenSets, requireShared } from '../../host/model/shared-dir.js';

const WHY = 'the segment tests on real models need the shared tables and golden weights';

const golden = (dir: string): Model => readLayerTable(requireShared(`golden/${dir}/model.json`, WHY));
const table = (file: string): Model => readLayerTable(requireShared(`models/${file}`, WHY));
const goldenDirs = (): string[] => goldenSets(WHY).names;

describe('weight packing', () => {
  it('packs LSB-first and unpacks with sign extension', () => {
    expect([...packWeights(Int8Array.from([1, -1]), 4)]).toEqual([0xf1]);
    expect([...packWeights(Int8Array.from([1, -2, 0, -1]), 2)]).toEqual([0xc9]);
    expect([...packWeights(Int8Array.from([-1, 0, 0, 0, 0, 0, 0, -1, -1]), 1)]).toEqual([0x81, 0x01]);
    expect([...packWeights(Int8Array.from([-128, 127]), 8)]).toEqual([0x80, 0x7f]);
    for (const bits of [1, 2, 4, 8] as const) {
      const lo = -(1 << (bits - 1));
      const values = Int8Array.from({ length: 37 }, (_, i) => lo + (i % (1 << bits)));
      expect([...unpackWeights(packWeights(values, bits), values.length, bits)]).toEqual([...values]);
    }
  });
});

describe('boundary rule', () => {
  it('carries every tensor still needed after the cut, residual branches included', () => {
    const res = table('ressimplenet_cifar100.json');
    expect(crossingTensors(res, 0).map((t) => t.source)).toEqual([-1]);
    expect(crossingBytes(res, 0)).toBe(3 * 32 * 32);
    // Layer 3 reads layer 1; layer 4 adds layers 2 and 3: both 20x32x32 tensors cross.
    expect(crossingTensors(res, 3).map((t) => t.source)).toEqual([1, 2]);
    expect(crossingBytes(res, 3)).toBe(2 * 20 * 32 * 32);
    // The model's output: 100 raw 32-bit accumulators.
    expect(crossingTensors(res, res.layers.length).map((t) => t.source)).toEqual([16]);
    expect(crossingBytes(res, res.layers.length)).toBe(400);
  });

  it('carries UNet skip connections across a cut in the middle', () => {
    const unet = table('unet_large_camvid.json');
    // Layers 8.. read 6, 7 (8, 9), 4 (11) and 3 (13).
    expect(crossingTensors(unet, 8).map((t) => t.source)).toEqual([3, 4, 6, 7]);
    const { inputs, outputs } = segmentTensors(unet, 8, 2);
    expect(inputs.map((t) => t.source)).toEqual([3, 4, 6, 7]);
    // After layers 8..9 the skips 3 and 4 are still needed, relayed unchanged.
    expect(outputs.map((t) => t.source)).toEqual([3, 4, 9]);
  });

  it('refuses a cut outside the model', () => {
    const res = table('ressimplenet_cifar100.json');
    expect(() => crossingTensors(res, 18)).toThrow(/boundary: cut 18 is outside 0..17/);
    expect(() => segmentTensors(res, 10, 8)).toThrow(/segment: layers 10..17 are not a non-empty range of 0..16/);
  });
});

/** Layers as plain data for comparison. */
const plain = (layers: readonly Layer[]): unknown => JSON.parse(JSON.stringify(layers, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)));
const plainParams = (ps: readonly LayerParams[]): unknown => ps.map((p) => ({ w: p.weights ? [...p.weights] : null, b: p.bias ? [...p.bias] : null }));

/** Cuts a model into pieces of `size` layers. */
function pieces(model: Model, size: number): Segment[] {
  const out: Segment[] = [];
  for (let first = 0; first < model.layers.length; first += size) out.push(segmentOf(model, first, Math.min(size, model.layers.length - first)));
  return out;
}

describe('TypeScript round trip', () => {
  it.each(goldenDirs())('golden %s: every split decodes to the same layers, weights and tensors', (dir) => {
    const model = golden(dir);
    for (const size of [model.layers.length, 1, 3]) {
      for (const seg of pieces(model, size)) {
        const bytes = encodeSegment(seg);
        expect(encodeSegment(seg)).toEqual(bytes); // deterministic
        const back = decodeSegment(bytes);
        expect(back.model).toBe(seg.model);
        expect(back.first).toBe(seg.first);
        expect(back.inputs).toEqual(seg.inputs);
        expect(back.outputs).toEqual(seg.outputs);
        expect(plain(back.layers)).toEqual(plain(seg.layers));
        expect(plainParams(back.params)).toEqual(plainParams(seg.params));
      }
    }
  });

  it('packs sub-8-bit weights: the 2/4/8-bit SimpleNet segment is smaller than its weight count', () => {
    const model = golden('cifar100-simple-synth');
    const bits = new Set(model.layers.map((l) => l.weightBits));
    expect(bits.has(2) && bits.has(4)).toBe(true);
    const count = model.layers.reduce((a, l) => a + (l.weightsShape ? l.weightsShape.reduce((x, y) => x * y, 1) : 0), 0);
    expect(encodeSegment(segmentOf(model, 0, model.layers.length)).length).toBeLessThan(count);
  });
});

// ---- bad segments ------------------------------------------------------------------------------

type Mutation = [what: string, change: (m: CborMap) => void, place: string];

const layerAt = (m: CborMap, i: number): CborMap => (m.get(SEG.layers) as CborMap[])[i]!;
const mutations: Mutation[] = [
  ['format', (m) => m.set(SEG.format, 2), 'format'],
  ['missing model', (m) => m.delete(SEG.model), 'top level.model'],
  ['count differs from the layers', (m) => m.set(SEG.count, 4), 'layers'],
  ['input produced inside the segment', (m) => ((m.get(SEG.inputs) as CborMap[])[0]!.set(TENSOR.source, 1)), 'inputs[0].source'],
  ['bad tensor width', (m) => ((m.get(SEG.outputs) as CborMap[])[0]!.set(TENSOR.width, 16)), 'outputs[0].width'],
  ['layer index', (m) => layerAt(m, 1).set(LAYER.index, 7), 'layers[1].index'],
  ['op out of range', (m) => layerAt(m, 1).set(LAYER.op, 9), 'layer 1 (conv2).op'],
  ['missing kernel', (m) => layerAt(m, 1).delete(LAYER.kernel), 'layer 1 (conv2).kernel'],
  ['kernel of zero', (m) => layerAt(m, 1).set(LAYER.kernel, [0, 3]), 'layer 1 (conv2).kernel[0]'],
  ['a string for a bool', (m) => layerAt(m, 1).set(LAYER.flatten, 'yes'), 'layer 1 (conv2).flatten'],
  ['weight bits 3', (m) => layerAt(m, 1).set(LAYER.weight_bits, 3), 'layer 1 (conv2).weight_bits'],
  ['source from the future', (m) => layerAt(m, 1).set(LAYER.sources, [2]), 'layer 1 (conv2).sources[0]'],
  ['too many sources', (m) => layerAt(m, 1).set(LAYER.sources, [0, 0, 0, 0, 0, 0, 0, 0, 0]), 'layer 1 (conv2).sources'],
  ['input shape that the sources do not give', (m) => layerAt(m, 1).set(LAYER.input_shape, [61, 28, 28]), 'layer 1 (conv2).input_shape'],
  ['pooled shape', (m) => layerAt(m, 1).set(LAYER.pooled_shape, [60, 13, 14]), 'layer 1 (conv2).pooled_shape'],
  ['pool larger than the input', (m) => layerAt(m, 1).set(LAYER.pool_size, [40, 2]), 'layer 1 (conv2).pool_size'],
  ['output shape', (m) => layerAt(m, 1).set(LAYER.output_shape, [60, 17, 16]), 'layer 1 (conv2).output_shape'],
  ['weights one byte short', (m) => layerAt(m, 1).set(LAYER.weights, new Uint8Array(60 * 60 * 9 - 1)), 'layer 1 (conv2).weights'],
  ['weights missing', (m) => layerAt(m, 1).delete(LAYER.weights), 'layer 1 (conv2).weights'],
  ['bias on a layer without bias', (m) => layerAt(m, 1).set(LAYER.bias, new Uint8Array(60)), 'layer 1 (conv2).bias'],
  ['bias of the wrong length', (m) => layerAt(m, 4).set(LAYER.bias, new Uint8Array(9)), 'layer 4 (fc).bias'],
  ['output shift beyond int8', (m) => layerAt(m, 1).set(LAYER.output_shift, 300), 'layer 1 (conv2).output_shift'],
  ['negative processor mask', (m) => layerAt(m, 1).set(LAYER.processors, -1), 'layer 1 (conv2).processors'],
  ['output not produced here', (m) => ((m.get(SEG.outputs) as CborMap[])[0]!.set(TENSOR.source, 9)), 'outputs[0].source'],
  ['output shape differs', (m) => ((m.get(SEG.outputs) as CborMap[])[0]!.set(TENSOR.shape, [10, 1, 2])), 'outputs[0].shape'],
];

function mutated(seg: Segment, change: (m: CborMap) => void): Uint8Array {
  const m = segmentMap(seg);
  change(m);
  return encodeCbor(m, { maxPayload: Number.MAX_SAFE_INTEGER });
}

const placeOf = (message: string, source: string): string => message.slice(source.length + 2).split(': ')[0]!;

describe('bad segments', () => {
  const mnist = golden('mnist');
  it.each(mutations)('TypeScript refuses %s, naming %s', (_what, change, place) => {
    const bytes = mutated(segmentOf(mnist, 0, 5), change);
    let err: unknown;
    try {
      decodeSegment(bytes, 'seg.cbor');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect(placeOf((err as Error).message, 'seg.cbor')).toBe(place);
  });

  it('ignores keys it does not know (fields may be added within format 1)', () => {
    const seg = segmentOf(mnist, 0, 5);
    const bytes = mutated(seg, (m) => {
      m.set(40, 'later');
      layerAt(m, 0).set(99, [1, 2, 3]);
    });
    expect(plain(decodeSegment(bytes).layers)).toEqual(plain(seg.layers));
  });

  it('refuses bytes that are not a segment', () => {
    expect(() => decodeSegment(Uint8Array.from([0x82, 0x01, 0x02]), 'x')).toThrow(/x: cbor: body byte 0: body is not a CBOR map/);
    expect(() => decodeSegment(Uint8Array.from([0xa1, 0x00]), 'x')).toThrow(/x: cbor: /);
  });
});

// ---- the C decoder on the same bytes -------------------------------------------------------------

/** The TypeScript decode in the C tool's JSON shape. */
function expectedDecode(seg: Segment): unknown {
  const fnv = (values: Int8Array | null): number => {
    let h = 0x811c9dc5;
    for (const v of values ?? []) h = Math.imul(h ^ (v & 0xff), 0x01000193) >>> 0;
    return h;
  };
  const hex = (m: bigint): string => `0x${m.toString(16).padStart(16, '0')}`;
  const tensor = (t: Segment['inputs'][number]): unknown => ({ source: t.source, shape: [...t.shape], width: t.width });
  return {
    model: seg.model,
    first: seg.first,
    count: seg.layers.length,
    inputs: seg.inputs.map(tensor),
    outputs: seg.outputs.map(tensor),
    layers: seg.layers.map((l, i) => {
      const p = seg.params[i]!;
      const count = l.weightsShape ? l.weightsShape.reduce((a, b) => a * b, 1) : 0;
      return {
        index: l.index, name: l.name, op: l.op, eltwise: [null, 'add', 'sub', 'or', 'xor'].indexOf(l.eltwise),
        operands: l.operands, pool_first: l.poolFirst, kernel: [...l.kernel], pad: [...l.pad], stride: [...l.stride],
        dilation: [...l.dilation], output_pad: l.outputPad, groups: l.groups, depthwise: l.depthwise,
        activation: [null, 'relu', 'abs'].indexOf(l.activation), pool_type: [null, 'max', 'avg'].indexOf(l.pool.type),
        pool_size: [...l.pool.size], pool_stride: [...l.pool.stride], flatten: l.flatten, output_width: l.outputWidth,
        sources: [...l.inputSources], input_shape: [...l.inputShape], operand_shape: [...l.operandShape],
        pooled_shape: [...l.pooledShape], output_shape: [...l.outputShape], weight_bits: l.weightBits ?? 0,
        bias_present: l.biasPresent, output_shift: l.outputShift, streaming: l.streaming,
        processors: hex(l.hw.processors), output_processors: hex(l.hw.outputProcessors), in_offset: l.hw.inOffset,
        out_offset: l.hw.outOffset, data_format: l.hw.dataFormat === 'CHW' ? 1 : 0, write_gap: l.hw.writeGap,
        weights_len: l.weightBits ? Math.ceil((count * l.weightBits) / 8) : 0, weight_count: l.weightBits ? count : 0,
        weights_fnv: fnv(p.weights), bias_len: p.bias?.length ?? 0, bias_fnv: fnv(p.bias),
      };
    }),
  };
}

describe('C decoder (synergy-accel decode)', () => {
  it('decodes every split of every golden model to the fields and weights TypeScript decodes', () => {
    const segments: Segment[] = [];
    for (const dir of goldenDirs()) {
      const model = golden(dir);
      for (const size of [model.layers.length, 1, 4]) segments.push(...pieces(model, size));
    }
    const blobs = segments.map(encodeSegment);
    const answers = runAccelTool('decode', blobs.map((b) => ({ chip: 'max78000', segments: [b] })));
    answers.forEach((a, k) => {
      expect(a.error).toBeUndefined();
      expect((a['segments'] as unknown[])[0]).toEqual(expectedDecode(decodeSegment(blobs[k]!)));
    });
  });

  it('refuses the same bad segments as TypeScript, at the same place', () => {
    const seg = segmentOf(golden('mnist'), 0, 5);
    const blobs = mutations.map(([, change]) => mutated(seg, change));
    const answers = runAccelTool('decode', blobs.map((b) => ({ chip: 'max78000', segments: [b] })));
    answers.forEach((a, k) => {
      const [what, , place] = mutations[k]!;
      expect(a.error, what).toBeDefined();
      expect(placeOf(a.error!, 'segment 0'), `${what}: ${a.error}`).toBe(place);
    });
  });

  it('accepts and refuses the same randomly damaged segments as TypeScript, naming the same place', () => {
    const mnist = golden('mnist');
    const kws = golden('kws20_v3');
    const bases = [segmentOf(mnist, 0, 2), segmentOf(mnist, 3, 2), segmentOf(kws, 6, 3)].map(encodeSegment);
    const next = mulberry32(seedOf('segment damage'));
    const damaged: Uint8Array[] = [];
    for (let k = 0; k < 3000; k++) {
      const b = new Uint8Array(bases[k % bases.length]!);
      // Damage the structure (the first bytes hold every field but the weights) or cut the end.
      if (k % 5 === 0) damaged.push(b.subarray(0, next() % b.length));
      else {
        for (let j = 0; j <= k % 3; j++) b[next() % Math.min(b.length, 700)] = next() & 0xff;
        damaged.push(b);
      }
    }
    const answers = runAccelTool('decode', damaged.map((b) => ({ chip: 'max78000', segments: [b] })));
    let refused = 0;
    answers.forEach((a, k) => {
      let tsError: string | null = null;
      try {
        decodeSegment(damaged[k]!, 'segment 0');
      } catch (e) {
        tsError = (e as Error).message;
      }
      if (tsError === null) {
        expect(a.error, `case ${k}`).toBeUndefined();
      } else {
        refused++;
        expect(a.error, `case ${k}: TypeScript says ${tsError}`).toBeDefined();
        expect(placeOf(a.error!, 'segment 0'), `case ${k}: C says ${a.error}, TypeScript ${tsError}`).toBe(placeOf(tsError, 'segment 0'));
      }
    });
    expect(refused).toBeGreaterThan(1000);
  });

  it('answers a bad request with an error line and goes on with the next', () => {
    const seg = encodeSegment(segmentOf(golden('mnist'), 0, 2));
    const answers = runAccelTool('decode', [
      { chip: 'max78001', segments: [seg] },
      { chip: 'max78000', segments: [seg.subarray(0, seg.length - 3)] },
      { chip: 'max78000', segments: [seg] },
    ]);
    expect(answers[0]!.error).toMatch(/request.chip: unknown chip "max78001"/);
    expect(answers[1]!.error).toMatch(/segment 0: cbor: /);
    expect(answers[2]!.error).toBeUndefined();
  });
});

export type { CborValue };
