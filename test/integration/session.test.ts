// BoardSession against the real emulated board over a pseudo-terminal: hello, pings checked
// byte for byte, concurrency with credits, typed errors, reset detection, deadlines, closing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionError, SessionError } from '../../host/board/session-error.js';
import type { BoardSession } from '../../host/board/session.js';
import { MSG, PING, ProtocolError, STATS, MAX_FRAME, MAX_PAYLOAD } from '../../host/proto/index.js';
import { seededBytes, startBoard, stopAll, type Rig } from './helpers.js';

afterAll(stopAll);

describe('hello and pings on an unpaced board', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startBoard({ id: 'it-session', chip: 'max78002', sensors: ['microphone:1x128x128@2'], outputs: ['led'] });
  });

  it('hello tells identity and limits', () => {
    const h = rig.session.hello;
    expect(h.proto).toBe(1);
    expect(h.boardId).toBe('it-session');
    expect(h.chip).toBe('max78002');
    expect(h.maxFrame).toBe(MAX_FRAME);
    expect(h.maxPayload).toBe(MAX_PAYLOAD);
    expect(h.maxInFlight).toBeGreaterThanOrEqual(1);
    expect(h.linkBaud).toBe(0);
    expect(h.messages).toEqual(expect.arrayContaining([MSG.hello, MSG.ping, MSG.stats, MSG.reset]));
    expect(h.sensors).toEqual([{ kind: 'microphone', shape: [1, 128, 128], rateMhz: 2000 }]);
    expect(h.outputs).toEqual(['led']);
    expect(rig.session.state).toBe('ready');
  });

  it('1,000 pings of random sizes 0..max_payload come back byte for byte', async () => {
    const rnd = seededBytes(42);
    const max = rig.session.hello.maxPayload;
    const sizes = [0, 1, 253, 254, 255, max - 1, max];
    for (let i = sizes.length; i < 1000; i++) {
      const r = rnd(2);
      sizes.push(((r[0]! << 8) | r[1]!) % (max + 1));
    }
    const before = rig.session.hostStats;
    for (const n of sizes) {
      const payload = rnd(n);
      const { body } = await rig.session.ping(payload);
      expect(body.length).toBe(n);
      expect(Buffer.compare(Buffer.from(body), Buffer.from(payload))).toBe(0);
    }
    const after = rig.session.hostStats;
    expect(after.framesIn - before.framesIn).toBe(1000);
    expect(after.crcErrors + after.framingErrors + after.oversize + after.unmatched).toBe(0);
  });

  it('more requests than max_in_flight at once: all answered, each matched, credits respected', async () => {
    const s = rig.session;
    const credits = s.hello.maxInFlight;
    const n = credits * 5 + 3;
    const rnd = seededBytes(7);
    const payloads = Array.from({ length: n }, (_, i) => rnd(16 + ((i * 37) % 4000)));
    let maxSeen = 0;
    const watch = setInterval(() => (maxSeen = Math.max(maxSeen, s.inFlightCount)), 0);
    const pings = payloads.map((p) => s.request(PING, { payload: p }));
    const stats = [s.request(STATS, {}), s.request(STATS, {})];
    maxSeen = Math.max(maxSeen, s.inFlightCount);
    expect(s.inFlightCount).toBe(credits);
    expect(s.queuedCount).toBe(n + 2 - credits);
    const answers = await Promise.all(pings);
    clearInterval(watch);
    answers.forEach((a, i) => expect(Buffer.from(a.payload).equals(Buffer.from(payloads[i]!))).toBe(true));
    for (const st of await Promise.all(stats)) expect(st.framesIn).toBeGreaterThan(1000);
    expect(maxSeen).toBeLessThanOrEqual(credits);
    expect(s.inFlightCount + s.queuedCount).toBe(0);
  });

  it('an urgent request goes ahead of every request waiting for a credit (heartbeats never queue behind bulk)', async () => {
    const s = rig.session;
    const credits = s.hello.maxInFlight;
    const rnd = seededBytes(11);
    const order: string[] = [];
    const queued = Array.from({ length: credits * 3 }, (_, i) => s.request(PING, { payload: rnd(4000) }).then(() => order.push(`bulk ${i}`)));
    expect(s.queuedCount).toBe(credits * 2);
    const urgent = s.ping(8, { urgent: true }).then(() => order.push('urgent'));
    expect(s.queuedCount).toBe(credits * 2 + 1);
    await Promise.all([...queued, urgent]);
    // It waited for one credit only: answered right after the requests in flight when it came.
    expect(order.indexOf('urgent')).toBeLessThanOrEqual(credits);
  });

  it('a board error fails the matching request at once, with the protocol code', async () => {
    const t0 = performance.now();
    const err = await rig.session.requestRaw(0x0777, Uint8Array.of(0xa0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    const e = err as ProtocolError;
    expect(e.code).toBe('unknown_type');
    expect(e.origin).toBe('board');
    expect(e.type).toBe(0x0777);
    expect(e.detail).toMatch(/0x0777/);
    expect(performance.now() - t0).toBeLessThan(1000); // not a timeout
    await rig.session.ping(8);
  });

  it('refuses locally what the board would refuse: a payload over max_payload', async () => {
    const err = await rig.session.ping(rig.session.hello.maxPayload + 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('too_large');
    expect((err as ProtocolError).origin).toBe('local');
    expect((err as Error).message).toMatch(/8064/);
  });
});

describe('reset', () => {
  it('reset(): the boot is seen, requests in flight fail with reset, the session re-hellos', async () => {
    // Paced, so a large ping is still on the wire when the board resets.
    const { session } = await startBoard({ id: 'it-reset', baud: 230400 });
    const before = session.hello.session;
    const resets: number[] = [];
    session.on('reset', (info) => resets.push(info.previousSession));
    const resetDone = session.reset();
    const caught = session.ping(6000).catch((e: unknown) => e);
    const hello = await resetDone;
    const e = await caught;
    expect(isSessionError(e, 'reset')).toBe(true);
    expect((e as SessionError).message).toMatch(/reset/);
    expect(hello.session).not.toBe(before);
    expect(session.hello.session).toBe(hello.session);
    expect(session.boot?.reason).toBe('software');
    expect(session.boot?.session).toBe(hello.session);
    expect(resets).toEqual([before]);
    expect(session.hostStats.resets).toBe(1);
    expect(session.state).toBe('ready');
    await session.ping(32);
  });
});

describe('timeouts', () => {
  it('a request that cannot be answered in time fails with timeout; its late answer is only counted', async () => {
    // 8,000 bytes at 230400 baud take about 0.35 s each way: far beyond a 50 ms timeout.
    const { session } = await startBoard({ id: 'it-timeout', baud: 230400 });
    const e = await session.ping(8000, { timeoutMs: 50 }).catch((err: unknown) => err);
    expect(isSessionError(e, 'timeout')).toBe(true);
    expect((e as Error).message).toMatch(/ping request id \d+ to it-timeout got no answer within 50 ms/);
    expect(session.hostStats.timeouts).toBe(1);
    await session.ping(16); // queued behind the late answer, which arrives first
    expect(session.hostStats.unmatched).toBe(1);
  });

  it('an answer that arrived while this process was busy is read, not lost to a late timer', async () => {
    const { session } = await startBoard({ id: 'it-timeout-busy' });
    const answer = session.ping(64, { timeoutMs: 100 });
    // Hold the event loop well past the timeout: the board answers within a millisecond, but
    // Node will run the overdue timer before it reads the waiting bytes.
    const until = performance.now() + 400;
    while (performance.now() < until) { /* busy, as a long synchronous computation would be */ }
    const { body } = await answer;
    expect(body.length).toBe(64);
    expect(session.hostStats.timeouts).toBe(0);
  });

  it('the default timeout grows with the bytes a request waits for', async () => {
    const { session } = await startBoard({ id: 'it-timeout-2', baud: 460800 }, { timeoutBaseMs: 100 });
    // Four 8,000-byte pings in flight need about 0.7 s of wire time each way, far more than
    // the 100 ms base; the default timeout of each counts its bytes and those queued ahead.
    const answers = await Promise.all([0, 1, 2, 3].map(() => session.ping(8000)));
    expect(answers).toHaveLength(4);
    expect(session.hostStats.timeouts).toBe(0);
  });
});

describe('deadlines from the cost model', () => {
  it('a request is due after the bytes in flight ahead of it and its own at the link rate, plus the board work ahead and its own', async () => {
    // 115200 baud: 11,520 bytes/s. The board is stopped (SIGSTOP) so nothing is answered while
    // the deadlines are read.
    const { session, emulator } = await startBoard({ id: 'it-deadline', baud: 115200 });
    emulator.process.kill('SIGSTOP');
    try {
      const pings = [0, 1, 2].map((k) => session.ping(2000, k === 1 ? { workMs: 300 } : {}));
      const [d0, d1, d2] = session.deadlines();
      const wireMs = (bytes: number): number => (bytes * 10 * 1000) / 115200;
      // A 2,000-byte ping is about 2,020 bytes each way on the wire: ~0.35 s there and back.
      const first = d0!.dueAt - d0!.sentAt;
      expect(first).toBeGreaterThan(wireMs(4000));
      expect(first).toBeLessThan(wireMs(4300));
      // The second waits behind the first's bytes and adds its own work; the third waits
      // behind both (their bytes and the second's work).
      expect(d1!.dueAt - d1!.sentAt).toBeGreaterThan(2 * wireMs(4000) + 300);
      expect(d2!.dueAt - d2!.sentAt).toBeGreaterThan(3 * wireMs(4000) + 300);
      expect(d2!.dueAt - d2!.sentAt).toBeLessThan(3 * wireMs(4300) + 300);
      // Nothing is overdue before the first deadline; the first is, after it.
      expect(session.overdue(d0!.dueAt - 1)).toBeNull();
      expect(session.overdue(d0!.dueAt + 1)?.id).toBe(d0!.id);
      emulator.process.kill('SIGCONT');
      expect(await Promise.all(pings)).toHaveLength(3);
      expect(session.deadlines()).toEqual([]);
    } finally {
      emulator.process.kill('SIGCONT');
    }
  });
});

describe('closing', () => {
  let session: BoardSession;
  beforeAll(async () => {
    ({ session } = await startBoard({ id: 'it-close', baud: 115200 }));
  });

  it('close() fails pending requests with a clear reason and closes the port', async () => {
    const pending = [session.ping(4000), session.ping(4000), session.ping(4000), session.request(STATS, {})].map((p) =>
      p.catch((e: unknown) => e),
    );
    await session.close('test is done');
    for (const e of await Promise.all(pending)) {
      expect(isSessionError(e, 'closed')).toBe(true);
      expect((e as Error).message).toMatch(/test is done/);
    }
    expect(session.state).toBe('closed');
    expect(session.link.isOpen).toBe(false);
    const late = await session.ping(1).catch((e: unknown) => e);
    expect(isSessionError(late, 'closed')).toBe(true);
  });

  it('a board that dies closes the session and fails what was pending', async () => {
    const { emulator, session: s } = await startBoard({ id: 'it-die', baud: 115200 });
    const closed = new Promise<string>((resolve) => s.once('close', resolve));
    const pending = s.ping(6000).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    process.kill(emulator.pid, 'SIGKILL');
    const reason = await closed;
    expect(reason).toMatch(/closed/);
    const e = await pending;
    expect(isSessionError(e, 'closed')).toBe(true);
  });
});
