// One truth per fact: what the host accepts before starting an emulated board (a desk's sensor
// and output kinds, a link's baud) is what the emulator itself accepts, found by starting it on
// the same cases (it exits 2 on options it refuses).

import { afterAll, describe, expect, it } from 'vitest';
import { baudValue } from '../../host/cli/args.js';
import { EMULATOR_MAX_BAUD, EMULATOR_MIN_BAUD, EmulatorExitedError, startEmulator, type EmulatedBoard, type EmulatorOptions } from '../../host/link/emulator.js';
import { KIND_PATTERN } from '../../host/space/device.js';

const started: EmulatedBoard[] = [];
afterAll(async () => {
  await Promise.allSettled(started.map((e) => e.stop()));
});

/** Whether the emulator starts with these options (false: it refused them, exit 2). */
async function emulatorTakes(opts: EmulatorOptions): Promise<boolean> {
  try {
    const e = await startEmulator(opts);
    started.push(e);
    await e.stop();
    return true;
  } catch (err) {
    if (err instanceof EmulatorExitedError && err.exit.code === 2) return false;
    throw err;
  }
}

const hostTakes = (parse: (t: string) => number, text: string): boolean => {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('the host and the emulator agree', () => {
  it('on sensor and output kinds', async () => {
    const kinds = ['camera', 'imu_6-axis', 'a'.repeat(32), 'a'.repeat(33), 'Camera', 'cam era', 'cam.era', 'héron'];
    for (const kind of kinds) {
      expect(await emulatorTakes({ outputs: [kind] }), `output ${kind}`).toBe(KIND_PATTERN.test(kind));
      expect(await emulatorTakes({ sensors: [`${kind}:1x8x8@10`] }), `sensor ${kind}`).toBe(KIND_PATTERN.test(kind));
    }
  });

  it('on link rates', async () => {
    const parse = baudValue(EMULATOR_MIN_BAUD, EMULATOR_MAX_BAUD, true);
    for (const baud of [0, 1, 299, 300, 921600, 100_000_000, 100_000_001]) {
      const host = hostTakes(parse, String(baud));
      // Passed as given (the `baud` option leaves 0, unpaced, out).
      const emu = await emulatorTakes({ extraArgs: ['--baud', String(baud)] });
      expect(emu, `--baud ${baud}`).toBe(host);
    }
  });
});
