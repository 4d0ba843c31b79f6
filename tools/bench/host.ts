// npm run bench:host [-- --json] [-- --duration S] [-- --boards N] [-- --app FILE] [-- --repeat N] [-- --prepare off] [-- --check-every N] [-- --transport pty|ble]:
// the orchestrator's own cost. The app (default examples/app-4-everyday.yaml) runs under synergy
// on N emulated boards (default 4; --transport ble: behind the BlueZ stand-in, through node-ble)
// after a warm-up, as `synergy run` runs it (outputs checked one in 10, recovery plans searched in
// the background); in the measurement window the CPU of the host's event loop (host-cost.ts) is
// divided by the frames settled and by the protocol messages it sent and received. The projection: the share of one core a desk of four pipelines at 250 frames/s
// each takes at that cost per frame (under 1: the host does not saturate a core).
// With --json it ends with one JSON line:
//   {"app", "boards", "runs", "host_cpu_us_per_frame", "host_cpu_us_per_message", "host_core_fraction", "host_runnable_fraction",
//    "frames_per_s", "messages_per_frame", "core_fraction_at_4x250", "spread": {figure: [min, max]}}

import { join } from 'node:path';
import { repoRoot } from '../../host/repo-root.js';
import { DESK_TRANSPORTS, startDeskEmulators } from '../../host/runtime/desk-emulators.js';
import { Run } from '../../host/runtime/runner.js';
import { warmUp } from '../../host/runtime/warm-up.js';
import { readApp } from '../../host/space/app-spec.js';
import { emulatedDesk } from '../../host/space/emulated-desk.js';
import { json, log, opt } from './bench-args.js';

const durationS = Number(opt('duration') ?? 15);
const boards = Number(opt('boards') ?? 4);
const repeat = Number(opt('repeat') ?? 1);
/** --prepare off: no background search of recovery plans (its CPU is a one-off after each plan starts, not a cost per frame) */
const prepareRecovery = opt('prepare') !== 'off';
/** outputs checked against the reference executor, one in N (default 10, as `synergy run`: its worker thread is the host's CPU too) */
const checkEvery = Number(opt('check-every') ?? 10);
const appFile = opt('app') ?? join(repoRoot(), 'examples', 'app-4-everyday.yaml');
/** how the host reaches the boards: pty (default) or ble (calib.hostMessageUsBle comes from this) */
const transportArg = opt('transport') ?? 'pty';
const transport = DESK_TRANSPORTS.find((t) => t === transportArg);
if (transport === undefined) {
  process.stderr.write(`bench:host: --transport takes ${DESK_TRANSPORTS.join(' or ')}, got ${transportArg}\n`);
  process.exit(2);
}
for (const [name, v, lo, hi] of [['duration', durationS, 2, 600], ['boards', boards, 1, 16], ['repeat', repeat, 1, 10], ['check-every', checkEvery, 0, 1000]] as const) {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    process.stderr.write(`bench:host: --${name} takes an integer from ${lo} to ${hi}, got ${v}\n`);
    process.exit(2);
  }
}

interface Figures {
  host_cpu_us_per_frame: number;
  host_cpu_us_per_message: number;
  host_core_fraction: number;
  /** share of the window the host ran or waited for a core (-1: the system does not say) */
  host_runnable_fraction: number;
  frames_per_s: number;
  messages_per_frame: number;
  measured_throughput: number;
  estimated_throughput: number;
}

const app = readApp(appFile);
const emus = await startDeskEmulators(emulatedDesk(boards), app, { transport });
const runs: Figures[] = [];
try {
  const cfg = { app, desk: { kind: 'emulated' as const, emulators: emus }, policy: 'synergy', durationS, checkEvery, prepareRecovery };
  await warmUp(cfg);
  for (let i = 0; i < repeat; i++) {
    const result = await new Run(cfg).execute();
    const host = result.epochs[0]?.host;
    if (!host || host.cpuUsPerFrame === null || host.cpuUsPerMessage === null || host.messagesPerFrame === null) {
      throw new Error('the run had no measurement window with frames: nothing to measure');
    }
    const f: Figures = {
      host_cpu_us_per_frame: Math.round(host.cpuUsPerFrame),
      host_cpu_us_per_message: Math.round(host.cpuUsPerMessage * 10) / 10,
      host_core_fraction: Math.round(host.coreFraction * 1000) / 1000,
      host_runnable_fraction: host.runnableFraction === null ? -1 : Math.round(host.runnableFraction * 1000) / 1000,
      frames_per_s: Math.round(host.framesPerSec),
      messages_per_frame: Math.round(host.messagesPerFrame * 100) / 100,
      measured_throughput: Math.round(result.measuredThroughput * 100) / 100,
      estimated_throughput: Math.round(result.estimatedThroughput * 100) / 100,
    };
    runs.push(f);
    log(`run ${i + 1}: ${f.host_cpu_us_per_frame} µs CPU per frame, ${f.host_cpu_us_per_message} µs per message (${f.messages_per_frame} messages a frame), ` +
      `${(f.host_core_fraction * 100).toFixed(0)}% of a core (runnable ${(f.host_runnable_fraction * 100).toFixed(0)}% of the time) at ${f.frames_per_s} frames/s; throughput ${f.measured_throughput} of ${f.estimated_throughput} estimated`);
  }
} finally {
  await emus.stop();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const keys = Object.keys(runs[0]!) as (keyof Figures)[];
const out = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Figures;
const at4x250 = Math.round(((4 * 250 * out.host_cpu_us_per_frame) / 1e6) * 1000) / 1000;
log(`${app.name} on ${boards} emulated boards, ${runs.length} run(s) of ${durationS} s (median): ${out.host_cpu_us_per_frame} µs of host CPU per frame, ` +
  `${out.host_cpu_us_per_message} µs per message; four pipelines at 250 frames/s would take ${(at4x250 * 100).toFixed(0)}% of a core`);
if (json) {
  const spread = Object.fromEntries(keys.map((k) => [k, [Math.min(...runs.map((r) => r[k])), Math.max(...runs.map((r) => r[k]))]]));
  process.stdout.write(JSON.stringify({ app: app.name, boards, transport, runs: runs.length, duration_s: durationS, prepare_recovery: prepareRecovery, check_every: checkEvery, ...out, core_fraction_at_4x250: at4x250, spread }) + '\n');
}
