// One way to open a board's byte link: a registry of openers keyed by the scheme of a location.
//
//   serial:/dev/ttyACM0   a serial port or pseudo-terminal (a bare path, "/dev/..." or "./x", too)
//   ble:AA:BB:CC:DD:EE:FF a BLE board through BlueZ (BleLink)
//   emu:ID, qemu:ID       an emulated or QEMU board a running `synergy emu` registered, by its id
//                         (ID may be the number alone: emu:2 is the board emu-2)
//
// Other kinds (ws://, rfc2217://) are added with registerLinkKind by the modules that implement
// them; everything that opens a board (host/board/open.ts) asks this registry, so a new kind
// works for --board, desk files, discovery, the runtime and recovery at once.

import { normalizeBleAddress } from './ble-contract.js';
import { BleLink, type BleLinkOptions } from './ble-link.js';
import type { ByteLink } from './byte-link.js';
import { SerialLink, type SerialLinkOptions } from './serial.js';
import { EmulatorRegistry } from './emulator-registry.js';

/** How the bytes move: both ways at once (a UART) or taking turns (a BLE connection). */
export type LinkDuplex = 'full' | 'half';

export interface LinkOpenOptions {
  /** serial kinds: the line rate (real UARTs; pseudo-terminals ignore it) and the port lock */
  serial?: SerialLinkOptions;
  /** ble: bus, adapter, scan and connect deadlines */
  ble?: BleLinkOptions;
  /** emu and qemu: the registry the board is in (default: this user's) */
  emulators?: EmulatorRegistry;
}

export interface OpenedLink {
  link: ByteLink;
  /** the location as opened, canonical (serial:/dev/pts/3, ble:AA:..., ws://...) */
  location: string;
  duplex: LinkDuplex;
}

/**
 * Opens the link at `location`. `rest` is what follows "scheme:" (for ws://h:1 that is //h:1);
 * failures name the location and the reason.
 */
export type LinkOpener = (rest: string, location: string, opts: LinkOpenOptions) => Promise<OpenedLink>;

export class LinkLocationError extends Error {
  override readonly name = 'LinkLocationError';
}

const openers = new Map<string, LinkOpener>();

/** Adds a link kind; a scheme is lower-case letters, digits, + - . and may be registered once. */
export function registerLinkKind(scheme: string, opener: LinkOpener): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new Error(`link scheme "${scheme}" is not lower-case letters, digits, + - .`);
  if (openers.has(scheme)) throw new Error(`link scheme "${scheme}" is registered already`);
  openers.set(scheme, opener);
}

/** The schemes that can be opened, sorted. */
export function linkKinds(): string[] {
  return [...openers.keys()].sort();
}

/** The scheme and the rest of a location; a bare path is a serial one. */
export function parseLinkLocation(location: string): { scheme: string; rest: string } {
  const text = location.trim();
  if (text === '') throw new LinkLocationError('a board location is empty');
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../')) return { scheme: 'serial', rest: text };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(text);
  if (!m) throw new LinkLocationError(`board location "${location}" has no kind: give a port path or KIND:WHERE (kinds: ${linkKinds().join(', ')})`);
  return { scheme: m[1]!.toLowerCase(), rest: m[2]! };
}

/** Whether `text` is a location (has a registered scheme, or is a path) rather than a board id. */
export function isLinkLocation(text: string): boolean {
  try {
    return openers.has(parseLinkLocation(text).scheme);
  } catch {
    return false;
  }
}

/** Opens the byte link at `location` with the opener of its scheme. */
export async function openLink(location: string, opts: LinkOpenOptions = {}): Promise<OpenedLink> {
  const { scheme, rest } = parseLinkLocation(location);
  const opener = openers.get(scheme);
  if (opener === undefined) {
    throw new LinkLocationError(`board location "${location}": no link kind "${scheme}" (kinds: ${linkKinds().join(', ')})`);
  }
  if (rest === '') throw new LinkLocationError(`board location "${location}" says ${scheme} but not where`);
  return opener(rest, location, opts);
}

// ---- the kinds every host has ----------------------------------------------------------------

async function openSerial(path: string, opts: LinkOpenOptions): Promise<OpenedLink> {
  return { link: await SerialLink.open(path, opts.serial ?? {}), location: `serial:${path}`, duplex: 'full' };
}

registerLinkKind('serial', (rest, _location, opts) => openSerial(rest, opts));

/**
 * BLE boards served on another bus than the system's (an emulated BLE desk's BlueZ stand-in on
 * its private dbus-daemon): address to bus, so their ble: locations open like any other.
 */
const bleBuses = new Map<string, string>();

/** Routes ble:`address` to the BlueZ on `busAddress` (null: back to the system bus). */
export function routeBleAddress(address: string, busAddress: string | null): void {
  const addr = normalizeBleAddress(address);
  if (busAddress === null) bleBuses.delete(addr);
  else bleBuses.set(addr, busAddress);
}

registerLinkKind('ble', async (rest, _location, opts) => {
  const bus = bleBuses.get(normalizeBleAddress(rest));
  const link = await BleLink.open(rest, { ...(bus !== undefined ? { busAddress: bus } : {}), ...opts.ble });
  return { link, location: `ble:${link.address}`, duplex: 'half' };
});

/** A registered emulated (or QEMU) board by id, or by its number: emu:2 = emu-2, qemu:1 = qemu-1. */
function registeredOpener(kind: 'emulator' | 'qemu', scheme: string): LinkOpener {
  return async (rest, location, opts) => {
    const entries = (opts.emulators ?? new EmulatorRegistry()).list().filter((e) => (e.kind === 'qemu') === (kind === 'qemu'));
    const entry = entries.find((e) => e.id === rest) ?? entries.find((e) => e.id === `${scheme}-${rest}`);
    if (entry === undefined) {
      const known = entries.map((e) => e.id);
      const noun = kind === 'qemu' ? 'QEMU' : 'emulated';
      throw new LinkLocationError(
        `board location "${location}": no running ${noun} board "${rest}" (${known.length > 0 ? `running: ${known.join(', ')}` : `none running: start them with "synergy emu${kind === 'qemu' ? ' --qemu' : ''}"`})`,
      );
    }
    const opened = await openSerial(entry.path, opts);
    return { ...opened, location: `${scheme}:${entry.id}` };
  };
}

registerLinkKind('emu', registeredOpener('emulator', 'emu'));
registerLinkKind('qemu', registeredOpener('qemu', 'qemu'));
