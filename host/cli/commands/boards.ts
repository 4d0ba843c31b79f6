// synergy boards: every board this machine reaches (real by USB, emulated and QEMU boards from
// the registry), each asked hello: id, chip, port, firmware and build, limits, and whether it
// runs the image this checkout builds for its kind (a real board that does not needs flashing).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverBoards, type BoardLocation } from '../../board/discovery.js';
import { buildIdOf, readFirmwareImage } from '../../board/firmware-image.js';
import { repoRoot } from '../../link/repo-root.js';
import { openBoard } from '../../board/open.js';
import type { HelloInfo } from '../../proto/index.js';
import { intValue, UsageError } from '../args.js';
import { CommandFailure, EXIT, type Command, type CommandIO } from '../command.js';
import { scanBle, type BleAdvertisement } from '../../link/ble-scan.js';
import { table, toJsonShape } from '../output.js';
import { remoteArg, remoteLocations, REMOTE_OPTIONS } from '../remote-arg.js';

export interface BoardRow {
  location: BoardLocation;
  hello?: HelloInfo;
  error?: string;
}

/** Says hello to every board found, concurrently. */
export async function probeBoards(locations: BoardLocation[]): Promise<BoardRow[]> {
  return Promise.all(
    locations.map(async (location): Promise<BoardRow> => {
      try {
        const session = await openBoard(location, { helloTimeoutMs: 2000, helloAttempts: 1 });
        const hello = session.hello;
        await session.close();
        return { location, hello };
      } catch (e) {
        return { location, error: (e as Error).message };
      }
    }),
  );
}

/** The image this checkout builds for a board of this transport (what `synergy flash` puts on a real one). */
export function localImage(transport: BoardLocation['transport']): string | null {
  const root = repoRoot();
  if (transport === 'usb') return join(root, 'firmware/build/max78000/synergy.bin');
  if (transport === 'qemu') return join(root, 'firmware/build/qemu-an386/synergy.elf');
  if (transport === 'emulated') return process.env['SYNERGY_EMU'] ?? join(root, 'firmware/build/host/synergy-emu');
  return null;
}

const localBuilds = new Map<string, string | null>();

/** The build id of the local image for this transport, null when none is built. */
export function localBuildId(transport: BoardLocation['transport']): string | null {
  const file = localImage(transport);
  if (file === null || !existsSync(file)) return null;
  if (!localBuilds.has(file)) {
    // The emulator's build id hashes its executable file whole (emu_posix.c).
    localBuilds.set(file, transport === 'emulated' ? buildIdOf(readFileSync(file)) : readFirmwareImage(file).buildId);
  }
  return localBuilds.get(file)!;
}

/** "up to date", "needs flashing" (a real board) / "stale" (others), or why it cannot be told. */
export function flashState(l: BoardLocation, h: HelloInfo): { needsFlashing: boolean | null; text: string } {
  const local = localBuildId(l.transport);
  if (local === null) return { needsFlashing: null, text: l.transport === 'usb' ? 'no image built' : '-' };
  if (h.buildId === undefined || h.buildId === '') return { needsFlashing: null, text: 'build unknown' };
  if (h.buildId === local) return { needsFlashing: false, text: 'up to date' };
  return { needsFlashing: true, text: l.transport === 'usb' ? 'needs flashing' : 'stale' };
}

export function boardsTable(rows: BoardRow[]): string {
  return table(
    ['ID', 'CHIP', 'PORT', 'FIRMWARE', 'BUILD', 'IMAGE', 'LIMITS (frame/payload/in-flight)', 'BAUD', 'KIND'],
    rows.map(({ location: l, hello: h, error }) =>
      h
        ? [h.boardId, h.chip, l.path, h.firmware, h.buildId || '-', flashState(l, h).text, `${h.maxFrame}/${h.maxPayload}/${h.maxInFlight}`, h.linkBaud ? String(h.linkBaud) : 'unpaced', l.transport]
        : [l.id, l.chip ?? '?', l.path, '-', '-', '-', `unreachable: ${error ?? 'no answer'}`, '-', l.transport],
    ),
  );
}

export function boardsJson(rows: BoardRow[]): unknown {
  return {
    boards: rows.map(({ location: l, hello: h, error }) => ({
      id: h?.boardId ?? l.id,
      transport: l.transport,
      port: l.path,
      ...(l.transport === 'usb' ? { serial: l.id } : {}),
      ...(l.pid !== undefined ? { pid: l.pid } : {}),
      ...(h ? (toJsonShape(h) as object) : { chip: l.chip ?? null, error }),
      ...(h ? { needs_flashing: flashState(l, h).needsFlashing, local_build_id: localBuildId(l.transport) } : {}),
    })),
  };
}

/** `synergy boards --ble`: what a BlueZ scan of `seconds` finds, strongest signal first. */
async function listBle(seconds: number, json: boolean, io: CommandIO): Promise<number> {
  let found: BleAdvertisement[];
  try {
    found = await scanBle(seconds * 1000);
  } catch (e) {
    throw new CommandFailure(`cannot scan for BLE boards: ${(e as Error).message}`);
  }
  found.sort((a, b) => (b.rssi ?? -999) - (a.rssi ?? -999) || a.address.localeCompare(b.address));
  if (json) {
    io.out(JSON.stringify({ ble: found.map((f) => ({ address: f.address, name: f.name ?? null, rssi: f.rssi ?? null, location: `ble:${f.address}` })) }));
  } else if (found.length === 0) {
    io.out(`no BLE devices found in ${seconds} s of scanning (powered, in range, advertising?)`);
  } else {
    io.out(table(['ADDRESS', 'NAME', 'RSSI'], found.map((f) => [f.address, f.name ?? '-', f.rssi === undefined ? '-' : `${f.rssi} dBm`])));
  }
  return EXIT.ok;
}

export const boardsCommand: Command = {
  name: 'boards',
  summary: 'list the boards this machine reaches, real (USB) and emulated, with their limits',
  description:
    'Real boards are DAPLink USB serial ports (0d28:0204), named by serial number; emulated and\n' +
    'QEMU boards are those a running "synergy emu" registered. Each is asked hello. IMAGE says\n' +
    'whether the board runs the build this checkout makes for it (firmware/build/max78000/synergy.bin\n' +
    'for a real board: "needs flashing" otherwise, see synergy flash). --remote URL adds the boards\n' +
    'a synergy agent serves (leased for the hello, then released).\n' +
    'With --ble it scans for BLE boards through BlueZ (the system bus, or DBUS_SYSTEM_BUS_ADDRESS)\n' +
    'and lists each device found: address, advertised name and RSSI.',
  positionals: [],
  options: [
    { name: 'ble', description: 'scan for BLE boards through BlueZ instead: name, address and RSSI of each (open one as ble:ADDRESS)' },
    { name: 'scan', value: 'S', parse: intValue(1, 60), description: 'how long --ble scans, whole seconds 1..60 (default 3)' },
    ...REMOTE_OPTIONS,
  ],
  async run({ args, json, io }) {
    if (args.flag('ble')) return listBle(args.number('scan') ?? 3, json, io);
    if (args.has('scan')) throw new UsageError('synergy boards: --scan goes with --ble');
    const remote = await remoteLocations(remoteArg(args, 'boards'));
    const rows = await probeBoards([...(await discoverBoards()), ...remote]);
    if (json) {
      io.out(JSON.stringify(boardsJson(rows)));
    } else if (rows.length === 0) {
      io.out('no boards found (plug one in, or start emulated ones with "synergy emu")');
    } else {
      io.out(boardsTable(rows));
    }
    return rows.some((r) => r.error !== undefined) ? EXIT.failure : EXIT.ok;
  },
};
