// The two kinds of board this machine can start as processes, behind one call: the emulated
// board (synergy-emu, the core built for Linux) and the QEMU board (the core built for the
// Cortex-M4 under qemu-system-arm). Both take the same options and are reached the same way,
// through the pseudo-terminal they announce.

import { startEmulator, type EmulatedBoard, type EmulatorOptions } from './emulator.js';
import { startQemuBoard } from './qemu.js';

export type BoardProcessKind = 'emulator' | 'qemu';

/** What each kind is called in ids, messages and the registry. */
export const BOARD_PROCESS_NOUN: Record<BoardProcessKind, string> = { emulator: 'emulated board', qemu: 'QEMU board' };

export function startBoardProcess(kind: BoardProcessKind, opts: EmulatorOptions): Promise<EmulatedBoard> {
  if (kind === 'emulator') return startEmulator(opts);
  if (opts.linkName !== undefined) throw new Error('a QEMU board has no --link-name (its pty is QEMU\'s)');
  const { binary: _binary, linkName: _linkName, ...rest } = opts;
  return startQemuBoard(rest);
}
