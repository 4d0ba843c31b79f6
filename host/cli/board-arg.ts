// The <board> argument of commands: an id from discovery, a port path or a link location
// (serial:PATH, ble:ADDRESS, emu:ID, qemu:ID, ...: host/link/registry.ts), opened with hello.

import { resolveBoard, type BoardLocation } from '../board/discovery.js';
import { openBoard } from '../board/open.js';
import type { BoardSession } from '../board/session.js';
import { CommandFailure } from './command.js';

export const BOARD_ARG = { name: 'board', description: 'board id (see synergy boards), a serial port path, or a location: serial:PATH, ble:AA:BB:CC:DD:EE:FF, emu:ID, qemu:ID' };

export async function openBoardArg(arg: string): Promise<{ location: BoardLocation; session: BoardSession }> {
  let location: BoardLocation;
  try {
    location = await resolveBoard(arg);
  } catch (e) {
    throw new CommandFailure((e as Error).message);
  }
  try {
    return { location, session: await openBoard(location) };
  } catch (e) {
    throw new CommandFailure(`cannot reach board ${location.id}: ${(e as Error).message}`);
  }
}
