// synergy run <app.yaml> [--desk FILE | --emulated N | --qemu N] [--policy NAME] [--duration S] [--report DIR]:
// plans the app on the desk, loads the boards, runs every pipeline for S seconds, and shows what
// happens: a live status while it runs, a final table, and (with --report) run.json and
// run.html. Boards lost or joining during the run are re-planned around; --kill and --restart
// inject such faults into an emulated desk.

import { ENGINES, type Engine } from '../../synth/engine.js';
import { ENGINE_HELP } from '../model-run.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { choiceValue, intValue, UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { CommandFailure, EXIT, type Command, type CommandIO } from '../command.js';
import { makeDirs, prepareOutputDir } from '../output-dir.js';
import { checkAppOnDesk } from '../../space/app-check.js';
import { readApp, type AppSpec } from '../../space/app-spec.js';
import { deskSource, DeskSourceError } from '../../runtime/desk-source.js';
import { startDeskEmulators, type DeskEmulators } from '../../runtime/desk-emulators.js';
import { policyNames, UnknownPolicyError } from '../../runtime/planning.js';
import { emulateOptions, Run, type DeskSource, type Fault, type RunConfig, type RunResult } from '../../runtime/runner.js';
import type { DeployProgress } from '../../runtime/deploy.js';
import { runDocument, runHtml, type RunDocument } from '../../report/run-report.js';
import { deployBars, finalTable, LiveBlock, statusText } from '../../report/run-status.js';
import { looksLikeAddress, parseLiveAddress } from '../../live/address.js';
import { LiveView } from '../../live/live-view.js';
import { LiveServerError } from '../../live/server.js';

function secondsValue(min: number, max: number): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`"${text}" is not a number of seconds in ${min}..${max}`);
    return v;
  };
}

function faultValue(text: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*@\d+(\.\d+)?$/.test(text)) throw new Error(`"${text}" is not DEVICE@SECONDS`);
  return text;
}

/** Options `run` and `compare` share. */
export const RUN_OPTIONS: OptionSpec[] = [
  { name: 'desk', value: 'FILE', description: 'desk spec (YAML): its devices are emulated; "devices: discovered" uses the boards found' },
  { name: 'emulated', value: 'N', parse: intValue(1, 64), description: 'N emulated boards instead of a desk file' },
  { name: 'qemu', value: 'N', parse: intValue(1, 64), description: 'N QEMU boards (the firmware on a Cortex-M4 under qemu-system-arm) instead of a desk file' },
  { name: 'engine', value: 'NAME', parse: choiceValue(...ENGINES), description: ENGINE_HELP },
  { name: 'duration', value: 'S', parse: secondsValue(1, 86_400), description: 'seconds to run (default 10)' },
  { name: 'objective', value: 'NAME', parse: choiceValue('maxmin', 'sum'), description: 'maxmin (default) or sum' },
  { name: 'check-every', value: 'N', parse: intValue(0, 1_000_000), description: 'check one frame in N against the reference executor (default 10, 0 = none; an output fetched only to be checked takes at most 1% of its board\'s link)' },
  { name: 'admit', value: 'X', parse: secondsValue(1, 10), description: 'admit frames at X times the planned rate (default 1.2)' },
  { name: 'report', value: 'DIR', description: 'write run.json and run.html there' },
  {
    name: 'compute-every-frame',
    description: 'emulated desk: every frame distinct and every infer computed (default: the emulators replay exact results of inputs they computed before, sensors repeat every 4 frames)',
  },
];

/** The app file (a SpecError at its line when it is malformed: exit 2). */
export function readAppArg(path: string): AppSpec {
  return readApp(path);
}

/**
 * The desk of `run` and `compare`, with the app checked against it before anything starts: every
 * model in the zoo, every source sensor and target output on some device (SpecError at the app's
 * line, exit 2).
 */
export async function deskArg(args: ParsedArgs, app: AppSpec, command: string): Promise<DeskSource> {
  let desk: DeskSource;
  try {
    desk = await deskSource({
      ...(args.has('desk') ? { desk: args.string('desk')! } : {}),
      ...(args.has('emulated') ? { emulated: args.number('emulated')! } : {}),
      ...(args.has('qemu') ? { qemu: args.number('qemu')! } : {}),
    });
    const engine = args.string('engine') as Engine | undefined;
    if (engine && desk.kind === 'emulate') desk = { ...desk, engine };
  } catch (e) {
    if (e instanceof DeskSourceError) throw new UsageError(`synergy ${command}: ${e.message}`);
    throw e;
  }
  const problems = checkAppOnDesk(app, desk.kind === 'emulated' ? desk.emulators.desk : desk.spec);
  if (problems.length > 0) throw new UsageError(problems.map((p) => `synergy ${command}: ${p.message}`).join('\n'));
  return desk;
}

/** The --report directory, made and tried before the run (null when not asked for). */
export function reportDirArg(args: ParsedArgs): string | null {
  const dir = args.string('report');
  return dir === undefined ? null : prepareOutputDir(dir, '--report');
}

export function baseConfig(args: ParsedArgs, app: AppSpec, desk: DeskSource, policy: string, signal: AbortSignal): RunConfig {
  const objective = args.string('objective') as 'maxmin' | 'sum' | undefined;
  return {
    app,
    desk,
    policy,
    signal,
    durationS: args.number('duration') ?? 10,
    ...(objective ? { objective } : {}),
    ...(args.has('check-every') ? { checkEvery: args.number('check-every')! } : {}),
    ...(args.has('admit') ? { admitFactor: args.number('admit')! } : {}),
  };
}

/** Runs once with a live status on a terminal (and `watch` following the run); resolves with the result and its document. */
export async function runWithStatus(cfg: RunConfig, io: CommandIO, label: string, watch?: (run: Run) => void): Promise<{ result: RunResult; doc: RunDocument }> {
  const live = new LiveBlock();
  const bars = new Map<string, DeployProgress>();
  const run = new Run(cfg);
  watch?.(run);
  run.on('deploy', (p) => {
    bars.set(p.device, p);
    live.draw(`${label}: loading segments\n${deployBars(bars)}`);
  });
  run.on('event', (e) => {
    if (e.kind === 'deployed') bars.clear();
    live.clear();
    io.err(`${label}: ${e.text}`);
  });
  run.on('status', (s) => live.draw(`${label}: ${statusText(s)}`));
  try {
    const result = await run.execute();
    live.clear();
    return { result, doc: runDocument(result) };
  } catch (e) {
    live.clear();
    if (cfg.signal?.aborted) throw e; // stopped before it ran: main.ts says so
    throw new CommandFailure(`${label}: ${(e as Error).message}`);
  }
}

export function writeReport(dir: string, doc: RunDocument, name = 'run'): string {
  try {
    makeDirs(dir);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(doc, null, 1) + '\n');
    writeFileSync(join(dir, `${name}.html`), runHtml(doc));
  } catch (e) {
    throw new CommandFailure(`cannot write the report to ${dir}: ${(e as Error).message}`);
  }
  return join(dir, `${name}.html`);
}

/** An emulated desk that computes every infer (--compute-every-frame). */
export async function startExactDesk(desk: Extract<DeskSource, { kind: 'emulate' }>, app: AppSpec): Promise<DeskEmulators> {
  try {
    return await startDeskEmulators(desk.spec, app, { ...emulateOptions(desk), exactCompute: true });
  } catch (e) {
    throw new CommandFailure(`cannot start the emulated desk ${desk.spec.name}: ${(e as Error).message}`);
  }
}

function faults(args: ParsedArgs, desk: DeskSource): Fault[] {
  const out: Fault[] = [];
  for (const [action, values] of [['kill', args.list('kill')], ['hang', args.list('hang')], ['restart', args.list('restart')]] as const) {
    for (const v of values) {
      const at = v.lastIndexOf('@');
      const device = v.slice(0, at);
      if (desk.kind !== 'emulate') throw new UsageError(`synergy run: --${action} works on an emulated desk only`);
      if (!desk.spec.devices.some((d) => d.name === device)) {
        throw new UsageError(`synergy run: --${action} ${v}: no device ${device} on desk ${desk.spec.name} (${desk.spec.devices.map((d) => d.name).join(', ')})`);
      }
      out.push({ action, device, atS: Number(v.slice(at + 1)) });
    }
  }
  return out;
}

/** The live view of --live, listening before the run starts; its URL on stderr. */
async function startLiveView(address: string, io: CommandIO): Promise<LiveView> {
  try {
    const view = await LiveView.start(parseLiveAddress(address));
    io.err(`live view: ${view.url}`);
    return view;
  } catch (e) {
    if (e instanceof LiveServerError) throw new CommandFailure(`--live: ${e.message}`);
    throw e;
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run an app on a desk: plan, load the boards, execute every pipeline, measure, adapt',
  description:
    'APP is an app spec (YAML: pipelines of source kind, model, target kind). The desk is a desk\n' +
    'spec (--desk; its devices are emulated, one synergy-emu each, links paced at their rates) or\n' +
    '--emulated N. The policy plans the pipelines onto the boards present; the boards load their\n' +
    'segments in parallel; every pipeline then runs pipelined for the duration, its frames\n' +
    'admitted a little above the planned rate, so the measurement shows the plan\'s capacity.\n' +
    'A board lost or joining re-plans the app on the boards present. Prints the measured table;\n' +
    'exits 1 if any delivered output differed from the reference executor. Ctrl-C or SIGTERM stops\n' +
    'the run early: the frames in flight finish or fail, the report is written, the boards are\n' +
    'released and the emulators stopped; the exit code is then 130 or 143.',
  positionals: [{ name: 'app', description: 'app spec (YAML)' }],
  options: [
    ...RUN_OPTIONS,
    { name: 'policy', value: 'NAME', description: `planning policy (default synergy; known: ${policyNames().join(', ')})` },
    { name: 'kill', value: 'DEVICE@S', parse: faultValue, repeatable: true, description: 'kill that emulated board S seconds into the run' },
    { name: 'hang', value: 'DEVICE@S', parse: faultValue, repeatable: true, description: 'stop that emulated board S seconds into the run (SIGSTOP: it hangs, its link stays open)' },
    { name: 'restart', value: 'DEVICE@S', parse: faultValue, repeatable: true, description: 'start a killed (or hung) emulated board again at S seconds' },
    {
      name: 'live', value: '[HOST:PORT]', valueOptional: looksLikeAddress,
      parse: (text) => (parseLiveAddress(text), text),
      description: 'serve a live view of the run (plan, throughput, utilisation, faults) at http://HOST:PORT/ and print its URL; loopback only, default 127.0.0.1 on a free port (see docs/live.md)',
    },
  ],
  async run({ args, json, io, signal }) {
    const app = readAppArg(args.positionals[0]!);
    const desk = await deskArg(args, app, 'run');
    const dir = reportDirArg(args);
    const policy = args.string('policy') ?? 'synergy';
    if (!policyNames().includes(policy)) throw new UsageError(new UnknownPolicyError(`synergy run: no policy "${policy}" (known: ${policyNames().join(', ')})`).message);
    const faultList = faults(args, desk);
    // Fully computed: the desk is started here with exactCompute and handed to the run as a
    // running one (the run then leaves it to us to stop).
    if (args.flag('compute-every-frame') && desk.kind !== 'emulate') throw new UsageError('synergy run: --compute-every-frame works on an emulated desk only');
    const view = args.has('live') ? await startLiveView(args.string('live')!, io) : null;
    const exact = args.flag('compute-every-frame') && desk.kind === 'emulate' ? await startExactDesk(desk, app) : null;
    const onExit = (): void => exact?.killNow();
    process.on('exit', onExit);
    let doc: RunDocument | null = null;
    try {
      const cfg: RunConfig = { ...baseConfig(args, app, exact ? { kind: 'emulated', emulators: exact } : desk, policy, signal), faults: faultList };
      ({ doc } = await runWithStatus(cfg, io, `${app.name}/${policy}`, view ? (r) => view.watch(r) : undefined));
    } finally {
      await view?.finish(doc);
      await exact?.stop();
      process.off('exit', onExit);
    }
    const page = dir !== null ? writeReport(dir, doc) : null;
    if (json) io.out(JSON.stringify(doc));
    else {
      io.out(finalTable(doc));
      if (page) io.out(`report: ${page}`);
    }
    return doc.totals.wrong > 0 ? EXIT.failure : EXIT.ok;
  },
};
