// The profile report from a document: CSV rows per layer with quoting, an HTML page whose two
// SVG charts have one latency bar per layer and one kernel bar per processor per board, text
// escaped, and nothing that needs the network to view.

import { describe, expect, it } from 'vitest';
import { latencySvg, memorySvg, profileCsv, profileHtml, type ProfileDocument } from '../../host/report/profile-report.js';

function doc(): ProfileDocument {
  const kernel = Array.from({ length: 64 }, (_, p) => (p < 16 ? 120 : 0));
  return {
    format: 'synergy-profile/1',
    model: 'toy<net>',
    weights: 'generated',
    runs: 5,
    warmup: 1,
    boards: [
      { id: 'emu-1', chip: 'max78000', cnn_clock_hz: 50_000_000, segments: ['toy:0-1'], layers: 2, max_layers: 32, kernel_columns_per_processor: kernel,
        kernel_columns_capacity: Array(64).fill(768), bias_per_quadrant: [64, 0, 0, 0], bias_capacity_per_quadrant: 512, weight_bytes: 9000, kernel_bytes: 17280, weight_capacity: 442368 },
      { id: 'emu-2', chip: 'max78000', cnn_clock_hz: 50_000_000, segments: ['toy:2-2'], layers: 1, max_layers: 32, kernel_columns_per_processor: Array(64).fill(1),
        kernel_columns_capacity: Array(64).fill(768), bias_per_quadrant: [10, 0, 0, 0], bias_capacity_per_quadrant: 512, weight_bytes: 640, kernel_bytes: 576, weight_capacity: 442368 },
    ],
    segments: [
      { id: 'toy:0-1', board: 'emu-1', first: 0, count: 2, min: 3001, median: 3001, max: 3002, median_us: 60.02, model_cycles: 3001 },
      { id: 'toy:2-2', board: 'emu-2', first: 2, count: 1, min: 101, median: 101, max: 101, median_us: 2.02, model_cycles: 101 },
    ],
    layers: [
      { index: 0, name: 'conv "a", b', board: 'emu-1', segment: 'toy:0-1', min: 2000, median: 2000, max: 2001, median_us: 40, model_cycles: 2000 },
      { index: 1, name: 'conv<2>', board: 'emu-1', segment: 'toy:0-1', min: 1000, median: 1000, max: 1000, median_us: 20, model_cycles: 1000 },
      { index: 2, name: 'fc', board: 'emu-2', segment: 'toy:2-2', min: 100, median: 100, max: 100, median_us: 2, model_cycles: 100 },
    ],
    total: { cycles: 3102, us: 62.04, model_cycles: 3102, model_us: 62.04, difference_pct: 0 },
  };
}

describe('profile report', () => {
  it('CSV: a header and one row per layer, cells with quotes or commas quoted', () => {
    const lines = profileCsv(doc()).trimEnd().split('\n');
    expect(lines[0]).toBe('index,name,board,segment,min_cycles,median_cycles,max_cycles,median_us,model_cycles');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('0,"conv ""a"", b",emu-1,toy:0-1,2000,2000,2001,40,2000');
    expect(lines[3]).toBe('2,fc,emu-2,toy:2-2,100,100,100,2,100');
  });

  it('latency chart: one bar per layer, bar length proportional to the median', () => {
    const s = latencySvg(doc());
    const bars = [...s.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="[^"]+"><title>layer (\d+)/g)];
    expect(bars.map((m) => Number(m[3]))).toEqual([0, 1, 2]);
    const w = bars.map((m) => Number(m[2]));
    expect(w[0]! / w[1]!).toBeCloseTo(2, 1);
    expect(w[1]! / w[2]!).toBeCloseTo(10, 0);
    expect(s).toContain('conv&lt;2&gt;');
    expect(s).not.toContain('conv<2>');
  });

  it('memory chart: 64 kernel bars and 4 bias bars per board, with their numbers in the titles', () => {
    const s = memorySvg(doc());
    expect(s.match(/<title>processor \d+: \d+ of 768 kernel columns<\/title>/g)).toHaveLength(128);
    expect(s.match(/<title>quadrant \d: \d+ of 512 bias bytes<\/title>/g)).toHaveLength(8);
    expect(s).toContain('<title>processor 0: 120 of 768 kernel columns</title>');
    expect(s).toContain('weight bytes: 9,000 / 442,368');
  });

  it('HTML: self-contained, both charts, the totals, the model name escaped', () => {
    const h = profileHtml(doc());
    expect(h.startsWith('<!doctype html>')).toBe(true);
    expect(h.match(/<svg /g)).toHaveLength(2);
    expect(h).toContain('toy&lt;net&gt;');
    expect(h).toContain('Total 3,102 cycles (62.04 us)');
    expect(h).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
