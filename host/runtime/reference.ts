// The reference output of a frame: the model run whole by the TypeScript executor (exec.ts, the
// host's truth for the arithmetic) on the frame's input, as the bytes a board sends for the
// model's output (int8, or int32 little-endian for a 32-bit last layer).

import { tensorToBytes } from '../board/tensors.js';
import { runLayers } from '../model/exec.js';
import type { Model } from '../model/layer.js';

export function referenceOutput(model: Model, input: Int8Array): Uint8Array {
  if (!model.params) throw new Error(`${model.name} has no weights to check against`);
  const last = model.layers.length - 1;
  const outs = runLayers(model, model.params, { first: 0, last }, new Map([[-1, { shape: model.inputShape, data: input }]]));
  return tensorToBytes(outs.get(last)!);
}

/** Where two outputs first differ, in words; null when they are the same bytes. */
export function outputDifference(expected: Uint8Array, got: Uint8Array): string | null {
  if (expected.length !== got.length) return `${got.length} bytes delivered, the reference has ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] !== got[i]) return `byte ${i} is ${got[i]}, the reference has ${expected[i]} (of ${expected.length})`;
  }
  return null;
}
