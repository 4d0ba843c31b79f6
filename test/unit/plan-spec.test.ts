// Desk and app specs: every example parses; a bad spec is refused with file, line and reason.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApp, readApp } from '../../host/space/app-spec.js';
import { parseDesk, readDesk } from '../../host/space/desk-spec.js';
import { SpecError } from '../../host/space/spec-error.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

function refusal(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

describe('example specs', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') && f !== 'workloads.yaml');
  it.each(files.filter((f) => f.startsWith('desk-')))('desk %s parses', (f) => {
    const d = readDesk(join(EXAMPLES, f));
    expect('devices' in d && d.devices.length).toBeGreaterThanOrEqual(2);
  });
  it.each(files.filter((f) => f.startsWith('app-')))('app %s parses', (f) => {
    expect(readApp(join(EXAMPLES, f)).pipelines.length).toBeGreaterThanOrEqual(1);
  });
});

describe('desk errors name the file, the line and the reason', () => {
  const good = `desk: d
devices:
  - name: a
    chip: max78000
    link: {kind: ble, rate_bps: 1000000}
`;
  it('accepts a minimal desk', () => {
    const d = parseDesk(good, 'd.yaml');
    expect('devices' in d ? d.devices[0]!.role : null).toBe('board');
  });
  it('unknown key', () => {
    const e = refusal(() => parseDesk(good + '    colour: red\n', 'd.yaml'));
    expect(e.file).toBe('d.yaml');
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/d\.yaml:6: devices\[0\]\.colour: unknown key/);
  });
  it('unknown chip', () => {
    const e = refusal(() => parseDesk(good.replace('max78000', 'max99999'), 'd.yaml'));
    expect(e.line).toBe(4);
    expect(e.reason).toMatch(/"max99999" is not one of: max78000, max78002, none/);
  });
  it('a link rate that is not a number', () => {
    const e = refusal(() => parseDesk(good.replace('1000000', 'fast'), 'd.yaml'));
    expect(e.line).toBe(5);
    expect(e.reason).toMatch(/rate_bps: must be a number/);
  });
  it('a device defined twice', () => {
    const twice = good + '  - name: a\n    chip: none\n    link: {kind: ble, rate_bps: 1}\n';
    const e = refusal(() => parseDesk(twice, 'd.yaml'));
    expect(e.line).toBe(6);
    expect(e.reason).toMatch(/device "a" is defined twice/);
  });
  it('a missing link', () => {
    const e = refusal(() => parseDesk('devices:\n  - name: a\n    chip: none\n', 'd.yaml'));
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(/missing "link"/);
  });
  it('YAML that does not parse', () => {
    const e = refusal(() => parseDesk('devices: [a, b\n', 'd.yaml'));
    expect(e.reason).toMatch(/not valid YAML/);
  });
  it('a sensor shape with a zero', () => {
    const e = refusal(() => parseDesk(good + '    sensors:\n      - {kind: camera, shape: [3, 0, 32]}\n', 'd.yaml'));
    expect(e.line).toBe(7);
    expect(e.reason).toMatch(/0 is too small/);
  });
  it('devices: discovered', () => {
    expect(parseDesk('desk: here\ndevices: discovered\n', 'd.yaml')).toMatchObject({ name: 'here', discovered: true });
  });
});

describe('desk links that say where their board is', () => {
  const one = (link: string): string => `devices:\n  - name: a\n    chip: max78000\n    link: ${link}\n`;
  const linkOf = (link: string): unknown => {
    const d = parseDesk(one(link), 'd.yaml');
    return 'devices' in d ? d.devices[0]!.link : null;
  };
  it('an address, a path or a location becomes the link location; a BLE link may leave its rate to the link', () => {
    expect(linkOf('{kind: ble, address: "c0:de:5e:00:00:01"}')).toMatchObject({ kind: 'ble', location: 'ble:C0:DE:5E:00:00:01', rateFromLink: true });
    expect(linkOf('{kind: usb-serial, path: /dev/ttyACM0}')).toMatchObject({ kind: 'usb-serial', location: 'serial:/dev/ttyACM0', rateFromLink: true });
    expect(linkOf('{kind: usb-serial, path: /dev/ttyACM0, rate_bps: 921600}')).toEqual({ kind: 'usb-serial', location: 'serial:/dev/ttyACM0', rateBps: 921600 });
    expect(linkOf('{kind: emulated, location: "emu:3", rate_bps: 0}')).toEqual({ kind: 'emulated', location: 'emu:3', rateBps: 0 });
    // An emulated BLE board: no location, the BLE model's rate until measured.
    expect(linkOf('{kind: ble}')).toMatchObject({ kind: 'ble', rateFromLink: true });
  });
  it('refuses a bad address, a path on BLE, an address on serial, two places, an unknown kind, a serial link without a rate', () => {
    const cases: [string, RegExp][] = [
      ['{kind: ble, address: "12:34"}', /devices\[0\]\.link\.address: BLE address "12:34" is not six colon-separated hex bytes/],
      ['{kind: ble, path: /dev/ttyACM0}', /link\.path: a BLE board has an address, not a path/],
      ['{kind: usb-serial, address: "C0:DE:5E:00:00:01"}', /link\.address: an address is a BLE board's; a usb-serial link gives its path or location/],
      ['{kind: usb-serial, path: dev/tty0}', /link\.path: "dev\/tty0" is not an absolute port path/],
      ['{kind: usb-serial, path: /dev/a, location: "serial:/dev/b"}', /link\.path: give one of address, path and location, not path and location/],
      ['{kind: usb-serial, location: "pigeon:loft"}', /link\.location: "pigeon:loft" is not a link location \(kinds: ble, emu, qemu, rfc2217, serial, ws/],
      ['{kind: usb-serial, location: "ble:C0:DE:5E:00:00:01"}', /link\.location: a ble: location is not a usb-serial link/],
      ['{kind: usb-serial}', /link: missing "rate_bps"/],
    ];
    for (const [link, want] of cases) {
      const e = refusal(() => parseDesk(one(link), 'd.yaml'));
      expect(e.line, link).toBe(4);
      expect(e.message, link).toMatch(want);
    }
  });
});

describe('app errors name the file, the line and the reason', () => {
  it('reads endpoints with and without a role', () => {
    const a = parseApp('pipelines:\n  - {name: p, source: camera, model: m, target: {kind: display, role: glasses}, weight: 2}\n', 'a.yaml');
    expect(a.pipelines[0]).toMatchObject({ source: { kind: 'camera', role: null }, target: { kind: 'display', role: 'glasses' }, weight: 2 });
  });
  it('a negative weight', () => {
    const e = refusal(() => parseApp('pipelines:\n  - name: p\n    source: camera\n    model: m\n    target: host\n    weight: -1\n', 'a.yaml'));
    expect(e.line).toBe(6);
    expect(e.reason).toMatch(/weight: -1 is too small/);
  });
  it('a pipeline without a model', () => {
    const e = refusal(() => parseApp('pipelines:\n  - name: p\n    source: camera\n    target: host\n', 'a.yaml'));
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(/missing "model"/);
  });
  it('two pipelines with one name', () => {
    const e = refusal(() => parseApp('pipelines:\n  - {name: p, source: a, model: m, target: host}\n  - {name: p, source: a, model: m, target: host}\n', 'a.yaml'));
    expect(e.line).toBe(3);
  });
});
