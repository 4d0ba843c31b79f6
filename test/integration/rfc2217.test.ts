// rfc2217:// locations against a real ser2net (Debian's, installed by tools/setup.sh) exporting
// the pseudo-terminal of an emulated board with `telnet(rfc2217)`: open, ping with bytes that
// telnet escapes (255) or mangles outside binary mode (CR NUL), infer a zoo model, a baud change
// and a BREAK, each confirmed by the server, the board answering after each.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployModel } from '../../host/board/deploy-model.js';
import { openBoard } from '../../host/board/open.js';
import type { BoardSession } from '../../host/board/session.js';
import { findOnPath } from '../../host/link/find-on-path.js';
import { Rfc2217Link } from '../../host/link/rfc2217-link.js';
import { startEmulator, type EmulatedBoard } from '../../host/link/emulator.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { runModel } from '../../host/model/exec.js';
import { firstDifference } from '../../host/model/tensor.js';
import { loadModel } from '../../host/model/zoo.js';

const work = mkdtempSync(join(tmpdir(), 'synergy-rfc2217-'));
let board: EmulatedBoard;
let ser2net: ChildProcess;
let port = 0;
let log = '';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

beforeAll(async () => {
  const binary = findOnPath('ser2net');
  if (binary === undefined) throw new Error('ser2net is not installed: run tools/setup.sh (it installs Debian\'s ser2net), then this test again');
  board = await startEmulator({ id: 'rfc-1' });
  port = await freePort();
  const config = join(work, 'ser2net.yaml');
  // What a lab's exporter has: the port at a rate, RFC 2217 on, no delay gathering characters.
  writeFileSync(config, [
    'connection: &board',
    `  accepter: telnet(rfc2217),tcp,127.0.0.1,${port}`,
    `  connector: serialdev,${board.path},921600n81,local`,
    '  options:',
    '    kickolduser: true',
    '',
  ].join('\n'));
  ser2net = spawn(binary, ['-n', '-d', '-u', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  ser2net.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  ser2net.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  // Listening once a connection is accepted.
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createServer();
      c.once('error', () => resolve(true)); // the port is taken: ser2net listens
      c.listen(port, '127.0.0.1', () => c.close(() => resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ser2net did not listen on ${port}: ${log}`);
}, 20_000);

afterAll(async () => {
  ser2net?.kill('SIGTERM');
  await board?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('rfc2217:// through a real ser2net', () => {
  let session: BoardSession;
  let link: Rfc2217Link;

  it('opens (telnet negotiation, COM-PORT-OPTION agreed, the rate confirmed) and says hello', async () => {
    session = await openBoard(`rfc2217://127.0.0.1:${port}`);
    expect(session.link).toBeInstanceOf(Rfc2217Link);
    link = session.link as Rfc2217Link;
    expect(link.comPortControl).toBe(true);
    expect(session.hello.boardId).toBe('rfc-1');
  });

  it('pings with 255s (IAC, escaped both ways) and CR NUL pairs (binary mode) intact', async () => {
    const payload = new Uint8Array(512);
    for (let i = 0; i < payload.length; i++) payload[i] = [0xff, 0x0d, 0x00, 0xff, 0xff, 0x0a, i & 0xff][i % 7]!;
    const r = await session.ping(payload);
    expect([...r.body]).toEqual([...payload]);
  });

  it('infers a zoo model as the reference executor does', async () => {
    const model = loadModel('convnet5_mnist').model;
    const dep = await deployModel([session], model);
    const input = seededTensor(model.inputShape, 5);
    const run = await dep.run(input);
    const d = firstDifference(runModel(model, model.params!, input).at(-1)!, run.output);
    expect(d, d?.reason).toBeNull();
    await dep.unload();
  }, 30_000);

  it('changes the baud rate (SET-BAUDRATE, confirmed) and the board still answers', async () => {
    expect(await link.setBaud(115200)).toBe(115200);
    expect((await session.ping(64)).body.length).toBe(64);
    expect(await link.setBaud(921600)).toBe(921600);
  });

  it('sends a BREAK (SET-CONTROL on, off, each answered) and the board still answers', async () => {
    const states = await link.sendBreak(50);
    expect([states.on, states.off].every((s) => s === 5 || s === 6)).toBe(true);
    expect((await session.ping(64)).body.length).toBe(64);
    await session.close();
  });

  it('names the location and the reason when nothing listens', async () => {
    await expect(openBoard(`rfc2217://127.0.0.1:${await freePort()}`)).rejects.toThrow(/rfc2217:\/\/127\.0\.0\.1:\d+: cannot connect: ECONNREFUSED/);
    await expect(openBoard('rfc2217://127.0.0.1')).rejects.toThrow(/expected rfc2217:\/\/HOST:PORT/);
  });
});
