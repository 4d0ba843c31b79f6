// Boards over BLE end to end: node-ble (unmodified) talks to the BlueZ stand-in on a private
// dbus-daemon, which bridges each board's GATT characteristics to a real emulated board, paced
// by the BLE link model. Hello, ping, segment upload and inference; duplicated notifications
// taken out; a lost notification recovered by a retry and by an upload re-synchronising; a board that goes
// away detected within a second as a close with disconnected=true, then reconnected with its
// partial upload resumed; boards that never answer scan or connect refused by address in bounded
// time; and every process (daemon, emulators) gone after the stand-in stops.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentBlobFor, segmentBlobsInOrder, uploadSegment } from '../../host/board/segments.js';
import { isSessionError } from '../../host/board/session-error.js';
import { BoardSession } from '../../host/board/session.js';
import { infer } from '../../host/board/tensors.js';
import { startBlueZStandin, type BlueZStandin } from '../../host/bluez-standin/standin.js';
import { BleLink } from '../../host/link/ble-link.js';
import { scanBle } from '../../host/link/ble-scan.js';
import type { LinkCloseInfo } from '../../host/link/byte-link.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { runLayers } from '../../host/model/exec.js';
import type { Model } from '../../host/model/layer.js';
import { segmentOf, type Segment } from '../../host/model/segment-codec.js';
import { firstDifference, type Tensor } from '../../host/model/tensor.js';
import { loadModel } from '../../host/model/zoo.js';
import { ProtocolError } from '../../host/proto/index.js';
import { seededBytes } from './helpers.js';
import { processAlive } from '../../host/link/emulator-registry.js';

const mnist = loadModel('convnet5_mnist').model;
const kws = loadModel('kws20_v3').model;

let standin: BlueZStandin;
const links: BleLink[] = [];
const sessions: BoardSession[] = [];

// Boards: 1 clean, 2 with 5% of its notifications duplicated, 3 to lose and find again,
// 4 to kill, 5 advertises but never accepts a connection.
const A = 'C0:DE:5E:00:00:01';
const DUP = 'C0:DE:5E:00:00:02';
const AWAY = 'C0:DE:5E:00:00:03';
const DIES = 'C0:DE:5E:00:00:04';
const DEAF = 'C0:DE:5E:00:00:05';
const ABSENT = 'C0:DE:5E:00:00:99';

beforeAll(async () => {
  standin = await startBlueZStandin({
    boards: [{}, { faults: { duplicateRate: 0.05, seed: 11 } }, {}, {}, { refusesConnections: true }],
    connectTimeoutMs: 1500,
  });
});

afterAll(async () => {
  await Promise.allSettled(sessions.map((s) => s.close()));
  await Promise.allSettled(links.map((l) => l.close()));
  const pids = [standin.daemonPid!, ...standin.boards.map((b) => b.pid)];
  await standin.stop();
  // Every process the stand-in started is gone once it stopped.
  expect(pids.filter((pid) => processAlive(pid))).toEqual([]);
});

async function open(address: string): Promise<{ link: BleLink; session: BoardSession }> {
  const link = await BleLink.open(address, { busAddress: standin.busAddress });
  links.push(link);
  const session = await BoardSession.open(link);
  sessions.push(session);
  return { link, session };
}

function closed(link: BleLink): Promise<{ info: LinkCloseInfo; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => link.on('close', (info) => resolve({ info, ms: performance.now() - t0 })));
}

function reference(model: Model, seg: Segment, input: Tensor): Tensor {
  const outs = runLayers(model, model.params!, { first: seg.first, last: seg.first + seg.layers.length - 1 }, new Map([[-1, input]]));
  return outs.get(seg.outputs[0]!.source)!;
}

function expectSame(expected: Tensor, actual: Tensor): void {
  const d = firstDifference(expected, actual);
  expect(d, d?.reason).toBeNull();
}

const bytes = seededBytes(0xb1e);

describe('a board over BLE through node-ble and the BlueZ stand-in', () => {
  it('is found by a scan: address, name and RSSI', async () => {
    const found = await scanBle(300, { busAddress: standin.busAddress });
    const a = found.find((f) => f.address === A);
    expect(a).toEqual({ address: A, name: 'synergy-ble-1', rssi: -40 });
    expect(found.map((f) => f.address).sort()).toEqual(standin.boards.map((b) => b.address).sort());
  });

  it('says hello, echoes pings of every size and loads and runs a segment as the reference executor', async () => {
    const { link, session } = await open(A);
    expect(session.hello.boardId).toBe('ble-1');
    expect(link.description).toBe(`ble:${A}`);
    expect(link.mtu).toBe(247);
    for (const n of [0, 1, 243, 244, 245, 2000, session.hello.maxPayload]) {
      const payload = bytes(n);
      expect(Buffer.from((await session.ping(payload)).body).equals(Buffer.from(payload)), `ping of ${n} bytes`).toBe(true);
    }
    const seg = segmentOf(mnist, 0, mnist.layers.length);
    const [blob] = segmentBlobsInOrder(session, [], [{ model: mnist, first: 0, count: mnist.layers.length }]);
    const up = await uploadSegment(session, 'mnist', blob!);
    expect(up.bytes).toBe(blob!.length);
    const x = seededTensor(mnist.inputShape, 5);
    expectSame(reference(mnist, seg, x), (await infer(session, 'mnist', [x])).outputs[0]!);

    // Everything crossed the paced air in write commands and notifications of at most MTU - 3.
    const air = standin.airStats(A)!;
    expect(air.writeBytes).toBe(link.stats.writeBytes);
    expect(air.writeBytes).toBeGreaterThan(blob!.length);
    expect(air.writes).toBeGreaterThanOrEqual(Math.ceil(air.writeBytes / 244));
    expect(air.notificationBytes).toBe(session.hostStats.bytesIn);
    expect(session.hostStats.crcErrors + session.hostStats.framingErrors).toBe(0);
  });

  it('takes out duplicated notifications: every answer whole, none refused, none twice', async () => {
    const { link, session } = await open(DUP);
    const sizes = [10, 300, 2000, 5000];
    for (let i = 0; i < 40; i++) {
      const payload = bytes(sizes[i % sizes.length]!);
      expect(Buffer.from((await session.ping(payload)).body).equals(Buffer.from(payload))).toBe(true);
    }
    // A duplicate of a whole small answer, forced: dropped by its id.
    const before = link.stats.duplicateFrames;
    standin.injectFault(DUP, 'duplicate', 0);
    await session.ping(8);
    // The copy crosses the air after the answer (in the same connection event or the next).
    for (const giveUp = performance.now() + 1000; link.stats.duplicateFrames === before && performance.now() < giveUp; ) await new Promise((r) => setTimeout(r, 5));
    expect(link.stats.duplicateFrames).toBe(before + 1);

    const air = standin.airStats(DUP)!;
    const stats = link.stats;
    expect(air.duplicated).toBeGreaterThan(5);
    expect(stats.notifications).toBe(air.notifications + air.duplicated);
    // Each duplicate was taken out one way or another; nothing went to the session broken.
    expect(stats.removedNotifications + stats.duplicateJoins + stats.duplicateFrames).toBeGreaterThanOrEqual(air.duplicated);
    expect(stats.brokenRuns).toBe(0);
    const host = session.hostStats;
    expect([host.crcErrors, host.framingErrors, host.unmatched, host.timeouts]).toEqual([0, 0, 0, 0]);
  });

  it('recovers a lost notification: the request fails, its retry succeeds; an upload re-synchronises and commits', async () => {
    const session = sessions[0]!; // board A, still open
    const payload = bytes(3000);
    standin.injectFault(A, 'lose', 5); // inside the 3000-byte answer (13 notifications)
    const first = await session.ping(payload, { timeoutMs: 800 }).then(
      () => null,
      (e: unknown) => e,
    );
    // The answer never arrives whole: it times out, or its header names it and the CRC fails it.
    expect(isSessionError(first, 'timeout') || first instanceof ProtocolError, String(first)).toBe(true);
    expect(Buffer.from((await session.ping(payload)).body).equals(Buffer.from(payload))).toBe(true);

    // A notification with a chunk's answer lost mid-upload: the upload asks the board where it
    // stands and goes on from there.
    const seg = segmentOf(kws, 0, kws.layers.length);
    const blob = await segmentBlobFor(session, { model: kws, first: 0, count: kws.layers.length });
    standin.injectFault(A, 'lose', 12);
    const up = await uploadSegment(session, 'kws', blob!);
    expect(up.resyncs).toBeGreaterThanOrEqual(1);
    const x = seededTensor(kws.inputShape, 6);
    expectSame(reference(kws, seg, x), (await infer(session, 'kws', [x])).outputs[0]!);
    expect(standin.airStats(A)!.lost).toBe(2);
  });

  it('detects a board out of range within a second (close with disconnected=true), then reconnects and resumes its upload', async () => {
    const { link, session } = await open(AWAY);
    const seg = segmentOf(kws, 0, kws.layers.length);
    const [blob] = segmentBlobsInOrder(session, [], [{ model: kws, first: 0, count: kws.layers.length }]);
    let droppedAt = 0;
    const gone = closed(link);
    const upload = uploadSegment(session, 'kws', blob!, {
      onProgress: (p) => {
        if (droppedAt === 0 && p.phase === 'upload' && p.acked >= 40_000) {
          droppedAt = p.acked;
          standin.dropLink(AWAY);
        }
      },
    });
    const failure = await upload.then(
      () => null,
      (e: unknown) => e,
    );
    const { info, ms } = await gone;
    expect(info.disconnected).toBe(true);
    expect(info.reason).toContain(AWAY);
    expect(ms).toBeLessThan(1000);
    expect(isSessionError(failure, 'closed'), String(failure)).toBe(true);
    expect(session.state).toBe('closed');

    standin.restoreLink(AWAY);
    const again = await open(AWAY);
    const r = await uploadSegment(again.session, 'kws', blob!);
    expect(r.resumedFrom).toBeGreaterThanOrEqual(droppedAt);
    expect(r.resumedFrom).toBeLessThan(blob!.length);
    const x = seededTensor(kws.inputShape, 7);
    expectSame(reference(kws, seg, x), (await infer(again.session, 'kws', [x])).outputs[0]!);
  });

  it('detects a board that dies within a second, and then refuses it by address in bounded time', async () => {
    const { link, session } = await open(DIES);
    const gone = closed(link);
    const pending = session.ping(4000).then(
      () => null,
      (e: unknown) => e,
    );
    await standin.killBoard(DIES);
    const { info, ms } = await gone;
    expect(info.disconnected).toBe(true);
    expect(ms).toBeLessThan(1000);
    expect(isSessionError(await pending, 'closed')).toBe(true);

    const t0 = performance.now();
    const e = await BleLink.open(DIES, { busAddress: standin.busAddress, connectAttempts: 2, connectTimeoutMs: 1000, backoffMs: 100 }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(e?.message).toMatch(new RegExp(`BLE board ${DIES} did not accept a connection: 2 attempts`));
    expect(performance.now() - t0).toBeLessThan(4000);
  });

  it('refuses a board that never answers connect, naming its address, in bounded time', async () => {
    const t0 = performance.now();
    const e = await BleLink.open(DEAF, { busAddress: standin.busAddress, connectAttempts: 3, connectTimeoutMs: 2000, backoffMs: 100 }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    // Each attempt ends with BlueZ's own failure after the stand-in's 1.5 s connect timeout.
    expect(e?.message).toBe(
      `BLE board ${DEAF} did not accept a connection: 3 attempts in ${/in (\d+) ms/.exec(e?.message ?? '')?.[1]} ms (last: le-connection-abort-by-local)`,
    );
    expect(performance.now() - t0).toBeLessThan(3 * 1500 + 300 + 1500);
    expect(standin.isConnected(DEAF)).toBe(false);
  });

  it('refuses a board no scan finds, naming its address, after the scan time', async () => {
    const t0 = performance.now();
    const e = await BleLink.open(ABSENT, { busAddress: standin.busAddress, scanTimeoutMs: 800 }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(e?.message).toBe(`BLE board ${ABSENT} not found: no advertisement within 800 ms of scanning on hci0 (is it powered and in range?)`);
    expect(performance.now() - t0).toBeLessThan(2500);
  });

  it('refuses an address that is not one, before touching the bus', async () => {
    await expect(BleLink.open('C0:DE:5E:00:00', { busAddress: standin.busAddress })).rejects.toThrow(
      'BLE address "C0:DE:5E:00:00" is not six colon-separated hex bytes like AA:BB:CC:DD:EE:FF',
    );
  });
});
