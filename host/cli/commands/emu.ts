// synergy emu: starts a desk of emulated boards (and/or QEMU boards, --qemu N; BLE boards, --ble N),
// registers them so that `synergy boards`, `ping` and `info` in other terminals find them, and keeps
// them up until Ctrl-C or SIGTERM (then stops them, removes their entries and exits 130 or 143:
// main.ts).

import { startEmulatedDesk, type DeskChips, type EmulatedDesk } from '../../board/emulated-desk.js';
import { EmulatorRegistry } from '../../link/emulator-registry.js';
import { EMULATOR_MAX_BAUD, EMULATOR_MIN_BAUD, EmulatorExitedError } from '../../link/emulator.js';
import { baudValue, choiceValue, intValue, UsageError } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { table } from '../output.js';
import { runBleDesk } from './emu-ble.js';

export const emuCommand: Command = {
  name: 'emu',
  summary: 'start a desk of emulated boards and keep it up until Ctrl-C',
  description:
    'Each board is the firmware core built for this machine (firmware/build/host/synergy-emu,\n' +
    'made by "make firmware"), served on a pseudo-terminal. --qemu N starts N QEMU boards: the\n' +
    'firmware built for the Cortex-M4 (firmware/build/qemu-an386) under qemu-system-arm, each on\n' +
    'its own pseudo-terminal, its link at most 115200 baud (what QEMU keeps up with); with --qemu\n' +
    'and no --boards only QEMU boards start. The boards are registered in $SYNERGY_RUNTIME_DIR\n' +
    '(default $XDG_RUNTIME_DIR/synergy-$UID) and removed on exit.',
  positionals: [],
  options: [
    { name: 'boards', value: 'N', parse: intValue(1, 64), description: 'how many emulated boards (default 1, or 0 with --qemu)' },
    { name: 'qemu', value: 'N', parse: intValue(1, 64), description: 'how many QEMU boards (default 0)' },
    {
      name: 'chip',
      value: 'CHIP',
      parse: choiceValue('max78000', 'max78002', 'mixed'),
      description: 'max78000, max78002 or mixed (alternating); default max78000',
    },
    {
      name: 'baud', value: 'N', parse: baudValue(EMULATOR_MIN_BAUD, EMULATOR_MAX_BAUD, true),
      description: `pace each link at N baud (N/10 bytes/s; ${EMULATOR_MIN_BAUD}..${EMULATOR_MAX_BAUD}, 0 = unpaced); default unpaced`,
    },
    { name: 'sensor', value: 'KIND:CxHxW@HZ', repeatable: true, description: 'a sensor on every board (repeatable)' },
    { name: 'output', value: 'KIND', repeatable: true, description: 'an output on every board (repeatable)' },
    { name: 'ble', value: 'N', parse: intValue(1, 64), description: 'N boards reached over BLE through a BlueZ stand-in instead (prints the D-Bus address)' },
    { name: 'ble-link', value: 'SETTING', parse: choiceValue('fast', 'slow'), description: 'the BLE link of --ble boards: fast (7.5 ms, 2M, DLE; default) or slow (30 ms, 1M, MTU 23)' },
  ],
  async run({ args, json, io, signal }) {
    if (args.has('ble')) {
      if (args.has('boards') || args.has('baud')) throw new UsageError('synergy emu: --ble starts BLE boards only; it takes neither --boards nor --baud (the BLE link paces them)');
      return runBleDesk(
        {
          boards: args.number('ble')!,
          chip: (args.string('chip') ?? 'max78000') as DeskChips,
          link: (args.string('ble-link') ?? 'fast') as 'fast' | 'slow',
          sensors: args.list('sensor'),
          outputs: args.list('output'),
        },
        json,
        io,
      );
    }
    if (args.has('ble-link')) throw new UsageError('synergy emu: --ble-link goes with --ble N');
    const registry = new EmulatorRegistry();
    const qemu = args.number('qemu') ?? 0;
    const emulated = args.number('boards') ?? (qemu > 0 ? 0 : 1);
    const common = {
      chip: (args.string('chip') ?? 'max78000') as DeskChips,
      ...(args.has('baud') ? { baud: args.number('baud')! } : {}),
      sensors: args.list('sensor'),
      outputs: args.list('output'),
      registry,
    };
    const desks: EmulatedDesk[] = [];
    const killNow = (): void => desks.forEach((d) => d.killNow());
    process.on('exit', killNow);
    try {
      if (emulated > 0) desks.push(await startEmulatedDesk({ ...common, boards: emulated }));
      if (qemu > 0) desks.push(await startEmulatedDesk({ ...common, boards: qemu, kind: 'qemu' }));
    } catch (e) {
      await Promise.allSettled(desks.map((d) => d.stop()));
      process.off('exit', killNow);
      // Exit code 2 is the board refusing an option passed through (--sensor, --output).
      if (e instanceof EmulatorExitedError && e.exit.code === 2) throw new UsageError(`synergy emu: ${e.message}`);
      throw new CommandFailure(`cannot start the emulated desk: ${(e as Error).message}`);
    }
    const boards = desks.flatMap((d) => d.boards);
    const desk = {
      boards,
      stop: async (): Promise<void> => {
        await Promise.allSettled(desks.map((d) => d.stop()));
      },
    };

    const rows = boards.map((b) => ({
      id: b.id,
      kind: b.entry.kind === 'qemu' ? 'qemu' : 'emulated',
      chip: b.chip,
      port: b.emulator.path,
      pid: b.emulator.pid,
      baud: b.entry.baud ?? null,
    }));
    if (json) {
      io.out(JSON.stringify({ boards: rows, registry: registry.dir }));
    } else {
      io.out(table(['ID', 'KIND', 'CHIP', 'PORT', 'PID', 'BAUD'], rows.map((r) => [r.id, r.kind, r.chip, r.port, String(r.pid), r.baud ? String(r.baud) : 'unpaced'])));
      io.out(`${rows.length} board${rows.length === 1 ? '' : 's'} up (registered in ${registry.dir}); Ctrl-C to stop`);
    }

    let stopping = false;
    const code = await new Promise<number>((resolve) => {
      let alive = desk.boards.length;
      const onStop = (): void => {
        io.err(`synergy emu: stopping ${desk.boards.length} emulated boards`);
        resolve(EXIT.ok);
      };
      if (signal.aborted) onStop();
      else signal.addEventListener('abort', onStop, { once: true });
      for (const b of desk.boards) {
        void b.emulator.exited.then(({ code: c, signal: killedBy }) => {
          registry.unregister(b.id);
          if (stopping) return;
          const how = killedBy ? `killed by ${killedBy}` : `exited with code ${c}`;
          const tail = b.emulator.stderrTail().trim();
          io.err(`synergy emu: board ${b.id} ${how}${tail ? `: ${tail}` : ''}`);
          if (--alive === 0) resolve(EXIT.failure);
        });
      }
    });
    stopping = true;
    await desk.stop();
    process.off('exit', killNow);
    return code;
  },
};
