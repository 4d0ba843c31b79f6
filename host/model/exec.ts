// The reference executor: computes what a MAX78000/MAX78002 CNN accelerator outputs for a layer
// of the IR, bit for bit, following ../shared/docs/MAX78000.md section 2 and the `rules` of
// the golden model files (../shared/golden/*/model.json). It is the host's truth for the
// arithmetic; the emulated board's simulator (firmware/accel/sim.c) is written separately and a
// differential test demands identical outputs from both.
//
// Per layer, in order:
//   1. the input sources are concatenated along channels and split into `operands` equal parts;
//   2. pool-first: each operand is pooled, then the operands are combined element-wise and
//      clamped to int8; otherwise they are combined and clamped first, then pooled.
//      Max pooling takes the window maximum, average pooling the sum divided by the count
//      truncated toward zero; a 1x1 pool with stride s keeps every s-th pixel;
//   3. the operation accumulates exactly: acc = sum(w * x) over the zero-padded input + bias*128;
//   4. 8-bit output: y = clamp(floor(0.5 + acc * 2^s / 128)) with s = output_shift + 8 - bits,
//      computed as the shift form (acc + 2^(t-1)) >> t, t = 7 - s; then ReLU or Abs;
//      32-bit output keeps the raw accumulator (no shift, clamp or activation).
// Passthrough layers output the prepared (pooled, combined) data; an activation on a
// passthrough layer is applied to those int8 values (an assumption: no golden data covers it).

import type { Layer, LayerParams, Model, Shape3 } from './layer.js';
import { elements } from './layer.js';
import { showShape, tensorWidth, type Tensor } from './tensor.js';

export class ExecError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
    this.name = 'ExecError';
  }
}

/** Inclusive range of layer indices (positions in the unsplit model). */
export interface LayerRange {
  first: number;
  last: number;
}

/** Intermediate values of one layer, for locating where two computations part ways. */
export interface LayerTrace {
  layer: number;
  /** The operation's input after concatenation, pooling and element-wise combination (pooledShape, CHW). */
  prepared: Int8Array;
  /** Accumulators including bias*128 (outputShape, CHW); null for passthrough layers. */
  acc: Float64Array | null;
}

export interface RunOptions {
  /** Called once per layer with its intermediate values. */
  trace?: (t: LayerTrace) => void;
}

const where = (layer: Layer): string => `layer ${layer.index} (${layer.name})`;

// ---------------------------------------------------------------------------------------------
// Stage 1: concatenation, pooling, element-wise combination

/** Concatenates source tensors along channels; they must share H and W and be int8. */
function concatenate(layer: Layer, sources: readonly Tensor[]): Int8Array {
  const [c, h, w] = layer.inputShape;
  let channels = 0;
  sources.forEach((s, k) => {
    if (tensorWidth(s) !== 8) {
      throw new ExecError(where(layer), `input source ${k} (${layer.inputSources[k] ?? '?'}) holds 32-bit values; only int8 tensors can feed a layer`);
    }
    if (s.shape[1] !== h || s.shape[2] !== w) {
      throw new ExecError(where(layer), `input source ${k} is ${showShape(s.shape)}; the layer input is ${h}x${w}`);
    }
    if (s.data.length !== elements(s.shape)) {
      throw new ExecError(where(layer), `input source ${k} has ${s.data.length} values for shape ${showShape(s.shape)}`);
    }
    channels += s.shape[0];
  });
  if (channels !== c) {
    throw new ExecError(where(layer), `input sources give ${channels} channels; the layer input has ${c}`);
  }
  if (sources.length === 1) return sources[0]!.data as Int8Array;
  const out = new Int8Array(c * h * w);
  let at = 0;
  for (const s of sources) {
    out.set(s.data as Int8Array, at);
    at += s.data.length;
  }
  return out;
}

/** Pools one [C, H, W] int8 tensor; type null is a 1x1 window (stride subsampling only). */
function pool(layer: Layer, x: Int8Array, shape: Shape3): Int8Array {
  const [c, h, w] = shape;
  const [ph, pw] = layer.pool.size;
  const [sh, sw] = layer.pool.stride;
  if (layer.pool.type === null && (ph !== 1 || pw !== 1)) {
    throw new ExecError(where(layer), `pool size ${ph}x${pw} without a pool type`);
  }
  if (ph < 1 || pw < 1 || sh < 1 || sw < 1 || ph > h || pw > w) {
    throw new ExecError(where(layer), `pool ${ph}x${pw} stride ${sh}x${sw} does not fit a ${h}x${w} input`);
  }
  const ho = Math.floor((h - ph) / sh) + 1;
  const wo = Math.floor((w - pw) / sw) + 1;
  if (ph === 1 && pw === 1 && sh === 1 && sw === 1) return x;
  const out = new Int8Array(c * ho * wo);
  const avg = layer.pool.type === 'avg';
  const count = ph * pw;
  let o = 0;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < ho; y++) {
      for (let xo = 0; xo < wo; xo++) {
        const top = base + y * sh * w + xo * sw;
        let v: number;
        if (avg) {
          let sum = 0;
          for (let a = 0; a < ph; a++) for (let b = 0; b < pw; b++) sum += x[top + a * w + b]!;
          v = Math.trunc(sum / count);
        } else {
          v = -129;
          for (let a = 0; a < ph; a++) {
            for (let b = 0; b < pw; b++) {
              const e = x[top + a * w + b]!;
              if (e > v) v = e;
            }
          }
        }
        out[o++] = v < -128 ? -128 : v > 127 ? 127 : v;
      }
    }
  }
  return out;
}

/** Combines equally shaped operands element-wise in full precision, then clamps to int8. */
function combine(layer: Layer, operands: readonly Int8Array[]): Int8Array {
  const n = operands[0]!.length;
  const out = new Int8Array(n);
  const first = operands[0]!;
  for (let k = 0; k < n; k++) {
    let v = first[k]!;
    for (let j = 1; j < operands.length; j++) {
      const e = operands[j]![k]!;
      switch (layer.eltwise) {
        case 'add': v += e; break;
        case 'sub': v -= e; break;
        case 'or': v |= e; break;
        case 'xor': v ^= e; break;
        default: throw new ExecError(where(layer), `${operands.length} operands without an element-wise operation`);
      }
    }
    out[k] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  return out;
}

/** The operation's input: sources concatenated, split into operands, pooled and combined. */
export function prepareInput(layer: Layer, sources: readonly Tensor[]): Int8Array {
  if (sources.length !== layer.inputSources.length) {
    throw new ExecError(where(layer), `${sources.length} input tensors given for ${layer.inputSources.length} input sources`);
  }
  const all = concatenate(layer, sources);
  const n = layer.operands;
  const [c, h, w] = layer.inputShape;
  if (n < 1 || c % n !== 0) throw new ExecError(where(layer), `${c} input channels do not split into ${n} operands`);
  const opShape: Shape3 = [c / n, h, w];
  const size = elements(opShape);
  const ops: Int8Array[] = [];
  for (let k = 0; k < n; k++) ops.push(all.subarray(k * size, (k + 1) * size));
  let prepared: Int8Array;
  if (n === 1) prepared = pool(layer, ops[0]!, opShape);
  else if (layer.poolFirst) prepared = combine(layer, ops.map((o) => pool(layer, o, opShape)));
  else prepared = pool(layer, combine(layer, ops), opShape);
  const [pc, ph, pw] = layer.pooledShape;
  if (prepared.length !== pc * ph * pw || pc !== opShape[0]) {
    throw new ExecError(where(layer), `pooling gives ${opShape[0]}x${prepared.length / opShape[0]} values per channel; pooled_shape is ${showShape(layer.pooledShape)}`);
  }
  return prepared;
}

// ---------------------------------------------------------------------------------------------
// Stage 2: the operation (exact accumulation, in float64, which holds every integer below 2^53)

interface ConvGeometry {
  cin: number; h: number; w: number;
  cout: number; ho: number; wo: number;
  kh: number; kw: number; padh: number; padw: number; dilh: number; dilw: number;
  groups: number;
}

function expectWeights(layer: Layer, params: LayerParams, count: number, shapeText: string): Int8Array {
  const wts = params.weights;
  if (!wts) throw new ExecError(where(layer), `${layer.op} needs weights, none given`);
  if (wts.length !== count) {
    throw new ExecError(where(layer), `weights hold ${wts.length} values; ${shapeText} needs ${count}`);
  }
  return wts;
}

function startAcc(layer: Layer, params: LayerParams, cout: number, plane: number): Float64Array {
  const acc = new Float64Array(cout * plane);
  const b = params.bias;
  if (!layer.biasPresent) {
    if (b) throw new ExecError(where(layer), 'bias values given for a layer with bias_present false');
    return acc;
  }
  if (!b || b.length !== cout) {
    throw new ExecError(where(layer), `bias holds ${b ? b.length : 'no'} values for ${cout} output channels`);
  }
  for (let o = 0; o < cout; o++) acc.fill(b[o]! * 128, o * plane, (o + 1) * plane);
  return acc;
}

/** Direct convolution, stride 1, zero padding, optional dilation and groups (conv2d, conv1d as
 *  [C, L, 1], linear without flatten as 1x1). Accumulates one output plane per weight tap. */
function convolve(layer: Layer, params: LayerParams, x: Int8Array, g: ConvGeometry): Float64Array {
  const { cin, h, w, cout, ho, wo, kh, kw, padh, padw, dilh, dilw, groups } = g;
  const cinG = cin / groups;
  const coutG = cout / groups;
  const wts = expectWeights(layer, params, cout * cinG * kh * kw, `[${cout}, ${cinG}, ${kh}, ${kw}]`);
  const plane = ho * wo;
  const acc = startAcc(layer, params, cout, plane);
  for (let o = 0; o < cout; o++) {
    const group = Math.floor(o / coutG);
    const accBase = o * plane;
    for (let j = 0; j < cinG; j++) {
      const inBase = (group * cinG + j) * h * w;
      const wBase = ((o * cinG + j) * kh) * kw;
      for (let a = 0; a < kh; a++) {
        // Output rows y read input row y + a*dil - pad, which must lie in [0, h).
        const dy = a * dilh - padh;
        const y0 = Math.max(0, -dy);
        const y1 = Math.min(ho, h - dy);
        for (let b = 0; b < kw; b++) {
          const wt = wts[wBase + a * kw + b]!;
          if (wt === 0) continue;
          const dx = b * dilw - padw;
          const x0 = Math.max(0, -dx);
          const x1 = Math.min(wo, w - dx);
          for (let y = y0; y < y1; y++) {
            const ai = accBase + y * wo;
            const xi = inBase + (y + dy) * w + dx;
            for (let xo = x0; xo < x1; xo++) acc[ai + xo]! += wt * x[xi + xo]!;
          }
        }
      }
    }
  }
  return acc;
}

/** Transposed convolution: zeros inserted between input pixels (stride 2), the result padded by
 *  dil*(k-1) - pad before and that plus output_pad after, then a plain correlation with the
 *  layer's kernel. The kernel is the hardware one, i.e. PyTorch's ConvTranspose2d weight with
 *  in/out swapped and both spatial axes flipped (the synthesis tool's convention). */
function convolveTransposed(layer: Layer, params: LayerParams, x: Int8Array, g: ConvGeometry): Float64Array {
  const { cin, h, w, cout, ho, wo, kh, kw, padh, padw, groups } = g;
  const cinG = cin / groups;
  const coutG = cout / groups;
  const wts = expectWeights(layer, params, cout * cinG * kh * kw, `[${cout}, ${cinG}, ${kh}, ${kw}]`);
  const plane = ho * wo;
  const acc = startAcc(layer, params, cout, plane);
  const leadH = kh - 1 - padh;
  const leadW = kw - 1 - padw;
  for (let o = 0; o < cout; o++) {
    const group = Math.floor(o / coutG);
    const accBase = o * plane;
    for (let j = 0; j < cinG; j++) {
      const inBase = (group * cinG + j) * h * w;
      const wBase = (o * cinG + j) * kh * kw;
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const wt = wts[wBase + a * kw + b]!;
          if (wt === 0) continue;
          // Output (y, xo) reads stretched row r = y + a - leadH; a real pixel sits at even r = 2*iy.
          for (let y = 0; y < ho; y++) {
            const r = y + a - leadH;
            if (r < 0 || (r & 1) !== 0 || r >> 1 >= h) continue;
            const rowBase = inBase + (r >> 1) * w;
            const ai = accBase + y * wo;
            for (let xo = 0; xo < wo; xo++) {
              const q = xo + b - leadW;
              if (q < 0 || (q & 1) !== 0 || q >> 1 >= w) continue;
              acc[ai + xo]! += wt * x[rowBase + (q >> 1)]!;
            }
          }
        }
      }
    }
  }
  return acc;
}

/** Linear on flattened data: in_feature = c*H*W + h*W + w, which is the CHW order itself. */
function linearFlat(layer: Layer, params: LayerParams, x: Int8Array, cout: number): Float64Array {
  const features = x.length;
  const wts = expectWeights(layer, params, cout * features, `[${cout}, ${features}]`);
  const acc = startAcc(layer, params, cout, 1);
  for (let o = 0; o < cout; o++) {
    let s = 0;
    const base = o * features;
    for (let f = 0; f < features; f++) s += wts[base + f]! * x[f]!;
    acc[o]! += s;
  }
  return acc;
}

/** floor(0.5 + acc * 2^s / 128) clamped to int8, via the hardware's shift form. */
export function requantize(acc: number, shiftTotal: number): number {
  const t = 7 - shiftTotal;
  const y = t > 0 ? Math.floor((acc + 2 ** (t - 1)) / 2 ** t) : acc * 2 ** -t;
  return y < -128 ? -128 : y > 127 ? 127 : y;
}

function activate(layer: Layer, v: number): number {
  if (layer.activation === 'relu') return v < 0 ? 0 : v;
  if (layer.activation === 'abs') {
    const a = v < 0 ? -v : v;
    return a > 127 ? 127 : a;
  }
  return v;
}

function operationGeometry(layer: Layer): ConvGeometry {
  const [cin, h, w] = layer.pooledShape;
  const cout = layer.outputShape[0];
  const groups = layer.groups;
  if (groups < 1 || cin % groups !== 0 || cout % groups !== 0) {
    throw new ExecError(where(layer), `groups ${groups} do not divide ${cin} input and ${cout} output channels`);
  }
  if (layer.stride[0] !== 1 || layer.stride[1] !== 1) {
    throw new ExecError(where(layer), `convolution stride ${layer.stride[0]}x${layer.stride[1]}: the accelerator convolves with stride 1 only (stride comes from pooling)`);
  }
  const [kh, kw] = layer.kernel;
  const [padh, padw] = layer.pad;
  const [dilh, dilw] = layer.dilation;
  let ho: number;
  let wo: number;
  switch (layer.op) {
    case 'conv2d':
    case 'conv1d':
      ho = h + 2 * padh - dilh * (kh - 1);
      wo = w + 2 * padw - dilw * (kw - 1);
      break;
    case 'convtranspose2d':
      // Stretched size 2n - 1, padded by 2*(dil*(k-1) - pad) + output_pad, minus the kernel span.
      ho = 2 * h - 1 + 2 * (dilh * (kh - 1) - padh) + layer.outputPad - dilh * (kh - 1);
      wo = 2 * w - 1 + 2 * (dilw * (kw - 1) - padw) + layer.outputPad - dilw * (kw - 1);
      if (dilh !== 1 || dilw !== 1) throw new ExecError(where(layer), 'transposed convolution with dilation');
      break;
    case 'linear':
      ho = layer.flatten ? 1 : h;
      wo = layer.flatten ? 1 : w;
      break;
    case 'passthrough':
      ho = h;
      wo = w;
      break;
  }
  if (ho < 1 || wo < 1 || ho !== layer.outputShape[1] || wo !== layer.outputShape[2]) {
    throw new ExecError(where(layer), `${layer.op} of ${showShape(layer.pooledShape)} gives ${cout}x${ho}x${wo}; output_shape is ${showShape(layer.outputShape)}`);
  }
  return { cin, h, w, cout, ho, wo, kh, kw, padh, padw, dilh, dilw, groups };
}

/** Runs one layer on its source tensors (in input_sources order). */
export function runLayer(layer: Layer, params: LayerParams, sources: readonly Tensor[], opts: RunOptions = {}): Tensor {
  const prepared = prepareInput(layer, sources);
  const g = operationGeometry(layer);
  if (layer.op === 'passthrough') {
    if (layer.outputWidth !== 8) throw new ExecError(where(layer), 'a passthrough layer has 8-bit output only');
    if (g.cout !== g.cin) throw new ExecError(where(layer), `passthrough changes ${g.cin} channels into ${g.cout}`);
    opts.trace?.({ layer: layer.index, prepared, acc: null });
    const out = layer.activation ? prepared.map((v) => activate(layer, v)) : prepared.slice();
    return { shape: layer.outputShape, data: out };
  }
  let acc: Float64Array;
  switch (layer.op) {
    case 'conv2d':
    case 'conv1d':
      acc = convolve(layer, params, prepared, g);
      break;
    case 'convtranspose2d':
      acc = convolveTransposed(layer, params, prepared, g);
      break;
    case 'linear':
      if (layer.flatten) {
        if (g.groups !== 1) throw new ExecError(where(layer), 'a flattening linear layer has no groups');
        acc = linearFlat(layer, params, prepared, g.cout);
      } else {
        acc = convolve(layer, params, prepared, { ...g, kh: 1, kw: 1, padh: 0, padw: 0, dilh: 1, dilw: 1 });
      }
      break;
  }
  opts.trace?.({ layer: layer.index, prepared, acc });
  return outputFromAcc(layer, acc);
}

/** A weighted layer's output from its accumulators: shift, clamp and activation for 8-bit
 *  output, the raw accumulator (as the 32-bit output word holds it) for 32-bit output. */
export function outputFromAcc(layer: Layer, acc: Float64Array): Tensor {
  if (layer.outputWidth === 32) return { shape: layer.outputShape, data: Int32Array.from(acc, (v) => v | 0) };
  if (layer.weightBits === null) throw new ExecError(where(layer), `${layer.op} without weight_bits`);
  const shiftTotal = layer.outputShift + 8 - layer.weightBits;
  const out = new Int8Array(acc.length);
  for (let k = 0; k < acc.length; k++) out[k] = activate(layer, requantize(acc[k]!, shiftTotal));
  return { shape: layer.outputShape, data: out };
}

// ---------------------------------------------------------------------------------------------
// Whole models and segments

function checkRange(model: Model, range: LayerRange): void {
  const n = model.layers.length;
  if (!Number.isInteger(range.first) || !Number.isInteger(range.last) || range.first < 0 || range.last >= n || range.first > range.last) {
    throw new ExecError(model.source, `layer range ${range.first}..${range.last} is not within 0..${n - 1}`);
  }
}

/**
 * Runs layers first..last of a model. `inputs` maps tensor ids (-1 = network input, k = output
 * of layer k) to tensors and must hold every tensor the range reads from before `first`
 * (boundary.ts crossingTensors(model, first) lists them; extra entries are ignored). Returns
 * every layer's output in the range, keyed by layer index.
 */
export function runLayers(model: Model, params: readonly LayerParams[], range: LayerRange,
  inputs: ReadonlyMap<number, Tensor>, opts: RunOptions = {}): Map<number, Tensor> {
  checkRange(model, range);
  if (params.length !== model.layers.length) {
    throw new ExecError(model.source, `${params.length} parameter sets for ${model.layers.length} layers`);
  }
  const outputs = new Map<number, Tensor>();
  const given = (id: number, reader: Layer): Tensor => {
    const t = inputs.get(id);
    const name = id === -1 ? 'the network input' : `the output of layer ${id}`;
    if (!t) throw new ExecError(where(reader), `reads ${name}, which was not given`);
    const want = id === -1 ? model.inputShape : model.layers[id]!.outputShape;
    if (t.shape[0] !== want[0] || t.shape[1] !== want[1] || t.shape[2] !== want[2] || t.data.length !== elements(want)) {
      throw new ExecError(where(reader), `${name} is ${showShape(t.shape)} with ${t.data.length} values; expected ${showShape(want)}`);
    }
    return t;
  };
  for (let i = range.first; i <= range.last; i++) {
    const layer = model.layers[i]!;
    const sources = layer.inputSources.map((s) => (s >= range.first ? outputs.get(s)! : given(s, layer)));
    outputs.set(i, runLayer(layer, params[i]!, sources, opts));
  }
  return outputs;
}

/** Runs a whole model on its input; returns every layer's output in order. */
export function runModel(model: Model, params: readonly LayerParams[], input: Tensor, opts: RunOptions = {}): Tensor[] {
  const outs = runLayers(model, params, { first: 0, last: model.layers.length - 1 }, new Map([[-1, input]]), opts);
  return model.layers.map((_, i) => outs.get(i)!);
}
