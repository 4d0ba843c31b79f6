// Starts a QEMU board: the firmware core built for the Cortex-M4 (firmware/build/qemu-an386,
// `make firmware`) in qemu-system-arm's mps2-an386 machine, its UART0 on a pseudo-terminal. It
// takes the emulated board's options (the same EmulatorOptions, given to the firmware as its
// semihosting command line through -append), so it stands in for any emulated board, and it is
// handed back as the same EmulatedBoard: reached through its pty like a real board.
//
// The start follows ../shared/docs/QEMU.md: QEMU starts paused (-S) and prints its pty on stdout;
// we open the pty and keep that descriptor open (QEMU discards what the firmware sends while no
// one has the pty open), then QMP `cont` lets the firmware run; it is ready when the firmware logs
// that its UART is up (a refused option ends QEMU with status 2 instead). QEMU starts reading the
// host's bytes up to a second after the pty was first opened, which a session's hello retry
// covers. The QMP socket lives in a private directory removed once `cont` is answered.
// QEMU dies with its parent: it is started through setpriv --pdeathsig (util-linux) where that is
// installed, and stop() or the caller's exit handler kills it otherwise.

import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, constants, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { childLifetime, emulatorArgs, EmulatorExitedError, EmulatorNotBuiltError, type EmulatedBoard, type EmulatorOptions } from './emulator.js';
import { findOnPath } from './find-on-path.js';
import { repoRoot } from './repo-root.js';

export interface QemuBoardOptions extends Omit<EmulatorOptions, 'linkName' | 'binary'> {
  /** the firmware image; default $SYNERGY_QEMU_IMAGE or firmware/build/qemu-an386/synergy.elf */
  image?: string;
  /** the QEMU binary; default $SYNERGY_QEMU or qemu-system-arm from PATH */
  qemu?: string;
}

export class QemuMissingError extends Error {
  override readonly name = 'QemuMissingError';
}

const TAIL_LIMIT = 4096;
/**
 * The wire rate a QEMU board runs at, at most: QEMU's UART model moves one byte per interrupt, and
 * the machine's link carries 20-40 KB/s each way on an idle host and much less on a busy one
 * (QEMU.md), so the board paces itself at the MAX78000FTHR's own default rate, 115,200 baud
 * (11.5 KB/s), and says so in hello: the host's timeouts (3x the wire time) then hold while QEMU
 * keeps a third of that. A board given no rate, or a faster one, runs at this rate; a slower one
 * (a BLE device it stands in for) at its own.
 */
export const QEMU_LINK_BAUD = 115_200;

/** The simulator's exact-memo budget a QEMU board has room for, MiB (main.c MEMO_MIB_MAX). */
export const QEMU_MEMO_MIB = 2;

export function qemuBaud(asked: number | undefined): number {
  return asked === undefined || asked <= 0 ? QEMU_LINK_BAUD : Math.min(asked, QEMU_LINK_BAUD);
}
/** QEMU's status when the firmware refused its options (semihosting exit, main.c). */
export const QEMU_BAD_OPTIONS = 2;

/** Where the QEMU board's image is; throws a clear error if it has not been built. */
export function qemuImage(explicit?: string): string {
  const path = explicit ?? process.env['SYNERGY_QEMU_IMAGE'] ?? join(repoRoot(), 'firmware/build/qemu-an386/synergy.elf');
  if (!existsSync(path)) throw new EmulatorNotBuiltError(`QEMU board image ${path} not found: run make firmware`);
  return path;
}

/** The qemu-system-arm to run; throws naming what is missing and how to get it. */
export function qemuBinary(explicit?: string): string {
  const name = explicit ?? process.env['SYNERGY_QEMU'] ?? 'qemu-system-arm';
  const found = findOnPath(name);
  if (found === undefined) {
    throw new QemuMissingError(`${name} not found: a QEMU board needs Debian's qemu-system-arm (make setup installs it; SYNERGY_QEMU names another)`);
  }
  return found;
}

/** The firmware's command line: the emulated board's options, one word each (QEMU splits -append at spaces). */
export function qemuAppend(opts: QemuBoardOptions): string {
  const words = emulatorArgs(opts);
  const spaced = words.find((w) => /\s/.test(w) || w === '');
  if (spaced !== undefined) throw new Error(`QEMU board option ${JSON.stringify(spaced)}: a QEMU board's options cannot hold spaces (QEMU splits -append at spaces)`);
  return words.join(' ');
}

export function qemuArgs(image: string, qmpSocket: string, append: string): string[] {
  return [
    '-machine', 'mps2-an386', '-nographic', '-monitor', 'none', '-serial', 'pty',
    '-semihosting-config', 'enable=on,target=native',
    '-accel', 'tcg,thread=single',
    '-qmp', `unix:${qmpSocket},server=on,wait=off`,
    '-S', '-kernel', image, '-append', append,
  ];
}

/** One QMP conversation: capabilities, then each command in turn; resolves when all are answered. */
async function qmp(socket: string, commands: string[], timeoutMs: number): Promise<void> {
  const conn = createConnection(socket);
  conn.setEncoding('utf8');
  const lines = createInterface({ input: conn });
  const pending = ['qmp_capabilities', ...commands];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QMP on ${socket}: no answer within ${timeoutMs} ms (waiting for ${pending[0]})`)), timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        reject(new Error(`QMP on ${socket}: ${e.message}`));
      };
      conn.once('error', fail);
      lines.on('line', (line) => {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return fail(new Error(`not JSON: ${line.slice(0, 80)}`));
        }
        if ('QMP' in msg || 'return' in msg) {
          if ('return' in msg) pending.shift();
          if (pending.length === 0) {
            clearTimeout(timer);
            resolve();
          } else conn.write(JSON.stringify({ execute: pending[0] }) + '\n');
        } else if ('error' in msg) {
          fail(new Error(`${pending[0]} failed: ${JSON.stringify(msg['error'])}`));
        }
      });
    });
  } finally {
    lines.close();
    conn.destroy();
  }
}

/** Starts one QEMU board and resolves once the firmware runs with its pty held open. */
export async function startQemuBoard(asked: QemuBoardOptions = {}): Promise<EmulatedBoard> {
  const opts: QemuBoardOptions = { ...asked, baud: qemuBaud(asked.baud) };
  const image = qemuImage(opts.image);
  const qemu = qemuBinary(opts.qemu);
  const append = qemuAppend(opts);
  const dir = mkdtempSync(join(tmpdir(), 'synergy-qemu-'));
  const socket = join(dir, 'qmp.sock');
  const args = qemuArgs(image, socket, append);
  const setpriv = findOnPath('setpriv');
  const child = setpriv !== undefined
    ? spawn(setpriv, ['--pdeathsig', 'SIGTERM', qemu, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let running: () => void = () => undefined;
  const runs = new Promise<void>((resolve) => (running = resolve));
  child.stderr!.setEncoding('utf8');
  const logDir = process.env['SYNERGY_EMU_LOG'];
  child.stderr!.on('data', (s: string) => {
    tail = (tail + s).slice(-TAIL_LIMIT);
    // The firmware logs this once its options are taken and its UART is up (main.c).
    if (/^synergy-qemu \S+: \S+ on UART0/m.test(tail)) running();
    if (logDir) appendFileSync(join(logDir, `qemu-${child.pid}.log`), s);
  });
  let holder: number | undefined;
  const cleanUp = (): void => {
    if (holder !== undefined) closeSync(holder);
    holder = undefined;
    rmSync(dir, { recursive: true, force: true });
  };
  const { exited, spawnError, stop, board } = childLifetime(child, qemu, cleanUp);

  const lines = createInterface({ input: child.stdout! });
  const announced = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /char device redirected to (\S+) \(label serial0\)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then((exit) => {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      reject(new EmulatorExitedError(`QEMU board (${qemu} -kernel ${image}) ${how} before it ran${tail ? `: ${tail.trim()}` : ''}`, exit));
    });
  });
  const timeoutMs = opts.readyTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`QEMU board (${qemu}) did not start within ${timeoutMs} ms${tail ? `: ${tail.trim()}` : ''}`)), timeoutMs);
  });
  timeout.catch(() => undefined);
  let path: string;
  try {
    path = await Promise.race([announced, timeout, spawnError]);
    holder = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    await Promise.race([qmp(socket, ['cont'], timeoutMs), timeout, exited.then(() => announced)]);
    rmSync(dir, { recursive: true, force: true });
    // A firmware that refuses its options exits (status 2) instead: report that, not a board.
    const early = exited.then((exit): never => {
      throw new EmulatorExitedError(`QEMU board exited with code ${exit.code} before it ran${tail ? `: ${tail.trim()}` : ''}`, exit);
    });
    early.catch(() => undefined);
    await Promise.race([runs, early, timeout]);
  } catch (e) {
    await stop(500);
    cleanUp();
    throw e;
  } finally {
    clearTimeout(timer);
    lines.removeAllListeners('line');
  }

  return board(path, opts, () => tail);
}
