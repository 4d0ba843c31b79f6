// `synergy flash` as a user runs it, against a DAPLink stand-in (tools/daplink-standin.ts): a
// directory with DETAILS.TXT and MBED.HTM that a watcher process "programs" into a QEMU board
// with the file operations a DAPLink performs (the copied image taken and removed, FAIL.TXT for
// a bad one, the board restarted). The QEMU image stands in for the board's firmware file.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFirmwareImage } from '../../host/board/firmware-image.js';
import { repoRoot } from '../../host/repo-root.js';
import { taggedCli } from './tagged-cli.js';

const ROOT = repoRoot();
const SERIAL = '04441701a2b3c4d5e6f70000';
const QEMU_BIN = join(ROOT, 'firmware/build/qemu-an386/synergy.bin');
const QEMU_ELF = join(ROOT, 'firmware/build/qemu-an386/synergy.elf');
const work = mkdtempSync(join(tmpdir(), 'synergy-flash-e2e-'));
const runtime = join(work, 'runtime');
const drive = join(work, 'DAPLINK');
const noMounts = join(work, 'mounts');
writeFileSync(noMounts, 'proc /proc proc rw 0 0\n');
// A private registry and no USB scan: a board plugged into this machine does not count.
process.env['SYNERGY_RUNTIME_DIR'] = runtime;
process.env['SYNERGY_USB'] = '0';

const { synergy, leftovers } = taggedCli('synergy-flash-e2e', ROOT, 60_000);
let standin: ChildProcess;

beforeAll(async () => {
  standin = spawn(process.execPath, [join(ROOT, 'dist/tools/daplink-standin.js'), '--dir', drive, '--serial', SERIAL], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: standin.stdout! }).once('line', (l) => (l.startsWith('READY') ? resolve() : reject(new Error(l))));
    standin.once('exit', (code) => reject(new Error(`the DAPLink stand-in exited with ${code}`)));
  });
});

afterAll(async () => {
  if (standin.exitCode === null) {
    const gone = new Promise((r) => standin.once('exit', r));
    standin.kill('SIGTERM');
    await gone;
  }
  rmSync(work, { recursive: true, force: true });
});

interface FlashJson {
  build_id: string;
  boards: { serial: string; method: string; via: string; port: string; bytes: number; build_id: string }[];
}

describe('synergy flash through a DAPLink drive', () => {
  it('copies the image onto the drive, the probe takes it, and the board comes back running its build', async () => {
    const want = readFirmwareImage(QEMU_BIN).buildId;
    const r = await synergy(['flash', '--drive', drive, '--firmware', QEMU_BIN, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as FlashJson;
    expect(out.build_id).toBe(want);
    expect(out.boards).toHaveLength(1);
    expect(out.boards[0]).toMatchObject({ serial: SERIAL, method: 'drive', via: drive, build_id: want });
    expect(out.boards[0]!.bytes).toBe(readFileSync(QEMU_BIN).length);
    expect(readdirSync(drive).sort()).toEqual(['DETAILS.TXT', 'MBED.HTM']); // the image was taken, no FAIL.TXT
  });

  it('synergy boards lists it by serial number with its build, up to date', async () => {
    const r = await synergy(['boards', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const boards = (JSON.parse(r.stdout) as { boards: Record<string, unknown>[] }).boards;
    const b = boards.find((x) => x['id'] === SERIAL)!;
    expect(b['build_id']).toBe(readFirmwareImage(QEMU_ELF).buildId);
    expect(b['needs_flashing']).toBe(false);
    const table = await synergy(['boards']);
    expect(table.stdout).toMatch(new RegExp(`^${SERIAL}\\s+max78000\\s+\\S+\\s+0\\.1\\.0\\s+${b['build_id']}\\s+up to date`, 'm'));
  });

  it('a .hex objcopy made programs the same build, and the board restarts (a new session)', async () => {
    const before = await synergy(['info', SERIAL, '--json']);
    const session = (JSON.parse(before.stdout) as { hello: { session: number } }).hello.session;
    const hex = join(work, 'synergy.hex');
    expect(spawnSync('arm-none-eabi-objcopy', ['-O', 'ihex', QEMU_ELF, hex]).status).toBe(0);
    const r = await synergy(['flash', '--drive', drive, '--firmware', hex, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as FlashJson).build_id).toBe(readFirmwareImage(QEMU_BIN).buildId);
    const after = await synergy(['info', SERIAL, '--json']);
    expect((JSON.parse(after.stdout) as { hello: { session: number } }).hello.session).not.toBe(session);
  });

  it('a bad image: FAIL.TXT on the drive, the reason in the error, exit 1, the old firmware still runs', async () => {
    const bad = join(work, 'garbage.bin');
    writeFileSync(bad, Buffer.alloc(4096, 0x5a));
    const r = await synergy(['flash', '--drive', drive, '--firmware', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the probe refused garbage\.bin; FAIL\.TXT says: error: .*initial stack pointer 0x5a5a5a5a/);
    expect(existsSync(join(drive, 'FAIL.TXT'))).toBe(true);
    expect(existsSync(join(drive, 'garbage.bin'))).toBe(false);
    const info = await synergy(['info', SERIAL, '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect((JSON.parse(info.stdout) as { hello: { build_id: string } }).hello.build_id).toBe(readFirmwareImage(QEMU_BIN).buildId);
  });

  it('refuses a directory that is not a DAPLink volume, naming what it lacks', async () => {
    const r = await synergy(['flash', '--drive', work, '--firmware', QEMU_BIN]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a DAPLink volume \(no DETAILS\.TXT or MBED\.HTM\)/);
  });

  it('with no board and no drive: exit 1, naming the VID:PID, the mounted volumes and the probes looked for', async () => {
    const r = await synergy(['flash', '--firmware', QEMU_BIN], undefined, { SYNERGY_MOUNTS: noMounts, SYNERGY_RUNTIME_DIR: join(work, 'empty') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no MAX78000FTHR found/);
    expect(r.stderr).toMatch(/0d28:0204/);
    expect(r.stderr).toMatch(/mounted DAPLink volumes \(DETAILS\.TXT and MBED\.HTM\) among 1 mount points/);
    expect(r.stderr).toMatch(/openocd: (not )?installed, pyocd: (not )?installed/);
  });

  it('leaves nothing running but the stand-in and its board', () => {
    expect(leftovers()).toEqual([]);
  });
});
