// The <board> argument of commands: an id from discovery or a port path, opened with hello.

import { resolveBoard, type BoardLocation } from '../board/discovery.js';
import { openBoard } from '../board/open.js';
import type { BoardSession } from '../board/session.js';
import { CommandFailure } from './command.js';
import { linkLocationArg } from './remote-arg.js';

export const BOARD_ARG = { name: 'board', description: 'board id (see synergy boards), a serial port path, or a ws:// or rfc2217:// location' };

export async function openBoardArg(arg: string): Promise<{ location: BoardLocation; session: BoardSession }> {
  let location: BoardLocation;
  try {
    location = linkLocationArg(arg) ?? (await resolveBoard(arg));
  } catch (e) {
    throw new CommandFailure((e as Error).message);
  }
  try {
    return { location, session: await openBoard(location) };
  } catch (e) {
    throw new CommandFailure(`cannot reach board ${location.id}: ${(e as Error).message}`);
  }
}
