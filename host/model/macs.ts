// Multiply-accumulates of a layer and a model, as the synthesis tool counts them
// (izer/simulate.py; the shared tables' `totals.macs`): every weight once per output pixel.
// Conv2d / transposed conv: out x in/groups x kh x kw x H_out x W_out; Conv1d: out x in x k x
// L_out; linear: in_features x out_features; passthrough and element-wise layers: 0.

import { weightCount, type Layer, type Model } from './layer.js';

export function layerMacs(layer: Layer): number {
  if (!layer.weightsShape) return 0;
  return weightCount(layer) * layer.outputShape[1] * layer.outputShape[2];
}

export function modelMacs(model: Model): number {
  return model.layers.reduce((a, l) => a + layerMacs(l), 0);
}
