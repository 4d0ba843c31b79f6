// Boards over BLE as a user reaches them: `synergy boards --ble` lists what a scan finds,
// `synergy info ble:ADDRESS` opens one through the link registry, boards that never answer scan
// or connect are refused by address in bounded time, and `synergy run` on a desk of BLE boards
// (emulated behind the BlueZ stand-in) detects a board that leaves radio range within a second,
// re-plans without it, and takes it back when it returns. The CLI runs as a real process
// against a stand-in this test starts (DBUS_SYSTEM_BUS_ADDRESS names its bus).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBlueZStandin, type BlueZStandin } from '../../host/bluez-standin/standin.js';
import { repoRoot } from '../../host/link/repo-root.js';
import { taggedCli } from './tagged-cli.js';

const work = mkdtempSync(join(tmpdir(), 'synergy-ble-desk-'));
const cli = taggedCli('ble-desk', work, 120_000);
const fixtures = join(repoRoot(), 'test/fixtures/runtime');

// Boards: 1 and 2 answer, 3 advertises but never accepts a connection, 4 runs but never
// advertises (no scan finds it).
const OK = 'C0:DE:5E:00:00:01';
const DEAF = 'C0:DE:5E:00:00:03';
const SILENT = 'C0:DE:5E:00:00:04';
let standin: BlueZStandin;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  standin = await startBlueZStandin({
    boards: [{ id: 'near' }, { id: 'far', rssi: -80 }, { id: 'deaf', refusesConnections: true }, { id: 'silent', advertises: false }],
    connectTimeoutMs: 1000,
  });
  env = { DBUS_SYSTEM_BUS_ADDRESS: standin.busAddress };
});

afterAll(async () => {
  await standin?.stop();
  for (const line of cli.leftovers()) process.kill(Number(line.split(' ')[0]), 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('BLE boards through the CLI', () => {
  it('synergy boards --ble lists every board a scan finds: address, name, RSSI', async () => {
    const r = await cli.synergy(['boards', '--ble', '--scan', '1', '--json'], 30_000, env);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ble: { address: string; name: string | null; rssi: number | null; location: string }[] };
    expect(doc.ble).toEqual([
      { address: OK, name: 'synergy-near', rssi: -40, location: `ble:${OK}` },
      { address: DEAF, name: 'synergy-deaf', rssi: -48, location: `ble:${DEAF}` },
      { address: 'C0:DE:5E:00:00:02', name: 'synergy-far', rssi: -80, location: 'ble:C0:DE:5E:00:00:02' },
    ]);
    const table = await cli.synergy(['boards', '--ble', '--scan', '1'], 30_000, env);
    expect(table.stdout).toMatch(/^ADDRESS\s+NAME\s+RSSI/m);
    expect(table.stdout).toMatch(new RegExp(`^${OK}\\s+synergy-near\\s+-40 dBm`, 'm'));
  });

  it('synergy info ble:ADDRESS says hello over BLE', async () => {
    const r = await cli.synergy(['info', `ble:${OK.toLowerCase()}`, '--json'], 30_000, env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ port: `ble:${OK}`, transport: 'ble', hello: { board_id: 'near' } });
  });

  it('a board that never answers connect is refused by address, exit 1, in bounded time', async () => {
    const r = await cli.synergy(['info', `ble:${DEAF}`], 60_000, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`BLE board ${DEAF} did not accept a connection: 4 attempts`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    // 4 attempts of 1 s (the stand-in's connect timeout) and 0.25 + 0.5 + 1 s of backoff.
    expect(r.ms).toBeLessThan(15_000);
  });

  it('a board that never advertises is refused by address after the scan time, exit 1', async () => {
    const r = await cli.synergy(['info', `ble:${SILENT}`], 60_000, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`BLE board ${SILENT} not found: no advertisement within 10000 ms of scanning on hci0`);
    expect(r.ms).toBeLessThan(20_000);
  });

  it('a desk that names a malformed BLE address is refused at its line', async () => {
    const desk = join(work, 'bad-address.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(desk, 'desk: bad\ndevices:\n  - name: ring\n    chip: max78000\n    link: {kind: ble, address: "12:34"}\n');
    const r = await cli.synergy(['run', join(fixtures, 'app-digits-keywords.yaml'), '--desk', desk], 30_000, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-address\.yaml:5: devices\[0\]\.link\.address: BLE address "12:34" is not six colon-separated hex bytes/);
  });
});

describe('a desk of real BLE boards, named by address', () => {
  it('runs on the boards at those addresses, through node-ble; every frame accounted for', async () => {
    // Two boards with sensors behind their own stand-in: to the CLI, BLE boards like any others.
    const boards = await startBlueZStandin({
      boards: [
        { id: 'specs', sensors: ['camera:1x28x28@20'], outputs: ['display'] },
        { id: 'bud', sensors: ['microphone:128x128x1@10'], outputs: ['speaker'] },
      ],
    });
    try {
      const desk = join(work, 'addressed.yaml');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(desk, [
        'desk: addressed',
        'devices:',
        '  - name: specs',
        '    role: glasses',
        '    chip: max78000',
        '    sensors: [{kind: camera, shape: [1, 28, 28], rate: 20}]',
        '    outputs: [display]',
        `    link: {kind: ble, address: "${boards.boards[0]!.address}"}`,
        '  - name: bud',
        '    role: earbud',
        '    chip: max78000',
        '    sensors: [{kind: microphone, shape: [128, 128, 1], rate: 10}]',
        '    outputs: [speaker]',
        `    link: {kind: ble, address: "${boards.boards[1]!.address}"}`,
        '',
      ].join('\n'));
      const app = join(repoRoot(), 'examples/app-5-digits-keywords.yaml');
      const r = await cli.synergy(['run', app, '--desk', desk, '--duration', '4', '--check-every', '0', '--json'], 120_000, { DBUS_SYSTEM_BUS_ADDRESS: boards.busAddress });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as {
        desk: string;
        totals: { started: number; delivered: number; failed: number };
        pipelines: { name: string; delivered: number }[];
      };
      expect(doc.desk).toBe('addressed');
      for (const p of doc.pipelines) expect(p.delivered, p.name).toBeGreaterThan(0);
      expect(doc.totals.delivered + doc.totals.failed).toBe(doc.totals.started);
      // Both boards were reached over BLE: the stand-in carried their traffic.
      for (const b of boards.boards) expect(boards.airStats(b.address)!.notifications, b.address).toBeGreaterThan(0);
    } finally {
      await boards.stop();
    }
    expect(cli.leftovers()).toEqual([]);
  });
});

describe('synergy profile over BLE', () => {
  it('--transport ble starts the emulated boards behind a stand-in and profiles through node-ble', async () => {
    const out = join(work, 'profile');
    const r = await cli.synergy(['profile', 'convnet5_mnist', '--transport', 'ble', '--runs', '2', '--out', out, '--json'], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { boards: { id: string }[]; layers: unknown[] };
    expect(doc.boards.map((b) => b.id)).toEqual(['ble-1']);
    expect(doc.layers.length).toBe(5);
    expect(cli.leftovers()).toEqual([]);
  });
});

describe('synergy run on BLE boards', () => {
  it('detects a board that leaves radio range within 1 s, re-plans, and reconnects it when it returns; every frame accounted for', async () => {
    const r = await cli.synergy(
      ['run', join(fixtures, 'app-digits-keywords.yaml'), '--desk', join(fixtures, 'desk-three-ble.yaml'), '--duration', '9', '--kill', 'cam@2', '--restart', 'cam@4', '--json'],
      180_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      recoveries: { device: string; kind: string; reason: string; detection_ms: number | null; recovery_ms: number | null }[];
      totals: { started: number; delivered: number; failed: number; wrong: number };
      pipelines: { name: string; started: number; delivered: number; failed: number }[];
    };
    const lost = doc.recoveries.find((x) => x.kind === 'lost');
    expect(lost, JSON.stringify(doc.recoveries)).toBeDefined();
    expect(lost!.device).toBe('cam');
    expect(lost!.reason).toMatch(/BLE board C0:DE:5E:00:00:01 disconnected/);
    expect(lost!.detection_ms!).toBeLessThan(1000);
    // The board came back in range: the runtime's join path reconnected it over BLE.
    const joined = doc.recoveries.find((x) => x.kind === 'joined' && x.device === 'cam');
    expect(joined, JSON.stringify(doc.recoveries)).toBeDefined();
    expect(r.stderr).toMatch(/board cam joined/);
    expect(doc.totals.delivered + doc.totals.failed).toBe(doc.totals.started);
    expect(doc.totals.wrong).toBe(0);
    for (const p of doc.pipelines) expect(p.delivered, p.name).toBeGreaterThan(0);
    expect(cli.leftovers()).toEqual([]);
  });
});
