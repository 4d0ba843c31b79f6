// Hand-written SVG charts of the run report: throughput over time with the run's events marked,
// and one window's busy spans per resource. (The plan diagram is the planner's, diagram-svg.ts.)

import type { RunDocument } from './run-report.js';
import { colour, esc, line, niceMax, num, rect, svg, text } from '../common/svg.js';

/** Frames per second per pipeline over the run, events as vertical lines. */
export function throughputChart(doc: RunDocument): string {
  const W = 900;
  const H = 280;
  const L = 50;
  const B = 30;
  const series = Object.entries(doc.series.pipelines);
  const bucket = doc.series.bucket_s;
  const buckets = Math.max(1, ...series.map(([, s]) => s.delivered.length));
  const tMax = Math.max(doc.duration_s, buckets * bucket);
  const yMax = niceMax(Math.max(1, ...series.flatMap(([, s]) => s.delivered.map((n) => n / bucket))));
  const x = (t: number): number => L + (t / tMax) * (W - L - 130);
  const y = (v: number): number => H - B - (v / yMax) * (H - B - 20);
  const body: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    body.push(line(L, y(v), W - 130, y(v), { stroke: '#eee' }), text(L - 6, y(v) + 4, num(v, 1), { 'text-anchor': 'end' }));
  }
  for (let k = 0; k <= 5; k++) {
    const t = (tMax * k) / 5;
    body.push(text(x(t), H - B + 16, `${num(t, 1)} s`, { 'text-anchor': 'middle' }));
  }
  body.push(line(L, H - B, W - 130, H - B, { stroke: '#333' }), line(L, 20, L, H - B, { stroke: '#333' }));
  for (const ev of doc.events.filter((e) => e.kind === 'lost' || e.kind === 'joined' || e.kind === 'resumed')) {
    const c = ev.kind === 'lost' ? '#b00020' : ev.kind === 'joined' ? '#009E73' : '#777';
    body.push(line(x(ev.t_s), 20, x(ev.t_s), H - B, { stroke: c, 'stroke-dasharray': '5 3' }));
    body.push(`<text x="${num(x(ev.t_s) + 3)}" y="30" fill="${c}">${esc(ev.kind)}<title>${esc(ev.text)}</title></text>`);
  }
  series.forEach(([name, s], i) => {
    const pts = s.delivered.map((n, b) => `${num(x((b + 0.5) * bucket))},${num(y(n / bucket))}`).join(' ');
    body.push(`<polyline points="${pts}" fill="none" stroke="${colour(i)}" stroke-width="1.6"><title>${esc(name)}</title></polyline>`);
    s.failed.forEach((n, b) => {
      if (n > 0) body.push(rect(x(b * bucket), H - B - 6, Math.max(2, x(bucket) - x(0)), 6, { fill: '#b00020' }, `${name}: ${n} failed`));
    });
    body.push(rect(W - 120, 24 + i * 18, 12, 4, { fill: colour(i) }), text(W - 104, 30 + i * 18, name));
  });
  body.push(text(L, 12, 'delivered frames per second (red marks: failed frames)', { fill: '#555' }));
  return svg(W, H, body, 'throughput over time');
}

/** Busy spans of every resource over one window. */
export function timelineChart(doc: RunDocument): string {
  const tl = doc.timeline;
  if (!tl || tl.spans.length === 0) return '<p>(no window was recorded: the run was too short)</p>';
  const order = (id: string): string => id.replace(/\.(cpu|cnn|rx|tx)$/, (m) => ({ '.rx': '.0', '.cpu': '.1', '.cnn': '.2', '.tx': '.3' })[m]!);
  const resources = [...new Set(tl.spans.map((s) => s.resource))].sort((a, b) => order(a).localeCompare(order(b)));
  const pipelines = [...new Set(tl.spans.map((s) => s.pipeline))].sort();
  const W = 900;
  const L = 150;
  const RH = 16;
  const H = resources.length * (RH + 4) + 50;
  const x = (ms: number): number => L + (Math.max(0, Math.min(tl.end_ms, ms)) / tl.end_ms) * (W - L - 10);
  const body: string[] = [];
  resources.forEach((r, i) => {
    const y = 10 + i * (RH + 4);
    body.push(text(L - 6, y + 12, r, { 'text-anchor': 'end' }), rect(L, y, W - L - 10, RH, { fill: '#f6f6f6' }));
    for (const s of tl.spans.filter((q) => q.resource === r)) {
      const c = colour(pipelines.indexOf(s.pipeline));
      body.push(rect(x(s.start_ms), y, Math.max(0.5, x(s.end_ms) - x(s.start_ms)), RH, { fill: c, 'fill-opacity': 0.8 }, `${s.pipeline}: ${s.label} (${(s.end_ms - s.start_ms).toFixed(2)} ms)`));
    }
  });
  const yAxis = 10 + resources.length * (RH + 4);
  for (let k = 0; k <= 5; k++) body.push(text(x((tl.end_ms * k) / 5), yAxis + 12, `${num((tl.end_ms * k) / 5, 0)} ms`, { 'text-anchor': 'middle' }));
  pipelines.forEach((p, i) => body.push(rect(L + i * 130, yAxis + 22, 12, 10, { fill: colour(i) }), text(L + 16 + i * 130, yAxis + 31, p)));
  return svg(W, H, body, 'busy spans per resource');
}
