// The images `make firmware` builds: each bare-metal image starts with a vector table whose
// first words are a stack pointer inside its RAM and a Thumb reset address inside the image, and
// every kind of board reports the build id the host computes from its file (the emulator's is
// the SHA-256 of its executable).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIdOf, readFirmwareImage, vectorTableProblem } from '../../host/board/firmware-image.js';
import { emulatorBinary } from '../../host/link/emulator.js';
import { repoRoot } from '../../host/repo-root.js';
import { startBoard, stopAll } from './helpers.js';

const ROOT = repoRoot();
const MAX78000_ELF = join(ROOT, 'firmware/build/max78000/synergy.elf');

afterAll(stopAll);

describe('vector tables', () => {
  it('the QEMU board image: stack pointer in the 4 MiB data RAM, reset handler in the image at 0', () => {
    const img = readFirmwareImage(join(ROOT, 'firmware/build/qemu-an386/synergy.elf'));
    expect(img.base).toBe(0);
    expect(vectorTableProblem(img.bytes, img.base!, { start: 0x20000000, end: 0x20400000 })).toBeNull();
  });

  // The MAX78000 image links once its accelerator binding is in the tree (firmware/max78000.mk).
  it('the MAX78000 image: stack pointer in the 128 KiB SRAM, reset handler in flash at 0x10000000', () => {
    const img = readFirmwareImage(MAX78000_ELF);
    expect(img.base).toBe(0x10000000);
    expect(img.bytes.length).toBeLessThanOrEqual(512 * 1024);
    expect(vectorTableProblem(img.bytes, img.base!, { start: 0x20000000, end: 0x20020000 })).toBeNull();
  });
});

describe('build ids in hello', () => {
  it('the emulated board reports the SHA-256 of its executable', async () => {
    const { session } = await startBoard({ id: 'build-id' });
    expect(session.hello.buildId).toBe(buildIdOf(readFileSync(emulatorBinary())));
    expect(session.hello.resetCause).toBe('power-on');
  });
});
