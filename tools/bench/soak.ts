// npm run bench:soak [-- --json] [-- --duration S] [-- --desk FILE --app FILE]: a long run
// (default 10 minutes) of four pipelines on a desk of four emulated boards
// (examples/desk-4-earbuds-glasses-watch.yaml with examples/app-4-everyday.yaml), sampling the
// host process's memory every few seconds. Passes when the resident set after the warm-up
// grows by less than 10% to the end and no frame is lost (every frame started delivered, none
// failed, none wrong). With --json it ends with one JSON line:
//   {"duration_s", "rss_growth_ratio", "rss_after_warmup_mb", "rss_end_mb", "heap_growth_ratio",
//    "frames_started", "frames_delivered", "frames_failed", "frames_wrong", "measured_throughput", ...}
// rss_growth_ratio = (RSS at the end - RSS after warm-up) / RSS after warm-up, each the median
// of the samples in a minute (or a tenth of the run, if shorter).

import { join } from 'node:path';
import { repoRoot } from '../../host/repo-root.js';
import { Run } from '../../host/runtime/runner.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import { json, log, opt } from './bench-args.js';

const root = repoRoot();
const duration = Number(opt('duration') ?? 600);
const deskPath = opt('desk') ?? join(root, 'examples/desk-4-earbuds-glasses-watch.yaml');
const appPath = opt('app') ?? join(root, 'examples/app-4-everyday.yaml');
const SAMPLE_MS = 5000;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)]!;
}

const desk = readDesk(deskPath);
if ('discovered' in desk) throw new Error(`${deskPath}: the soak emulates its desk; give one that lists its devices`);
const app = readApp(appPath);
log(`bench:soak: ${app.name} (${app.pipelines.length} pipelines) on ${desk.name} (${desk.devices.length} emulated boards), ${duration} s`);

const samples: { t: number; rss: number; heap: number }[] = [];
let started = 0;
const run = new Run({ app, desk: { kind: 'emulate', spec: desk }, policy: 'synergy', durationS: duration, checkEvery: 50 });
let lastLog = 0;
run.on('status', (s) => {
  if (s.phase !== 'running') return;
  if (started === 0) started = performance.now();
  if (performance.now() - lastLog >= 60_000) {
    lastLog = performance.now();
    const m = process.memoryUsage();
    log(`  ${s.elapsedS.toFixed(0)} s: rss ${(m.rss / 2 ** 20).toFixed(1)} MB, heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MB; ` +
      s.pipelines.map((p) => `${p.name} ${p.rate.toFixed(1)}/s (${p.delivered} delivered, ${p.failed} failed)`).join(', '));
  }
});
run.on('event', (e) => {
  if (e.kind !== 'note') log(`  ${e.text}`);
});
const timer = setInterval(() => {
  if (started === 0) return;
  const m = process.memoryUsage();
  samples.push({ t: (performance.now() - started) / 1000, rss: m.rss, heap: m.heapUsed });
}, SAMPLE_MS);
let result;
try {
  result = await run.execute();
} finally {
  clearInterval(timer);
}

const span = Math.min(60, duration / 10);
const warmup = Math.min(60, duration / 5);
const after = samples.filter((s) => s.t >= warmup && s.t < warmup + span);
const end = samples.filter((s) => s.t >= result.durationS - span);
const rssAfter = median(after.map((s) => s.rss));
const rssEnd = median(end.map((s) => s.rss));
const heapAfter = median(after.map((s) => s.heap));
const heapEnd = median(end.map((s) => s.heap));
const t = result.totals;
const out = {
  duration_s: Math.round(result.durationS),
  rss_growth_ratio: rssAfter > 0 ? Math.round(((rssEnd - rssAfter) / rssAfter) * 10000) / 10000 : null,
  rss_after_warmup_mb: Math.round((rssAfter / 2 ** 20) * 10) / 10,
  rss_end_mb: Math.round((rssEnd / 2 ** 20) * 10) / 10,
  heap_growth_ratio: heapAfter > 0 ? Math.round(((heapEnd - heapAfter) / heapAfter) * 10000) / 10000 : null,
  frames_started: t.started,
  frames_delivered: t.delivered,
  frames_failed: t.failed,
  frames_wrong: t.wrong,
  frames_checked: t.checked,
  measured_throughput: Math.round(result.measuredThroughput * 1000) / 1000,
  estimated_throughput: Math.round(result.estimatedThroughput * 1000) / 1000,
  samples: samples.length,
};
const pass = out.rss_growth_ratio !== null && out.rss_growth_ratio < 0.1 && t.failed === 0 && t.wrong === 0 && t.delivered === t.started;
log(`\nRSS ${out.rss_after_warmup_mb} MB after the warm-up (${warmup.toFixed(0)} s), ${out.rss_end_mb} MB at the end: growth ${((out.rss_growth_ratio ?? 0) * 100).toFixed(2)}% (target < 10%); heap growth ${((out.heap_growth_ratio ?? 0) * 100).toFixed(2)}%`);
log(`frames: ${t.started} started, ${t.delivered} delivered, ${t.failed} failed, ${t.wrong} wrong of ${t.checked} checked`);
log(pass ? 'soak passed' : 'soak FAILED');
if (json) process.stdout.write(JSON.stringify({ ...out, pass }) + '\n');
process.exitCode = pass ? 0 : 1;
