// The QEMU board (firmware/port/qemu-an386) as the host reaches it: the firmware core running on
// QEMU's Cortex-M4, its UART0 on a real pseudo-terminal. Its options arrive through the
// semihosting command line; hello tells its build id (the image's own SHA-256, as the host
// computes it from the .elf and the .bin) and why it started; its link is paced at the rate it
// reports; a reset is a real system reset; it dies with the process that started it.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTensor } from '../../host/board/tensors.js';
import { readFirmwareImage } from '../../host/board/firmware-image.js';
import type { BoardSession } from '../../host/board/session.js';
import { EmulatorExitedError, type EmulatedBoard } from '../../host/link/emulator.js';
import { qemuImage, QEMU_LINK_BAUD, startQemuBoard } from '../../host/link/qemu.js';
import { repoRoot } from '../../host/repo-root.js';
import { SENSE } from '../../host/proto/index.js';
import { openSession, seededBytes, stopAll } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'synergy-qemu-test-'));
const boards: EmulatedBoard[] = [];

afterAll(async () => {
  await stopAll();
  await Promise.allSettled(boards.map((b) => b.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

async function qemuBoard(opts: Parameters<typeof startQemuBoard>[0]): Promise<{ board: EmulatedBoard; session: BoardSession }> {
  const board = await startQemuBoard(opts);
  boards.push(board);
  return { board, session: await openSession(board.path) };
}

describe('a QEMU board', () => {
  const frame = Int8Array.from({ length: 3 * 8 * 8 }, (_, i) => ((i * 37) % 256) - 128);
  let session: BoardSession;
  beforeAll(async () => {
    const file = join(scratch, 'camera.int8');
    writeFileSync(file, frame);
    ({ session } = await qemuBoard({
      id: 'qemu-it', chip: 'max78002', sensors: ['camera:3x8x8@29.97', 'microphone:1x16x1@1'], outputs: ['led', 'speaker'],
      extraArgs: ['--sensor-file', `0:${file}`],
    }));
  });

  it('takes the emulated board\'s options: id, chip, sensors, outputs, and reports its link rate', () => {
    const h = session.hello;
    expect(h.boardId).toBe('qemu-it');
    expect(h.chip).toBe('max78002');
    expect(h.sensors).toEqual([
      { kind: 'camera', shape: [3, 8, 8], rateMhz: 29970 },
      { kind: 'microphone', shape: [1, 16, 1], rateMhz: 1000 },
    ]);
    expect(h.outputs).toEqual(['led', 'speaker']);
    expect(h.linkBaud).toBe(QEMU_LINK_BAUD);
  });

  it('reports the build id the host computes from the .elf and the .bin, and a power-on start', () => {
    const elf = readFirmwareImage(qemuImage());
    const bin = readFirmwareImage(join(repoRoot(), 'firmware/build/qemu-an386/synergy.bin'));
    expect(elf.buildId).toMatch(/^[0-9a-f]{16}$/);
    expect(bin.buildId).toBe(elf.buildId);
    expect(Buffer.from(bin.bytes).equals(Buffer.from(elf.bytes))).toBe(true);
    expect(session.hello.buildId).toBe(elf.buildId);
    expect(session.hello.resetCause).toBe('power-on');
  });

  it('the .hex objcopy writes gives the same build id', () => {
    const hex = join(scratch, 'synergy.hex');
    const r = spawnSync('arm-none-eabi-objcopy', ['-O', 'ihex', qemuImage(), hex]);
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(readFirmwareImage(hex).buildId).toBe(session.hello.buildId);
  });

  it('plays its sensor file, read through semihosting, byte for byte', async () => {
    for (let k = 0; k < 2; k++) {
      await session.request(SENSE, { sensor: 0, slot: 2 });
      expect(Buffer.from(await getTensor(session, 2)).equals(Buffer.from(frame.buffer))).toBe(true);
    }
  });

  it('echoes pings of random sizes byte for byte, several in flight', async () => {
    const rnd = seededBytes(11);
    const payloads = Array.from({ length: 24 }, (_, i) => rnd([0, 1, 253, 254, 255, 1000, 2047][i % 7]! + (i % 3)));
    const answers = await Promise.all(payloads.map((p) => session.ping(p)));
    answers.forEach(({ body }, i) => expect(Buffer.from(body).equals(Buffer.from(payloads[i]!))).toBe(true));
    expect(session.hostStats.crcErrors + session.hostStats.framingErrors).toBe(0);
  });

  it('paces its link: bytes cross no faster than link_baud / 10 per second', async () => {
    const rnd = seededBytes(5);
    const payloads = Array.from({ length: 8 }, () => rnd(4000));
    const t0 = performance.now();
    await Promise.all(payloads.map((p) => session.ping(p)));
    const seconds = (performance.now() - t0) / 1000;
    // Each direction carries 8 frames of ~4,030 bytes; both directions run at once.
    const wireSeconds = (8 * 4030 * 10) / QEMU_LINK_BAUD;
    expect(seconds).toBeGreaterThan(wireSeconds * 0.95);
  });

  it('stats carry the stack high-water mark its painted stack shows', async () => {
    const s = await session.boardStats();
    expect(s.stackPeak).toBeGreaterThan(256);
    expect(s.stackPeak).toBeLessThan(256 * 1024);
  });

  it('reset is a real system reset: a new session, reset cause "software", the same image', async () => {
    const before = session.hello;
    const after = await session.reset();
    expect(after.session).not.toBe(before.session);
    expect(after.resetCause).toBe('software');
    expect(after.buildId).toBe(before.buildId);
    expect(after.sensors).toEqual(before.sensors); // the command line survives the reset
    await expect(session.ping(new Uint8Array([1, 2, 3]))).resolves.toBeDefined();
  });
});

describe('starting and stopping QEMU boards', () => {
  it('a refused option ends QEMU with status 2 and the firmware\'s reason', async () => {
    const err = await startQemuBoard({ id: 'bad', sensors: ['camera:0x1x1@1'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmulatorExitedError);
    expect((err as EmulatorExitedError).exit.code).toBe(2);
    expect((err as Error).message).toMatch(/--sensor 'camera:0x1x1@1'/);
  });

  it('an option with a space is refused before QEMU starts (QEMU splits -append at spaces)', async () => {
    await expect(startQemuBoard({ id: 'two words' })).rejects.toThrow(/cannot hold spaces/);
  });

  it('dies with the process that started it', async () => {
    const script = `
      import { startQemuBoard } from ${JSON.stringify(join(repoRoot(), 'dist/host/link/qemu.js'))};
      const b = await startQemuBoard({ id: 'orphan' });
      console.log(b.pid);
      setInterval(() => {}, 1000);`;
    // The built host (make build), as a user's synergy process runs it.
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`the starter exited with ${code}`)));
    });
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});
