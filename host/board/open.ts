// Opening a board: the link at its location (through the link registry), then a session (hello
// included), then, when asked, the link's measured profile.

import type { BleLinkOptions } from '../link/ble-link.js';
import type { EmulatorRegistry } from '../link/emulator-registry.js';
import { openLink, parseLinkLocation, type LinkOpenOptions } from '../link/registry.js';
import type { SerialLinkOptions } from '../link/serial.js';
import type { BoardLocation } from './discovery.js';
import { profileLink } from './link-profile.js';
import { realBoardBaud } from './usb-ports.js';
import { BoardSession, type SessionOptions } from './session.js';
// ws:// and rfc2217:// are link kinds wherever locations are read.
import '../link/remote-kinds.js';

export interface OpenOptions extends SessionOptions, SerialLinkOptions {
  /** a BLE board's bus, adapter, scan and connect deadlines */
  ble?: BleLinkOptions;
  /** where emu: and qemu: locations are looked up (default: this user's registry) */
  emulators?: EmulatorRegistry;
  /** measure the link's rate and latency after hello (session.link.profile) */
  profile?: boolean;
}

/** The location a board is opened at: a location's, or a path or location given as text. */
export function locationOf(where: BoardLocation | string): string {
  return typeof where === 'string' ? where : where.location;
}

/**
 * Opens the link to the board at `where` (a location, a port path, or any location the link
 * registry knows) and says hello. A real board's port is opened at its UART's rate (the DAPLink
 * passes the host's rate on to it).
 */
export async function openBoard(where: BoardLocation | string, opts: OpenOptions = {}): Promise<BoardSession> {
  const location = locationOf(where);
  const serial: SerialLinkOptions = {};
  if (opts.baudRate !== undefined) serial.baudRate = opts.baudRate;
  else if (typeof where !== 'string' && where.transport === 'usb') serial.baudRate = realBoardBaud();
  if (opts.lock !== undefined) serial.lock = opts.lock;
  const linkOpts: LinkOpenOptions = { serial };
  if (opts.ble !== undefined) linkOpts.ble = opts.ble;
  if (opts.emulators !== undefined) linkOpts.emulators = opts.emulators;
  const { link, duplex, location: opened } = await openLink(location, linkOpts);
  const { scheme, rest } = parseLinkLocation(location);
  const named = scheme === 'serial' ? rest : location;
  let session: BoardSession;
  try {
    session = await BoardSession.open(link, opts);
  } catch (e) {
    await link.close();
    throw new Error(`board on ${named} did not answer hello: ${(e as Error).message}`, { cause: e });
  }
  if (opts.profile === true) {
    try {
      const profile = await profileLink(session, opened, duplex, scheme === 'serial' || scheme === 'emu' || scheme === 'qemu' ? 'serial' : 'other');
      if (profile !== undefined) link.profile = profile;
    } catch (e) {
      await session.close('link profile failed');
      throw new Error(`board on ${named}: measuring its link failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return session;
}
