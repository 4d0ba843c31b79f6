// The host's flashing parts without a board: DAPLink volumes found through a mount table and read
// by their DETAILS.TXT, targets chosen by serial number, probe command lines, and firmware images
// read from .bin, .elf and .hex with errors that name the file and the fault.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDapLinkDrives, mountPoints, parseDetails, readDapLinkDrive } from '../../host/board/daplink-drive.js';
import { buildIdOf, elfImage, hexImage, readFirmwareImage, vectorTableProblem } from '../../host/board/firmware-image.js';
import { chooseMethod, findTargets } from '../../host/board/flash.js';
import { probeCommand } from '../../host/board/probes.js';

const work = mkdtempSync(join(tmpdir(), 'synergy-flash-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function volume(name: string, id: string | null): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'DETAILS.TXT'), `# DAPLink Firmware\n${id !== null ? `Unique ID: ${id}\n` : ''}HIC ID: 97969906\n`);
  writeFileSync(join(dir, 'MBED.HTM'), '<html></html>\n');
  return dir;
}

describe('DAPLink volumes', () => {
  const a = volume('DAPLINK A', '0444aaaa');
  const b = volume('DAPLINK', '0444bbbb');
  const mounts = join(work, 'mounts');
  writeFileSync(mounts, [`/dev/sdb ${a.replace(/ /g, '\\040')} vfat rw 0 0`, `/dev/sdc ${b} vfat rw 0 0`, `proc /proc proc rw 0 0`, `tmpfs ${work} tmpfs rw 0 0`].join('\n') + '\n');

  it('parses DETAILS.TXT lines and decodes escaped mount points', () => {
    expect(parseDetails('Unique ID: 0444\r\nHIC ID: 9796\n# comment\n')).toEqual({ 'Unique ID': '0444', 'HIC ID': '9796' });
    expect(mountPoints(mounts)).toContain(a);
  });

  it('finds only the mount points that hold DETAILS.TXT and MBED.HTM', () => {
    expect(findDapLinkDrives(mounts).map((d) => [d.dir, d.uniqueId]).sort()).toEqual([[a, '0444aaaa'], [b, '0444bbbb']].sort());
  });

  it('chooses targets by serial number, all of them, or refuses an ambiguous or unknown choice', async () => {
    await expect(findTargets({ mounts, usb: false })).rejects.toThrow(/2 boards found \(0444aaaa, 0444bbbb\): say which with --board SERIAL/);
    expect((await findTargets({ mounts, usb: false, board: '0444bbbb' })).map((t) => t.drive?.dir)).toEqual([b]);
    expect(await findTargets({ mounts, usb: false, board: 'all' })).toHaveLength(2);
    await expect(findTargets({ mounts, usb: false, board: '0444cccc' })).rejects.toThrow(/no board with serial number 0444cccc: found 0444aaaa, 0444bbbb/);
  });

  it('a drive given by path: read as it is, its serial from DETAILS.TXT', async () => {
    expect((await findTargets({ drive: a }))[0]!.serial).toBe('0444aaaa');
    await expect(findTargets({ drive: volume('NOID', null) })).rejects.toThrow(/has no "Unique ID" line/);
    await expect(findTargets({ drive: a, board: '0444bbbb' })).rejects.toThrow(/belongs to probe 0444aaaa, not 0444bbbb/);
    expect(() => readDapLinkDrive(join(work, 'nowhere'))).toThrow(/no such directory/);
  });

  it('a mounted drive is flashed through the drive; without one a probe tool is needed', () => {
    expect(chooseMethod({ serial: 'x', drive: readDapLinkDrive(a), port: null })).toBe('drive');
    expect(() => chooseMethod({ serial: 'x', drive: null, port: null }, 'drive')).toThrow(/no mounted DAPLink drive/);
  });
});

describe('probe command lines', () => {
  it('OpenOCD programs a .bin at the flash base of the board named by serial number; an .elf says its own addresses', () => {
    const bin = probeCommand('openocd', 'fw.bin', 'SN1', {});
    expect(bin.args).toEqual(['-f', 'interface/cmsis-dap.cfg', '-f', 'target/max78000.cfg', '-c', 'adapter serial SN1', '-c', 'program fw.bin 0x10000000 verify reset exit']);
    expect(probeCommand('openocd', 'fw.elf', 'SN1', {}).args.at(-1)).toBe('program fw.elf verify reset exit');
  });

  it('pyOCD flashes with the max78000 target', () => {
    expect(probeCommand('pyocd', 'fw.bin', 'SN2', {}).args).toEqual(['flash', '-u', 'SN2', '-t', 'max78000', '-a', '0x10000000', 'fw.bin']);
    expect(probeCommand('pyocd', 'fw.hex', 'SN2', {}).args).toEqual(['flash', '-u', 'SN2', '-t', 'max78000', 'fw.hex']);
  });
});

describe('firmware images', () => {
  it('an .elf lays its loadable segments out from the lowest address, gaps zero-filled, as objcopy -O binary does', () => {
    // A minimal ELF32 with two PT_LOAD segments: 4 bytes at 0x10000000, 2 bytes at 0x10000008.
    const file = new Uint8Array(52 + 2 * 32 + 6);
    const v = new DataView(file.buffer);
    file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    v.setUint32(0x1c, 52, true);
    v.setUint16(0x2a, 32, true);
    v.setUint16(0x2c, 2, true);
    const seg = (i: number, offset: number, paddr: number, size: number): void => {
      const at = 52 + i * 32;
      v.setUint32(at, 1, true);
      v.setUint32(at + 4, offset, true);
      v.setUint32(at + 12, paddr, true);
      v.setUint32(at + 16, size, true);
    };
    seg(0, 116, 0x10000000, 4);
    seg(1, 120, 0x10000008, 2);
    file.set([1, 2, 3, 4, 9, 9], 116);
    const img = elfImage(file, 'test.elf');
    expect(img.base).toBe(0x10000000);
    expect([...img.bytes]).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 9, 9]);
  });

  it('Intel HEX with an extended linear address; bad checksums refused with the line', () => {
    const img = hexImage(':020000041000EA\n:0400000001020304F2\n:00000001FF\n', 'x.hex');
    expect(img.base).toBe(0x10000000);
    expect([...img.bytes]).toEqual([1, 2, 3, 4]);
    expect(() => hexImage(':0400000001020304F3\n', 'x.hex')).toThrow(/x\.hex line 1: bad checksum/);
  });

  it('the build id is the first 8 bytes of the SHA-256, in hex', () => {
    expect(buildIdOf(new Uint8Array())).toBe('e3b0c44298fc1c14');
  });

  it('errors name the file: missing, empty, unknown kind', () => {
    expect(() => readFirmwareImage(join(work, 'none.bin'))).toThrow(/cannot read firmware .*none\.bin: ENOENT/);
    writeFileSync(join(work, 'empty.bin'), '');
    expect(() => readFirmwareImage(join(work, 'empty.bin'))).toThrow(/empty\.bin: 0 bytes/);
    writeFileSync(join(work, 'fw.txt'), 'x');
    expect(() => readFirmwareImage(join(work, 'fw.txt'))).toThrow(/expected a \.bin, \.elf or \.hex file/);
  });

  it('a vector table must start with a stack pointer in RAM and a Thumb reset address inside the image', () => {
    const vt = (sp: number, reset: number): Uint8Array => {
      const b = new Uint8Array(64);
      new DataView(b.buffer).setUint32(0, sp, true);
      new DataView(b.buffer).setUint32(4, reset, true);
      return b;
    };
    const ram = { start: 0x20000000, end: 0x20020000 };
    expect(vectorTableProblem(vt(0x20020000, 0x10000009), 0x10000000, ram)).toBeNull();
    expect(vectorTableProblem(vt(0x30000000, 0x10000009), 0x10000000, ram)).toMatch(/stack pointer 0x30000000/);
    expect(vectorTableProblem(vt(0x20020000, 0x10000008), 0x10000000, ram)).toMatch(/not a Thumb address/);
    expect(vectorTableProblem(vt(0x20020000, 0x10001001), 0x10000000, ram)).toMatch(/outside the image/);
  });
});
