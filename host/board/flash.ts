// Putting a firmware image on MAX78000FTHR boards and checking that they run it: find the boards
// (USB VID:PID 0d28:0204 by serial number, their DAPLink volumes by DETAILS.TXT's Unique ID, or
// a drive given by path), program each through its drive (copy, wait for the probe to take it,
// read FAIL.TXT) or a probe tool (OpenOCD, pyOCD), then wait for the board's hello and compare
// its build_id with the file's.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { discoverBoards } from './discovery.js';
import { copyToDrive, findDapLinkDrives, mountPoints, readDapLinkDrive, waitForProgramming, type DapLinkDrive } from './daplink-drive.js';
import type { FirmwareImage } from './firmware-image.js';
import { openBoard } from './open.js';
import { availableProbes, probeCommand, PROBE_TOOLS, runProbe, type ProbeTool } from './probes.js';
import { DAPLINK_PID, DAPLINK_VID, isDapLink, listUsbSerialPorts } from './usb-ports.js';

export type FlashMethod = 'drive' | ProbeTool;

export interface FlashTarget {
  /** the probe's serial number (USB iSerial = DETAILS.TXT's Unique ID) */
  serial: string;
  /** its mounted drive, if any */
  drive: DapLinkDrive | null;
  /** its USB serial port, if seen */
  port: string | null;
}

export class FlashError extends Error {
  override readonly name = 'FlashError';
}

export interface FindOptions {
  /** a serial number, or "all"; absent: the one board found */
  board?: string;
  /** a drive given by path (a DAPLink volume, or a stand-in) */
  drive?: string;
  /** /proc/mounts or a stand-in (env SYNERGY_MOUNTS) */
  mounts?: string;
  /** look at USB (default: unless $SYNERGY_USB is 0) */
  usb?: boolean;
}

/** The boards to flash, or a FlashError saying what was looked for and found. */
export async function findTargets(opts: FindOptions): Promise<FlashTarget[]> {
  if (opts.drive !== undefined) {
    const drive = readDapLinkDrive(opts.drive);
    if (drive.uniqueId === null) throw new FlashError(`drive ${opts.drive}: DETAILS.TXT has no "Unique ID" line (the probe's serial number)`);
    if (opts.board !== undefined && opts.board !== 'all' && opts.board !== drive.uniqueId) {
      throw new FlashError(`drive ${opts.drive} belongs to probe ${drive.uniqueId}, not ${opts.board}`);
    }
    return [{ serial: drive.uniqueId, drive, port: null }];
  }
  const mounts = opts.mounts ?? process.env['SYNERGY_MOUNTS'] ?? '/proc/mounts';
  const useUsb = opts.usb ?? process.env['SYNERGY_USB'] !== '0';
  const ports = useUsb ? (await listUsbSerialPorts()).filter(isDapLink) : [];
  const drives = findDapLinkDrives(mounts);
  const serials = [...new Set([...ports.map((p) => p.serialNumber ?? p.path), ...drives.flatMap((d) => (d.uniqueId !== null ? [d.uniqueId] : []))])].sort();
  const all = serials.map((serial) => ({
    serial,
    drive: drives.find((d) => d.uniqueId === serial) ?? null,
    port: ports.find((p) => p.serialNumber === serial)?.path ?? null,
  }));
  if (all.length === 0) {
    const probes = PROBE_TOOLS.map((t) => `${t}: ${availableProbes().includes(t) ? 'installed' : 'not installed'}`).join(', ');
    throw new FlashError(
      `no MAX78000FTHR found: looked for USB devices ${DAPLINK_VID}:${DAPLINK_PID} (DAPLink)${useUsb ? ': none' : ': skipped, SYNERGY_USB=0'}; ` +
        `for mounted DAPLink volumes (DETAILS.TXT and MBED.HTM) among ${mountPoints(mounts).length} mount points in ${mounts}: none; ` +
        `for probes (${probes}). Plug a board in and mount its DAPLINK drive, or give --drive DIR`,
    );
  }
  if (opts.board === 'all') return all;
  if (opts.board !== undefined) {
    const found = all.find((t) => t.serial === opts.board);
    if (!found) throw new FlashError(`no board with serial number ${opts.board}: found ${all.map((t) => t.serial).join(', ')}`);
    return [found];
  }
  if (all.length > 1) throw new FlashError(`${all.length} boards found (${all.map((t) => t.serial).join(', ')}): say which with --board SERIAL, or --board all`);
  return all;
}

/** How a target is flashed: its drive when mounted, else a probe tool, else a FlashError. */
export function chooseMethod(target: FlashTarget, asked?: FlashMethod): FlashMethod {
  if (asked === 'drive' || (asked === undefined && target.drive !== null)) {
    if (target.drive === null) throw new FlashError(`board ${target.serial}: no mounted DAPLink drive (mount it, or use --method openocd or pyocd)`);
    return 'drive';
  }
  const tools = availableProbes();
  const tool = asked ?? tools[0];
  if (tool === undefined || !tools.includes(tool)) {
    throw new FlashError(`board ${target.serial}: no mounted DAPLink drive and ${tool ?? 'no probe tool'} ${tool ? 'is not installed' : '(openocd or pyocd) installed'}`);
  }
  return tool;
}

export interface FlashProgress {
  serial: string;
  stage: 'copying' | 'programming' | 'rebooting';
  fraction: number;
}

export interface FlashResult {
  serial: string;
  method: FlashMethod;
  /** the drive or the probe tool used */
  via: string;
  /** the board's port once it answered */
  port: string;
  bytes: number;
  build_id: string;
  seconds: number;
}

export interface FlashOptions {
  method?: FlashMethod;
  /** for the probe to take the image, ms (default 60 s) */
  programTimeoutMs?: number;
  /** for the board to answer with the new build id, ms (default 30 s) */
  bootTimeoutMs?: number;
  onProgress?: (p: FlashProgress) => void;
}

/** Waits until the board with this serial number answers hello with `buildId`. */
export async function waitForBuild(serial: string, buildId: string, timeoutMs: number): Promise<{ port: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'it was not found';
  for (;;) {
    const loc = (await discoverBoards()).find((b) => b.id === serial);
    if (loc !== undefined) {
      try {
        const session = await openBoard(loc, { helloTimeoutMs: 2000, helloAttempts: 1 });
        const running = session.hello.buildId ?? '';
        await session.close();
        if (running === buildId) return { port: loc.path };
        last = `it answers with build ${running || '(none)'}`;
      } catch (e) {
        last = `it did not answer: ${(e as Error).message}`;
      }
    }
    if (Date.now() > deadline) throw new FlashError(`board ${serial} did not come back running build ${buildId} within ${Math.round(timeoutMs / 1000)} s: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Programs one board and checks that it runs the image. */
export async function flashBoard(target: FlashTarget, image: FirmwareImage, opts: FlashOptions = {}): Promise<FlashResult> {
  const started = Date.now();
  const method = chooseMethod(target, opts.method);
  const report = (stage: FlashProgress['stage'], fraction: number): void => opts.onProgress?.({ serial: target.serial, stage, fraction });
  let via: string;
  if (method === 'drive') {
    const drive = target.drive!;
    via = drive.dir;
    // A DAPLink takes a .bin or a .hex (an .elf goes as the .bin of its loadable bytes); the
    // build id is of the image either way.
    const name = image.format === 'hex' ? basename(image.path) : basename(image.path).replace(/\.[^.]*$/, '') + '.bin';
    const bytes = image.format === 'hex' ? new Uint8Array(readFileSync(image.path)) : image.bytes;
    const copied = copyToDrive(drive, name, bytes, (n) => report('copying', n / bytes.length));
    report('programming', 1);
    const { failure } = await waitForProgramming(drive, copied, opts.programTimeoutMs ?? 60_000);
    if (failure !== null) throw new FlashError(`board ${target.serial}: the probe refused ${basename(image.path)}; FAIL.TXT says: ${failure.split(/\r?\n/).filter((l) => l.trim() !== '').join('; ')}`);
  } else {
    via = method;
    report('programming', 0);
    await runProbe(probeCommand(method, image.path, target.serial), opts.programTimeoutMs ?? 120_000);
  }
  report('rebooting', 1);
  const { port } = await waitForBuild(target.serial, image.buildId, opts.bootTimeoutMs ?? 30_000);
  return { serial: target.serial, method, via, port, bytes: image.bytes.length, build_id: image.buildId, seconds: Math.round((Date.now() - started) / 100) / 10 };
}
