// Segments resident on one chip are placed in load order: loading one more segment never moves
// the kernels or biases of those already there (the board writes a new segment's kernels to
// their final columns as they arrive, so a resident segment cannot be moved to make room).
// With C and TypeScript agreeing on every union (fit-cross.test.ts), checking TypeScript here
// covers both.

import { describe, expect, it } from 'vitest';
import { CHIP_NAMES, chipSpec } from '../../host/model/chips.js';
import { fit, type FitLayerPlacement, type FitSegment } from '../../host/model/fit.js';
import type { Model } from '../../host/model/layer.js';
import { loadTable, zooNames } from '../../host/model/zoo.js';

const placement = (p: FitLayerPlacement): unknown => [p.modelLayer, p.kernelStart, p.kernelLength, p.biasQuadrant, p.biasOffset];

describe('fit: a later segment never moves an earlier one', () => {
  const models: Model[] = zooNames().map((name) => loadTable(name).model);
  it('over every pair of zoo segments (whole models and halves) that fit together, on both chips', () => {
    let checked = 0;
    for (const chipName of CHIP_NAMES) {
      const chip = chipSpec(chipName);
      const pieces: FitSegment[] = [];
      for (const m of models) {
        const half = Math.ceil(m.layers.length / 2);
        pieces.push({ model: m.name, layers: m.layers }, { model: m.name, layers: m.layers.slice(0, half) }, { model: m.name, layers: m.layers.slice(half) });
      }
      for (const a of pieces) {
        const alone = fit(chip, [a]);
        if (!alone.ok) continue;
        for (const b of pieces) {
          const both = fit(chip, [a, b]);
          if (!both.ok) continue;
          expect(both.perLayer.filter((p) => p.segment === 0).map(placement)).toEqual(alone.perLayer.map(placement));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
