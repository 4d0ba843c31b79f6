// Opening a board: the link for its location, then a session (hello included).

import { SerialLink, type SerialLinkOptions } from '../link/serial.js';
import type { BoardLocation } from './discovery.js';
import { realBoardBaud } from './usb-ports.js';
import { BoardSession, type SessionOptions } from './session.js';

export interface OpenOptions extends SessionOptions, SerialLinkOptions {}

/**
 * Opens a serial link to the board at `where` (a location or a port path) and says hello. A real
 * board's port is opened at its UART's rate (the DAPLink passes the host's rate on to it).
 */
export async function openBoard(where: BoardLocation | string, opts: OpenOptions = {}): Promise<BoardSession> {
  const path = typeof where === 'string' ? where : where.path;
  const linkOpts: SerialLinkOptions = {};
  if (opts.baudRate !== undefined) linkOpts.baudRate = opts.baudRate;
  else if (typeof where !== 'string' && where.transport === 'usb') linkOpts.baudRate = realBoardBaud();
  if (opts.lock !== undefined) linkOpts.lock = opts.lock;
  const link = await SerialLink.open(path, linkOpts);
  try {
    return await BoardSession.open(link, opts);
  } catch (e) {
    await link.close();
    throw new Error(`board on ${path} did not answer hello: ${(e as Error).message}`, { cause: e });
  }
}
