// The boards a command runs on (--board/--boards): ids and paths, emulated:N[:CHIP] and
// qemu:N[:CHIP], with usage errors that say what is wrong.

import { describe, expect, it } from 'vitest';
import { parseBoardRequests } from '../../host/cli/desk-arg.js';
import { qemuAppend, qemuBaud, QEMU_LINK_BAUD } from '../../host/link/qemu.js';

describe('board requests', () => {
  it('reads emulated and QEMU boards, ids and paths, comma-separated or repeated', () => {
    expect(parseBoardRequests(['qemu:2:max78002,emulated', 'qemu', '/dev/ttyACM0', 'qemu-1'], 'infer')).toEqual([
      { kind: 'emulated', count: 2, chip: 'max78002', process: 'qemu' },
      { kind: 'emulated', count: 1, chip: null, process: 'emulator' },
      { kind: 'emulated', count: 1, chip: null, process: 'qemu' },
      { kind: 'board', arg: '/dev/ttyACM0' },
      { kind: 'board', arg: 'qemu-1' },
    ]);
  });

  it('refuses malformed items, naming the item and the form', () => {
    expect(() => parseBoardRequests(['qemu:x:y'], 'infer')).toThrow(/"qemu:x:y" is not qemu:N or qemu:N:CHIP/);
    expect(() => parseBoardRequests(['qemu:0'], 'profile')).toThrow(/between 1 and 64 QEMU boards/);
    expect(() => parseBoardRequests(['qemu:1:z80'], 'infer')).toThrow(/chip must be max78000 or max78002/);
  });
});

describe('a QEMU board\'s link and command line', () => {
  it('runs no faster than QEMU keeps up with, and a slower device at its own rate', () => {
    expect(qemuBaud(undefined)).toBe(QEMU_LINK_BAUD);
    expect(qemuBaud(921_600)).toBe(QEMU_LINK_BAUD);
    expect(qemuBaud(20_000)).toBe(20_000);
  });

  it('gets the emulated board\'s options as -append words, and refuses one with a space', () => {
    expect(qemuAppend({ id: 'q1', chip: 'max78002', sensors: ['camera:3x32x32@10'], outputs: ['led'], baud: 115200, extraArgs: ['--sensor-cycle', '4'] }))
      .toBe('--chip max78002 --id q1 --sensor camera:3x32x32@10 --output led --baud 115200 --sensor-cycle 4');
    expect(() => qemuAppend({ id: 'a b' })).toThrow(/"a b": a QEMU board's options cannot hold spaces/);
  });
});
