// The plan diagram: one lane per device (and one for the host), each pipeline a block of
// columns (sense, each segment position, delivery); a segment is a box in its device's lane
// with its layer range and share of frames, an arrow between boxes is a transfer (labelled
// with the bytes it moves; between devices it goes through the host).

import { colour, esc, line, rect, svg, text } from '../common/svg.js';
import type { PlanObject } from './plan-object.js';

const LANE_H = 46;
const LEFT = 150;
const COL_W = 112;
const COL_GAP = 34;
const BLOCK_GAP = 46;
const TOP = 40;

function kb(bytes: number): string {
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(bytes >= 10240 ? 0 : 1)} KB` : `${bytes} B`;
}

export function planSvg(plan: PlanObject): string {
  const lanes = [...plan.devices.map((d) => d.name), 'host'];
  const laneY = (name: string): number => TOP + lanes.indexOf(name) * LANE_H;
  const segments = new Map(plan.segments.map((s) => [s.id, s]));
  const body: string[] = [];
  const deviceColour = new Map(plan.devices.map((d, i) => [d.name, colour(i)]));
  body.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>');
  let x = LEFT;
  const blocks: { name: string; x0: number; x1: number }[] = [];
  for (const p of plan.pipelines) {
    const cols = 2 + Math.max(...p.routes.map((r) => r.segments.length));
    const x0 = x;
    const colX = (c: number): number => x0 + c * (COL_W + COL_GAP);
    const drawn = new Set<string>();
    const box = (c: number, lane: string, label: string, sub: string, fill: string, title: string): void => {
      const key = `${c}|${lane}|${label}`;
      if (drawn.has(key)) return;
      drawn.add(key);
      const y = laneY(lane) + 6;
      body.push(rect(colX(c), y, COL_W, LANE_H - 12, { fill, 'fill-opacity': 0.85, rx: 4, stroke: '#333' }, title));
      body.push(text(colX(c) + 6, y + 14, label, { fill: '#fff', 'font-weight': 'bold' }));
      body.push(text(colX(c) + 6, y + 27, sub, { fill: '#fff' }));
    };
    const arrow = (c0: number, lane0: string, c1: number, lane1: string, label: string): void => {
      const xa = colX(c0) + COL_W;
      const ya = laneY(lane0) + LANE_H / 2;
      const xb = colX(c1);
      const yb = laneY(lane1) + LANE_H / 2;
      body.push(line(xa, ya, xb - 2, yb, { stroke: '#444', 'stroke-width': 1.3, 'marker-end': 'url(#arrow)' }));
      if (label) body.push(text((xa + xb) / 2 - 14, (ya + yb) / 2 - 4, label, { fill: '#444', 'font-size': 9 }));
    };
    const target = p.target.device ?? 'host';
    for (const r of p.routes) {
      const share = p.routes.length > 1 ? ` ${Math.round(r.share * 100)}%` : '';
      box(0, p.source.device, `sense`, p.source.sensor, deviceColour.get(p.source.device) ?? '#888', `${p.name}: ${p.source.sensor} on ${p.source.device}`);
      let prevCol = 0;
      let prevLane = p.source.device;
      r.segments.forEach((id, i) => {
        const s = segments.get(id)!;
        box(i + 1, s.device, `layers ${s.from}-${s.to}${share}`, s.device, deviceColour.get(s.device) ?? '#888',
          `${id}: in ${kb(s.input_bytes)}, out ${kb(s.output_bytes)}`);
        const moved = i === 0 && s.device === p.source.device ? '' : kb(s.input_bytes);
        arrow(prevCol, prevLane, i + 1, s.device, moved);
        prevCol = i + 1;
        prevLane = s.device;
      });
      const last = segments.get(r.segments.at(-1)!)!;
      box(cols - 1, target, p.target.device ? 'deliver' : 'to host', p.target.kind, p.target.device ? (deviceColour.get(target) ?? '#888') : '#777', `${p.name}: ${p.target.kind}`);
      arrow(prevCol, prevLane, cols - 1, target, target === prevLane ? '' : kb(last.output_bytes));
    }
    x = colX(cols) + BLOCK_GAP - COL_GAP;
    blocks.push({ name: `${p.name} (${p.model}) ${p.rate_fps.toPrecision(3)}/s`, x0, x1: x - BLOCK_GAP });
  }
  const width = Math.max(x, LEFT + 200);
  const height = TOP + lanes.length * LANE_H + 10;
  const lanesSvg: string[] = [];
  lanes.forEach((name, i) => {
    const y = TOP + i * LANE_H;
    lanesSvg.push(rect(0, y, width, LANE_H, { fill: i % 2 ? '#f4f4f4' : '#ffffff' }));
    const dev = plan.devices.find((d) => d.name === name);
    lanesSvg.push(text(6, y + 20, name, { 'font-weight': 'bold' }));
    lanesSvg.push(text(6, y + 34, dev ? `${dev.role}, ${dev.chip ?? 'no accelerator'}` : 'relays every transfer', { fill: '#555' }));
  });
  const titles = blocks.map((b) => text(b.x0, 22, b.name, { 'font-weight': 'bold' }));
  return svg(width, height, [...lanesSvg, ...titles, ...body], `plan of ${esc(plan.app)} on ${esc(plan.desk)} by ${plan.policy}`);
}
