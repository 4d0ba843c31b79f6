// Hand-written SVG charts of the run report: the plan diagram of an epoch (each route of each
// pipeline as a chain of stages coloured by device), throughput over time with the run's events
// marked, and one window's busy spans per resource.

import type { RunDocument } from './run-report.js';
import { colour, esc, line, niceMax, num, rect, svg, text } from './svg.js';

type EpochDoc = RunDocument['epochs'][number];

const BOX_W = 150;
const BOX_H = 34;
const GAP = 34;
const ROW_H = 52;
const LEFT = 190;

function deviceColours(names: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of [...new Set(names)].sort()) out.set(n, colour(out.size));
  return out;
}

/** Each route as boxes: sense on the source, each segment on its device, delivery on the target. */
export function planDiagram(e: EpochDoc): string {
  const rows = e.pipelines.flatMap((p) => p.routes.map((r, k) => ({ p, r, k })));
  const devs = deviceColours(rows.flatMap(({ r }) => [r.source, ...r.steps.map((s) => s.device), r.target].filter((d) => d !== 'host')));
  const boxes = (r: (typeof rows)[number]['r']): { label: string; sub: string; device: string }[] => [
    { label: `sense`, sub: r.source, device: r.source },
    ...r.steps.map((s) => ({ label: `layers ${s.first}..${s.last}`, sub: s.device, device: s.device })),
    { label: r.target === 'host' ? 'to the host' : 'deliver', sub: r.target, device: r.target },
  ];
  const width = LEFT + Math.max(...rows.map(({ r }) => boxes(r).length), 2) * (BOX_W + GAP) + 20;
  const height = Math.max(1, rows.length) * ROW_H + 40;
  const body: string[] = [];
  rows.forEach(({ p, r, k }, i) => {
    const y = 14 + i * ROW_H;
    if (k === 0) body.push(text(4, y + 14, p.name, { 'font-weight': 'bold' }), text(4, y + 28, `${p.model}, ${p.planned_rate.toFixed(2)}/s`, { fill: '#555' }));
    if (p.routes.length > 1) body.push(text(LEFT - 44, y + 22, `${Math.round(r.share * 100)}%`, { fill: '#555' }));
    boxes(r).forEach((b, j) => {
      const x = LEFT + j * (BOX_W + GAP);
      const fill = devs.get(b.device) ?? '#888';
      body.push(rect(x, y, BOX_W, BOX_H, { fill, 'fill-opacity': 0.18, stroke: fill, rx: 4 }, `${b.label} on ${b.sub}`));
      body.push(text(x + 6, y + 14, b.label), text(x + 6, y + 27, b.sub, { fill: '#444' }));
      if (j > 0) {
        // Through the host: between two devices, and up to the host at the end.
        const relayed = b.device !== boxes(r)[j - 1]!.device;
        body.push(line(x - GAP + 2, y + BOX_H / 2, x - 4, y + BOX_H / 2, { stroke: '#333', 'stroke-dasharray': relayed ? '4 3' : undefined, 'marker-end': 'url(#arrow)' }));
      }
    });
  });
  if (rows.length === 0) body.push(text(4, 24, 'nothing placed'));
  let lx = 4;
  for (const [d, c] of devs) {
    body.push(rect(lx, height - 18, 12, 12, { fill: c, 'fill-opacity': 0.5 }), text(lx + 16, height - 8, d));
    lx += 24 + d.length * 7;
  }
  body.unshift('<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>');
  body.push(text(width - 330, height - 8, 'dashed: the tensors travel through the host', { fill: '#555' }));
  return svg(width, height, body, `plan ${e.index}`);
}

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
