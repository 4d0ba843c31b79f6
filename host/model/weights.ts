// Generated weights: deterministic pseudo-random weights, biases and output shifts for models
// without trained weights (models/README.md, "Weights"). The same name gives the same bytes on
// every machine, so a segment's hash is stable.

import type { Layer, LayerParams, Model, WeightBits } from './layer.js';
import { weightCount } from './layer.js';
import { mulberry32, seedOf } from './prng.js';


/** Largest magnitude of a generated weight of b bits: symmetric around 0 (1-bit: {-1, 0}). */
const weightMagnitude = (bits: WeightBits): number => (bits === 1 ? 1 : (1 << (bits - 1)) - 1);
/** Generated biases are uniform in [-BIAS_SPAN, BIAS_SPAN - 1]. */
export const BIAS_SPAN = 32;

/** Standard deviation of one generated weight. */
function weightSigma(bits: WeightBits): number {
  if (bits === 1) return 0.5;
  const k = weightMagnitude(bits);
  return Math.sqrt((k * (k + 1)) / 3);
}

/** Assumed RMS of the network input (int8 data normalised to about half the range). */
export const INPUT_RMS = 64;
/** The standard deviation the shift rule aims at for a layer's 8-bit output before activation. */
export const TARGET_STD = 32;

/**
 * The output shift rule for generated weights. Weights are independent and symmetric, so a
 * layer's accumulator has mean 0 and standard deviation sqrt(fanIn * sigma_w^2 * R^2 +
 * (128 * sigma_b)^2), where R is the RMS of its input. The rule picks the total shift s (output =
 * acc * 2^s / 128) nearest to an output standard deviation of TARGET_STD (a quarter of the
 * int8 range, so saturation needs a 4-sigma value): s = round(log2(TARGET_STD * 128 / sd(acc))),
 * clamped to the hardware's [-15, 15]; output_shift = s - (8 - bits). R is tracked through the
 * network from INPUT_RMS: the output's RMS is sd * 2^s / 128, divided by sqrt(2) after ReLU
 * (half the values become 0); concatenation averages the sources' mean squares; an element-wise
 * operation over E operands multiplies the RMS by sqrt(E); pooling leaves it as it is.
 * Tracking the RMS (rather than assuming it) keeps rounding from compounding layer after layer,
 * so deep networks neither saturate nor die out (residual chains still grow: the RMS of a sum
 * of E operands is sqrt(E) times theirs, and MobileNetV2's longest chain saturates about a fifth
 * of its values; test/unit/zoo.test.ts measures it). Layers without weights and 32-bit output
 * layers (which ignore the shift) get 0.
 */
export function generatedOutputShifts(model: Model): number[] {
  const rms = new Map<number, number>([[-1, INPUT_RMS]]);
  return model.layers.map((l) => {
    let sumSq = 0;
    let channels = 0;
    l.inputSources.forEach((src) => {
      const c = src === -1 ? model.inputShape[0] : model.layers[src]!.outputShape[0];
      sumSq += c * (rms.get(src) ?? INPUT_RMS) ** 2;
      channels += c;
    });
    const rIn = Math.sqrt(sumSq / channels) * Math.sqrt(l.operands);
    let shift = 0;
    let sd = rIn;
    if (l.weightBits) {
      const fanIn = weightCount(l) / l.outputShape[0];
      const biasSigma = l.biasPresent ? 128 * Math.sqrt(((2 * BIAS_SPAN) ** 2 - 1) / 12) : 0;
      const accSd = Math.sqrt(fanIn * weightSigma(l.weightBits) ** 2 * rIn ** 2 + biasSigma ** 2);
      const s = Math.max(-15, Math.min(15, Math.round(Math.log2((TARGET_STD * 128) / accSd))));
      sd = Math.min(127, (accSd * 2 ** s) / 128);
      if (l.outputWidth === 8) shift = s - (8 - l.weightBits);
    }
    rms.set(l.index, l.activation === 'relu' ? sd / Math.SQRT2 : sd);
    return shift;
  });
}

/**
 * Deterministic weights for a model: for layer i, weights from the stream seeded with
 * FNV-1a("<model name>:<i>:weights"), biases from "<model name>:<i>:bias". A b-bit weight is
 * (r mod (2k + 1)) - k with k = 2^(b-1) - 1 (symmetric, so sums do not drift; 1-bit: -(r & 1));
 * a bias is (r mod 2*BIAS_SPAN) - BIAS_SPAN. Output shifts follow generatedOutputShifts.
 */
export function generateParams(model: Model): { layers: Layer[]; params: LayerParams[] } {
  const shifts = generatedOutputShifts(model);
  const layers = model.layers.map((l, i) => ({ ...l, outputShift: shifts[i]! }));
  const params = model.layers.map((l, i): LayerParams => {
    let weights: Int8Array | null = null;
    if (l.weightBits) {
      const next = mulberry32(seedOf(`${model.name}:${i}:weights`));
      const n = weightCount(l);
      weights = new Int8Array(n);
      if (l.weightBits === 1) {
        for (let k = 0; k < n; k++) weights[k] = -(next() & 1);
      } else {
        const m = weightMagnitude(l.weightBits);
        for (let k = 0; k < n; k++) weights[k] = (next() % (2 * m + 1)) - m;
      }
    }
    let bias: Int8Array | null = null;
    if (l.biasPresent) {
      const next = mulberry32(seedOf(`${model.name}:${i}:bias`));
      bias = Int8Array.from({ length: l.outputShape[0] }, () => (next() % (2 * BIAS_SPAN)) - BIAS_SPAN);
    }
    return { weights, bias };
  });
  return { layers, params };
}

