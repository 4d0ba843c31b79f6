// Runs segments on the emulated board's C simulator (firmware/accel/sim/ through
// `synergy-accel run`, firmware/port/host/accel_tool_run.c) in batch: one process for many
// cases, so tests can hold it against the TypeScript reference executor case by case.

import type { CborMap, CborValue } from '../proto/cbor.js';
import { runAccelTool, type AccelRequest } from './accel-tool.js';
import type { Shape3 } from './layer.js';
import { encodeSegment, type Segment } from './segment-codec.js';
import type { Tensor } from './tensor.js';

/** One run: consecutive segments of a model and the tensors the first needs. */
export interface SimRun {
  chip: string;
  segments: readonly Segment[];
  /** Tensors by source id (-1 = network input, k = output of layer k). */
  inputs: ReadonlyMap<number, Tensor>;
}

export interface SimRunOptions {
  /** Return every tensor's values, not only its hash (large; for diagnosing a mismatch). */
  values?: boolean;
  /** Report every layer's output (default true). */
  layers?: boolean;
}

export interface SimTensor {
  /** Layer index for a layer report, source id for a segment output. */
  id: number;
  shape: Shape3;
  width: 8 | 32;
  /** FNV-1a over the values' little-endian bytes, as tensor.ts tensorHash. */
  hash: number;
  values: number[] | null;
}

export interface SimSegmentResult {
  first: number;
  count: number;
  /** Simulator arena bytes the segment's run used (its planned peak). */
  peakBytes: number;
  layers: SimTensor[];
  outputs: SimTensor[];
}

export type SimResult = { ok: true; segments: SimSegmentResult[] } | { ok: false; error: string };

function tensorArg(source: number, t: Tensor): CborMap {
  const width = t.data instanceof Int32Array ? 32 : 8;
  let bytes: Uint8Array;
  if (t.data instanceof Int32Array) {
    bytes = new Uint8Array(t.data.length * 4);
    const view = new DataView(bytes.buffer);
    t.data.forEach((v, k) => view.setInt32(k * 4, v, true));
  } else {
    bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length);
  }
  return new Map<number, CborValue>([[0, source], [1, [t.shape[0], t.shape[1], t.shape[2]]], [2, width], [3, bytes]]);
}

/** The tool request for one run (segments encoded with segment-codec.ts). */
export function simRequest(run: SimRun, opts: SimRunOptions = {}): AccelRequest {
  const inputs: CborValue[] = [...run.inputs].map(([source, t]) => tensorArg(source, t));
  return {
    chip: run.chip,
    segments: run.segments.map((s) => encodeSegment(s)),
    args: new Map<number, CborValue>([[0, inputs], [1, opts.values ?? false], [2, opts.layers ?? true]]),
  };
}

function parseTensor(raw: unknown, idKey: string): SimTensor {
  const o = raw as Record<string, unknown>;
  const shape = o['shape'] as number[];
  return {
    id: o[idKey] as number,
    shape: [shape[0]!, shape[1]!, shape[2]!],
    width: o['width'] as 8 | 32,
    hash: o['hash'] as number,
    values: Array.isArray(o['values']) ? (o['values'] as number[]) : null,
  };
}

/** Runs every case in one tool process; results in order. */
export function runOnSimulator(runs: readonly SimRun[], opts: SimRunOptions = {}): SimResult[] {
  if (runs.length === 0) return [];
  const answers = runAccelTool('run', runs.map((r) => simRequest(r, opts)));
  return answers.map((a): SimResult => {
    if (typeof a.error === 'string') return { ok: false, error: a.error };
    const segs = a['segments'] as Record<string, unknown>[];
    return {
      ok: true,
      segments: segs.map((s) => ({
        first: s['first'] as number,
        count: s['count'] as number,
        peakBytes: s['peak_bytes'] as number,
        layers: (s['layers'] as unknown[]).map((t) => parseTensor(t, 'index')),
        outputs: (s['outputs'] as unknown[]).map((t) => parseTensor(t, 'source')),
      })),
    };
  });
}

/** A reported tensor as a Tensor (needs values: run with { values: true }). */
export function simTensorOf(t: SimTensor): Tensor {
  if (!t.values) throw new Error(`tensor ${t.id}: run with { values: true } to get its values`);
  return { shape: t.shape, data: t.width === 32 ? Int32Array.from(t.values) : Int8Array.from(t.values) };
}
