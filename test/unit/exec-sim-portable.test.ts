// The simulator is host-only in the builds (firmware.mk links accel/sim/ into the emulator and
// the tests, not into the Cortex-M4 library), but it is written as portable firmware C: it must
// compile for the Cortex-M4 with the firmware's flags (a smaller arena, as a board would set).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../host/repo-root.js';

const cc = 'arm-none-eabi-gcc';
const out = mkdtempSync(join(tmpdir(), 'sim-arm-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('simulator on the Cortex-M4', () => {
  // make firmware builds the Cortex-M4 core with the same compiler (tools/setup.sh installs it).
  if (spawnSync(cc, ['--version']).status !== 0) throw new Error(`${cc} is not installed: the Cortex-M4 compile check of the simulator needs it (make setup)`);
  const fw = join(repoRoot(), 'firmware');
  const sources = readdirSync(join(fw, 'accel', 'sim')).filter((f) => f.endsWith('.c'));
  it.each(sources)('accel/sim/%s compiles with -Wall -Wextra -Werror for cortex-m4', (file) => {
    const r = spawnSync(cc, ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=softfp', '-mfpu=fpv4-sp-d16', '-Os', '-std=c11',
      '-Wall', '-Wextra', '-Werror', `-I${join(fw, 'core')}`, `-I${join(fw, 'accel')}`, '-DACCEL_SIM_ARENA_BYTES=65536u',
      '-c', join(fw, 'accel', 'sim', file), '-o', join(out, `${file}.o`)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
