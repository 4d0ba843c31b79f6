// The link registry: every location kind opens a real board (a pseudo-terminal to synergy-emu, a
// registered emulated board by id or number), unknown kinds and malformed locations are refused
// by name, and a kind registered later (as ws:// will be) is used by openBoard and resolveBoard.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBoard } from '../../host/board/discovery.js';
import { startEmulatedDesk, type EmulatedDesk } from '../../host/board/emulated-desk.js';
import { EmulatorRegistry } from '../../host/link/emulator-registry.js';
import { openBoard } from '../../host/board/open.js';
import { isLinkLocation, linkKinds, openLink, parseLinkLocation, registerLinkKind } from '../../host/link/registry.js';
import { SerialLink } from '../../host/link/serial.js';
import type { LinkProfile } from '../../host/link/byte-link.js';

const temp = mkdtempSync(join(tmpdir(), 'synergy-link-registry-'));
const registry = new EmulatorRegistry(join(temp, 'registry'));
let desk: EmulatedDesk;

beforeAll(async () => {
  desk = await startEmulatedDesk({ boards: 2, registry, idPrefix: 'emu-', baud: 460_800 });
});
afterAll(async () => {
  await desk?.stop();
  rmSync(temp, { recursive: true, force: true });
});

describe('link locations', () => {
  it('parses kinds; a bare path is serial; a board id is not a location', () => {
    expect(parseLinkLocation('/dev/ttyACM0')).toEqual({ scheme: 'serial', rest: '/dev/ttyACM0' });
    expect(parseLinkLocation('serial:/dev/pts/3')).toEqual({ scheme: 'serial', rest: '/dev/pts/3' });
    expect(parseLinkLocation('BLE:c0:de:5e:00:00:01')).toEqual({ scheme: 'ble', rest: 'c0:de:5e:00:00:01' });
    expect(parseLinkLocation('ws://10.0.0.2:7070/board')).toEqual({ scheme: 'ws', rest: '//10.0.0.2:7070/board' });
    expect(isLinkLocation('emu-1')).toBe(false);
    expect(isLinkLocation('emu:1')).toBe(true);
    expect(linkKinds()).toEqual(expect.arrayContaining(['ble', 'emu', 'qemu', 'serial']));
  });

  it('refuses an unknown kind, a kind without a place, and a malformed BLE address, naming them', async () => {
    await expect(openLink('carrier-pigeon:loft-3')).rejects.toThrow(/board location "carrier-pigeon:loft-3": no link kind "carrier-pigeon" \(kinds: ble, emu, qemu, rfc2217, serial, ws/);
    await expect(openLink('serial:')).rejects.toThrow(/board location "serial:" says serial but not where/);
    await expect(openLink('ble:12:34')).rejects.toThrow(/BLE address "12:34" is not six colon-separated hex bytes/);
    await expect(openLink('emu:7', { emulators: registry })).rejects.toThrow(/no running emulated board "7" \(running: emu-1, emu-2\)/);
    await expect(openLink('serial:/dev/synergy-no-such-port')).rejects.toThrow(/cannot open serial port \/dev\/synergy-no-such-port/);
  });

  it('a registered kind may not be registered twice', () => {
    expect(() => registerLinkKind('serial', async () => Promise.reject(new Error('never')))).toThrow(/registered already/);
    expect(() => registerLinkKind('Bad Scheme', async () => Promise.reject(new Error('never')))).toThrow(/not lower-case/);
  });
});

describe('opening boards through the registry', () => {
  it('a bare path, serial:PATH, emu:N and emu:ID reach the same board', async () => {
    const path = desk.boards[1]!.emulator.path;
    for (const where of [path, `serial:${path}`, 'emu:2', 'emu:emu-2']) {
      const session = await openBoard(where, { emulators: registry });
      expect(session.hello.boardId, where).toBe('emu-2');
      await session.close();
    }
  });

  it('a profile at open: a paced UART keeps its baud as the rate and gets a measured latency', async () => {
    const session = await openBoard(desk.boards[0]!.emulator.path, { profile: true });
    try {
      const p = session.link.profile!;
      expect(p).toMatchObject({ bytesPerSec: 46_080, duplex: 'full', source: 'hello' });
      expect(p.latencyMs).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('a kind registered later opens through openBoard and resolves as a location', async () => {
    const opened: string[] = [];
    // A "tunnel" kind that reaches the emulated board by its id: a stand-in for ws:// or
    // rfc2217://, which are registered the same way.
    registerLinkKind('tunnel', async (rest, location) => {
      opened.push(location);
      const entry = registry.list().find((e) => e.id === rest.replace(/^\/\//, ''));
      if (!entry) throw new Error(`${location}: nothing at the other end`);
      return { link: await SerialLink.open(entry.path), location, duplex: 'full' };
    });
    const loc = await resolveBoard('tunnel://emu-1', { registry, usb: false });
    let first: LinkProfile | undefined;
    expect(loc).toMatchObject({ transport: 'link', location: 'tunnel://emu-1' });
    const session = await openBoard(loc, { profile: true });
    try {
      expect(session.hello.boardId).toBe('emu-1');
      // Not a UART the host sets: the rate is measured by a ping burst (460,800 baud = 46,080 B/s).
      first = session.link.profile!;
      expect(first.source).toBe('measured');
      expect(first.bytesPerSec).toBeGreaterThan(46_080 * 0.7);
      expect(first.bytesPerSec).toBeLessThan(46_080 * 1.3);
    } finally {
      await session.close();
    }
    // Opened again, the link keeps the best it measured: never a lower rate nor a higher latency.
    const again = await openBoard(loc, { profile: true });
    const second = again.link.profile!;
    await again.close();
    expect(opened).toEqual(['tunnel://emu-1', 'tunnel://emu-1']);
    expect(second.source).toBe('measured');
    expect(second.bytesPerSec).toBeGreaterThanOrEqual(first!.bytesPerSec);
    expect(second.latencyMs).toBeLessThanOrEqual(first!.latencyMs);
    await expect(openBoard('tunnel://emu-9')).rejects.toThrow(/tunnel:\/\/emu-9: nothing at the other end/);
    await expect(resolveBoard('pigeon:loft-3', { registry, usb: false })).rejects.toThrow(/board location "pigeon:loft-3": no link kind "pigeon" \(kinds: ble, emu, qemu, rfc2217, serial, tunnel, ws\)/);
  });
});
