// Runs fit in TypeScript and, through synergy-accel, in C on the same cases, and turns the
// TypeScript answer into the C tool's JSON shape (snake_case keys, null for "none") so the two
// can be compared whole.

import { accelToolBuilt, runAccelTool, type AccelRequest } from '../../host/model/accel-tool.js';
import { chipSpec } from '../../host/model/chips.js';
import { fit, type FitResult } from '../../host/model/fit.js';
import { weightCount, type Layer, type Model } from '../../host/model/layer.js';
import { encodeSegment, segmentOf } from '../../host/model/segment-codec.js';

/** One fit case: slices [model, first, count] of some models, on one chip. */
export interface FitCase {
  chip: string;
  slices: { model: Model; first: number; count: number }[];
}

/** Stand-in weights and biases of the right sizes (fit reads shapes, not values). */
export function withStandInParams(model: Model): Model {
  if (model.params) return model;
  return {
    ...model,
    params: model.layers.map((l: Layer) => ({
      weights: l.weightsShape ? new Int8Array(weightCount(l)) : null,
      bias: l.biasPresent ? new Int8Array(l.outputShape[0]) : null,
    })),
  };
}

export function fitTs(c: FitCase): FitResult {
  return fit(chipSpec(c.chip), c.slices.map((s) => ({ model: s.model.name, layers: s.model.layers.slice(s.first, s.first + s.count) })));
}

/** The TypeScript result in the C tool's JSON shape. */
export function asToolJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => asToolJson(x));
  if (v && typeof v === 'object') {
    // The numbers of a refusal keep their keys (they are snake_case already).
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (ch) => '_' + ch.toLowerCase()), k === 'numbers' ? x : asToolJson(x)]));
  }
  return v;
}

/**
 * The C answers for many cases, through synergy-accel. Cases are packed into requests of one
 * chip holding up to 16 models (each encoded once per request) and 1,000 cases (the CBOR
 * subset's array limit), so the zoo's cases fit one tool process.
 */
export function fitC(cases: readonly FitCase[]): unknown[] {
  if (!accelToolBuilt()) throw new Error('synergy-accel is not built');
  const blobs = new Map<Model, Uint8Array>();
  const blobOf = (m: Model): Uint8Array => {
    let b = blobs.get(m);
    if (!b) {
      const full = withStandInParams(m);
      b = encodeSegment(segmentOf(full, 0, full.layers.length));
      blobs.set(m, b);
    }
    return b;
  };
  interface Group { chip: string; models: Model[]; cases: number[] }
  const open = new Map<string, Group>();
  const groups: Group[] = [];
  cases.forEach((c, i) => {
    const needed = [...new Set(c.slices.map((s) => s.model))];
    let g = open.get(c.chip);
    const fits = (x: Group): boolean => x.cases.length < 1000 && new Set([...x.models, ...needed]).size <= 16;
    if (!g || !fits(g)) {
      g = { chip: c.chip, models: [], cases: [] };
      open.set(c.chip, g);
      groups.push(g);
    }
    for (const m of needed) if (!g.models.includes(m)) g.models.push(m);
    g.cases.push(i);
  });
  const requests: AccelRequest[] = groups.map((g) => ({
    chip: g.chip,
    segments: g.models.map(blobOf),
    args: new Map([[0, g.cases.map((i) => cases[i]!.slices.map((s) => [g.models.indexOf(s.model), s.first, s.count]))]]),
  }));
  const answers = runAccelTool('fit', requests);
  const out: unknown[] = new Array(cases.length);
  answers.forEach((a, k) => {
    if (a.error) throw new Error(`synergy-accel fit: ${a.error}`);
    const results = a['results'] as unknown[];
    groups[k]!.cases.forEach((i, j) => {
      out[i] = results[j];
    });
  });
  return out;
}
