// Finding boards: real ones by USB identity (DAPLink 0d28:0204, keyed by serial number, not
// by /dev path, which changes with plug order) and emulated and QEMU ones from the registry of
// the processes that started them.

import { EmulatorRegistry } from './emulator-registry.js';
import { isDapLink, listUsbSerialPorts } from './usb-ports.js';

export interface BoardLocation {
  /** the board's id: the DAPLink serial number, or the emulator's --id */
  id: string;
  /** `remote`: a link location of another kind (ws://, rfc2217://: link/registry.ts) */
  transport: 'usb' | 'emulated' | 'qemu' | 'path' | 'remote';
  /** the serial port or pseudo-terminal */
  path: string;
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
      out.push({ id: p.serialNumber ?? p.path, transport: 'usb', path: p.path });
    }
  }
  for (const e of (opts.registry ?? new EmulatorRegistry()).list()) {
    const loc: BoardLocation = { id: e.id, transport: e.kind === 'qemu' ? 'qemu' : 'emulated', path: e.path, chip: e.chip, pid: e.pid };
    if (e.baud !== undefined) loc.baud = e.baud;
    out.push(loc);
  }
  return out;
}

export class BoardNotFoundError extends Error {
  override readonly name = 'BoardNotFoundError';
}

/**
 * A board named by its id or by a port path. A path is taken as given (any serial port or
 * pseudo-terminal); an id must be one discovery finds.
 */
export async function resolveBoard(arg: string, opts: DiscoveryOptions = {}): Promise<BoardLocation> {
  const boards = await discoverBoards(opts);
  if (arg.includes('/')) return boards.find((b) => b.path === arg) ?? { id: arg, transport: 'path', path: arg };
  const found = boards.find((b) => b.id === arg);
  if (found !== undefined) return found;
  const known = boards.map((b) => b.id);
  throw new BoardNotFoundError(
    known.length === 0
      ? `no board with id "${arg}": no boards found (start emulated ones with "synergy emu", or give a port path)`
      : `no board with id "${arg}": known boards are ${known.join(', ')}`,
  );
}
