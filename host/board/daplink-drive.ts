// The DAPLink's mass-storage drive (MAX32625PICO on the MAX78000FTHR): a USB volume that holds
// DETAILS.TXT (with the probe's "Unique ID", also its USB serial number) and MBED.HTM. Copying a
// .bin or .hex onto it programs the target: the probe takes the file, drops off USB while it
// writes the flash, and comes back without the file; a FAIL.TXT on the volume then says why the
// image was refused.

import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface DapLinkDrive {
  /** the mounted volume */
  dir: string;
  /** DETAILS.TXT's "Unique ID" (the USB serial number), null if it has none */
  uniqueId: string | null;
  /** DETAILS.TXT's "key: value" lines */
  details: Readonly<Record<string, string>>;
}

export class DriveError extends Error {
  override readonly name = 'DriveError';
}

export const DETAILS_FILE = 'DETAILS.TXT';
export const MBED_FILE = 'MBED.HTM';
export const FAIL_FILE = 'FAIL.TXT';

/** Both files a DAPLink volume shows. */
export function looksLikeDapLink(dir: string): boolean {
  return existsSync(join(dir, DETAILS_FILE)) && existsSync(join(dir, MBED_FILE));
}

export function parseDetails(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^:#]+):\s*(.*)$/.exec(line);
    if (m) out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}

/** Reads a volume as a DAPLink drive; an error names the directory and what it lacks. */
export function readDapLinkDrive(dir: string): DapLinkDrive {
  if (!existsSync(dir)) throw new DriveError(`drive ${dir}: no such directory`);
  const missing = [DETAILS_FILE, MBED_FILE].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) throw new DriveError(`drive ${dir}: not a DAPLink volume (no ${missing.join(' or ')})`);
  const details = parseDetails(readFileSync(join(dir, DETAILS_FILE), 'latin1'));
  return { dir, uniqueId: details['Unique ID'] ?? null, details };
}

/** Mount points of the machine (/proc/mounts; octal escapes decoded). */
export function mountPoints(mounts = '/proc/mounts'): string[] {
  let text: string;
  try {
    text = readFileSync(mounts, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => p !== undefined && p !== '')
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** Every mounted DAPLink volume. */
export function findDapLinkDrives(mounts = '/proc/mounts'): DapLinkDrive[] {
  const out: DapLinkDrive[] = [];
  for (const dir of mountPoints(mounts)) {
    try {
      if (looksLikeDapLink(dir)) out.push(readDapLinkDrive(dir));
    } catch {
      // unreadable mount: not ours
    }
  }
  return out;
}

const CHUNK = 64 * 1024;

/**
 * Writes the image onto the drive as `name`, in chunks (progress in bytes), flushed to the device
 * before it returns: the probe starts programming when the file is complete.
 */
export function copyToDrive(drive: DapLinkDrive, name: string, bytes: Uint8Array, onProgress: (written: number) => void = () => undefined): string {
  const target = join(drive.dir, basename(name));
  let fd: number;
  try {
    fd = openSync(target, 'w');
  } catch (e) {
    throw new DriveError(`drive ${drive.dir}: cannot create ${basename(name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    for (let at = 0; at < bytes.length; ) {
      at += writeSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at));
      onProgress(at);
    }
    fsyncSync(fd);
  } catch (e) {
    throw new DriveError(`drive ${drive.dir}: writing ${basename(name)} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    closeSync(fd);
  }
  return target;
}

export interface ProgramOutcome {
  /** FAIL.TXT's text when the probe refused the image, else null */
  failure: string | null;
}

/**
 * Waits for the probe to take the copied file: the file gone and the volume back (DETAILS.TXT
 * again, as after a remount at the same path); then reads FAIL.TXT.
 */
export async function waitForProgramming(drive: DapLinkDrive, copied: string, timeoutMs: number, pollMs = 100): Promise<ProgramOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const back = !existsSync(copied) && looksLikeDapLink(drive.dir);
    if (back) {
      const fail = join(drive.dir, FAIL_FILE);
      return { failure: existsSync(fail) ? readFileSync(fail, 'latin1').trim() : null };
    }
    if (Date.now() > deadline) {
      const state = existsSync(copied) ? `${basename(copied)} is still on it` : 'it did not come back';
      throw new DriveError(`drive ${drive.dir}: the probe did not take the image within ${Math.round(timeoutMs / 1000)} s (${state})`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Names on the volume, for messages. */
export function driveListing(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
