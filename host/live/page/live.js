// The live view of a synergy run: listens on the server's WebSocket (/ws) and shows what the run
// pushes (docs/live.md gives the messages). Every number is also in the DOM with stable ids and
// data attributes, e.g. [data-pipeline="x"] .rate, so a test or a script can read the page.
'use strict';

const COLOURS = ['#3b6fb6', '#d9822b', '#2f9e44', '#c2255c', '#7048e8', '#0c8599', '#868e96', '#e8590c'];
const MAX_POINTS = 2400; // the server keeps as many statuses
const RESOURCES = [['cnn', 'CNN'], ['cpu', 'CPU'], ['tx', 'to host'], ['rx', 'from host']];
const SVG_NS = 'http://www.w3.org/2000/svg';

let view = fresh();

function fresh() {
  return { pipelines: [], durationS: 0, points: new Map(), marks: [], ended: false };
}

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== '') e.textContent = text;
  return e;
}

function svgEl(tag, attrs = {}, text = '') {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== '') e.textContent = text;
  return e;
}

const fix = (v, digits = 2) => (v === null || v === undefined ? '-' : Number(v).toFixed(digits));
const colourOf = (name) => COLOURS[Math.max(0, view.pipelines.indexOf(name)) % COLOURS.length];

function pipelineRow(name) {
  const body = $('pipelines').tBodies[0];
  let row = body.querySelector(`tr[data-pipeline="${CSS.escape(name)}"]`);
  if (row) return row;
  if (!view.pipelines.includes(name)) view.pipelines.push(name);
  row = el('tr', { 'data-pipeline': name });
  const first = el('td', { class: 'name' });
  const swatch = el('span', { class: 'swatch' });
  swatch.style.background = colourOf(name);
  first.append(swatch, document.createTextNode(name));
  row.append(first);
  for (const c of ['rate', 'planned', 'measured', 'p50', 'delivered', 'failed']) row.append(el('td', { class: c }, '-'));
  body.append(row);
  return row;
}

function boardBox(device) {
  let box = $('boards').querySelector(`[data-board="${CSS.escape(device)}"]`);
  if (box) return box;
  box = el('div', { class: 'board', 'data-board': device, 'data-state': 'present', 'data-losses': 0 });
  const head = el('div', { class: 'head' });
  head.append(el('b', { class: 'name' }, device), el('span', { class: 'state' }, 'present'));
  box.append(head);
  for (const [id, label] of RESOURCES) {
    const r = el('div', { class: 'resource', 'data-resource': id, 'data-share': 0 });
    const track = el('span', { class: 'track' });
    track.append(el('span', { class: 'fill' }));
    r.append(el('span', { class: 'label' }, label), track, el('span', { class: 'share' }, '0%'));
    box.append(r);
  }
  $('boards').append(box);
  return box;
}

function setBoard(b) {
  const box = boardBox(b.device);
  const state = b.lost ? 'lost' : 'present';
  if (state === 'lost' && box.dataset.state !== 'lost') box.dataset.losses = String(Number(box.dataset.losses) + 1);
  if (state === 'present' && box.dataset.state === 'lost') box.dataset.recovered = 'true';
  box.dataset.state = state;
  box.querySelector('.state').textContent = state;
  for (const [id] of RESOURCES) {
    const share = b.busy[id] ?? 0;
    const r = box.querySelector(`[data-resource="${id}"]`);
    r.dataset.share = String(share);
    r.querySelector('.share').textContent = `${Math.round(share * 100)}%`;
    r.querySelector('.fill').style.width = `${Math.min(100, share * 100)}%`;
  }
}

const handlers = {
  hello(m) {
    view = fresh();
    for (const id of ['boards', 'events', 'plan']) $(id).replaceChildren();
    $('pipelines').tBodies[0].replaceChildren();
    $('epochs').tBodies[0].replaceChildren();
    $('app').textContent = m.app;
    $('policy').textContent = `policy ${m.policy}`;
    $('duration').textContent = fix(m.durationS, 0);
    view.durationS = m.durationS;
    for (const p of m.pipelines) pipelineRow(p);
    for (const d of m.devices) boardBox(d);
    $('phase').textContent = 'starting';
  },

  plan(m) {
    const holder = $('plan');
    holder.dataset.epoch = String(m.epoch);
    // The diagram is the server's own SVG (host/plan/diagram-svg.ts, its text escaped there).
    holder.innerHTML = m.svg;
    $('plan-caption').textContent = `${m.epoch} (${m.reason}), from ${fix(m.t, 1)} s: estimated ${fix(m.estimate)}`;
    for (const [name, rate] of Object.entries(m.planned)) pipelineRow(name).querySelector('.planned').textContent = fix(rate);
    const row = el('tr', { 'data-epoch': m.epoch });
    row.append(el('td', {}, String(m.epoch)), el('td', { class: 'reason' }, m.reason), el('td', { class: 'start' }, fix(m.t, 1)),
      el('td', { class: 'estimate' }, fix(m.estimate)), el('td', { class: 'throughput' }, '-'), el('td', { class: 'rates' }, '-'));
    $('epochs').tBodies[0].append(row);
    view.marks.push({ t: m.t, kind: 'plan' });
  },

  status(m) {
    $('phase').textContent = m.phase;
    $('epoch').textContent = String(m.epoch);
    const elapsed = $('elapsed');
    elapsed.textContent = fix(m.elapsedS, 1);
    elapsed.dataset.elapsed = String(m.elapsedS);
    elapsed.dataset.wall = String(m.wall);
    for (const p of m.pipelines) {
      const row = pipelineRow(p.name);
      row.dataset.rate = String(p.rate);
      row.dataset.elapsed = String(m.elapsedS);
      row.dataset.wall = String(m.wall);
      row.querySelector('.rate').textContent = fix(p.rate);
      row.querySelector('.planned').textContent = fix(p.planned);
      row.querySelector('.p50').textContent = fix(p.p50Ms, 1);
      row.querySelector('.delivered').textContent = String(p.delivered);
      row.querySelector('.failed').textContent = String(p.failed);
      let pts = view.points.get(p.name);
      if (!pts) view.points.set(p.name, (pts = []));
      pts.push([m.t, p.rate]);
      if (pts.length > MAX_POINTS) pts.splice(0, pts.length - MAX_POINTS);
    }
    for (const b of m.boards) setBoard(b);
    drawChart();
  },

  event(m) {
    const li = el('li', { 'data-kind': m.kind, 'data-t': m.t });
    li.append(el('span', { class: 't' }, `${fix(m.t, 1)} s`), el('span', { class: 'kind' }, `${m.kind}: `), el('span', { class: 'text' }, m.text));
    $('events').append(li);
    if (m.kind === 'lost' || m.kind === 'joined') view.marks.push({ t: m.t, kind: m.kind });
  },

  measured(m) {
    const row = $('epochs').querySelector(`tr[data-epoch="${m.epoch}"]`);
    if (row) {
      row.dataset.measured = 'true';
      row.dataset.wall = String(m.wall);
      row.querySelector('.throughput').textContent = fix(m.throughput);
      const cell = row.querySelector('.rates');
      cell.replaceChildren();
      for (const [name, rate] of Object.entries(m.rates)) cell.append(el('span', { 'data-pipeline': name, 'data-rate': rate }, `${name} ${fix(rate)} `));
    }
    for (const [name, rate] of Object.entries(m.rates)) {
      const td = pipelineRow(name).querySelector('.measured');
      td.textContent = fix(rate);
      td.dataset.rate = String(rate);
      td.dataset.epoch = String(m.epoch);
    }
  },

  end(m) {
    view.ended = true;
    $('end').hidden = false;
    $('end-measured').textContent = fix(m.measuredThroughput);
    $('end-estimated').textContent = fix(m.estimatedThroughput);
    $('end-delivered').textContent = String(m.totals.delivered);
    $('end-failed').textContent = String(m.totals.failed);
    $('end-wrong').textContent = String(m.totals.wrong);
    $('phase').textContent = 'ended';
  },
};

function drawChart() {
  const svg = $('chart');
  const W = 640, H = 200, L = 40, R = 10, T = 10, B = 24;
  let tMax = Math.max(view.durationS, 1);
  let rMax = 0;
  for (const pts of view.points.values()) for (const [t, r] of pts) { tMax = Math.max(tMax, t); rMax = Math.max(rMax, r); }
  rMax = rMax > 0 ? rMax * 1.15 : 1;
  const x = (t) => L + (Math.max(0, t) / tMax) * (W - L - R);
  const y = (r) => H - B - (r / rMax) * (H - T - B);
  const parts = [svgEl('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#999' }), svgEl('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#999' })];
  for (const f of [0, 0.5, 1]) parts.push(svgEl('text', { x: L - 4, y: y(rMax * f) + 3, 'text-anchor': 'end' }, fix(rMax * f, 1)));
  for (const f of [0, 0.5, 1]) parts.push(svgEl('text', { x: x(tMax * f), y: H - 8, 'text-anchor': 'middle' }, `${fix(tMax * f, 0)} s`));
  for (const mk of view.marks) {
    const colour = mk.kind === 'lost' ? '#b42318' : mk.kind === 'joined' ? '#1a7f37' : '#aaa';
    parts.push(svgEl('line', { x1: x(mk.t), y1: T, x2: x(mk.t), y2: H - B, stroke: colour, 'stroke-dasharray': '3 3', 'data-mark': mk.kind }));
  }
  for (const [name, pts] of view.points) {
    const line = svgEl('polyline', { fill: 'none', stroke: colourOf(name), 'stroke-width': 1.6, 'data-pipeline': name, 'data-points': pts.length });
    line.setAttribute('points', pts.map(([t, r]) => `${x(t).toFixed(1)},${y(r).toFixed(1)}`).join(' '));
    parts.push(line);
  }
  svg.replaceChildren(...parts);
}

function connect() {
  const status = $('connection');
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onopen = () => { status.dataset.state = 'open'; status.textContent = 'live'; };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    const handle = handlers[m.type];
    if (handle) handle(m);
  };
  ws.onclose = () => {
    if (view.ended) { status.dataset.state = 'ended'; status.textContent = 'run ended'; return; }
    status.dataset.state = 'lost';
    status.textContent = 'connection lost: retrying';
    setTimeout(connect, 2000);
  };
}

connect();
