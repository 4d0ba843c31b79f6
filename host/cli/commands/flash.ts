// synergy flash [--board SERIAL|all] [--firmware FILE] [--drive DIR] [--method M]: programs
// MAX78000FTHR boards and checks that each comes back running the file's build.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DriveError } from '../../board/daplink-drive.js';
import { readFirmwareImage, FirmwareImageError, type FirmwareImage } from '../../board/firmware-image.js';
import { findTargets, flashBoard, FlashError, type FlashMethod, type FlashResult } from '../../board/flash.js';
import { ProbeError } from '../../board/probes.js';
import { repoRoot } from '../../repo-root.js';
import { choiceValue, intValue } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { table } from '../output.js';
import { progressBar } from '../progress.js';

/** The image `make firmware` builds for the board. */
export function defaultFirmware(): string {
  return join(repoRoot(), 'firmware/build/max78000/synergy.bin');
}

/** Errors a user can act on become one-line failures; anything else stays a bug with a stack. */
function asFailure(e: unknown): unknown {
  const known = e instanceof FlashError || e instanceof DriveError || e instanceof ProbeError || e instanceof FirmwareImageError;
  return known ? new CommandFailure((e as Error).message) : e;
}

export const flashCommand: Command = {
  name: 'flash',
  summary: 'program MAX78000FTHR boards (DAPLink drive, OpenOCD or pyOCD) and check they run the build',
  description:
    'Finds MAX78000FTHR boards by USB VID:PID 0d28:0204 and serial number and their mounted DAPLINK\n' +
    'volumes (DETAILS.TXT, MBED.HTM). Each is programmed through its drive (the .bin copied onto it;\n' +
    'the probe takes it, drops off USB and comes back; FAIL.TXT says why an image was refused), or\n' +
    'with --method openocd|pyocd through that tool. Then the board\'s hello must report the file\'s\n' +
    'build id. FILE is a .bin, .hex or .elf (default firmware/build/max78000/synergy.bin, from\n' +
    '"make firmware"). --drive DIR flashes the DAPLink volume at DIR. SYNERGY_MOUNTS names another\n' +
    'mount table than /proc/mounts.\n' +
    'With --json: {"boards": [{serial, method, via, port, bytes, build_id, seconds}]}.',
  positionals: [],
  options: [
    { name: 'board', value: 'SERIAL', description: 'the board\'s serial number, or all (default: the one board found)' },
    { name: 'firmware', value: 'FILE', description: 'image to flash (.bin, .hex, .elf)' },
    { name: 'drive', value: 'DIR', description: 'a DAPLink volume by path' },
    { name: 'method', value: 'M', parse: choiceValue('drive', 'openocd', 'pyocd'), description: 'drive (default when mounted), openocd or pyocd' },
    { name: 'timeout', value: 'S', parse: intValue(1, 600), description: 'seconds for each board to take the image and come back (default 60)' },
  ],
  async run({ args, json, io }) {
    const timeoutMs = (args.number('timeout') ?? 60) * 1000;
    const progress = progressBar();
    const results: FlashResult[] = [];
    let image: FirmwareImage;
    const file = args.string('firmware') ?? defaultFirmware();
    try {
      // Boards first: with none there is nothing to flash, whatever the file.
      const targets = await findTargets({
        ...(args.has('board') ? { board: args.string('board')! } : {}),
        ...(args.has('drive') ? { drive: args.string('drive')! } : {}),
      });
      if (!args.has('firmware') && !existsSync(file)) {
        throw new CommandFailure(`no firmware image at ${file}: run "make firmware" (the MAX78000 image links once its accelerator binding is in the tree), or give --firmware FILE`);
      }
      image = readFirmwareImage(file);
      for (const t of targets) {
        results.push(
          await flashBoard(t, image, {
            ...(args.has('method') ? { method: args.string('method') as FlashMethod } : {}),
            programTimeoutMs: timeoutMs,
            bootTimeoutMs: timeoutMs,
            onProgress: (p) => progress.update(p.fraction, `${p.serial}: ${p.stage} ${image.bytes.length} bytes (build ${image.buildId})`),
          }),
        );
      }
    } catch (e) {
      throw asFailure(e);
    } finally {
      progress.done();
    }
    if (json) {
      io.out(JSON.stringify({ firmware: file, build_id: image.buildId, boards: results }));
    } else {
      io.out(table(['SERIAL', 'METHOD', 'VIA', 'PORT', 'BYTES', 'BUILD', 'SECONDS'], results.map((r) => [r.serial, r.method, r.via, r.port, String(r.bytes), r.build_id, r.seconds.toFixed(1)])));
      io.out(`${results.length} board${results.length === 1 ? '' : 's'} flashed and running build ${image.buildId}`);
    }
    return EXIT.ok;
  },
};
