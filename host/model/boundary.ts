// The boundary rule: what crosses a cut between two layers of a model. A model may be cut
// between any two layers; the bytes that cross the cut are every tensor produced before it
// (the network input included) that some layer after it still reads. With residual branches
// and UNet skips that is more than the last layer's output. After the last layer only the
// model's output (the last layer's output) is needed.
//
// Tensors are named by their source id, as in `inputSources`: -1 is the network input, k is
// the output of layer k (its index in the unsplit model).

import type { Model, Shape3 } from './layer.js';
import { elements } from './layer.js';
import { ModelError } from './model-error.js';

export interface TensorRef {
  /** -1 = network input, else the index of the layer that produces it. */
  source: number;
  shape: Shape3;
  /** 8 for int8 values, 32 for raw accumulators (a 32-bit output layer). */
  width: 8 | 32;
}

/** Bytes of a tensor as it travels: one per int8 value, four per 32-bit value. */
export function tensorBytes(t: TensorRef): number {
  return elements(t.shape) * (t.width / 8);
}

/** The tensor a source id names. */
export function tensorOf(model: Model, source: number): TensorRef {
  if (source === -1) return { source, shape: model.inputShape, width: 8 };
  const layer = model.layers[source];
  if (!layer) throw new ModelError(model.source, `tensor ${source}`, `no such layer (the model has ${model.layers.length})`);
  return { source, shape: layer.outputShape, width: layer.outputWidth };
}

/**
 * The tensors crossing the cut before layer `cut` (0..layers.length), in ascending source
 * order. cut 0 gives the network input; cut = layers.length gives the model output.
 */
export function crossingTensors(model: Model, cut: number): TensorRef[] {
  const n = model.layers.length;
  if (!Number.isInteger(cut) || cut < 0 || cut > n) {
    throw new ModelError(model.source, 'boundary', `cut ${cut} is outside 0..${n}`);
  }
  if (cut === n) return [tensorOf(model, n - 1)];
  const needed = new Set<number>();
  for (let j = cut; j < n; j++) {
    for (const s of model.layers[j]!.inputSources) if (s < cut) needed.add(s);
  }
  return [...needed].sort((a, b) => a - b).map((s) => tensorOf(model, s));
}

/** Total bytes crossing the cut before layer `cut`. */
export function crossingBytes(model: Model, cut: number): number {
  return crossingTensors(model, cut).reduce((a, t) => a + tensorBytes(t), 0);
}

/** What a segment of layers [first, first + count) receives and hands on. */
export interface SegmentTensors {
  /** Every tensor crossing the cut before `first` (some may only be relayed). */
  inputs: TensorRef[];
  /** Every tensor crossing the cut after the segment; an input listed here is relayed unchanged. */
  outputs: TensorRef[];
}

export function segmentTensors(model: Model, first: number, count: number): SegmentTensors {
  const n = model.layers.length;
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > n) {
    throw new ModelError(model.source, 'segment', `layers ${first}..${first + count - 1} are not a non-empty range of 0..${n - 1}`);
  }
  return { inputs: crossingTensors(model, first), outputs: crossingTensors(model, first + count) };
}
