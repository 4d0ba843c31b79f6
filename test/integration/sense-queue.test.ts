// The bounded sense queue (PROTOCOL.md 5 and 10) on the real emulator over its pty: a host that
// asks a slow sensor for more frames than the queue holds gets `busy` at once for the excess,
// and hello, ping, stats and reset are answered while the queued senses still wait for frames
// that are seconds away. (Before the queue, sixteen such senses took every credit and the
// board answered even reset with busy.)

import { afterAll, describe, expect, it } from 'vitest';
import { isSessionError } from '../../host/board/session-error.js';
import { isProtocolError, MAX_IN_FLIGHT, SENSE, SENSE_QUEUE } from '../../host/proto/index.js';
import { startBoard, stopAll } from './helpers.js';

afterAll(stopAll);

type Outcome = { slot: number; how: 'answered' | 'busy' | 'reset'; detail: string };

describe('a slow sensor and more senses than the queue', () => {
  it('queues SENSE_QUEUE, refuses the rest with busy at once, and answers hello, ping, stats and reset meanwhile', async () => {
    // 0.1 Hz: frame 1 exists 10 s after boot, so every queued sense waits long past this test's end.
    const { session } = await startBoard({ id: 'slow-cam', sensors: ['camera:3x8x8@0.1', 'imu:6x16x1@100'] });
    expect(session.hello.maxInFlight).toBe(MAX_IN_FLIGHT);
    const senses = SENSE_QUEUE + 20;   // each in a slot of its own (the board has 96)
    const settled: Outcome[] = [];
    const all = Array.from({ length: senses }, (_, k) =>
      session.request(SENSE, { sensor: 0, slot: k }, { timeoutMs: 120_000 }).then(
        (r) => settled.push({ slot: k, how: 'answered', detail: `frame ${r.frame}` }),
        (e: unknown) => {
          if (isProtocolError(e, 'busy')) settled.push({ slot: k, how: 'busy', detail: e.detail });
          else if (isSessionError(e, 'reset')) settled.push({ slot: k, how: 'reset', detail: e.message });
          else throw e;
        },
      ),
    );
    // Every sense past the queue comes back busy, without waiting for any frame (10 s away).
    const giveUp = performance.now() + 5000;
    while (settled.length < senses - SENSE_QUEUE && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 5));
    expect(settled.length, 'senses answered before any frame existed').toBe(senses - SENSE_QUEUE);
    expect(settled.every((o) => o.how === 'busy')).toBe(true);
    expect(new Set(settled.map((o) => o.detail))).toEqual(new Set([`sense: ${SENSE_QUEUE} senses wait already, the sense queue holds ${SENSE_QUEUE}`]));

    // With SENSE_QUEUE senses waiting, the control messages are answered, not queued behind them.
    expect(session.inFlightCount).toBe(SENSE_QUEUE);
    const hello = await session.refreshHello();
    expect(hello.boardId).toBe('slow-cam');
    await session.ping(32);
    const stats = await session.boardStats();
    expect(stats.rejected).toBe(senses - SENSE_QUEUE);
    expect(settled.length).toBe(senses - SENSE_QUEUE);   // no queued sense has been answered yet

    // reset is answered too; the board comes back with a new session and the waiting senses fail with reset.
    const before = hello.session;
    const after = await session.reset();
    expect(after.session).not.toBe(before);
    await Promise.all(all);
    const waited = settled.filter((o) => o.how !== 'busy');
    expect(waited.map((o) => o.how)).toEqual(Array(SENSE_QUEUE).fill('reset'));

    // The board after its reset takes senses again (the 100 Hz sensor: a frame within 10 ms).
    const again = await session.request(SENSE, { sensor: 1, slot: 0 }, { timeoutMs: 30_000 });
    expect(again.shape).toEqual([6, 16, 1]);
  });
});
