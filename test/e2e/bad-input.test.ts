// Bad input as a user gives it, through the real CLI: every mistake is refused before anything
// starts (no emulator left behind), with exit 2 (1 for a board's failure), a message naming the
// file and line or the option and the reason, well within 10 s, and never a stack trace.
// Also what a user does to a running command: Ctrl-C and SIGTERM stop it cleanly (report
// written, emulators stopped, scratch directories removed, exit 130 and 143), and what another
// process does to a board the user asks for: a port it holds, a reset during ping.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portHolders } from '../../host/link/port-holders.js';
import { repoRoot } from '../../host/repo-root.js';
import { encodeBody, encodeWireFrame, MSG, RESET } from '../../host/proto/index.js';
import { expectBuilt, taggedCli, type CliProcess, type CliRun } from './tagged-cli.js';

const ROOT = repoRoot();
const fixtures = join(ROOT, 'test/fixtures/runtime');
const APP = join(fixtures, 'app-digits-keywords.yaml');
const DESK = join(fixtures, 'desk-three.yaml');
const work = mkdtempSync(join(tmpdir(), 'synergy-bad-input-'));
/** the commands' TMPDIR: what their emulated desks leave there */
const scratch = join(work, 'tmp');
mkdirSync(scratch);
const env = { TMPDIR: scratch, SYNERGY_RUNTIME_DIR: join(work, 'registry'), SYNERGY_USB: '0' };

const { synergy, start, leftovers } = taggedCli('synergy-bad-input-e2e', work, 60_000);
const run = (args: string[]): Promise<CliRun> => synergy(args, undefined, env);

beforeAll(() => expectBuilt(['host/cli', 'host/space', 'host/runtime', 'host/link', 'host/board', 'host/proto']));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of a fixture with `from` replaced by `to` (the change must happen). */
function variant(fixture: string, name: string, from: string, to: string): string {
  const text = readFileSync(fixture, 'utf8');
  if (!text.includes(from)) throw new Error(`${fixture} has no "${from}"`);
  const path = join(work, name);
  writeFileSync(path, text.replace(from, to));
  return path;
}

/** The line of the first occurrence of `text` in a file, 1-based. */
function lineOf(path: string, text: string): number {
  return readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
}

/** What every refusal must be: the code, the message, fast, one line of reason without a stack, nothing left running. */
function expectRefused(r: CliRun, code: number, message: string | RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  if (typeof message === 'string') expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.ms).toBeLessThan(10_000);
  expect(r.stdout).toBe('');
  expect(leftovers()).toEqual([]);
}

describe('app files naming what does not exist', () => {
  it('an unknown model: exit 2 at its line', async () => {
    const app = variant(APP, 'app-model.yaml', 'model: convnet5_mnist', 'model: convnet5_mnsit');
    const r = await run(['run', app, '--desk', DESK, '--duration', '2']);
    expectRefused(r, 2, `${app}:${lineOf(app, 'convnet5_mnsit')}: pipelines[0].model: no model "convnet5_mnsit" in the zoo: did you mean convnet5_mnist? (synergy models lists the zoo)`);
  });

  it('an unknown source sensor: exit 2 at its line, with the sensors the desk has', async () => {
    const app = variant(APP, 'app-source.yaml', 'source: camera', 'source: telescope');
    const r = await run(['run', app, '--desk', DESK]);
    expectRefused(r, 2, `${app}:${lineOf(app, 'telescope')}: pipelines[0].source: no device on desk test-three has a "telescope" sensor (its sensors: camera, microphone)`);
  });

  it('an unknown target output, and one on no device of the role asked for: exit 2, both named', async () => {
    const app = variant(APP, 'app-target.yaml', 'target: {kind: display, role: watch}', 'target: {kind: hologram, role: watch}');
    const r = await run(['compare', app, '--desk', DESK]);
    expectRefused(r, 2, `${app}:${lineOf(app, 'hologram')}: pipelines[0].target: no device on desk test-three has a "hologram" output on a device with role "watch"`);
    // --emulated boards have the role "board": a watch's haptics are on none of them.
    const roles = await run(['run', APP, '--emulated', '2']);
    expectRefused(roles, 2, /pipelines\[1\]\.target: no device on desk emulated-2 has a "haptic" output on a device with role "watch" .*have the roles board/);
  });
});

describe('desk files with bad values', () => {
  for (const [rate, reason] of [['fast', 'must be a number, not "fast"'], ['0', '0 is too small (must be > 0)'], ['-5', '-5 is too small (must be > 0)']] as const) {
    it(`a sensor rate of ${rate}: exit 2 at its line`, async () => {
      const desk = variant(DESK, `desk-rate-${rate}.yaml`, 'rate: 20', `rate: ${rate}`);
      const r = await run(['run', APP, '--desk', desk]);
      expectRefused(r, 2, `${desk}:${lineOf(desk, `rate: ${rate}`)}: devices[0].sensors[0].rate: ${reason}`);
    });
  }

  it('an absurd sensor shape: exit 2, more values than any accelerator holds', async () => {
    const desk = variant(DESK, 'desk-shape.yaml', 'shape: [1, 28, 28]', 'shape: [3, 100000, 100000]');
    const r = await run(['run', APP, '--desk', desk]);
    expectRefused(r, 2, /desk-shape\.yaml:\d+: devices\[0\]\.sensors\[0\]\.shape: \[3, 100000, 100000\] is 30,000,000,000 values a frame, more than the largest accelerator's data memory/);
  });

  it('values of the wrong type: a word for a number, a word for a list, a number for a name', async () => {
    const weight = variant(APP, 'app-weight.yaml', '    model: kws20_v3', '    model: kws20_v3\n    weight: heavy');
    expectRefused(await run(['run', weight, '--desk', DESK]), 2, `${weight}:${lineOf(weight, 'heavy')}: pipelines[1].weight: must be a number, not "heavy"`);
    const shape = variant(DESK, 'desk-shape-word.yaml', 'shape: [1, 28, 28]', 'shape: 28x28');
    expectRefused(await run(['run', APP, '--desk', shape]), 2, `${shape}:${lineOf(shape, '28x28')}: devices[0].sensors[0].shape: must be a list`);
    const name = variant(DESK, 'desk-name.yaml', 'name: cam', 'name: 7');
    expectRefused(await run(['run', APP, '--desk', name]), 2, `${name}:${lineOf(name, 'name: 7')}: devices[0].name: must be a non-empty string, not 7`);
  });

  it('an output or sensor kind no board can name: exit 2', async () => {
    const desk = variant(DESK, 'desk-kind.yaml', 'outputs: [display]', 'outputs: [Display!]');
    const r = await run(['run', APP, '--desk', desk]);
    expectRefused(r, 2, `${desk}:${lineOf(desk, 'Display!')}: devices[0].outputs[0]: "Display!" is not a kind: 1 to 32 of a-z, 0-9, '_' and '-'`);
  });

  it('an input tensor of another dtype: exit 2 naming the file', async () => {
    const tensor = join(work, 'float.json');
    writeFileSync(tensor, JSON.stringify({ shape: [1, 28, 28], dtype: 'float32', data: new Array(784).fill(0) }));
    const r = await run(['infer', 'convnet5_mnist', '--input', tensor]);
    expectRefused(r, 2, `synergy infer: ${tensor}: "dtype" is "float32"; the boards take int8 tensors`);
  });
});

describe('output paths are tried before anything runs', () => {
  it('profile --out /proc/x: exit 2 at once (it used to hang forever)', async () => {
    const r = await run(['profile', 'convnet5_mnist', '--out', '/proc/x']);
    expectRefused(r, 2, 'synergy profile: --out /proc/x: cannot write there: cannot create /proc/x: ENOENT');
  });

  it('run --report under a file: exit 2 before the run (it used to be found after it)', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a directory');
    const r = await run(['run', APP, '--desk', DESK, '--report', join(file, 'reports')]);
    expectRefused(r, 2, `synergy run: --report ${join(file, 'reports')}: cannot write there: ${file} is not a directory`);
    const proc = await run(['compare', APP, '--desk', DESK, '--report', '/proc/x']);
    expectRefused(proc, 2, 'synergy compare: --report /proc/x: cannot write there: cannot create /proc/x: ENOENT');
  });
});

describe('out-of-range options are usage errors at parse time', () => {
  const cases: [string[], string][] = [
    [['emu', '--baud', '1'], 'option --baud: 1 baud is outside 0 (unpaced) or 300..100000000'],
    [['emu', '--baud', '299'], 'option --baud: 299 baud is outside 0 (unpaced) or 300..100000000'],
    [['profile', 'convnet5_mnist', '--baud', '150'], 'option --baud: 150 baud is outside 0 (unpaced) or 300..100000000'],
    [['profile', 'convnet5_mnist', '--runs', '1001'], 'option --runs: 1001 is outside 1..1000'],
    [['profile', 'convnet5_mnist', '--warmup', '5000'], 'option --warmup: 5000 is outside 0..1000'],
  ];
  for (const [args, message] of cases) {
    it(`synergy ${args.join(' ')}: exit 2`, async () => {
      expectRefused(await run(args), 2, `synergy ${args[0]}: ${message}`);
    });
  }
});

/** A `synergy emu` of one board in the test's registry; stopped by the caller. */
async function emulatedBoard(): Promise<{ emu: CliProcess; port: string }> {
  const emu = start(['emu', '--json'], env);
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    emu.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { boards: { port: string }[] }).boards[0]!.port);
    });
    void emu.done.then((r) => reject(new Error(`synergy emu ended: ${r.code} ${r.stderr}`)));
  });
  return { emu, port };
}

/** Resolves once the process printed `text` (stdout or stderr). */
function printed(p: CliProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    const look = (d: Buffer): void => {
      if (d.toString().includes(text)) resolve();
    };
    p.child.stdout!.on('data', look);
    p.child.stderr!.on('data', look);
  });
}

describe('a board another process holds or resets', () => {
  it('a port held by another synergy: exit 1 naming the port and that process', async () => {
    const { emu, port } = await emulatedBoard();
    try {
      const holder = start(['ping', 'emu-1', '-n', '1000000'], env);
      await new Promise((r) => setTimeout(r, 1500)); // its lock taken, pinging
      const r = await run(['ping', 'emu-1', '-n', '3']);
      holder.child.kill('SIGINT');
      expect((await holder.done).code).toBe(130);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`serial port ${port} is in use by another process: held by pid ${holder.child.pid} (`);
      expect(r.stderr).toMatch(/synergy\.js ping emu-1 -n 1000000\)/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      emu.child.kill('SIGTERM');
      expect((await emu.done).code).toBe(143);
    }
  });

  it('a board that resets during ping: exit 1 saying so, no stack trace', async () => {
    const { emu, port } = await emulatedBoard();
    try {
      const ping = start(['ping', 'emu-1', '-n', '1000000'], env);
      // The reset must land after the ping's hello: wait until the ping holds the port, give its
      // hello a second, then write a reset request beside its session (the answer and the boot event
      // reach the ping's session, which sees the board's new session).
      const pid = ping.child.pid!;
      for (let t = 0; t < 200 && !portHolders(port).some((h) => h.pid === pid); t++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000));
      const frame = encodeWireFrame({ kind: 'request', id: 65000, type: MSG.reset }, encodeBody(RESET.request, {}, 'reset request', {}), 8192);
      writeFileSync(port, frame);
      const r = await Promise.race([ping.done, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
      if (r === null) ping.child.kill('SIGKILL');
      expect(r, 'ping did not end within 30 s of the reset').not.toBeNull();
      if (r === null) return;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^synergy ping: board emu-1 reset during the pings \(software: session \d+ -> \d+\) after \d+ of 1000000 answered/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      emu.child.kill('SIGINT');
      expect((await emu.done).code).toBe(130);
    }
  });
});

describe('Ctrl-C and SIGTERM stop a command cleanly', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`run, ${signal}: exit ${code}, the report written, no emulator and no scratch directory left`, async () => {
      const dir = join(work, `report-${signal}`);
      const p = start(['run', APP, '--desk', DESK, '--duration', '60', '--report', dir, '--json'], env);
      await printed(p, 'loaded ');
      await new Promise((r) => setTimeout(r, 1500)); // frames flowing
      p.child.kill(signal);
      const r = await p.done;
      expect(r.code, r.stderr).toBe(code);
      const doc = JSON.parse(r.stdout) as { stopped: boolean; duration_s: number; totals: { started: number; delivered: number; failed: number } };
      expect(doc.stopped).toBe(true);
      expect(doc.duration_s).toBeLessThan(30);
      expect(doc.totals.delivered + doc.totals.failed).toBe(doc.totals.started);
      expect(doc.totals.delivered).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual(doc);
      expect(readdirSync(scratch)).toEqual([]);
      expect(leftovers()).toEqual([]);
    });
  }

  it('compare, SIGINT: exit 130 with the policies measured so far', async () => {
    const p = start(['compare', APP, '--desk', DESK, '--duration', '30', '--policies', 'synergy,standalone'], env);
    await printed(p, 'loaded ');
    await new Promise((r) => setTimeout(r, 1500));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toMatch(/^synergy\s/m);
    expect(readdirSync(scratch)).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('profile, SIGTERM: exit 143, its emulated boards stopped', async () => {
    const p = start(['profile', 'kws20_v3', '--runs', '1000', '--warmup', '1000', '--out', join(work, 'profile')], env);
    while (!leftovers().some((l) => l.includes('synergy-emu'))) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500)); // loading, then profiling (minutes at 1000 runs)
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('synergy profile: stopped by SIGTERM');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(leftovers()).toEqual([]);
  });

  it('emu, SIGINT: exit 130, its boards stopped and unregistered', async () => {
    const { emu } = await emulatedBoard();
    emu.child.kill('SIGINT');
    expect((await emu.done).code).toBe(130);
    expect(readdirSync(env.SYNERGY_RUNTIME_DIR)).toEqual([]);
    expect(leftovers()).toEqual([]);
  });
});
