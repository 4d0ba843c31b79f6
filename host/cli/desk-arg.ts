// The boards a command runs on: `--boards` / `--board` values, each a board id from discovery,
// a serial port path or link location (serial:PATH, ble:ADDRESS, emu:ID, ...), `emulated:N[:CHIP]` (N emulated boards started for this command and
// stopped after it) or `qemu:N[:CHIP]` (N QEMU boards, likewise). Values may be repeated or
// comma-separated. Without any, the command starts as many emulated boards as the model needs.

import { boardEngine } from '../board/segments.js';
import { engineFor, type Engine } from '../synth/engine.js';
import { openBoardArg } from './board-arg.js';
import { startEmulatedDesk, type EmulatedDesk } from '../board/emulated-desk.js';
import { openBoard } from '../board/open.js';
import type { BoardProcessKind } from '../link/board-process.js';
import { startBlueZStandin } from '../bluez-standin/standin.js';
import { routeBleAddress } from '../link/registry.js';
import type { DeskTransport } from '../runtime/desk-emulators.js';
import type { BoardSession } from '../board/session.js';
import { CHIP_NAMES, isChipName, type ChipName } from '../model/chips.js';
import { UsageError } from './args.js';
import { CommandFailure } from './command.js';

export type BoardRequest =
  | { kind: 'emulated'; count: number; chip: ChipName | null; process: BoardProcessKind }
  | { kind: 'board'; arg: string };

export const BOARDS_HELP = 'board ids (synergy boards), port paths, locations (ble:ADDRESS, emu:ID, ws://HOST:PORT/BOARD, rfc2217://HOST:PORT, ...), emulated:N[:CHIP] or qemu:N[:CHIP]; repeatable or comma-separated';

/** Parses `--boards` values; refuses a malformed `emulated:` or `qemu:` item as a usage error. */
export function parseBoardRequests(values: readonly string[], command: string): BoardRequest[] {
  const out: BoardRequest[] = [];
  for (const item of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')) {
    const m = /^(emulated|qemu)(?::(\d+))?(?::([a-z0-9]+))?$/.exec(item);
    // `qemu-1` is a board id (QEMU boards register as qemu-N): only `qemu` or `qemu:...` is a request.
    const word = /^(emulated|qemu)(?::|$)/.exec(item)?.[1];
    if (word !== undefined) {
      if (!m) throw new UsageError(`synergy ${command}: "${item}" is not ${word}:N or ${word}:N:CHIP`);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      const noun = word === 'qemu' ? 'QEMU' : 'emulated';
      if (count < 1 || count > 64) throw new UsageError(`synergy ${command}: "${item}": between 1 and 64 ${noun} boards`);
      if (m[3] !== undefined && !isChipName(m[3])) throw new UsageError(`synergy ${command}: "${item}": chip must be ${CHIP_NAMES.join(' or ')}`);
      out.push({ kind: 'emulated', count, chip: (m[3] as ChipName | undefined) ?? null, process: word === 'qemu' ? 'qemu' : 'emulator' });
    } else {
      out.push({ kind: 'board', arg: item });
    }
  }
  return out;
}

export interface Boards {
  sessions: BoardSession[];
  /** how many of them this command started (emulated) */
  started: number;
  /** closes every session and stops the emulated boards started here */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** chip of emulated boards that name none */
  chip: ChipName;
  /** emulated boards to start when no board was asked for */
  defaultEmulated: number;
  /** pacing of emulated boards (0 = unpaced) */
  baud: number;
  /** the engine asked for: emulated boards run it where their chip is covered, a real board must
   *  run it already; absent = each board's own (the register engine where it covers the chip) */
  engine?: Engine;
  /** how emulated boards are reached: their pseudo-terminals (default) or BLE through the BlueZ stand-in */
  transport?: DeskTransport;
}

/** Starts `count` emulated boards behind a BlueZ stand-in; their locations are ble:ADDRESS on its bus. */
async function startBleBoards(count: number, chip: ChipName, engine: Engine | undefined, idPrefix: string): Promise<{ locations: string[]; stop: () => Promise<void>; killNow: () => void }> {
  const standin = await startBlueZStandin({
    boards: Array.from({ length: count }, (_, i) => ({ id: `${idPrefix}${i + 1}`, chip, ...(engine ? { emulator: { engine: engineFor(chip, engine) } } : {}) })),
  });
  for (const b of standin.boards) routeBleAddress(b.address, standin.busAddress);
  const pids = [...standin.boards.map((b) => b.pid), ...(standin.daemonPid !== undefined ? [standin.daemonPid] : [])];
  return {
    locations: standin.boards.map((b) => `ble:${b.address}`),
    async stop() {
      for (const b of standin.boards) routeBleAddress(b.address, null);
      await standin.stop();
    },
    killNow: () => pids.forEach((pid) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }),
  };
}

/** Opens the boards asked for (starting emulated ones); on failure releases what it opened. */
export async function acquireBoards(requests: readonly BoardRequest[], opts: AcquireOptions): Promise<Boards> {
  const wanted: readonly BoardRequest[] = requests.length > 0 ? requests : [{ kind: 'emulated', count: opts.defaultEmulated, chip: null, process: 'emulator' }];
  const sessions: BoardSession[] = [];
  const desks: Pick<EmulatedDesk, 'stop' | 'killNow'>[] = [];
  const killNow = (): void => desks.forEach((d) => d.killNow());
  process.on('exit', killNow);
  const release = async (): Promise<void> => {
    await Promise.allSettled(sessions.map((s) => s.close()));
    await Promise.allSettled(desks.map((d) => d.stop()));
    process.off('exit', killNow);
  };
  let started = 0;
  try {
    for (const r of wanted) {
      if (r.kind === 'emulated' && opts.transport === 'ble') {
        if (r.process === 'qemu') throw new CommandFailure('QEMU boards are reached over their pseudo-terminals only, not over BLE (--transport ble)');
        const ble = await startBleBoards(r.count, r.chip ?? opts.chip, opts.engine, desks.length === 0 ? 'ble-' : `ble${desks.length + 1}-`);
        desks.push({ stop: ble.stop, killNow: ble.killNow });
        started += r.count;
        for (const location of ble.locations) sessions.push(await openBoard(location));
      } else if (r.kind === 'emulated') {
        const prefix = r.process === 'qemu' ? 'qemu' : 'emu';
        const desk = await startEmulatedDesk({
          boards: r.count,
          chip: r.chip ?? opts.chip,
          ...(opts.baud > 0 ? { baud: opts.baud } : {}),
          registry: null,
          kind: r.process,
          ...(opts.engine ? { engine: opts.engine } : {}),
          idPrefix: desks.length === 0 ? `${prefix}-` : `${prefix}${desks.length + 1}-`,
        });
        desks.push(desk);
        started += r.count;
        for (const b of desk.boards) sessions.push(await openBoard(b.emulator.path));
      } else {
        const { session } = await openBoardArg(r.arg);
        sessions.push(session);
        const runs = boardEngine(session);
        if (opts.engine && runs !== engineFor(session.hello.chip, opts.engine)) {
          throw new CommandFailure(`board ${session.boardId} (${session.hello.chip}) drives its accelerator with the ${runs} engine; --engine ${opts.engine} applies to emulated and QEMU boards`);
        }
      }
    }
  } catch (e) {
    await release();
    throw e;
  }
  return { sessions, started, release };
}
