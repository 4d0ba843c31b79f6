// A desk of emulated boards: several emulators (or QEMU boards) started together, registered so
// other processes find them, stopped and unregistered together.

import { engineFor, type Engine } from '../synth/engine.js';
import { startBoardProcess, type BoardProcessKind } from '../link/board-process.js';
import type { EmulatedBoard, EmulatedChip } from '../link/emulator.js';
import { EmulatorRegistry, type EmulatorEntry } from '../link/emulator-registry.js';

export type DeskChips = EmulatedChip | 'mixed';

export interface DeskOptions {
  boards: number;
  /** one chip for all, or `mixed`: max78000, max78002, max78000, ... */
  chip?: DeskChips;
  /** pacing of every board; absent = unpaced */
  baud?: number;
  /** given to every board */
  sensors?: string[];
  outputs?: string[];
  /** ids are `${prefix}N`, skipping ids a live board already has (default "emu-", "qemu-") */
  idPrefix?: string;
  /** the engine wanted: each board runs it where its chip is covered (engineFor); absent = the board's own default */
  engine?: Engine;
  /** synergy-emu processes (default) or QEMU boards */
  kind?: BoardProcessKind;
  /** where to register; `null` to not register at all */
  registry?: EmulatorRegistry | null;
  binary?: string;
  /** other emulator arguments, given to every board */
  extraArgs?: string[];
}

export interface DeskBoard {
  id: string;
  chip: EmulatedChip;
  emulator: EmulatedBoard;
  entry: EmulatorEntry;
}

export interface EmulatedDesk {
  boards: DeskBoard[];
  /** stops every emulator and removes its registry entry */
  stop(): Promise<void>;
  /** synchronous last resort (process exit): SIGKILL and unregister */
  killNow(): void;
}

export function chipFor(chips: DeskChips, index: number): EmulatedChip {
  if (chips !== 'mixed') return chips;
  return index % 2 === 0 ? 'max78000' : 'max78002';
}

export async function startEmulatedDesk(opts: DeskOptions): Promise<EmulatedDesk> {
  const registry = opts.registry === null ? undefined : (opts.registry ?? new EmulatorRegistry());
  const kind = opts.kind ?? 'emulator';
  const prefix = opts.idPrefix ?? (kind === 'qemu' ? 'qemu-' : 'emu-');
  const taken = new Set((registry?.list() ?? []).map((e) => e.id));
  const ids: string[] = [];
  for (let n = 1; ids.length < opts.boards; n++) if (!taken.has(`${prefix}${n}`)) ids.push(`${prefix}${n}`);

  const started: DeskBoard[] = [];
  const registered: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((b) => b.emulator.stop()));
    for (const id of registered.splice(0)) registry?.unregister(id);
  };
  const killNow = (): void => {
    for (const b of started) if (b.emulator.process.exitCode === null) b.emulator.process.kill('SIGKILL');
    for (const id of registered.splice(0)) registry?.unregister(id);
  };

  try {
    const results = await Promise.allSettled(
      ids.map(async (id, i) => {
        const chip = chipFor(opts.chip ?? 'max78000', i);
        const emulator = await startBoardProcess(kind, {
          id,
          chip,
          ...(opts.engine ? { engine: engineFor(chip, opts.engine) } : {}),
          ...(opts.baud !== undefined ? { baud: opts.baud } : {}),
          ...(opts.sensors ? { sensors: opts.sensors } : {}),
          ...(opts.outputs ? { outputs: opts.outputs } : {}),
          ...(opts.binary ? { binary: opts.binary } : {}),
          ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
        });
        const entry: EmulatorEntry = {
          id,
          chip,
          path: emulator.path,
          pid: emulator.pid,
          ownerPid: process.pid,
          startedAt: new Date().toISOString(),
          ...(emulator.options.baud !== undefined ? { baud: emulator.options.baud } : {}),
          ...(kind === 'qemu' ? { kind: 'qemu' as const } : {}),
        };
        started.push({ id, chip, emulator, entry });
        return entry;
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    started.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
    for (const b of started) {
      registry?.register(b.entry);
      registered.push(b.id);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { boards: started, stop, killNow };
}
