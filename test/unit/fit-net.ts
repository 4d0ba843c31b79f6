// Builds small layer tables for the fit tests, the way the synthesis tool's YAML + checkpoint
// would describe them: shapes chain, weights shapes follow the operator, processor maps default
// to the tool's packed maps (output map = next layer's input map). The tables go through the
// real importer (parseLayerTable), so what the tests fit is what a user's table would give.

import { packedMask, parseLayerTable } from '../../host/model/import-table.js';
import type { Model } from '../../host/model/layer.js';

export interface NetLayer {
  op?: 'conv1d' | 'conv2d' | 'convtranspose2d' | 'linear' | 'passthrough';
  /** Output channels (passthrough: the input's). */
  cout?: number;
  k?: number;
  pad?: number;
  dilation?: number;
  pool?: { type: 'max' | 'avg'; size: number; stride?: number };
  flatten?: boolean;
  bits?: 1 | 2 | 4 | 8;
  bias?: boolean;
  groups?: number;
  procs?: bigint;
  outProcs?: bigint;
  inOffset?: number;
  outOffset?: number;
  chw?: boolean;
  eltwise?: 'add';
  operands?: number;
  /** Sources for an element-wise or concatenating layer (default: the previous layer). */
  sources?: number[];
  outputWidth?: 8 | 32;
  activation?: 'relu' | null;
  outputShift?: number;
}

const hex = (m: bigint): string => '0x' + m.toString(16).padStart(16, '0');

/** A network on input [C, H, W] (1-D: [C, L, 1]) of the given layers. */
export function net(name: string, input: [number, number, number], specs: NetLayer[]): Model {
  const shapes: [number, number, number][] = [];
  const layers: Record<string, unknown>[] = [];
  const outMaps: bigint[] = [];
  specs.forEach((s, i) => {
    const op = s.op ?? 'conv2d';
    const sources = s.sources ?? [i - 1];
    const srcShape = (j: number): [number, number, number] => (j === -1 ? input : shapes[j]!);
    const cin = sources.reduce((a, j) => a + srcShape(j)[0], 0);
    const [, h, w] = srcShape(sources[0]!);
    const operands = s.operands ?? (s.eltwise ? sources.length : 1);
    const ocin = cin / operands;
    const is1d = op === 'conv1d';
    const ps = s.pool?.size ?? 1;
    const pst = s.pool?.stride ?? ps;
    const ph = Math.floor((h - ps) / pst) + 1;
    const pw = is1d ? 1 : Math.floor((w - ps) / pst) + 1;
    const k = s.k ?? (op === 'conv2d' || op === 'convtranspose2d' ? 3 : 1);
    const pad = s.pad ?? (op === 'conv2d' && k === 3 ? 1 : 0);
    const d = s.dilation ?? 1;
    const cout = op === 'passthrough' ? ocin : s.cout ?? ocin;
    let out: [number, number, number];
    if (op === 'passthrough') out = [cout, ph, pw];
    else if (op === 'conv1d') out = [cout, ph - d * (k - 1) + 2 * pad, 1];
    else if (op === 'convtranspose2d') out = [cout, 2 * ph, 2 * pw];
    else if (op === 'linear') out = s.flatten ? [cout, 1, 1] : [cout, ph, pw];
    else out = [cout, ph - k + 1 + 2 * pad, pw - k + 1 + 2 * pad];
    shapes.push(out);
    const g = s.groups ?? 1;
    const weights = op === 'passthrough' ? null
      : op === 'conv1d' ? [cout, ocin / g, k]
      : op === 'linear' ? (s.flatten ? [cout, ocin * ph * pw] : [cout, ocin])
      : [cout, ocin / g, k, k];
    layers.push({
      op, eltwise: s.eltwise ?? null, operands,
      kernel: is1d ? [k] : op === 'linear' || op === 'passthrough' ? [1, 1] : [k, k],
      pad: is1d ? [pad] : [pad, pad],
      dilation: is1d ? [d] : [d, d],
      stride: op === 'convtranspose2d' ? [2, 2] : [1, 1],
      activation: s.activation === undefined ? (op === 'passthrough' ? null : 'relu') : s.activation,
      pool: s.pool ? { type: s.pool.type, size: is1d ? [ps] : [ps, ps], stride: is1d ? [pst] : [pst, pst] } : undefined,
      flatten: s.flatten ?? false,
      output_width: s.outputWidth ?? 8,
      output_shift: s.outputShift ?? 0,
      input_sources: sources,
      input_shape: [cin, h, w],
      pooled_shape: [ocin, ph, pw],
      output_shape: out,
      weight_bits: weights ? s.bits ?? 8 : null,
      weights_shape: weights,
      bias_present: s.bias ?? false,
      groups: g,
      depthwise: g > 1,
      output_pad: op === 'convtranspose2d' ? 1 : 0,
    });
    outMaps.push(s.outProcs ?? 0n);
  });
  // Processor maps: explicit, or packed; a layer's output map is the next layer's input map.
  const procs = specs.map((s, i) => s.procs ?? packedMask((layers[i]!['pooled_shape'] as number[])[0]!));
  layers.forEach((l, i) => {
    const s = specs[i]!;
    const om = s.outProcs ?? (i + 1 < specs.length ? procs[i + 1]! : packedMask(shapes[i]![0]));
    l['hw'] = {
      processors: hex(procs[i]!),
      output_processors: hex(om),
      in_offset: s.inOffset ?? 0,
      out_offset: s.outOffset ?? 0,
      data_format: s.chw ? 'CHW' : 'HWC',
    };
  });
  return parseLayerTable({ network: name, input_shape: input, input_is_1d: false, layers }, `${name}.json`);
}

/** All processors. */
export const ALL = (1n << 64n) - 1n;
