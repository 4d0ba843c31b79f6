// Bad input to either executor is refused with a message naming the layer and the reason, never
// a crash or a silent wrong answer.
import { describe, expect, it } from 'vitest';
import { layerCase } from '../../host/model/exec-cases.js';
import { ExecError, runLayer, runLayers } from '../../host/model/exec.js';
import { runOnSimulator } from '../../host/model/exec-sim.js';
import { segmentOf } from '../../host/model/segment-codec.js';

/** The first generated case of a kind, for a well-formed starting point. */
function caseWhere(f: (c: ReturnType<typeof layerCase>) => boolean): ReturnType<typeof layerCase> {
  for (let s = 1; ; s++) {
    const c = layerCase(s);
    if (f(c)) return c;
  }
}

const conv = caseWhere((c) => c.model.layers[c.layer]!.op === 'conv2d' && c.model.layers[c.layer]!.inputSources.length === 1
  && c.model.layers[c.layer]!.inputSources[0] === -1 && c.model.layers[c.layer]!.groups === 1);

describe('reference executor refusals', () => {
  const layer = conv.model.layers[conv.layer]!;
  const params = conv.model.params![conv.layer]!;
  const x = conv.inputs.get(-1)!;

  it('a missing boundary tensor names the layer and the tensor', () => {
    expect(() => runLayers(conv.model, conv.model.params!, { first: conv.layer, last: conv.layer }, new Map()))
      .toThrow(/layer \d+ \(conv2d\): reads the network input, which was not given/);
  });

  it('too few weights, a 32-bit source, a wrong source shape, a bad range', () => {
    expect(() => runLayer(layer, { ...params, weights: params.weights!.subarray(1) }, [x])).toThrow(ExecError);
    expect(() => runLayer(layer, { ...params, weights: params.weights!.subarray(1) }, [x])).toThrow(/weights hold \d+ values; \[.*\] needs \d+/);
    expect(() => runLayer(layer, params, [{ shape: x.shape, data: new Int32Array(x.data.length) }])).toThrow(/holds 32-bit values/);
    expect(() => runLayer(layer, params, [{ shape: [x.shape[0] + 1, x.shape[1], x.shape[2]], data: new Int8Array(x.data.length + x.shape[1] * x.shape[2]) }]))
      .toThrow(/input sources give \d+ channels; the layer input has \d+/);
    expect(() => runLayers(conv.model, conv.model.params!, { first: 0, last: 99 }, new Map())).toThrow(/layer range 0\.\.99 is not within/);
    expect(() => runLayer({ ...layer, stride: [2, 2] }, params, [x])).toThrow(/stride 2x2/);
    expect(() => runLayer({ ...layer, outputShape: [layer.outputShape[0], layer.outputShape[1] + 1, layer.outputShape[2]] }, params, [x]))
      .toThrow(/output_shape is/);
  });
});

describe('C simulator refusals through synergy-accel run', () => {
  it('depthwise on a MAX78000 is unsupported, on a MAX78002 it runs', () => {
    const dw = caseWhere((c) => c.model.layers[c.layer]!.groups > 1);
    const run = (chip: string) => ({ chip, segments: [segmentOf(dw.model, dw.layer, 1)], inputs: dw.inputs });
    const [on0, on2] = runOnSimulator([run('max78000'), run('max78002')]);
    expect(on0).toEqual({ ok: false, error: expect.stringMatching(/segment 0: layer \d+ \(depthwise\)\.groups: depthwise\/grouped convolution is not available on this chip \(unsupported\)/) });
    expect(on2!.ok).toBe(true);
  });

  it('a missing input tensor is named', () => {
    const [r] = runOnSimulator([{ chip: 'max78002', segments: [segmentOf(conv.model, conv.layer, 1)], inputs: new Map() }]);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/input -?\d+ is neither given nor produced by an earlier segment/) });
  });
});
