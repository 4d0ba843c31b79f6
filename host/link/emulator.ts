// Starts the emulated board (firmware/build/host/synergy-emu: the firmware core with a
// software accelerator) as a child process and hands back the pseudo-terminal it serves.
// The board is then reached like a real one, through SerialLink. Lifecycle only: the protocol
// never sees how the board was started.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ChildStdioLink } from './child-stdio.js';
import { repoRoot } from './repo-root.js';

export type EmulatedChip = 'max78000' | 'max78002';

/**
 * The emulator's link rates: 0 (unpaced) or EMULATOR_MIN_BAUD..EMULATOR_MAX_BAUD (firmware/port/host/
 * emu_options.c refuses others: below 300 baud one frame takes minutes).
 */
export const EMULATOR_MIN_BAUD = 300;
export const EMULATOR_MAX_BAUD = 100_000_000;

export interface EmulatorOptions {
  chip?: EmulatedChip;
  /** board id the emulator reports in hello and boot */
  id?: string;
  /** sensors as `KIND:CxHxW@HZ`, e.g. `microphone:1x128x128@1` */
  sensors?: string[];
  /** output kinds: display, haptic, speaker, led, host */
  outputs?: string[];
  /** wire rate the emulator paces both directions at (N/10 bytes/s); absent = unpaced */
  baud?: number;
  /** a symlink to create to the pseudo-terminal */
  linkName?: string;
  /** how the board drives its accelerator (`--engine`); absent = the emulator's default */
  engine?: 'register' | 'layer';
  /** other command-line arguments, passed as given */
  extraArgs?: string[];
  /** the binary; default $SYNERGY_EMU or firmware/build/host/synergy-emu */
  binary?: string;
  /** how long to wait for the `PTY` line, ms (default 10 s) */
  readyTimeoutMs?: number;
}

export interface EmulatorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EmulatedBoard {
  /** the pseudo-terminal (slave side) the board serves */
  readonly path: string;
  readonly pid: number;
  readonly options: Readonly<EmulatorOptions>;
  readonly process: ChildProcess;
  /** resolves when the process has exited */
  readonly exited: Promise<EmulatorExit>;
  /** the last lines the emulator wrote to stderr */
  stderrTail(): string;
  /** SIGTERM, wait, SIGKILL if it lingers; resolves once the process is gone */
  stop(graceMs?: number): Promise<EmulatorExit>;
}

export class EmulatorNotBuiltError extends Error {
  override readonly name = 'EmulatorNotBuiltError';
}

/** The emulator ended before it was ready; exit code 2 means it refused its options. */
export class EmulatorExitedError extends Error {
  override readonly name = 'EmulatorExitedError';
  constructor(
    message: string,
    readonly exit: EmulatorExit,
  ) {
    super(message);
  }
}

/** Where the emulator binary is; throws a clear error if it has not been built. */
export function emulatorBinary(explicit?: string): string {
  const path = explicit ?? process.env['SYNERGY_EMU'] ?? join(repoRoot(), 'firmware/build/host/synergy-emu');
  if (!existsSync(path)) {
    throw new EmulatorNotBuiltError(`emulated board binary ${path} not found: run make firmware`);
  }
  return path;
}

export function emulatorArgs(opts: EmulatorOptions): string[] {
  const args: string[] = [];
  if (opts.chip !== undefined) args.push('--chip', opts.chip);
  if (opts.id !== undefined) args.push('--id', opts.id);
  for (const s of opts.sensors ?? []) args.push('--sensor', s);
  for (const o of opts.outputs ?? []) args.push('--output', o);
  if (opts.baud !== undefined) args.push('--baud', String(opts.baud));
  if (opts.linkName !== undefined) args.push('--link-name', opts.linkName);
  if (opts.engine !== undefined) args.push('--engine', opts.engine);
  args.push(...(opts.extraArgs ?? []));
  return args;
}

const TAIL_LIMIT = 4096;

/**
 * A board process's end and how to end it: `exited` on 'close' (not 'exit': the process may exit
 * before its last stderr lines are read, and whoever awaits `exited` reads them), `onClose` first;
 * `spawnError` when it could not start; `stop` sends SIGTERM, then SIGKILL after `graceMs`.
 */
export function childLifetime(child: ChildProcess, name: string, onClose: () => void = () => undefined): {
  exited: Promise<EmulatorExit>;
  spawnError: Promise<never>;
  stop: (graceMs?: number) => Promise<EmulatorExit>;
  /** the board, once it serves `path` */
  board: (path: string, options: EmulatorOptions, stderrTail: () => string) => EmulatedBoard;
} {
  const exited = new Promise<EmulatorExit>((resolve) => {
    child.once('close', (code, signal) => {
      onClose();
      resolve({ code, signal });
    });
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${name}: ${err.message}`)));
  });
  spawnError.catch(() => undefined);
  const stop = async (graceMs = 2000): Promise<EmulatorExit> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const board = (path: string, options: EmulatorOptions, stderrTail: () => string): EmulatedBoard =>
    ({ path, pid: child.pid!, options: { ...options }, process: child, exited, stderrTail, stop });
  return { exited, spawnError, stop, board };
}

/** Starts one emulated board and resolves when it announced its pseudo-terminal. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<EmulatedBoard> {
  const binary = emulatorBinary(opts.binary);
  const args = emulatorArgs(opts);
  // Its own session: a Ctrl-C at the terminal reaches the host, which stops its boards when it
  // is done with them, and not the boards first (they die with the host: PR_SET_PDEATHSIG).
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  const logDir = process.env['SYNERGY_EMU_LOG'];
  child.stderr!.on('data', (s: string) => {
    tail = (tail + s).slice(-TAIL_LIMIT);
    if (logDir) appendFileSync(join(logDir, `emu-${child.pid}.log`), s);
  });
  const { exited, spawnError, stop, board } = childLifetime(child, binary);

  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /^PTY (\S+)\s*$/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then((exit) => {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      reject(new EmulatorExitedError(`emulated board ${binary} ${how} before announcing its PTY${tail ? `: ${tail.trim()}` : ''}`, exit));
    });
  });
  const timeoutMs = opts.readyTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`emulated board ${binary} printed no "PTY <path>" line within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  let path: string;
  try {
    path = await Promise.race([ready, timeout, spawnError]);
  } catch (e) {
    await stop(500);
    throw e;
  } finally {
    clearTimeout(timer);
  }

  return board(path, opts, () => tail);
}

export interface StdioEmulatedBoard {
  readonly link: ChildStdioLink;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly exited: Promise<EmulatorExit>;
  stderrTail(): string;
  stop(graceMs?: number): Promise<EmulatorExit>;
}

/** Starts one emulated board that speaks the protocol on its stdin/stdout (--stdio). */
export function startEmulatorStdio(opts: Omit<EmulatorOptions, 'linkName' | 'readyTimeoutMs'> = {}): StdioEmulatedBoard {
  const binary = emulatorBinary(opts.binary);
  const child = spawn(binary, [...emulatorArgs(opts), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    tail = (tail + s).slice(-TAIL_LIMIT);
  });
  child.on('error', () => undefined); // reported through the link closing and `exited`
  const { exited, stop } = childLifetime(child, binary);
  return {
    link: new ChildStdioLink(child),
    pid: child.pid ?? -1,
    process: child,
    exited,
    stderrTail: () => tail,
    stop,
  };
}
