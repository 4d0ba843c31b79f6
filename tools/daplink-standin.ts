// A DAPLink stand-in for testing `synergy flash` without hardware: a directory that looks like
// the probe's drive (DETAILS.TXT with a Unique ID, MBED.HTM) and a watcher that "programs" what
// is copied onto it into a QEMU board, with the real file operations a DAPLink performs:
//
//   - a .bin or .hex appears and stops growing: the drive "drops off" (DETAILS.TXT and MBED.HTM
//     go away), the file is taken and removed;
//   - an image that is not a Cortex-M image for the QEMU board (vector table: a stack pointer in
//     its RAM, a Thumb reset address inside the image) leaves FAIL.TXT saying why, and the board
//     keeps its old firmware;
//   - a good image: FAIL.TXT removed, the QEMU board (re)started with it, registered under the
//     probe's serial number in the emulator registry ($SYNERGY_RUNTIME_DIR), as a real board is
//     found by its USB serial number; then the drive "comes back".
//
// The QEMU board's image (firmware/build/qemu-an386/synergy.bin or .elf) stands in for the
// board's firmware file. Usage:
//
//   node dist/tools/daplink-standin.js --dir DIR --serial SN
//
// It prints "READY DIR" once the drive exists, and stops (the board with it) on SIGTERM/SIGINT.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETAILS_FILE, FAIL_FILE, MBED_FILE } from '../host/board/daplink-drive.js';
import { EmulatorRegistry } from '../host/link/emulator-registry.js';
import { readFirmwareImage, vectorTableProblem } from '../host/board/firmware-image.js';
import type { EmulatedBoard } from '../host/link/emulator.js';
import { startQemuBoard } from '../host/link/qemu.js';

/** The QEMU board's data RAM (QEMU.md): where a good image's initial stack pointer lies. */
const QEMU_RAM = { start: 0x20000000, end: 0x20400000 };
const POLL_MS = 50;

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) {
    process.stderr.write(`daplink-standin: --${name} is required (usage: --dir DIR --serial SN)\n`);
    process.exit(2);
  }
  return v;
}

const dir = arg('dir');
const serial = arg('serial');
const store = mkdtempSync(join(tmpdir(), 'synergy-daplink-'));
const registry = new EmulatorRegistry();
let board: EmulatedBoard | null = null;
let busy = false;

function mount(): void {
  writeFileSync(
    join(dir, DETAILS_FILE),
    `# DAPLink Firmware - see https://daplink.io\nUnique ID: ${serial}\nHIC ID: 97969906\nDaplink Mode: Interface\nInterface Version: 0254\nStand-in: synergy tools/daplink-standin (a QEMU board)\n`,
  );
  writeFileSync(join(dir, MBED_FILE), `<!doctype html><html><head><meta http-equiv="refresh" content="0; URL=https://os.mbed.com/platforms/?code=${serial}"/></head></html>\n`);
}

function unmount(): void {
  rmSync(join(dir, DETAILS_FILE), { force: true });
  rmSync(join(dir, MBED_FILE), { force: true });
}

async function stopBoard(): Promise<void> {
  if (board === null) return;
  registry.unregister(serial);
  await board.stop();
  board = null;
}

async function program(file: string): Promise<void> {
  unmount();
  const kept = join(store, `firmware-${Date.now()}${file.endsWith('.hex') ? '.hex' : '.bin'}`);
  copyFileSync(file, kept);
  rmSync(file, { force: true });
  let problem: string | null;
  let image = kept;
  try {
    const read = readFirmwareImage(kept);
    problem = vectorTableProblem(read.bytes, read.base ?? 0, QEMU_RAM);
    if (read.format !== 'bin') {
      // QEMU loads a raw image at 0: the stand-in keeps the .bin of a .hex.
      image = kept.replace(/\.hex$/, '.bin');
      writeFileSync(image, read.bytes);
    }
  } catch (e) {
    problem = (e as Error).message;
  }
  if (problem !== null) {
    writeFileSync(join(dir, FAIL_FILE), `error: the image cannot be programmed: ${problem}\ntype: user\n`);
    mount();
    return;
  }
  rmSync(join(dir, FAIL_FILE), { force: true });
  await stopBoard();
  const started = await startQemuBoard({ id: serial, image });
  board = started;
  registry.register({ id: serial, chip: 'max78000', path: started.path, pid: started.pid, ownerPid: process.pid, startedAt: new Date().toISOString(), kind: 'qemu', ...(started.options.baud !== undefined ? { baud: started.options.baud } : {}) });
  void started.exited.then(() => {
    if (board === started) {
      registry.unregister(serial);
      board = null;
    }
  });
  mount();
}

/** Sizes seen at the last poll: a file is taken once it stops growing. */
const seen = new Map<string, number>();

async function poll(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (const name of readdirSync(dir)) {
      if (!/\.(bin|hex)$/i.test(name)) continue;
      const path = join(dir, name);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        continue;
      }
      if (size > 0 && seen.get(name) === size) {
        seen.delete(name);
        await program(path);
        return;
      }
      seen.set(name, size);
    }
  } catch (e) {
    process.stderr.write(`daplink-standin: ${(e as Error).message}\n`);
  } finally {
    busy = false;
  }
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (existsSync(join(dir, FAIL_FILE))) rmSync(join(dir, FAIL_FILE));
  mount();
  const parent = process.ppid;
  let stopping = false;
  const timer = setInterval(() => {
    // Dies with the process that started it, like the boards it starts.
    if (process.ppid !== parent) void stop();
    else void poll();
  }, POLL_MS);
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    await stopBoard();
    unmount();
    rmSync(store, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.stdout.write(`READY ${dir}\n`);
}

void main();
