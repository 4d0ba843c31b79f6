// Finding boards: USB identity from a sysfs tree laid out as Linux lays it out, and emulated
// boards through the registry of the process that started them.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverBoards, resolveBoard } from '../../host/board/discovery.js';
import { startEmulatedDesk } from '../../host/board/emulated-desk.js';
import { EmulatorRegistry, runtimeDir } from '../../host/link/emulator-registry.js';
import { openBoard } from '../../host/board/open.js';
import { usbPortsFromSysfs } from '../../host/board/usb-ports.js';

const temp = mkdtempSync(join(tmpdir(), 'synergy-discovery-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A sysfs tree: a DAPLink ttyACM, an FTDI ttyUSB (one level deeper), a virtual console. */
function fakeSysfs(): string {
  const sys = join(temp, 'sys');
  const usbDev = (name: string, attrs: Record<string, string>): string => {
    const dir = join(sys, 'devices/pci0000:00/0000:00:14.0/usb1', name);
    mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(attrs)) writeFileSync(join(dir, k), v + '\n');
    return dir;
  };
  const dap = usbDev('1-2', { idVendor: '0d28', idProduct: '0204', serial: '04440001a1b2c3d4', product: 'DAPLink CMSIS-DAP' });
  mkdirSync(join(dap, '1-2:1.1/tty/ttyACM0'), { recursive: true });
  const ftdi = usbDev('1-3', { idVendor: '0403', idProduct: '6001', serial: 'FT123' });
  mkdirSync(join(ftdi, '1-3:1.0/ttyUSB0/tty/ttyUSB0'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/tty0'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/ttyACM0'), { recursive: true });
  mkdirSync(join(sys, 'class/tty/ttyUSB0'), { recursive: true });
  symlinkSync(join(dap, '1-2:1.1'), join(sys, 'class/tty/ttyACM0/device'));
  symlinkSync(join(ftdi, '1-3:1.0/ttyUSB0'), join(sys, 'class/tty/ttyUSB0/device'));
  return sys;
}

describe('USB ports from sysfs', () => {
  it('reads vendor, product and serial number for ttyACM and ttyUSB ports', () => {
    const ports = usbPortsFromSysfs(fakeSysfs());
    expect(ports).toEqual([
      { path: '/dev/ttyACM0', vendorId: '0d28', productId: '0204', serialNumber: '04440001a1b2c3d4', product: 'DAPLink CMSIS-DAP' },
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'FT123' },
    ]);
  });

  it('a DAPLink port is a board keyed by its serial number; other USB serial ports are not boards', async () => {
    const registry = new EmulatorRegistry(join(temp, 'empty-registry'));
    const boards = await discoverBoards({ sysRoot: join(temp, 'sys'), registry });
    expect(boards).toEqual([{ id: '04440001a1b2c3d4', transport: 'usb', path: '/dev/ttyACM0', location: 'serial:/dev/ttyACM0' }]);
  });

  it('an absent sysfs gives no ports rather than an error', () => {
    expect(usbPortsFromSysfs(join(temp, 'nowhere'))).toEqual([]);
  });
});

describe('registry of emulated boards', () => {
  it('runtime directory: SYNERGY_RUNTIME_DIR, else XDG_RUNTIME_DIR/synergy-UID, else the temp dir', () => {
    const uid = process.getuid!();
    expect(runtimeDir({ SYNERGY_RUNTIME_DIR: '/x/y' })).toBe('/x/y');
    expect(runtimeDir({ XDG_RUNTIME_DIR: '/run/user/5' })).toBe(`/run/user/5/synergy-${uid}`);
    expect(runtimeDir({})).toBe(join(tmpdir(), `synergy-${uid}`));
  });

  it('a desk registers its boards; discovery finds them by id and path; stop cleans up', async () => {
    const registry = new EmulatorRegistry(join(temp, 'registry'));
    const desk = await startEmulatedDesk({ boards: 3, chip: 'mixed', registry, idPrefix: 'disc-' });
    try {
      const boards = await discoverBoards({ registry, usb: false });
      expect(boards.map((b) => [b.id, b.chip, b.transport])).toEqual([
        ['disc-1', 'max78000', 'emulated'],
        ['disc-2', 'max78002', 'emulated'],
        ['disc-3', 'max78000', 'emulated'],
      ]);
      const byId = await resolveBoard('disc-2', { registry, usb: false });
      expect(byId.path).toBe(desk.boards[1]!.emulator.path);
      const byPath = await resolveBoard(desk.boards[2]!.emulator.path, { registry, usb: false });
      expect(byPath.id).toBe('disc-3');
      await expect(resolveBoard('disc-9', { registry, usb: false })).rejects.toThrow(/known boards are disc-1, disc-2, disc-3/);

      // The id on the wire is the one registered.
      const session = await openBoard(byId);
      expect(session.hello.boardId).toBe('disc-2');
      expect(session.hello.chip).toBe('max78002');
      await session.close();

      // A second desk on the same registry takes the next free ids.
      const second = await startEmulatedDesk({ boards: 1, registry, idPrefix: 'disc-' });
      expect(second.boards[0]!.id).toBe('disc-4');
      await second.stop();
      expect(registry.list().map((e) => e.id)).toEqual(['disc-1', 'disc-2', 'disc-3']);
    } finally {
      await desk.stop();
    }
    expect(readdirSync(registry.dir)).toEqual([]);
    for (const b of desk.boards) expect(() => process.kill(b.emulator.pid, 0)).toThrow();
  });

  it('an entry whose emulator died is dropped and removed; an entry for a live non-emulator pid too', async () => {
    const registry = new EmulatorRegistry(join(temp, 'stale'));
    const desk = await startEmulatedDesk({ boards: 1, registry, idPrefix: 'stale-' });
    const path = desk.boards[0]!.emulator.path;
    registry.register({ id: 'reused', chip: 'max78000', path, pid: process.pid, ownerPid: process.pid, startedAt: '' });
    expect(registry.list().map((e) => e.id)).toEqual(['stale-1']);
    expect(existsSync(join(registry.dir, 'emu-reused.json'))).toBe(false);
    process.kill(desk.boards[0]!.emulator.pid, 'SIGKILL');
    await desk.boards[0]!.emulator.exited;
    expect(registry.list()).toEqual([]);
    expect(readdirSync(registry.dir)).toEqual([]);
    await desk.stop();
  });

  it('refuses a second live board with the same id', async () => {
    const registry = new EmulatorRegistry(join(temp, 'dup'));
    const desk = await startEmulatedDesk({ boards: 1, registry, idPrefix: 'dup-' });
    try {
      const e = desk.boards[0]!.entry;
      expect(() => registry.register({ ...e, ownerPid: 1 })).toThrow(/already running/);
    } finally {
      await desk.stop();
    }
  });
});
