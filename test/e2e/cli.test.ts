// The synergy CLI as a user runs it: real processes (`node bin/synergy.js ...`), an emulated
// desk started by `synergy emu` found by `boards`, `ping` and `info` in other processes.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBuilt, taggedCli } from './tagged-cli.js';

const ROOT = join(import.meta.dirname, '../..');
const COMMANDS = ['boards', 'emu', 'ping', 'info'];

const cli = taggedCli('synergy-cli-e2e', ROOT, 20_000);
/** `env` replaces the environment's synergy settings (a private registry). */
const synergy = (args: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof cli.synergy> => cli.synergy(args, undefined, env);

beforeAll(() => expectBuilt(['host/cli', 'host/board', 'host/link', 'host/proto']));

describe('help and usage', () => {
  it('synergy --help lists every command and exits 0', async () => {
    const r = await synergy(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  for (const c of COMMANDS) {
    it(`synergy ${c} --help shows its usage and options, exits 0`, async () => {
      const r = await synergy([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: synergy ${c}`));
      expect(r.stdout).toMatch(/--json/);
      expect(r.stdout).toMatch(/exit codes: 0 ok, 1 failure, 2 usage error/);
      expect(r.stderr).toBe('');
    });
  }

  const usageErrors: Array<[string[], RegExp]> = [
    [['ping'], /missing <board>/],
    [['ping', 'emu-1', '--bogus'], /unknown option --bogus/],
    [['ping', 'emu-1', '-n'], /option -n needs a value/],
    [['ping', 'emu-1', '--size', '9000'], /--size: 9000 is outside 0\.\.8064/],
    [['emu', '--chip', 'z80'], /"z80" is not one of max78000, max78002, mixed/],
    [['emu', '--boards', 'two'], /"two" is not an integer/],
    [['emu', '--sensor', 'bogus'], /--sensor 'bogus'/], // refused by the emulator itself (exit 2 there too)
    [['info', 'a', 'b'], /unexpected argument "b"/],
    [['fly'], /unknown command "fly"/],
    [[], /usage: synergy <command>/],
  ];
  for (const [args, message] of usageErrors) {
    it(`synergy ${args.join(' ')}: usage error, exit 2`, async () => {
      const r = await synergy(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }
});

describe('an emulated desk in one process, used from others', () => {
  const runtime = mkdtempSync(join(tmpdir(), 'synergy-e2e-'));
  // A private registry; real boards left out, so a board plugged into this machine does not count.
  const env = { ...process.env, SYNERGY_RUNTIME_DIR: runtime, SYNERGY_USB: '0' };
  let desk: ChildProcess;
  let boards: Array<{ id: string; chip: string; port: string; pid: number }>;

  beforeAll(async () => {
    // Its own process group, so that afterAll can stop it and every emulator it started.
    const started = cli.start(['emu', '--boards', '2', '--chip', 'mixed', '--json'], env, { detached: true });
    desk = started.child;
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: desk.stdout! }).once('line', resolve);
      void started.done.then((r) => reject(new Error(`synergy emu exited with ${r.code}: ${r.stderr}`)));
    });
    boards = (JSON.parse(first) as { boards: typeof boards }).boards;
  });

  afterAll(() => {
    if (desk.pid !== undefined) {
      try {
        process.kill(-desk.pid, 'SIGKILL');
      } catch {
        // already stopped by the test: the normal case
      }
    }
    rmSync(runtime, { recursive: true, force: true });
  });

  it('synergy emu --json prints the desk: ids, chips, ports', () => {
    expect(boards.map((b) => [b.id, b.chip])).toEqual([
      ['emu-1', 'max78000'],
      ['emu-2', 'max78002'],
    ]);
    for (const b of boards) expect(existsSync(b.port)).toBe(true);
    expect(readdirSync(runtime).sort()).toEqual(['emu-emu-1.json', 'emu-emu-2.json']);
  });

  it('synergy boards --json finds both, with hello limits; nothing but JSON on stdout', async () => {
    const r = await synergy(['boards', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { boards: Array<Record<string, unknown>> };
    expect(out.boards.map((b) => [b['id'], b['chip'], b['port'], b['transport']])).toEqual(
      boards.map((b) => [b.id, b.chip, b.port, 'emulated']),
    );
    for (const b of out.boards) {
      expect(b['max_frame']).toBe(8192);
      expect(b['max_payload']).toBe(8064);
      expect(b['proto']).toBe(1);
      expect(typeof b['firmware']).toBe('string');
    }
  });

  it('synergy boards shows a table', async () => {
    const r = await synergy(['boards'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+CHIP\s+PORT\s+FIRMWARE/);
    for (const b of boards) expect(r.stdout).toMatch(new RegExp(`^${b.id}\\s+${b.chip}\\s+${b.port}`, 'm'));
  });

  it('synergy ping <id> --json gives round-trip statistics', async () => {
    const r = await synergy(['ping', 'emu-1', '-n', '25', '--size', '200', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number | string>;
    expect(out['board']).toBe('emu-1');
    expect(out['count']).toBe(25);
    expect(out['size']).toBe(200);
    const [min, p50, p99, max] = ['min_ms', 'p50_ms', 'p99_ms', 'max_ms'].map((k) => out[k] as number);
    expect(min).toBeGreaterThan(0);
    expect(min).toBeLessThanOrEqual(p50!);
    expect(p50).toBeLessThanOrEqual(p99!);
    expect(p99).toBeLessThanOrEqual(max!);
  });

  it('synergy ping <port path> works too', async () => {
    const r = await synergy(['ping', boards[1]!.port, '-n', '3'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/emu-2 .*3 pings of 32 bytes/);
    expect(r.stdout).toMatch(/p50 [\d.]+/);
  });

  it('synergy info <id> --json: hello, board stats, host stats', async () => {
    const r = await synergy(['info', 'emu-2', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(out['hello']!['chip']).toBe('max78002');
    expect(out['hello']!['board_id']).toBe('emu-2');
    expect(out['board_stats']!['frames_in'] as number).toBeGreaterThan(0);
    // hello and stats answered (and the boot announcement, if this is the first connection)
    expect(out['host_stats']!['frames_in'] as number).toBeGreaterThanOrEqual(2);
    expect(out['host_stats']!['frames_out']).toBe(2);
  });

  it('synergy info <id> (text) names the board and its counters', async () => {
    const r = await synergy(['info', 'emu-1'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^emu-1 on \/dev\//);
    expect(r.stdout).toMatch(/max_in_flight/);
    expect(r.stdout).toMatch(/crc_errors/);
  });

  it('an unknown board id fails with exit 1, naming the boards there are', async () => {
    const r = await synergy(['ping', 'emu-9'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no board with id "emu-9": known boards are emu-1, emu-2/);
  });

  it('a stale registry entry (dead process) is ignored and removed', async () => {
    const stale = join(runtime, 'emu-ghost.json');
    writeFileSync(stale, JSON.stringify({ id: 'ghost', chip: 'max78000', path: '/dev/pts/999', pid: 999999, ownerPid: 999999, startedAt: '' }));
    const r = await synergy(['boards', '--json'], env);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { boards: unknown[] }).boards).toHaveLength(2);
    expect(existsSync(stale)).toBe(false);
  });

  it('SIGTERM stops the desk: exit 143, every emulator gone, registry clean', async () => {
    const exited = new Promise<number | null>((resolve) => desk.once('exit', (code) => resolve(code)));
    desk.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(readdirSync(runtime)).toEqual([]);
    for (const b of boards) expect(() => process.kill(b.pid, 0)).toThrow();
    const r = await synergy(['boards', '--json'], env);
    expect(JSON.parse(r.stdout)).toEqual({ boards: [] });
  });
});
