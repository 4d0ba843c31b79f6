// The profile report of a model deployed on boards: one document (profile.json), its per-layer
// rows (profile.csv) and a self-contained HTML page with two hand-written SVG charts: per-layer
// latency (median with min..max whiskers and the cycle model's mark, coloured by board, grouped
// by segment) and each chip's memory use (kernel columns per processor, bias per quadrant,
// weight bytes and layers against capacity).

import { kernelWordsOf, type ChipSpec } from '../model/chips.js';
import type { FitOk } from '../model/fit.js';
import type { Model } from '../model/layer.js';
import type { Deployment, ModelProfile } from '../board/deploy-model.js';
import { chipSpec } from '../model/chips.js';
import { colour, esc, line, niceMax, num, rect, svg, text } from '../common/svg.js';

export interface ProfileLayerRow {
  index: number;
  name: string;
  board: string;
  segment: string;
  min: number;
  median: number;
  max: number;
  median_us: number;
  /** the cycle model at the kernel columns the fit gave the layer */
  model_cycles: number;
}

export interface ProfileBoardMemory {
  id: string;
  chip: string;
  cnn_clock_hz: number;
  segments: string[];
  layers: number;
  max_layers: number;
  kernel_columns_per_processor: number[];
  kernel_columns_capacity: number[];
  bias_per_quadrant: number[];
  bias_capacity_per_quadrant: number;
  weight_bytes: number;
  kernel_bytes: number;
  weight_capacity: number;
}

export interface ProfileSegmentRow {
  id: string;
  board: string;
  first: number;
  count: number;
  min: number;
  median: number;
  max: number;
  median_us: number;
  model_cycles: number;
}

/** What `synergy profile` writes as profile.json (and prints with --json). */
export interface ProfileDocument {
  format: 'synergy-profile/1';
  model: string;
  weights: string;
  runs: number;
  warmup: number;
  boards: ProfileBoardMemory[];
  segments: ProfileSegmentRow[];
  layers: ProfileLayerRow[];
  total: { cycles: number; us: number; model_cycles: number; model_us: number; difference_pct: number };
}

function memoryOf(id: string, chip: ChipSpec, clock: number, segments: string[], f: FitOk): ProfileBoardMemory {
  return {
    id,
    chip: chip.name,
    cnn_clock_hz: clock,
    segments,
    layers: f.hardwareLayers,
    max_layers: chip.maxLayers,
    kernel_columns_per_processor: [...f.kernel.columnsPerProcessor],
    kernel_columns_capacity: Array.from({ length: chip.processors }, (_, p) => kernelWordsOf(chip, p)),
    bias_per_quadrant: [...f.bias.perQuadrant],
    bias_capacity_per_quadrant: chip.biasPerQuadrant,
    weight_bytes: f.weightBytes,
    kernel_bytes: f.kernel.bytes,
    weight_capacity: chip.weightMem,
  };
}

/** Builds the profile document from a deployment and its profile. */
export function profileDocument(model: Model, weights: string, dep: Deployment, prof: ModelProfile): ProfileDocument {
  const boards: ProfileBoardMemory[] = [];
  dep.boards.forEach((s, b) => {
    const f = dep.boardFits[b];
    if (!f) return;
    const chip = chipSpec(s.hello.chip);
    boards.push(memoryOf(s.boardId, chip, s.hello.cnnClockHz, dep.segments.filter((d) => d.board === b).map((d) => d.id), f));
  });
  const layers: ProfileLayerRow[] = [];
  const segments: ProfileSegmentRow[] = [];
  for (const sp of prof.segments) {
    const seg = sp.segment;
    sp.profile.layers.forEach((l, k) => {
      layers.push({
        index: l.index,
        name: l.name,
        board: sp.boardId,
        segment: seg.id,
        min: l.min,
        median: l.median,
        max: l.max,
        median_us: round3(l.medianUs),
        model_cycles: sp.modelLayerCycles[k]!,
      });
    });
    segments.push({
      id: seg.id,
      board: sp.boardId,
      first: seg.first,
      count: seg.count,
      min: sp.profile.total.min,
      median: sp.profile.total.median,
      max: sp.profile.total.max,
      median_us: round3(sp.profile.total.medianUs),
      model_cycles: sp.modelCycles,
    });
  }
  return {
    format: 'synergy-profile/1',
    model: model.name,
    weights,
    runs: prof.runs,
    warmup: prof.warmup,
    boards,
    segments,
    layers,
    total: {
      cycles: prof.totalCycles,
      us: round3(prof.totalUs),
      model_cycles: prof.modelCycles,
      model_us: round3(prof.modelUs),
      difference_pct: prof.modelCycles > 0 ? round3(((prof.totalCycles - prof.modelCycles) / prof.modelCycles) * 100) : 0,
    },
  };
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

// ---- CSV -----------------------------------------------------------------------------------

const CSV_COLUMNS: (keyof ProfileLayerRow)[] = ['index', 'name', 'board', 'segment', 'min', 'median', 'max', 'median_us', 'model_cycles'];

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per layer (cycles unless the column says us), with a header line. */
export function profileCsv(doc: ProfileDocument): string {
  const header = CSV_COLUMNS.map((c) => (c === 'min' || c === 'median' || c === 'max' ? `${c}_cycles` : c)).join(',');
  return [header, ...doc.layers.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

// ---- SVG charts ----------------------------------------------------------------------------

/** Horizontal bars, one row per layer: median latency with a min..max whisker and the model's mark. */
export function latencySvg(doc: ProfileDocument): string {
  const rowH = 16;
  const labelW = 220;
  const plotW = 460;
  const valueW = 110;
  const top = 28;
  const boardIndex = new Map(doc.boards.map((b, i) => [b.id, i]));
  const usOf = (cycles: number, row: ProfileLayerRow): number => {
    const clock = doc.boards.find((b) => b.id === row.board)?.cnn_clock_hz ?? 1;
    return (cycles * 1e6) / clock;
  };
  const maxUs = niceMax(Math.max(...doc.layers.map((r) => Math.max(usOf(r.max, r), usOf(r.model_cycles, r))), 0));
  const x = (us: number): number => labelW + (us / maxUs) * plotW;
  const body: string[] = [];
  body.push(text(4, 14, `per-layer latency in microseconds: bar = median, whisker = min..max over ${doc.runs} runs, orange mark = cycle model`, { 'font-weight': 'bold' }));
  let y = top;
  let lastSegment = '';
  for (const r of doc.layers) {
    if (r.segment !== lastSegment) {
      // A heading row per segment: which layers ran where.
      if (lastSegment !== '') y += 4;
      body.push(line(0, y + 1, labelW + plotW + valueW, y + 1, { stroke: '#bbb', 'stroke-dasharray': '3 3' }));
      body.push(text(labelW, y + 12, `segment ${r.segment} on ${r.board}`, { fill: colour(boardIndex.get(r.board) ?? 0), 'font-size': 10 }));
      y += 16;
      lastSegment = r.segment;
    }
    const c = colour(boardIndex.get(r.board) ?? 0);
    const mid = y + rowH / 2;
    body.push(text(labelW - 6, mid + 4, `${r.index} ${r.name}`, { 'text-anchor': 'end' }));
    body.push(rect(labelW, y + 3, x(usOf(r.median, r)) - labelW, rowH - 6, { fill: c }, `layer ${r.index} ${r.name}: median ${r.median} cycles (${r.median_us} us), min ${r.min}, max ${r.max}, model ${r.model_cycles}`));
    body.push(line(x(usOf(r.min, r)), mid, x(usOf(r.max, r)), mid, { stroke: '#333' }));
    body.push(line(x(usOf(r.model_cycles, r)), y + 1, x(usOf(r.model_cycles, r)), y + rowH - 1, { stroke: '#D55E00', 'stroke-width': 2 }));
    body.push(text(labelW + plotW + 6, mid + 4, `${num(r.median_us, 2)} us`, { fill: '#333' }));
    y += rowH;
  }
  // Axis with five ticks.
  body.push(line(labelW, y + 4, labelW + plotW, y + 4, { stroke: '#333' }));
  for (let k = 0; k <= 5; k++) {
    const us = (maxUs * k) / 5;
    body.push(line(x(us), y + 4, x(us), y + 8, { stroke: '#333' }));
    body.push(text(x(us), y + 20, num(us, 2), { 'text-anchor': 'middle' }));
  }
  return svg(labelW + plotW + valueW + 10, y + 28, body, `per-layer latency of ${doc.model}`);
}

/** Where the gauges start (after 64 kernel bars and 4 bias bars) and how wide they are. */
const MEMORY_GAUGE_X = 10 + 64 * 8 + 30 + 4 * 22 + 30;
const GAUGE_W = 260;

/** Per board: kernel columns per processor against capacity, bias per quadrant, weights and layers. */
export function memorySvg(doc: ProfileDocument): string {
  const body: string[] = [];
  const barW = 7;
  const chartH = 90;
  const left = 10;
  let y = 20;
  body.push(text(left, 14, 'memory use per chip', { 'font-weight': 'bold' }));
  doc.boards.forEach((b, i) => {
    const c = colour(i);
    const cap = Math.max(...b.kernel_columns_capacity);
    body.push(text(left, y + 14, `${b.id} (${b.chip}): ${b.segments.join(', ')}`, { 'font-weight': 'bold', fill: c }));
    y += 22;
    // Kernel columns: one bar per processor, the capacity behind it.
    b.kernel_columns_per_processor.forEach((used, p) => {
      const x = left + p * (barW + 1);
      const capH = (b.kernel_columns_capacity[p]! / cap) * chartH;
      body.push(rect(x, y + chartH - capH, barW, capH, { fill: '#eee' }));
      const h = (used / cap) * chartH;
      body.push(rect(x, y + chartH - h, barW, h, { fill: c }, `processor ${p}: ${used} of ${b.kernel_columns_capacity[p]} kernel columns`));
    });
    const kx = left + 64 * (barW + 1);
    body.push(text(left, y + chartH + 14, `kernel columns per processor (0..63), capacity ${cap}`, { fill: '#333' }));
    // Bias per quadrant.
    const bx = kx + 30;
    b.bias_per_quadrant.forEach((used, q) => {
      const x = bx + q * 22;
      body.push(rect(x, y, 18, chartH, { fill: '#eee' }));
      const h = (used / b.bias_capacity_per_quadrant) * chartH;
      body.push(rect(x, y + chartH - h, 18, h, { fill: c }, `quadrant ${q}: ${used} of ${b.bias_capacity_per_quadrant} bias bytes`));
      body.push(text(x + 9, y + chartH + 14, `q${q}`, { 'text-anchor': 'middle' }));
    });
    body.push(text(bx, y - 4, `bias B / ${b.bias_capacity_per_quadrant}`, { fill: '#333' }));
    // Gauges: weight bytes and layers.
    const gx = MEMORY_GAUGE_X;
    const gw = GAUGE_W;
    const gauge = (gy: number, used: number, capacity: number, label: string): void => {
      body.push(rect(gx, gy, gw, 14, { fill: '#eee' }));
      body.push(rect(gx, gy, (Math.min(used, capacity) / capacity) * gw, 14, { fill: c }, `${label}: ${used} of ${capacity}`));
      body.push(text(gx, gy - 3, `${label}: ${used.toLocaleString('en-US')} / ${capacity.toLocaleString('en-US')} (${num((used / capacity) * 100, 1)}%)`, { fill: '#333' }));
    };
    gauge(y + 14, b.kernel_bytes, b.weight_capacity, 'kernel memory bytes');
    gauge(y + 48, b.weight_bytes, b.weight_capacity, 'weight bytes');
    gauge(y + 82, b.layers, b.max_layers, 'hardware layers');
    y += chartH + 30;
  });
  return svg(MEMORY_GAUGE_X + GAUGE_W + 50, y, body, `memory use per chip of ${doc.model}`);
}

/** The whole report as one HTML file. */
export function profileHtml(doc: ProfileDocument): string {
  const t = doc.total;
  const rows = doc.segments
    .map((s) => `<tr><td>${esc(s.id)}</td><td>${esc(s.board)}</td><td>${s.first}..${s.first + s.count - 1}</td><td>${s.median}</td><td>${s.min}..${s.max}</td><td>${s.median_us}</td><td>${s.model_cycles}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>synergy profile: ${esc(doc.model)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child,td:nth-child(2){text-align:left}</style>
</head><body>
<h1>${esc(doc.model)}</h1>
<p>Measured on the device: ${doc.warmup} warm-up and ${doc.runs} timed runs per segment; weights ${esc(doc.weights)}.</p>
<p><strong>Total ${t.cycles.toLocaleString('en-US')} cycles (${t.us} us)</strong>; cycle model ${t.model_cycles.toLocaleString('en-US')} cycles (${t.model_us} us), difference ${t.difference_pct}%.</p>
<table><tr><th>segment</th><th>board</th><th>layers</th><th>median cycles</th><th>min..max</th><th>median us</th><th>model cycles</th></tr>
${rows}
</table>
<h2>Per-layer latency</h2>
${latencySvg(doc)}
<h2>Memory</h2>
${memorySvg(doc)}
</body></html>
`;
}
