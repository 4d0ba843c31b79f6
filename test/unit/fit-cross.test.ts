// One truth for the fit rules: the TypeScript planner's fit (host/model/fit.ts) and the board's
// (firmware/accel/fit.c, run through synergy-accel in one process) must give identical answers
// — verdict, limit name, message, numbers and every resource figure — over every contiguous
// layer range of every zoo model on both chips, and over unions of segments of two models.
// The weights are zeros of the right sizes: fit reads shapes, bits and maps, never values.

import { describe, expect, it } from 'vitest';
import { CHIP_NAMES } from '../../host/model/chips.js';
import type { Model } from '../../host/model/layer.js';
import { loadTable, zooNames } from '../../host/model/zoo.js';
import { asToolJson, fitC, fitTs, type FitCase } from './fit-both.js';
import { uniform } from '../../host/model/prng.js';


describe('fit: TypeScript and C agree', () => {
  const models: Model[] = zooNames().map((name) => loadTable(name).model);
  const cases: FitCase[] = [];
  for (const chip of CHIP_NAMES) {
    for (const model of models) {
      const n = model.layers.length;
      for (let first = 0; first < n; first++) {
        for (let count = 1; first + count <= n; count++) cases.push({ chip, slices: [{ model, first, count }] });
      }
    }
  }
  const singles = cases.length;
  const rand = uniform(20240807);
  const range = (m: Model): { model: Model; first: number; count: number } => {
    const first = Math.floor(rand() * m.layers.length);
    return { model: m, first, count: 1 + Math.floor(rand() * (m.layers.length - first)) };
  };
  for (const chip of CHIP_NAMES) {
    for (const a of models) {
      for (const b of models) {
        cases.push({ chip, slices: [{ model: a, first: 0, count: a.layers.length }, { model: b, first: 0, count: b.layers.length }] });
        for (let k = 0; k < 4; k++) cases.push({ chip, slices: [range(a), range(b)] });
      }
    }
  }

  it(`every contiguous range of every zoo model, and unions of two, on both chips`, () => {
    const t0 = performance.now();
    const c = fitC(cases);
    const t1 = performance.now();
    const ts = cases.map(fitTs);
    const t2 = performance.now();
    const limits = new Map<string, number>();
    let fits = 0;
    let mismatches = 0;
    cases.forEach((fc, i) => {
      const mine = asToolJson(ts[i]);
      const r = ts[i]!;
      if (r.ok) fits++;
      else limits.set(r.limit, (limits.get(r.limit) ?? 0) + 1);
      if (JSON.stringify(mine) !== JSON.stringify(c[i]) && mismatches++ < 3) {
        const what = fc.slices.map((s) => `${s.model.name}[${s.first}..${s.first + s.count - 1}]`).join(' + ');
        expect(c[i], `${fc.chip} ${what}`).toEqual(mine);
      }
    });
    console.log(`fit cross-check: ${cases.length} cases (${singles} single ranges, ${cases.length - singles} unions), ` +
      `${fits} fit, refusals ${JSON.stringify(Object.fromEntries(limits))}; C ${(t1 - t0).toFixed(0)} ms (one process), TS ${(t2 - t1).toFixed(0)} ms`);
    expect(mismatches).toBe(0);
    // The cases reach the allocators and a spread of limits, so the agreement means something.
    expect(fits).toBeGreaterThan(1000);
    for (const limit of ['layers', 'kernel_memory', 'bias_memory', 'depthwise', 'quadrant_0', 'data_memory_input', 'padding']) {
      expect(limits.get(limit) ?? 0, limit).toBeGreaterThan(0);
    }
  }, 120_000);
});
