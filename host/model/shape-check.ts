// Checks that a model's shapes chain: each layer's input is the concatenation of its sources,
// pooling and the operation produce the stated shapes, and weights have the shape the operation
// needs. A table that passes can be split between any two layers.

import type { Layer, Model, Shape3 } from './layer.js';
import { ModelError } from './model-error.js';

const same = (a: Shape3, b: Shape3): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const show = (s: Shape3 | readonly number[]): string => `[${s.join(', ')}]`;

/** The shape after the layer's pooling stage, per operand (floor((n - size) / stride) + 1 per axis). */
export function pooledShapeOf(layer: Layer): Shape3 {
  const [c, h, w] = layer.operandShape;
  const [ph, pw] = layer.pool.size;
  const [sh, sw] = layer.pool.stride;
  const axis = (n: number, size: number, stride: number): number => Math.floor((n - size) / stride) + 1;
  return [c, axis(h, ph, sh), axis(w, pw, sw)];
}

/** The output shape the operation produces from the pooled shape. */
export function outputShapeOf(layer: Layer): Shape3 {
  const [c, h, w] = layer.pooledShape;
  const cout = layer.weightsShape ? layer.weightsShape[0]! : c;
  const [kh, kw] = layer.kernel;
  const [padh, padw] = layer.pad;
  switch (layer.op) {
    case 'passthrough':
      return [c, h, w];
    case 'conv1d':
      return [cout, h - layer.dilation[0] * (kh - 1) + 2 * padh, 1];
    case 'conv2d':
      return [cout, h - kh + 1 + 2 * padh, w - kw + 1 + 2 * padw];
    case 'convtranspose2d':
      return [cout, 2 * h, 2 * w];
    case 'linear':
      return layer.flatten ? [cout, 1, 1] : [cout, h, w];
  }
}

/** The weight shape the operation needs. */
export function weightsShapeOf(layer: Layer): number[] | null {
  if (layer.op === 'passthrough') return null;
  const cout = layer.outputShape[0];
  const cin = layer.operandShape[0];
  const [c, h, w] = layer.pooledShape;
  switch (layer.op) {
    case 'conv1d':
      return [cout, cin / layer.groups, layer.kernel[0]];
    case 'conv2d':
    case 'convtranspose2d':
      return [cout, cin / layer.groups, layer.kernel[0], layer.kernel[1]];
    case 'linear':
      return layer.flatten ? [cout, c * h * w] : [cout, c];
  }
}

/** The shape a layer's input sources concatenate to. */
export function concatenatedInput(model: Model, layer: Layer): Shape3 {
  let channels = 0;
  let hw: [number, number] | null = null;
  for (const s of layer.inputSources) {
    const shape = s === -1 ? model.inputShape : model.layers[s]!.outputShape;
    if (hw && (hw[0] !== shape[1] || hw[1] !== shape[2])) {
      throw new ModelError(model.source, `layer ${layer.index} (${layer.name}).input_sources`,
        `source ${s} is ${shape[1]}x${shape[2]} but earlier sources are ${hw[0]}x${hw[1]}: cannot concatenate`);
    }
    hw = [shape[1], shape[2]];
    channels += shape[0];
  }
  if (!hw) throw new ModelError(model.source, `layer ${layer.index} (${layer.name}).input_sources`, 'is empty');
  return [channels, hw[0], hw[1]];
}

export function checkShapes(model: Model): void {
  for (const layer of model.layers) {
    const where = `layer ${layer.index} (${layer.name})`;
    const fail = (field: string, reason: string): never => {
      throw new ModelError(model.source, `${where}.${field}`, reason);
    };
    const concat = concatenatedInput(model, layer);
    if (!same(concat, layer.inputShape)) {
      fail('input_shape', `is ${show(layer.inputShape)} but sources [${layer.inputSources.join(', ')}] give ${show(concat)}`);
    }
    if (layer.operandShape[0] * layer.operands !== layer.inputShape[0] || layer.operandShape[1] !== layer.inputShape[1]
      || layer.operandShape[2] !== layer.inputShape[2]) {
      fail('operand_shape', `${show(layer.operandShape)} x ${layer.operands} operands does not make input ${show(layer.inputShape)}`);
    }
    const pooled = pooledShapeOf(layer);
    if (!same(pooled, layer.pooledShape)) fail('pooled_shape', `is ${show(layer.pooledShape)}, pooling gives ${show(pooled)}`);
    const out = outputShapeOf(layer);
    if (!same(out, layer.outputShape)) fail('output_shape', `is ${show(layer.outputShape)}, ${layer.op} gives ${show(out)}`);
    const ws = weightsShapeOf(layer);
    if (ws && layer.weightsShape && (ws.length !== layer.weightsShape.length || ws.some((v, k) => v !== layer.weightsShape![k]))) {
      fail('weights_shape', `is ${show(layer.weightsShape)}, ${layer.op} from ${show(layer.operandShape)} to ${show(layer.outputShape)} needs ${show(ws)}`);
    }
  }
}
