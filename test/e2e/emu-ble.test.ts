// `synergy emu --ble N` as a user runs it: a real process serving N emulated boards over BLE
// behind the BlueZ stand-in, reached from this process through node-ble; when the process is
// killed outright (SIGKILL: no handler runs), its dbus-daemon and emulated boards still go.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { BoardSession } from '../../host/board/session.js';
import { BleLink } from '../../host/link/ble-link.js';
import { taggedCli } from './tagged-cli.js';
import { processAlive } from '../../host/link/emulator-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'synergy-emu-ble-'));
const cli = taggedCli('emu-ble', dir, 20_000);

afterAll(() => {
  // Nothing the commands started may outlive them.
  for (const line of cli.leftovers()) process.kill(Number(line.split(' ')[0]), 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  ble: { bus_address: string; bus_pid: number; adapter: string; link: string };
  boards: Array<{ id: string; address: string; name: string; chip: string; pid: number }>;
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('synergy emu --ble', () => {
  it('serves BLE boards that node-ble reaches; a SIGKILL of the command leaves no process behind', async () => {
    // Its own runtime directory: the boards it registers are nobody else's business.
    const { child, done } = cli.start(['emu', '--ble', '2', '--chip', 'mixed', '--json'], { SYNERGY_RUNTIME_DIR: join(dir, 'runtime-killed') });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      void done.then((r) => reject(new Error(`synergy emu --ble exited with ${r.code}: ${r.stderr}`)));
    });
    const started = JSON.parse(line) as Started;
    expect(started.boards.map((b) => [b.id, b.address, b.chip])).toEqual([
      ['ble-1', 'C0:DE:5E:00:00:01', 'max78000'],
      ['ble-2', 'C0:DE:5E:00:00:02', 'max78002'],
    ]);
    expect(started.ble.link).toBe('fast');

    const link = await BleLink.open(started.boards[1]!.address, { busAddress: started.ble.bus_address });
    const session = await BoardSession.open(link);
    expect(session.hello.boardId).toBe('ble-2');
    expect(session.hello.chip).toBe('max78002');
    await session.ping(1000);

    const gone = new Promise<boolean>((resolve) => link.on('close', (info) => resolve(info.disconnected)));
    child.kill('SIGKILL');
    // The service died with its process: the link's bus connection ends, and so does the link.
    expect(await gone).toBe(true);
    const pids = [started.ble.bus_pid, ...started.boards.map((b) => b.pid)];
    expect(await waitFor(() => pids.every((p) => !processAlive(p)), 3000), `still running: ${pids.filter((pid) => processAlive(pid)).join(', ')}`).toBe(true);
    expect(cli.leftovers()).toEqual([]);
    await session.close();
  });

  it('registers its boards: synergy boards lists them as BLE boards, and they open by id or address', async () => {
    const env = { SYNERGY_RUNTIME_DIR: join(dir, 'runtime') };
    const { child, done } = cli.start(['emu', '--ble', '2', '--json'], env);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        void done.then((r) => reject(new Error(`synergy emu --ble exited with ${r.code}: ${r.stderr}`)));
      });
      const started = JSON.parse(line) as Started;
      // No DBUS_SYSTEM_BUS_ADDRESS here: the registry says which bus each board is on.
      const listed = await cli.synergy(['boards', '--json'], 30_000, { ...env, SYNERGY_USB: '0' });
      expect(listed.code, listed.stderr).toBe(0);
      const boards = (JSON.parse(listed.stdout) as { boards: Record<string, unknown>[] }).boards;
      expect(boards.map((b) => [b['id'], b['transport'], b['port']])).toEqual(started.boards.map((b) => [b.id, 'ble', `ble:${b.address}`]));
      for (const arg of ['ble-2', `ble:${started.boards[1]!.address}`]) {
        const info = await cli.synergy(['info', arg, '--json'], 30_000, env);
        expect(info.code, info.stderr).toBe(0);
        expect(JSON.parse(info.stdout)).toMatchObject({ transport: 'ble', hello: { board_id: 'ble-2' } });
      }
    } finally {
      child.kill('SIGTERM');
      expect((await done).code).toBe(143);
    }
    expect(readdirSync(join(dir, 'runtime'))).toEqual([]);
  });

  it('refuses --ble with --boards (usage error, exit 2)', async () => {
    const r = await cli.synergy(['emu', '--ble', '1', '--boards', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ble starts BLE boards only');
  });
});
