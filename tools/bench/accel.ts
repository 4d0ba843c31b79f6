// npm run bench:accel [-- --json] [-- --models a,b]: the emulated accelerator through the protocol.
//   1. per zoo model: the emulator's host CPU time per inference (utime + stime of the emulator
//      processes from /proc/<pid>/stat, over N inferences after a warm-up) beside the modelled
//      chip time (total cycles at the CNN clock). One MAX78000 when the model fits one, else one
//      MAX78002, else split over MAX78000 boards. Unpaced links, so the CPU is what is measured.
//      On MAX78000 each model runs on both engines: register_cpu_ratio is the geometric mean of
//      register / layer host CPU. synth_ms_max: the slowest whole-model synthesis.
//   2. segment upload goodput at 921,600 baud (a register segment): segment bytes per second from the first chunk to
//      the last acknowledgement, against the wire limit of 92,160 B/s (10 bits per byte).
//   3. register synthesis: the slowest whole-model synthesize() over the zoo (synth_ms_max, target
//      at most 200 ms; synth-times.ts).
// Prints a table; with --json it ends with one JSON line:
//   {"models": [{"name", "host_ms", "chip_ms", ...}], "upload_goodput_ratio", ..., "synth_ms_max", ...}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { boardsNeeded, deployModel, SplitError } from '../../host/board/deploy-model.js';
import { startEmulatedDesk, type EmulatedDesk } from '../../host/board/emulated-desk.js';
import { openBoard } from '../../host/board/open.js';
import { segmentBlobsInOrder, unloadSegment, uploadSegment } from '../../host/board/segments.js';
import type { BoardSession } from '../../host/board/session.js';
import { chipSpec, type ChipName } from '../../host/model/chips.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { engineFor, type Engine } from '../../host/synth/engine.js';
import { loadModel, zooNames } from '../../host/model/zoo.js';
import { json, log, opt, runBench } from './bench-args.js';
import { synthTimes } from './synth-times.js';

const modelsArg = opt('models');
const PACED_BAUD = 921_600;
/** Inferences per model: at least MIN_RUNS, then until MIN_CPU_TICKS of CPU or MAX_WALL_MS. */
const MIN_RUNS = 5;
const MAX_RUNS = 200;
const MIN_CPU_TICKS = 200;
const MAX_WALL_MS = 8_000;
const UPLOAD_MODEL = 'kws20_v3';

const desks: EmulatedDesk[] = [];
const sessions: BoardSession[] = [];

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ), as getconf tells. */
const CLK_TCK = ((): number => {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function desk(boards: number, chip: ChipName, engine: Engine, baud?: number): Promise<{ desk: EmulatedDesk; sessions: BoardSession[] }> {
  const d = await startEmulatedDesk({ boards, chip, engine, registry: null, idPrefix: `bench-${desks.length}-`, ...(baud ? { baud } : {}) });
  desks.push(d);
  const opened: BoardSession[] = [];
  for (const b of d.boards) opened.push(await openBoard(b.emulator.path));
  sessions.push(...opened);
  return { desk: d, sessions: opened };
}

async function stopDesk(d: { desk: EmulatedDesk; sessions: BoardSession[] }): Promise<void> {
  await Promise.allSettled(d.sessions.map((s) => s.close()));
  await d.desk.stop();
  desks.splice(desks.indexOf(d.desk), 1);
}

interface ModelRow {
  name: string;
  engine: Engine;
  chip: ChipName;
  boards: number;
  runs: number;
  host_ms: number;
  chip_ms: number;
  cycles: number;
  weights: string;
}

function placement(name: string): { chip: ChipName; boards: number } {
  const loaded = loadModel(name);
  const one = (chip: ChipName): boolean => {
    if (!loaded.chips.includes(chip)) return false;
    try {
      return boardsNeeded(loaded.model, chipSpec(chip)) === 1;
    } catch (e) {
      if (e instanceof SplitError) return false;
      throw e;
    }
  };
  if (one('max78000')) return { chip: 'max78000', boards: 1 };
  if (one('max78002')) return { chip: 'max78002', boards: 1 };
  return { chip: 'max78000', boards: boardsNeeded(loaded.model, chipSpec('max78000')) };
}

async function benchModel(name: string, asked: Engine): Promise<ModelRow> {
  const loaded = loadModel(name);
  const { chip, boards } = placement(name);
  const engine = engineFor(chip, asked);
  const d = await desk(boards, chip, engine);
  try {
    const dep = await deployModel(d.sessions, loaded.model);
    const input = seededTensor(loaded.model.inputShape, 7);
    const warm = await dep.run(input);
    const pids = d.desk.boards.map((b) => b.emulator.pid);
    const ticks = (): number => pids.reduce((a, p) => a + cpuTicks(p), 0);
    const t0 = ticks();
    const wall0 = performance.now();
    let runs = 0;
    while (runs < MAX_RUNS && (runs < MIN_RUNS || (ticks() - t0 < MIN_CPU_TICKS && performance.now() - wall0 < MAX_WALL_MS))) {
      await dep.run(input);
      runs++;
    }
    const used = ticks() - t0;
    return {
      name,
      engine,
      chip,
      boards,
      runs,
      host_ms: ((used / CLK_TCK) * 1000) / runs,
      chip_ms: warm.totalUs / 1000,
      cycles: warm.totalCycles,
      weights: loaded.weights,
    };
  } finally {
    await stopDesk(d);
  }
}

async function benchUpload(): Promise<{ bytes: number; seconds: number; goodput: number; ratio: number; endToEndRatio: number }> {
  const loaded = loadModel(UPLOAD_MODEL);
  const d = await desk(1, 'max78000', 'register', PACED_BAUD);
  try {
    const session = d.sessions[0]!;
    const [blob] = segmentBlobsInOrder(session, [], [{ model: loaded.model, first: 0, count: loaded.model.layers.length }]);
    if (session.hello.linkBaud !== PACED_BAUD) throw new Error(`the paced board reports link_baud ${session.hello.linkBaud}, not ${PACED_BAUD}`);
    let firstAt = 0;
    let firstAcked = 0;
    let lastAt = 0;
    let lastAcked = 0;
    const begun = performance.now();
    await uploadSegment(session, 'bench:upload', blob!, {
      onProgress: (p) => {
        if (p.phase !== 'upload') return;
        const now = performance.now();
        if (firstAt === 0) {
          firstAt = now;
          firstAcked = p.acked;
        }
        lastAt = now;
        lastAcked = p.acked;
      },
    });
    const ended = performance.now();
    await unloadSegment(session, 'bench:upload');
    // From begin answered to the last chunk acknowledged: the bytes that crossed in that time.
    const seconds = (lastAt - firstAt) / 1000;
    const goodput = (lastAcked - firstAcked) / seconds;
    return {
      bytes: blob!.length,
      seconds,
      goodput,
      ratio: goodput / (PACED_BAUD / 10),
      endToEndRatio: blob!.length / ((ended - begun) / 1000) / (PACED_BAUD / 10),
    };
  } finally {
    await stopDesk(d);
  }
}

async function main(): Promise<void> {
  const names = modelsArg ? modelsArg.split(',') : zooNames();
  log('accel benchmark: emulated boards over pseudo-terminals, the whole protocol (segment load, tensors, infer)');
  const rows: ModelRow[] = [];
  const ratios: number[] = [];
  for (const name of names) {
    const r = await benchModel(name, 'register');
    rows.push(r);
    log(`  ${name}: ${r.host_ms.toFixed(2)} ms host CPU per inference over ${r.runs} runs (${r.engine} engine), chip ${r.chip_ms.toFixed(3)} ms (${r.boards} x ${r.chip})`);
    if (r.engine !== 'register') continue;
    // The same model on the layer engine: the register engine's host cost beside the reference's.
    const l = await benchModel(name, 'layer');
    rows.push(l);
    ratios.push(r.host_ms / l.host_ms);
    log(`  ${name}: ${l.host_ms.toFixed(2)} ms host CPU per inference over ${l.runs} runs (layer engine): register / layer ${(r.host_ms / l.host_ms).toFixed(3)}`);
  }
  const registerCpuRatio = Math.exp(ratios.reduce((a, x) => a + Math.log(x), 0) / Math.max(1, ratios.length));
  const up = await benchUpload();
  const synth = synthTimes();
  const w = Math.max(...rows.map((r) => r.name.length), 5);
  log('');
  log(`${'model'.padEnd(w)}  engine    chip          boards  runs  host ms/inf  chip ms   host/chip`);
  for (const r of rows) {
    log(
      `${r.name.padEnd(w)}  ${r.engine.padEnd(8)}  ${r.chip.padEnd(12)}  ${String(r.boards).padStart(6)}  ${String(r.runs).padStart(4)}  ${r.host_ms.toFixed(2).padStart(11)}  ${r.chip_ms.toFixed(3).padStart(8)}  ${(r.host_ms / r.chip_ms).toFixed(1).padStart(9)}`,
    );
  }
  log('');
  log(`segment upload at ${PACED_BAUD} baud (${UPLOAD_MODEL}, ${up.bytes} bytes): ${Math.round(up.goodput)} B/s = ${up.ratio.toFixed(4)} of the wire limit 92,160 B/s (target >= 0.90)`);
  log(`  begin to commit, hash and fit check included: ${up.endToEndRatio.toFixed(4)} of the wire limit`);
  const slowest = synth.rows.find((r) => r.ms === synth.maxMs);
  log(`register synthesis of whole models (${synth.rows.length} fit one max78000; split only: ${synth.skipped.join(', ') || 'none'}): `
    + `slowest ${synth.maxMs.toFixed(1)} ms${slowest ? ` (${slowest.name})` : ''} (target <= 200)`);
  log(`register engine host CPU / layer engine, geometric mean over ${ratios.length} models on MAX78000: ${registerCpuRatio.toFixed(3)} (target <= 2.0)`);
  const ok = up.ratio >= 0.9 && synth.maxMs <= 200 && registerCpuRatio <= 2;
  log(ok ? 'targets met' : 'TARGETS NOT MET');
  if (json) {
    process.stdout.write(
      JSON.stringify({
        models: rows.map((r) => ({
          name: r.name,
          engine: r.engine,
          host_ms: Number(r.host_ms.toFixed(3)),
          chip_ms: Number(r.chip_ms.toFixed(4)),
          chip: r.chip,
          boards: r.boards,
          runs: r.runs,
          cycles: r.cycles,
        })),
        register_cpu_ratio: Number(registerCpuRatio.toFixed(4)),
        upload_goodput_ratio: Number(up.ratio.toFixed(4)),
        upload_goodput_bytes_per_s: Math.round(up.goodput),
        upload_end_to_end_ratio: Number(up.endToEndRatio.toFixed(4)),
        upload_bytes: up.bytes,
        synth_ms_max: Number(synth.maxMs.toFixed(2)),
        synth_models: synth.rows.map((r) => ({ name: r.name, ms: Number(r.ms.toFixed(2)) })),
        baud: PACED_BAUD,
        cpu_clock_ticks_per_s: CLK_TCK,
        targets_met: ok,
      }) + '\n',
    );
  }
}

await runBench('accel', { sessions, boards: desks }, main);
