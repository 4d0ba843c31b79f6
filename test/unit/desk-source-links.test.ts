// Where a desk's boards come from when its links say where they are (or that they are BLE
// without a rate): real boards at their locations, emulated ones over BLE, and the mixtures
// that are refused, naming the devices. And the planner's desk after boards were opened:
// measured links replace the desk's rates.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LinkProfile } from '../../host/link/byte-link.js';
import type { BoardSession } from '../../host/board/session.js';
import { deskSource, measuredDesk } from '../../host/runtime/desk-source.js';
import type { DeskSpec } from '../../host/space/device.js';

const dir = mkdtempSync(join(tmpdir(), 'synergy-desk-links-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function desk(name: string, links: string[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `desk: ${name}\ndevices:\n${links.map((l, i) => `  - name: d${i}\n    chip: max78000\n    link: ${l}\n`).join('')}`);
  return file;
}

describe('deskSource and link locations', () => {
  it('every device located: the boards there, reopened there after a loss', async () => {
    const src = await deskSource({ desk: desk('real', ['{kind: ble, address: "C0:DE:5E:00:00:01"}', '{kind: usb-serial, path: /dev/ttyACM0}']) });
    expect(src.kind).toBe('boards');
    if (src.kind !== 'boards') return;
    expect([...src.paths]).toEqual([['d0', 'ble:C0:DE:5E:00:00:01'], ['d1', 'serial:/dev/ttyACM0']]);
    expect(await src.finder!('d0')).toBe('ble:C0:DE:5E:00:00:01');
  });

  it('BLE links without a rate: emulated over BLE; --transport ble puts any emulated desk on BLE', async () => {
    expect(await deskSource({ desk: desk('ble', ['{kind: ble}', '{kind: ble}']) })).toMatchObject({ kind: 'emulate', transport: 'ble' });
    expect(await deskSource({ emulated: 2, transport: 'ble' })).toMatchObject({ kind: 'emulate', transport: 'ble' });
    expect(await deskSource({ desk: desk('paced', ['{kind: ble, rate_bps: 1000000}']) })).not.toHaveProperty('transport');
  });

  it('refuses mixtures and --transport where it cannot apply, naming the devices', async () => {
    await expect(deskSource({ desk: desk('mixed', ['{kind: ble, address: "C0:DE:5E:00:00:01"}', '{kind: ble}']) }))
      .rejects.toThrow(/d0 name where their boards are and d1 do not: a desk is real boards or emulated ones, not both/);
    await expect(deskSource({ desk: desk('half', ['{kind: ble}', '{kind: usb-serial, rate_bps: 921600}']) }))
      .rejects.toThrow(/d0 have BLE links without rate_bps \(emulated over BLE\) and the others do not/);
    await expect(deskSource({ qemu: 2, transport: 'ble' })).rejects.toThrow(/QEMU boards are reached over their pseudo-terminals only/);
    await expect(deskSource({ desk: desk('real2', ['{kind: usb-serial, path: /dev/ttyACM0}']), transport: 'ble' })).rejects.toThrow(/--transport applies to emulated boards/);
  });
});

describe('measuredDesk', () => {
  const spec: DeskSpec = {
    name: 'm', source: 'm.yaml', profiles: [],
    devices: ['a', 'b', 'c', 'd'].map((name) => ({ name, role: 'board', chip: 'max78000', cnnClockHz: null, sensors: [], outputs: [], link: { kind: 'usb-serial', rateBps: 921_600 } })),
  };
  const handle = (profile: LinkProfile | undefined): { session: BoardSession } => ({ session: { link: { profile } } as unknown as BoardSession });
  it('a measured half-duplex link becomes BLE at its measured rate; a UART keeps its rate and gains its latency; unopened boards stay', () => {
    const handles = new Map([
      ['a', handle({ bytesPerSec: 150_000, latencyMs: 14, duplex: 'half', source: 'measured' })],
      ['b', handle({ bytesPerSec: 92_160, latencyMs: 2, duplex: 'full', source: 'hello' })],
      ['c', handle({ bytesPerSec: 50_000, latencyMs: 30, duplex: 'full', source: 'measured' })],
    ]);
    const out = measuredDesk(spec, handles).devices.map((d) => d.link);
    expect(out).toEqual([
      { kind: 'ble', rateBps: 1_200_000, latencyMs: 14 },
      { kind: 'usb-serial', rateBps: 921_600, latencyMs: 2 },
      { kind: 'usb-serial', rateBps: 500_000, latencyMs: 30 },
      { kind: 'usb-serial', rateBps: 921_600 },
    ]);
  });
});
