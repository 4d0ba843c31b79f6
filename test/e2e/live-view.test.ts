// `synergy run --live` watched the way a user watches it: a real run (emulated boards, one killed
// and started again) serves its live page, and a real headless Chromium (Debian's, driven by
// playwright-core; tools/setup.sh installs both) reads what the page shows while the run goes
// on. The page's figures are then held against the run's own --json output: every live rate is
// the run's windowed rate at that moment, every plan's measured rates are the report's and
// arrive within 2 s, the killed board shows lost and then back, the plan diagram is drawn.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../host/link/repo-root.js';
import { taggedCli, type CliProcess } from './tagged-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = repoRoot();
const APP = join(ROOT, 'examples/app-5-digits-keywords.yaml');
const KILLED = 'emu1';
const work = mkdtempSync(join(tmpdir(), 'synergy-live-e2e-'));
const { start, synergy, leftovers } = taggedCli('synergy-live-e2e', work, 90_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One look at the page: what it shows, and when the test looked (Date.now()). */
interface Look {
  now: number;
  phase: string;
  pipelines: { name: string; rate: number | null; elapsed: number | null; wall: number | null; text: string }[];
  boards: { device: string; state: string; recovered: boolean; shares: Record<string, number> }[];
  epochs: { epoch: number; wall: number | null; rates: Record<string, number> }[];
}

function look(page: Page): Promise<Look> {
  return page.evaluate(() => {
    const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));
    return {
      now: Date.now(),
      phase: document.getElementById('phase')!.textContent ?? '',
      pipelines: [...document.querySelectorAll<HTMLElement>('#pipelines tbody tr[data-pipeline]')].map((r) => ({
        name: r.dataset['pipeline']!, rate: num(r.dataset['rate']), elapsed: num(r.dataset['elapsed']), wall: num(r.dataset['wall']),
        text: r.querySelector('.rate')!.textContent ?? '',
      })),
      boards: [...document.querySelectorAll<HTMLElement>('#boards [data-board]')].map((b) => ({
        device: b.dataset['board']!, state: b.dataset['state']!, recovered: b.dataset['recovered'] === 'true',
        shares: Object.fromEntries([...b.querySelectorAll<HTMLElement>('[data-resource]')].map((r) => [r.dataset['resource']!, Number(r.dataset['share'])])),
      })),
      epochs: [...document.querySelectorAll<HTMLElement>('#epochs tbody tr[data-measured="true"]')].map((r) => ({
        epoch: Number(r.dataset['epoch']), wall: num(r.dataset['wall']),
        rates: Object.fromEntries([...r.querySelectorAll<HTMLElement>('[data-pipeline]')].map((s) => [s.dataset['pipeline']!, Number(s.dataset['rate'])])),
      })),
    };
  });
}

async function liveUrl(run: CliProcess, stderr: () => string): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const m = /live view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr());
    if (m) return m[1]!;
    if (run.child.exitCode !== null || Date.now() > until) throw new Error(`synergy run printed no live view URL:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface RunJson {
  totals: { delivered: number; failed: number; wrong: number };
  series: { bucket_s: number; pipelines: Record<string, { delivered: number[] }> };
  epochs: { index: number; start_s: number; window: { end_s: number } | null; pipelines: { name: string; measured_rate: number | null }[] }[];
  recoveries: { device: string; kind: string }[];
}

/** The run's live rate (runner.ts status: deliveries in the 4 buckets before the current one over 2 s) at `s` seconds after t0. */
function seriesRate(doc: RunJson, pipeline: string, s: number): number {
  const bucketS = doc.series.bucket_s;
  const d = doc.series.pipelines[pipeline]!.delivered;
  const cur = Math.floor(s / bucketS + 1e-9);
  let n = 0;
  for (let b = Math.max(0, cur - 4); b < cur; b++) n += d[b] ?? 0;
  return n / (4 * bucketS);
}

describe('synergy run --live', () => {
  it('shows the run as it happens in a real Chromium: the rates the run measures, the killed board lost and back, the plan', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the live view's browser test drives Debian's chromium (tools/setup.sh installs it)`);
    const run = start(['run', APP, '--emulated', '3', '--live', '127.0.0.1:0', '--duration', '12', '--kill', `${KILLED}@4`, '--restart', `${KILLED}@7`, '--json']);
    let stderr = '';
    run.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const profile = mkdtempSync(join(work, 'chromium-'));
    let browser: BrowserContext | null = null;
    const looks: Look[] = [];
    try {
      const url = await liveUrl(run, () => stderr);
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await browser.newPage();
      await page.goto(url);
      let exited = false;
      void run.done.then(() => (exited = true));
      while (!exited) {
        looks.push(await look(page));
        await new Promise((r) => setTimeout(r, 200));
      }
      // The page keeps what it shows once the run has ended and its socket closed.
      await page.waitForSelector('#connection[data-state="ended"]', { timeout: 5000 });
      looks.push(await look(page));
      const plan = await page.$eval('#plan', (e) => ({ epoch: (e as HTMLElement).dataset['epoch'], svg: e.querySelector('svg')?.outerHTML ?? '' }));
      const ended = await page.$eval('#end', (e) => ({ hidden: (e as HTMLElement).hidden, delivered: e.querySelector('#end-delivered')!.textContent }));
      const events = await page.$$eval('#events li', (lis) => lis.map((li) => ({ kind: (li as HTMLElement).dataset['kind']!, t: Number((li as HTMLElement).dataset['t']), text: li.querySelector('.text')!.textContent! })));
      const chartPoints = await page.$$eval('#chart polyline[data-pipeline]', (ls) => ls.map((l) => Number((l as SVGElement).dataset['points'])));

      const r = await run.done;
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as RunJson;
      const t0ToStart = doc.epochs[0]!.start_s;
      const names = Object.keys(doc.series.pipelines);

      // Live rates: each one the page showed is the run's windowed rate at that moment (one
      // bucket either way for the clocks' rounding), shown as text too.
      const seen = looks.flatMap((l) => l.pipelines.filter((p) => p.rate !== null).map((p) => ({ ...p, now: l.now })));
      expect(seen.length).toBeGreaterThan(20);
      for (const p of seen) {
        const at = p.elapsed! + t0ToStart;
        const candidates = [-0.5, 0, 0.5].map((d) => seriesRate(doc, p.name, at + d));
        expect(candidates.some((c) => Math.abs(c - p.rate!) < 1e-6), `${p.name} at ${p.elapsed} s: page ${p.rate}, run ${candidates.join(' / ')}`).toBe(true);
        expect(p.text).toBe(p.rate!.toFixed(2));
      }
      // ...and the page was never more than 2 s behind the run (looks 200 ms apart, the run
      // sending its status every 0.5 s, through its re-plans, until it drains).
      const running = looks.filter((l) => ['running', 'adapting', 'deploying'].includes(l.phase) && l.pipelines.some((p) => p.wall !== null));
      expect(running.length).toBeGreaterThan(10);
      for (const l of running) expect(l.now - Math.max(...l.pipelines.map((p) => p.wall!)), `status age at ${l.now}`).toBeLessThanOrEqual(2000);
      expect(Math.min(...chartPoints), `chart points ${chartPoints.join(",")}; looks ${looks.length}; elapsed seen ${[...new Set(seen.map((p) => p.elapsed))].join(" ")}`).toBeGreaterThanOrEqual(5);

      // Each plan's measurement: the report's rates, on the page within 2 s of the run taking them.
      const measured = doc.epochs.filter((e) => e.window !== null);
      expect(measured.length).toBeGreaterThanOrEqual(1);
      for (const e of measured) {
        const firstSeen = looks.find((l) => l.epochs.some((x) => x.epoch === e.index));
        expect(firstSeen, `plan ${e.index}'s measurement never shown`).toBeDefined();
        const shown = firstSeen!.epochs.find((x) => x.epoch === e.index)!;
        for (const p of e.pipelines) expect(shown.rates[p.name], `plan ${e.index} ${p.name}`).toBe(p.measured_rate);
        expect(firstSeen!.now - shown.wall!).toBeLessThanOrEqual(2000);
      }

      // The killed board: lost, then back (and said so in the list of faults and recoveries).
      const states = looks.map((l) => l.boards.find((b) => b.device === KILLED)?.state);
      const lostAt = states.indexOf('lost');
      expect(lostAt, 'the killed board never showed as lost').toBeGreaterThanOrEqual(0);
      expect(states.slice(lostAt).includes('present'), 'the killed board never showed as back').toBe(true);
      expect(looks.at(-1)!.boards.find((b) => b.device === KILLED)!.recovered).toBe(true);
      const lostEvent = events.find((e) => e.kind === 'lost' && e.text.includes(KILLED));
      const joinedEvent = events.find((e) => e.kind === 'joined' && e.text.includes(KILLED));
      expect(lostEvent && joinedEvent && lostEvent.t < joinedEvent.t, JSON.stringify(events)).toBe(true);
      expect(doc.recoveries.some((x) => x.device === KILLED && x.kind === 'lost')).toBe(true);
      // Utilisation: a board the plan uses was seen busy.
      expect(looks.some((l) => l.boards.some((b) => b.shares['cnn']! > 0 && b.shares['tx']! > 0))).toBe(true);

      // The plan diagram: the current plan's, with its boards' lanes.
      expect(Number(plan.epoch)).toBe(doc.epochs.at(-1)!.index);
      expect(plan.svg).toMatch(/^<svg /);
      expect(plan.svg).toContain('emu0');
      expect(ended.hidden).toBe(false);
      expect(Number(ended.delivered)).toBe(doc.totals.delivered);
      expect(names.length).toBe(2);
    } finally {
      await browser?.close();
      if (run.child.exitCode === null) run.child.kill('SIGTERM');
      await run.done;
    }
    expect(leftovers()).toEqual([]);
  }, 60_000);

  it('refuses a --live address off this machine, and takes --live alone before the app', async () => {
    const open = await synergy(['run', APP, '--emulated', '3', '--live', '0.0.0.0:8080']);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/option --live: "0\.0\.0\.0:8080": 0\.0\.0\.0 is not a loopback address; the live view has no authentication/);
    expect(open.stderr).not.toMatch(/\n\s+at /); // no stack trace
    // --live with no address leaves the app to be the positional (the run stops at the bad policy)
    const alone = await synergy(['run', '--live', APP, '--emulated', '3', '--policy', 'nope']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/no policy "nope"/);
    expect(leftovers()).toEqual([]);
  });
});
