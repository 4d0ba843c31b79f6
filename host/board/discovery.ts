// Finding boards: real ones by USB identity (DAPLink 0d28:0204, keyed by serial number, not
// by /dev path, which changes with plug order) and emulated and QEMU ones from the registry of
// the processes that started them.

import { EmulatorRegistry } from '../link/emulator-registry.js';
import { isDapLink, listUsbSerialPorts } from './usb-ports.js';
import { isLinkLocation, linkKinds, parseLinkLocation, routeBleAddress } from '../link/registry.js';
import { normalizeBleAddress } from '../link/ble-contract.js';
// ws:// and rfc2217:// are link kinds wherever locations are read.
import '../link/remote-kinds.js';

export interface BoardLocation {
  /** the board's id: the DAPLink serial number, or the emulator's --id */
  id: string;
  /** ble: a BLE board; link: another registered link kind (host/link/registry.ts) */
  transport: 'usb' | 'emulated' | 'qemu' | 'path' | 'ble' | 'link';
  /** the serial port or pseudo-terminal; for other links their location */
  path: string;
  /** where the link registry opens it: serial:/dev/..., ble:AA:..., ws://... */
  location: string;
  /** known before hello for emulated boards */
  chip?: string;
  /** the emulator process */
  pid?: number;
  /** the emulator's pacing, absent when unpaced or unknown */
  baud?: number;
}

export interface DiscoveryOptions {
  registry?: EmulatorRegistry;
  /** sysfs root, for tests of the USB scan */
  sysRoot?: string;
  /** look for real boards on USB (default: yes, unless $SYNERGY_USB is 0) */
  usb?: boolean;
}

/** Every board this machine can reach, real first, then emulated, each sorted by id. */
export async function discoverBoards(opts: DiscoveryOptions = {}): Promise<BoardLocation[]> {
  const out: BoardLocation[] = [];
  if (opts.usb ?? (process.env['SYNERGY_USB'] !== '0')) {
    const ports = (await listUsbSerialPorts(opts.sysRoot !== undefined ? { sysRoot: opts.sysRoot } : {})).filter(isDapLink);
    for (const p of ports.sort((a, b) => (a.serialNumber ?? a.path).localeCompare(b.serialNumber ?? b.path))) {
      out.push({ id: p.serialNumber ?? p.path, transport: 'usb', path: p.path, location: `serial:${p.path}` });
    }
  }
  for (const e of (opts.registry ?? new EmulatorRegistry()).list()) {
    if (e.path.startsWith('ble:')) {
      // An emulated BLE board (synergy emu --ble): reached through the stand-in's bus.
      if (e.bus !== undefined) routeBleAddress(e.path.slice(4), e.bus);
      out.push({ id: e.id, transport: 'ble', path: e.path, location: e.path, chip: e.chip, pid: e.pid });
      continue;
    }
    const loc: BoardLocation = { id: e.id, transport: e.kind === 'qemu' ? 'qemu' : 'emulated', path: e.path, location: `serial:${e.path}`, chip: e.chip, pid: e.pid };
    if (e.baud !== undefined) loc.baud = e.baud;
    out.push(loc);
  }
  return out;
}

export class BoardNotFoundError extends Error {
  override readonly name = 'BoardNotFoundError';
}

/** The transport a location's scheme stands for. */
function transportOf(scheme: string): BoardLocation['transport'] {
  if (scheme === 'ble') return 'ble';
  if (scheme === 'emu') return 'emulated';
  if (scheme === 'qemu') return 'qemu';
  return 'link';
}

/**
 * A board named by its id, a port path or a link location (serial:PATH, ble:ADDRESS, emu:ID,
 * and the kinds registered in host/link/registry.ts). A path or location is taken as given; an id
 * must be one discovery finds.
 */
export async function resolveBoard(arg: string, opts: DiscoveryOptions = {}): Promise<BoardLocation> {
  const linked = isLinkLocation(arg);
  // A board id has no colon: KIND:WHERE with a kind nobody registered is a mistyped location.
  if (!linked && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(arg)) {
    throw new BoardNotFoundError(`board location "${arg}": no link kind "${arg.slice(0, arg.indexOf(':')).toLowerCase()}" (kinds: ${linkKinds().join(', ')})`);
  }
  const { scheme, rest } = linked ? parseLinkLocation(arg) : { scheme: 'serial', rest: arg };
  if (linked && scheme !== 'serial') {
    // One spelling of a BLE address (BlueZ's), whatever was typed.
    const location = scheme === 'ble' ? `ble:${normalizeBleAddress(rest)}` : arg;
    // An emulated BLE board another process serves is found (and routed to its bus) by discovery.
    const registered = scheme === 'ble' ? (await discoverBoards({ ...opts, usb: false })).find((b) => b.location === location) : undefined;
    return registered ?? { id: location, transport: transportOf(scheme), path: location, location };
  }
  const boards = await discoverBoards(opts);
  if (linked || arg.includes('/')) return boards.find((b) => b.path === rest) ?? { id: rest, transport: 'path', path: rest, location: `serial:${rest}` };
  const found = boards.find((b) => b.id === arg);
  if (found !== undefined) return found;
  const known = boards.map((b) => b.id);
  throw new BoardNotFoundError(
    known.length === 0
      ? `no board with id "${arg}": no boards found (start emulated ones with "synergy emu", or give a port path)`
      : `no board with id "${arg}": known boards are ${known.join(', ')}`,
  );
}
