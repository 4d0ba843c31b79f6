// The live view's server and its messages: what --live accepts (loopback only), what the HTTP
// side serves and refuses, and the WebSocket messages a page gets for a run's status, events
// and epochs (a real Run object, a real plan; the run is not executed: its events are emitted
// as the runtime emits them).

import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { repoRoot } from '../../host/link/repo-root.js';
import { looksLikeAddress, parseLiveAddress } from '../../host/live/address.js';
import type { LiveMessage, MeasuredMessage, PlanMessage, StatusMessage } from '../../host/live/messages.js';
import { LiveServer } from '../../host/live/server.js';
import { LiveView } from '../../host/live/live-view.js';
import { UtilisationWindow } from '../../host/live/utilisation.js';
import { readApp } from '../../host/space/app-spec.js';
import { emulatedDesk } from '../../host/space/emulated-desk.js';
import { planRun } from '../../host/runtime/planning.js';
import { Run, type Epoch, type LiveStatus } from '../../host/runtime/runner.js';

const APP = join(repoRoot(), 'examples/app-5-digits-keywords.yaml');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function server(): Promise<LiveServer> {
  const s = await LiveServer.start(parseLiveAddress(''));
  closers.push(() => s.close());
  return s;
}

/** A page's socket: the messages it got so far, and a wait for the n-th. */
function page(url: string, origin = url.replace(/\/$/, '')): { got: LiveMessage[]; opened: Promise<void>; until: (n: number) => Promise<void> } {
  const ws = new WebSocket(`${url.replace('http:', 'ws:')}ws`, { origin });
  const got: LiveMessage[] = [];
  ws.on('message', (d) => got.push(JSON.parse(String(d)) as LiveMessage));
  closers.push(async () => ws.close());
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const until = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    if (got.length < n) throw new Error(`got ${got.length} messages, wanted ${n}`);
  };
  return { got, opened, until };
}

/** The status of GET / sent with this Host header (fetch does not let a caller set Host). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('--live addresses', () => {
  it('takes loopback HOST:PORT, defaults to 127.0.0.1 on a free port, and refuses anything else with the reason', () => {
    expect(parseLiveAddress('')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseLiveAddress('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseLiveAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseLiveAddress('localhost:9')).toEqual({ host: 'localhost', port: 9 });
    expect(() => parseLiveAddress('0.0.0.0:8080')).toThrow(/"0\.0\.0\.0:8080": 0\.0\.0\.0 is not a loopback address; the live view has no authentication/);
    expect(() => parseLiveAddress('192.168.1.5:80')).toThrow(/not a loopback address/);
    expect(() => parseLiveAddress('example.com:80')).toThrow(/not a loopback address/);
    expect(() => parseLiveAddress('127.0.0.1:70000')).toThrow(/port 70000 is not in 0\.\.65535/);
    expect(() => parseLiveAddress('8080')).toThrow(/"8080" is not HOST:PORT/);
    // `--live app.yaml`: the app is not taken as the address
    expect(looksLikeAddress('127.0.0.1:0')).toBe(true);
    expect(looksLikeAddress('examples/app-5-digits-keywords.yaml')).toBe(false);
  });
});

describe('board utilisation', () => {
  it('is each resource\'s busy share over the last 2 s of statuses', () => {
    const w = new UtilisationWindow();
    const at = (elapsedS: number, busyMs: Record<string, number>, lost = false): LiveStatus => ({
      elapsedS, epoch: 0, phase: 'running', pipelines: [], boards: [{ device: 'b.1', lost }], busyMs,
    });
    expect(w.add(at(0, {}), 0)[0]!.busy).toEqual({ cnn: 0, cpu: 0, tx: 0, rx: 0 });
    expect(w.add(at(1, { 'b.1.cnn': 500, 'b.1.rx': 100, 'x.sensor': 900 }), 1000)[0]!.busy).toEqual({ cnn: 0.5, cpu: 0, tx: 0, rx: 0.1 });
    expect(w.add(at(2, { 'b.1.cnn': 1000, 'b.1.rx': 100, 'b.1.cpu': 200 }), 2000)[0]!.busy).toEqual({ cnn: 0.5, cpu: 0.1, tx: 0, rx: 0.05 });
    // the window slides: from t = 1 s on, 1000 ms of CNN time in 2 s
    expect(w.add(at(3, { 'b.1.cnn': 2000, 'b.1.rx': 100, 'b.1.cpu': 200 }, true), 3000)[0]).toEqual({ device: 'b.1', lost: true, busy: { cnn: 0.75, cpu: 0.1, tx: 0, rx: 0 } });
  });
});

describe('the live server', () => {
  it('serves the page and nothing else, to loopback hosts only', async () => {
    const s = await server();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(s.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toContain('<script src="live.js"');
    expect((await fetch(`${s.url}live.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${s.url}live.css`)).status).toBe(200);
    expect((await fetch(`${s.url}../package.json`)).status).toBe(404);
    expect((await fetch(`${s.url}runner.ts`)).status).toBe(404);
    expect((await fetch(s.url, { method: 'POST', body: 'x' })).status).toBe(405);
    // a rebound DNS name reaches the port with its own Host
    expect(await statusWithHost(s.url, 'evil.example')).toBe(403);
    expect(await statusWithHost(s.url, `localhost:${new URL(s.url).port}`)).toBe(200);
  });

  it('refuses a socket opened by another site, and replays what was published to a page that opens late', async () => {
    const s = await server();
    await expect(page(s.url, 'http://evil.example').opened).rejects.toThrow(/refused: 403/);
    s.publish({ type: 'event', wall: 1, t: 0.5, kind: 'lost', text: 'board emu1 lost' });
    s.publish({ type: 'hello', wall: 1, app: 'a', policy: 'p', durationS: 3, pipelines: ['x'], devices: ['emu0'] });
    const p = page(s.url);
    await p.opened;
    await p.until(2);
    expect(p.got.map((m) => m.type)).toEqual(['hello', 'event']);
    s.publish({ type: 'event', wall: 2, t: 1, kind: 'joined', text: 'board emu1 joined' });
    await p.until(3);
    expect(p.got[2]).toMatchObject({ type: 'event', kind: 'joined' });
    expect(s.clients).toBe(1);
  });

  it('pushes a run\'s status (with each board\'s utilisation), its events and its epochs (plan diagram, then measured rates)', async () => {
    const app = readApp(APP);
    const desk = emulatedDesk(2);
    const run = new Run({ app, desk: { kind: 'emulate', spec: desk }, policy: 'synergy', durationS: 5 });
    const view = await LiveView.start(parseLiveAddress(''));
    closers.push(() => view.finish(null));
    view.watch(run);
    const p = page(view.url);
    await p.opened;
    await p.until(1);
    expect(p.got[0]).toMatchObject({ type: 'hello', app: 'digits-keywords', pipelines: ['digits', 'keywords'], devices: ['emu0', 'emu1'] });

    const planned = await planRun({ desk, app, policy: 'synergy', budgetMs: 50 });
    const now = performance.now();
    const epoch: Epoch = {
      index: 0, reason: 'start', plan: planned.plan, object: planned.object, problem: planned.problem, planMs: planned.ms,
      deploy: { devices: [], bytes: 0, ms: 0 }, start: now, end: now, window: null, measured: null, cpu: null,
    };
    run.emit('epoch', epoch);
    const status = (elapsedS: number, cnnMs: number, lost: boolean): LiveStatus => ({
      elapsedS, epoch: 0, phase: 'running',
      pipelines: [{ name: 'digits', rate: 12.5, p50Ms: 30, delivered: 40, failed: 0, planned: 20 }, { name: 'keywords', rate: 7, p50Ms: 20, delivered: 30, failed: 1, planned: 10 }],
      boards: [{ device: 'emu0', lost: false }, { device: 'emu1', lost }],
      busyMs: { 'emu0.cnn': cnnMs, 'emu0.tx': cnnMs / 2, 'digits.sensor': 5 },
    });
    run.emit('status', status(1, 0, false));
    await new Promise((r) => setTimeout(r, 200));
    run.emit('status', status(1.2, 100, true));
    run.emit('event', { kind: 'lost', text: 'board emu1 lost: link closed', at: now + 1500 });
    epoch.end = now + 1500;
    epoch.window = { start: now + 1000, end: now + 1500, rates: { digits: 12.3456, keywords: 7 }, routeRates: {}, latencyMs: {}, utilisation: {} };
    epoch.measured = 7;
    run.emit('epoch', epoch);
    await p.until(6);

    const plan = p.got[1] as PlanMessage;
    expect(plan).toMatchObject({ type: 'plan', epoch: 0, reason: 'start' });
    expect(plan.svg).toMatch(/^<svg /);
    expect(plan.svg).toContain('emu0');
    const [s1, s2] = p.got.slice(2, 4) as StatusMessage[];
    expect(s1!.pipelines.map((x) => x.rate)).toEqual([12.5, 7]);
    expect(s1!.boards[0]!.busy).toEqual({ cnn: 0, cpu: 0, tx: 0, rx: 0 });
    // 100 ms of CNN busy time (50 of link) over the 200 ms or more between the two statuses
    expect(s2!.boards[0]!.busy.cnn).toBeGreaterThan(0);
    expect(s2!.boards[0]!.busy.cnn).toBeLessThanOrEqual(0.5);
    expect(s2!.boards[0]!.busy.tx).toBeCloseTo(s2!.boards[0]!.busy.cnn / 2, 2);
    expect(s2!.boards[1]).toMatchObject({ device: 'emu1', lost: true });
    expect(p.got[4]).toMatchObject({ type: 'event', kind: 'lost', text: 'board emu1 lost: link closed' });
    expect((p.got[4] as { t: number }).t).toBeGreaterThan(1);
    const measured = p.got[5] as MeasuredMessage;
    expect(measured).toMatchObject({ type: 'measured', epoch: 0, throughput: 7 });
    expect(measured.rates).toEqual(Object.fromEntries(planned.plan.pipelines.map((x) => [x.name, x.name === 'digits' ? 12.346 : 7])));
  });
});
