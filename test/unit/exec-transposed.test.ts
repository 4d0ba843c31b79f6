// Transposed convolution, checked against an independent formulation: PyTorch's definition of
// ConvTranspose2d (each input pixel scatters kernel * value into the output at stride 2), with
// the hardware kernel being PyTorch's weight with in/out swapped and both spatial axes flipped
// (the synthesis tool's convention). The executor computes it the other way round (zeros
// inserted, then a plain correlation), so agreement means the two readings are the same.
import { describe, expect, it } from 'vitest';
import { runLayer, type LayerTrace } from '../../host/model/exec.js';
import { uniform } from '../../host/model/prng.js';
import { readLayerTable } from '../../host/model/import-table.js';
import type { Layer } from '../../host/model/layer.js';
import { requireShared } from '../../host/model/shared-dir.js';

function transposedLayer(cin: number, cout: number, h: number, w: number): Layer {
  return {
    index: 0, name: 'up', op: 'convtranspose2d', eltwise: null, operands: 1, poolFirst: true,
    kernel: [3, 3], pad: [1, 1], stride: [1, 1], dilation: [1, 1], outputPad: 1, groups: 1, depthwise: false,
    activation: null, pool: { type: null, size: [1, 1], stride: [1, 1] }, flatten: false, outputWidth: 32,
    inputSources: [-1], inputShape: [cin, h, w], operandShape: [cin, h, w], pooledShape: [cin, h, w],
    outputShape: [cout, 2 * h, 2 * w], weightBits: 8, weightsShape: [cout, cin, 3, 3], biasPresent: false,
    outputShift: 0, streaming: false,
    hw: { processors: 1n, outputProcessors: 1n, inOffset: 0, outOffset: 0, dataFormat: 'HWC', writeGap: 0 },
  };
}

/** PyTorch ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1) by scattering. */
function scatter(x: Int8Array, cin: number, h: number, w: number, hwWeights: Int8Array, cout: number): number[] {
  const ho = 2 * h;
  const wo = 2 * w;
  const out = new Array<number>(cout * ho * wo).fill(0);
  for (let i = 0; i < cin; i++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        const v = x[(i * h + iy) * w + ix]!;
        for (let o = 0; o < cout; o++) {
          for (let ky = 0; ky < 3; ky++) {
            for (let kx = 0; kx < 3; kx++) {
              const y = 2 * iy - 1 + ky;
              const xo = 2 * ix - 1 + kx;
              if (y < 0 || y >= ho || xo < 0 || xo >= wo) continue;
              // PyTorch weight [in][out][ky][kx] = hardware kernel [out][in][2-ky][2-kx].
              const wt = hwWeights[((o * cin + i) * 3 + (2 - ky)) * 3 + (2 - kx)]!;
              out[(o * ho + y) * wo + xo]! += wt * v;
            }
          }
        }
      }
    }
  }
  return out;
}

describe('transposed convolution', () => {
  it('places each input pixel where the kernel tap says (centre tap: even rows and columns)', () => {
    const layer = transposedLayer(1, 2, 2, 2);
    const weights = new Int8Array(2 * 9);
    weights[4] = 1; // output 0: centre tap
    weights[9 + 0] = 1; // output 1: top-left tap of the hardware kernel
    const out = runLayer(layer, { weights, bias: null }, [{ shape: [1, 2, 2], data: Int8Array.from([1, 2, 3, 4]) }]);
    expect(Array.from(out.data)).toEqual([
      1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0, // centre: input (r, c) at (2r, 2c)
      0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, // top-left: at (2r + 1, 2c + 1)
    ]);
  });

  it('equals the scatter definition on random data, sizes 1x1..7x5', () => {
    const next = uniform(78000);
    const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
    for (let k = 0; k < 60; k++) {
      const cin = int(1, 9);
      const cout = int(1, 7);
      const h = int(1, 7);
      const w = int(1, 5);
      const layer = transposedLayer(cin, cout, h, w);
      const weights = Int8Array.from({ length: cout * cin * 9 }, () => int(-128, 127));
      const x = Int8Array.from({ length: cin * h * w }, () => int(-128, 127));
      let acc: Float64Array | null = null;
      runLayer(layer, { weights, bias: null }, [{ shape: [cin, h, w], data: x }], { trace: (t: LayerTrace) => { acc = t.acc; } });
      expect(Array.from(acc!), `case ${k}: ${cin}x${h}x${w} -> ${cout}`).toEqual(scatter(x, cin, h, w, weights, cout));
    }
  });

  it('doubles H and W in every UNet upsampling layer (3x3, pad 1, output_pad 1)', () => {
    const model = readLayerTable(requireShared('models/unet_large_camvid.json', 'the UNet shape check needs the shared layer tables'));
    const ups = model.layers.filter((l) => l.op === 'convtranspose2d');
    expect(ups.map((l) => l.index)).toEqual([8, 10, 12]);
    for (const l of ups) {
      expect([l.kernel, l.pad, l.outputPad]).toEqual([[3, 3], [1, 1], 1]);
      expect(l.outputShape.slice(1)).toEqual([2 * l.pooledShape[1], 2 * l.pooledShape[2]]);
      const weights = new Int8Array(l.weightsShape!.reduce((a, b) => a * b, 1));
      const out = runLayer(l, { weights, bias: l.biasPresent ? new Int8Array(l.outputShape[0]) : null },
        [{ shape: l.inputShape, data: new Int8Array(l.inputShape[0] * l.inputShape[1] * l.inputShape[2]) }]);
      expect(out.shape).toEqual(l.outputShape);
    }
  });
});
