// The greedy contiguous split of deploy-model.ts: every part is a contiguous run of layers that
// fit() accepts on its board beside what the board already holds, parts cover the model in
// order, cuts pass at most 16 tensors, and a model that cannot be placed is refused naming the
// limit.

import { describe, expect, it } from 'vitest';
import { boardsNeeded, planSplit, SplitError, type SplitPart } from '../../host/board/deploy-model.js';
import { crossingTensors } from '../../host/model/boundary.js';
import { chipSpec, type ChipSpec } from '../../host/model/chips.js';
import { fit, type FitSegment } from '../../host/model/fit.js';
import type { Model } from '../../host/model/layer.js';
import { loadTable } from '../../host/model/zoo.js';

const M0 = chipSpec('max78000');
const M2 = chipSpec('max78002');

function expectValid(model: Model, chips: readonly ChipSpec[], parts: SplitPart[], resident: FitSegment[][] = []): void {
  let next = 0;
  for (const p of parts) {
    expect(p.first).toBe(next);
    expect(p.count).toBeGreaterThan(0);
    const r = fit(chips[p.board]!, [...(resident[p.board] ?? []), { model: model.name, layers: model.layers.slice(p.first, p.first + p.count) }]);
    expect(r.ok, r.ok ? '' : r.message).toBe(true);
    next += p.count;
    if (next < model.layers.length) expect(crossingTensors(model, next).length).toBeLessThanOrEqual(16);
  }
  expect(next).toBe(model.layers.length);
  // Boards in increasing order, one part per board.
  expect(new Set(parts.map((p) => p.board)).size).toBe(parts.length);
  expect([...parts.map((p) => p.board)].sort((a, b) => a - b)).toEqual(parts.map((p) => p.board));
}

describe('planSplit', () => {
  it('keeps a model that fits one board whole', () => {
    const kws = loadTable('kws20_v3').model;
    expect(planSplit(kws, [M0, M0])).toEqual([{ board: 0, first: 0, count: kws.layers.length }]);
    expect(boardsNeeded(kws, M0)).toBe(1);
  });

  it('splits a model over the 32-layer limit of MAX78000 into parts that each fit', () => {
    const mobile = loadTable('mobilenetv2_075_cifar100_max78000').model;
    expect(fit(M0, [{ model: mobile.name, layers: mobile.layers }]).ok).toBe(false);
    const n = boardsNeeded(mobile, M0);
    expect(n).toBeGreaterThan(1);
    const chips = Array.from({ length: n }, () => M0);
    const parts = planSplit(mobile, chips);
    expect(parts).toHaveLength(n);
    expectValid(mobile, chips, parts);
    // One MAX78002 holds it whole.
    expect(planSplit(mobile, [M2])).toEqual([{ board: 0, first: 0, count: mobile.layers.length }]);
  });

  it('counts what a board already holds', () => {
    const kws = loadTable('kws20_v3').model;
    const unet = loadTable('unet_large_camvid').model;
    // A MAX78000 holding all of UNet has too little room left for all of KWS: the rest goes on.
    const resident: FitSegment[][] = [[{ model: unet.name, layers: unet.layers }], []];
    expect(fit(M0, [...resident[0]!, { model: kws.name, layers: kws.layers }]).ok).toBe(false);
    const parts = planSplit(kws, [M0, M0], resident);
    expectValid(kws, [M0, M0], parts, resident);
    expect(parts.length).toBe(2);
    expect(parts[1]!.board).toBe(1);
  });

  it('splits a residual network at cuts several tensors cross', () => {
    const res = loadTable('ressimplenet_cifar100').model;
    const cuts = res.layers.map((_, j) => j).filter((j) => j > 0 && crossingTensors(res, j).length > 1);
    expect(cuts.length).toBeGreaterThan(0);
    // A board that holds only a few layers forces cuts everywhere, through the residual branches.
    const chips = Array.from({ length: res.layers.length }, () => M0);
    const parts = planSplit(res, chips);
    expectValid(res, chips, parts);
  });

  it('refuses a model too large for the boards, naming the chips and the limit', () => {
    const mobile = loadTable('mobilenetv2_075_cifar100_max78000').model;
    let caught: unknown;
    try {
      planSplit(mobile, [M0]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SplitError);
    const e = caught as SplitError;
    expect(e.message).toMatch(/mobilenetv2_075_cifar100_max78000 \(56 layers\) cannot be split over 1 max78000 board \(layers: /);
    expect(e.refusal?.limit).toBe('layers');
  });

  it('refuses a model no number of boards of a chip can run, naming the layer that blocks it', () => {
    const eff = loadTable('efficientnetv2_cifar100').model;
    expect(() => planSplit(eff, [M0, M0, M0])).toThrow(/^efficientnetv2_cifar100 \(33 layers\) cannot be split over 3 max78000 boards \([a-z_0-9]+: Layer \d+/);
    expect(() => boardsNeeded(eff, M0)).toThrow(SplitError);
  });
});
