// Opening a board: the link for its location, then a session (hello included).

import { SerialLink, type SerialLinkOptions } from '../link/serial.js';
import type { ByteLink } from '../link/byte-link.js';
import { isLinkLocation, openLinkLocation } from '../link/registry.js';
import '../link/remote-kinds.js';
import type { BoardLocation } from './discovery.js';
import { realBoardBaud } from './usb-ports.js';
import { BoardSession, type SessionOptions } from './session.js';

export interface OpenOptions extends SessionOptions, SerialLinkOptions {}

/**
 * Opens the link of a registered kind (ws://, rfc2217://: link/registry.ts) or a serial link to
 * the board at `where` (a location or a port path) and says hello. A real
 * board's port is opened at its UART's rate (the DAPLink passes the host's rate on to it).
 */
export async function openBoard(where: BoardLocation | string, opts: OpenOptions = {}): Promise<BoardSession> {
  const path = typeof where === 'string' ? where : where.path;
  if (isLinkLocation(path)) return helloOn(await openLinkLocation(path), path, opts);
  const linkOpts: SerialLinkOptions = {};
  if (opts.baudRate !== undefined) linkOpts.baudRate = opts.baudRate;
  else if (typeof where !== 'string' && where.transport === 'usb') linkOpts.baudRate = realBoardBaud();
  if (opts.lock !== undefined) linkOpts.lock = opts.lock;
  return helloOn(await SerialLink.open(path, linkOpts), path, opts);
}

/** A session on an open link; the link is closed when the board does not answer. */
async function helloOn(link: ByteLink, path: string, opts: SessionOptions): Promise<BoardSession> {
  try {
    return await BoardSession.open(link, opts);
  } catch (e) {
    await link.close();
    throw new Error(`board on ${path} did not answer hello: ${(e as Error).message}`, { cause: e });
  }
}
