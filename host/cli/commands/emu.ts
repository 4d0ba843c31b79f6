// synergy emu: starts a desk of emulated boards, registers them so that `synergy boards`,
// `ping` and `info` in other terminals find them, and keeps them up until Ctrl-C or SIGTERM
// (then stops them, removes their entries and exits 130 or 143: main.ts).

import { startEmulatedDesk, type DeskChips } from '../../board/emulated-desk.js';
import { EmulatorRegistry } from '../../board/emulator-registry.js';
import { EMULATOR_MAX_BAUD, EMULATOR_MIN_BAUD, EmulatorExitedError } from '../../link/emulator.js';
import { baudValue, choiceValue, intValue, UsageError } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { table } from '../output.js';

export const emuCommand: Command = {
  name: 'emu',
  summary: 'start a desk of emulated boards and keep it up until Ctrl-C',
  description:
    'Each board is the firmware core built for this machine (firmware/build/host/synergy-emu,\n' +
    'made by "make firmware"), served on a pseudo-terminal. The boards are registered in\n' +
    '$SYNERGY_RUNTIME_DIR (default $XDG_RUNTIME_DIR/synergy-$UID) and removed on exit.',
  positionals: [],
  options: [
    { name: 'boards', value: 'N', parse: intValue(1, 64), description: 'how many boards (default 1)' },
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
  ],
  async run({ args, json, io, signal }) {
    const registry = new EmulatorRegistry();
    let desk;
    try {
      desk = await startEmulatedDesk({
        boards: args.number('boards') ?? 1,
        chip: (args.string('chip') ?? 'max78000') as DeskChips,
        ...(args.has('baud') ? { baud: args.number('baud')! } : {}),
        sensors: args.list('sensor'),
        outputs: args.list('output'),
        registry,
      });
    } catch (e) {
      // Exit code 2 is the emulator refusing an option passed through (--sensor, --output).
      if (e instanceof EmulatorExitedError && e.exit.code === 2) throw new UsageError(`synergy emu: ${e.message}`);
      throw new CommandFailure(`cannot start the emulated desk: ${(e as Error).message}`);
    }
    const onExit = (): void => desk.killNow();
    process.on('exit', onExit);

    const rows = desk.boards.map((b) => ({
      id: b.id,
      chip: b.chip,
      port: b.emulator.path,
      pid: b.emulator.pid,
      baud: b.entry.baud ?? null,
    }));
    if (json) {
      io.out(JSON.stringify({ boards: rows, registry: registry.dir }));
    } else {
      io.out(table(['ID', 'CHIP', 'PORT', 'PID', 'BAUD'], rows.map((r) => [r.id, r.chip, r.port, String(r.pid), r.baud ? String(r.baud) : 'unpaced'])));
      io.out(`${rows.length} emulated board${rows.length === 1 ? '' : 's'} up (registered in ${registry.dir}); Ctrl-C to stop`);
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
    process.off('exit', onExit);
    return code;
  },
};
