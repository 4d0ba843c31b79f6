// Bad input written raw to the board's port, beside a live session on the same port: the board
// refuses each with the right typed error, counts it, and both sides keep serving.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSession } from '../../host/board/session.js';
import {
  cobsEncode,
  crc32,
  encodeRawFrame,
  encodeWireFrame,
  MSG,
  ProtocolError,
  type BoardStats,
} from '../../host/proto/index.js';
import { nextBoardError, seededBytes, startBoard, stopAll } from './helpers.js';

afterAll(stopAll);

let session: BoardSession;
beforeAll(async () => {
  ({ session } = await startBoard({ id: 'it-bad-input' }));
});

/** A ping body `{0: h'..'}` of `n` bytes, encoded by hand. */
function pingBody(n: number): Uint8Array {
  const head = n < 24 ? [0x40 | n] : n < 256 ? [0x58, n] : [0x59, n >> 8, n & 0xff];
  return Uint8Array.of(0xa1, 0x00, ...head, ...new Uint8Array(n).fill(0x5a));
}

/** After bad input: a ping still works and the named board counter moved by `by`. */
/** The board's counters: the stats fields that always hold a number. */
type Counter = { [K in keyof BoardStats]-?: BoardStats[K] extends number ? K : never }[keyof BoardStats];

async function stillServing(before: BoardStats, counter: Counter, by = 1): Promise<BoardStats> {
  const { body } = await session.ping(64);
  expect(body.length).toBe(64);
  const after = await session.boardStats();
  expect(after[counter] - before[counter]).toBeGreaterThanOrEqual(by);
  return after;
}

describe('the board refuses bad input and keeps serving', () => {
  it('a corrupted CRC: answered with bad_crc for the id as received, counted, link up', async () => {
    const before = await session.boardStats();
    const raw = encodeRawFrame({ kind: 'request', id: 60001, type: MSG.ping }, pingBody(10));
    raw[raw.length - 1]! ^= 0x40;
    const answer = nextBoardError(session, 60001);
    await session.writeRaw(cobsEncode(raw, true));
    const e = await answer;
    expect(e.code).toBe('bad_crc');
    expect(e.type).toBe(MSG.ping);
    await stillServing(before, 'crcErrors');
  });

  it('an oversize frame: refused with too_large, the message names the limit 8192', async () => {
    const before = await session.boardStats();
    const raw = encodeRawFrame({ kind: 'request', id: 60002, type: MSG.ping }, pingBody(8300), 20000);
    const answer = nextBoardError(session, 60002);
    await session.writeRaw(cobsEncode(raw, true));
    const e = await answer;
    expect(e.code).toBe('too_large');
    expect(e.detail).toMatch(/8192/);
    await stillServing(before, 'oversize');
  });

  it('random garbage: the board resyncs at the next 0x00 and stays alive', async () => {
    const before = await session.boardStats();
    const rnd = seededBytes(99);
    for (let i = 0; i < 20; i++) await session.writeRaw(rnd(1 + i * 50));
    await session.writeRaw(Uint8Array.of(0));
    const after = await stillServing(before, 'framingErrors', 0);
    const refused =
      after.framingErrors + after.crcErrors + after.oversize + after.rejected -
      (before.framingErrors + before.crcErrors + before.oversize + before.rejected);
    expect(refused).toBeGreaterThan(0);
  });

  it('a truncated frame: refused as bad_frame, the next frame is served', async () => {
    const before = await session.boardStats();
    const wire = encodeWireFrame({ kind: 'request', id: 60004, type: MSG.ping }, pingBody(100));
    // Cut inside the first COBS block, so the run's code byte points past its end.
    await session.writeRaw(Uint8Array.of(...wire.subarray(0, 40), 0));
    await stillServing(before, 'framingErrors');
    // A frame cut short with no delimiter merges with the next frame into one bad run; that
    // run is refused as a whole and the frame after it is served.
    const before2 = await session.boardStats();
    const next = encodeWireFrame({ kind: 'request', id: 60009, type: MSG.ping }, pingBody(5));
    await session.writeRaw(Uint8Array.of(...wire.subarray(0, 40), ...next));
    const after = await stillServing(before2, 'framesOut');
    const refused = after.framingErrors + after.crcErrors - before2.framingErrors - before2.crcErrors;
    expect(refused).toBe(1);
  });

  it('an unknown message type: unknown_type, counted as rejected', async () => {
    const before = await session.boardStats();
    const err = await session.requestRaw(0x0777, Uint8Array.of(0xa0)).catch((e: unknown) => e);
    expect((err as ProtocolError).code).toBe('unknown_type');
    await stillServing(before, 'rejected');
  });

  it('a wrong protocol version: bad_version, counted as rejected', async () => {
    const before = await session.boardStats();
    const answer = nextBoardError(session, 60005);
    await session.writeRaw(encodeWireFrame({ kind: 'request', id: 60005, type: MSG.ping, version: 2 }, pingBody(4)));
    expect((await answer).code).toBe('bad_version');
    await stillServing(before, 'rejected');
  });

  it('a length field that lies: bad_frame, counted as a framing error', async () => {
    const before = await session.boardStats();
    const raw = encodeRawFrame({ kind: 'request', id: 60006, type: MSG.ping }, pingBody(4));
    raw[6] = 3; // the body has 7 bytes
    new DataView(raw.buffer).setUint32(raw.length - 4, crc32(raw, 0, raw.length - 4), true);
    const answer = nextBoardError(session, 60006);
    await session.writeRaw(cobsEncode(raw, true));
    expect((await answer).code).toBe('bad_frame');
    await stillServing(before, 'framingErrors');
  });

  it('a float in the body: bad_body; a response sent to the board: bad_kind', async () => {
    const before = await session.boardStats();
    const floatBody = nextBoardError(session, 60007);
    await session.writeRaw(encodeWireFrame({ kind: 'request', id: 60007, type: MSG.ping }, Uint8Array.of(0xa1, 0x00, 0xf9, 0x3c, 0x00)));
    expect((await floatBody).code).toBe('bad_body');
    const wrongKind = nextBoardError(session, 60008);
    await session.writeRaw(encodeWireFrame({ kind: 'response', id: 60008, type: MSG.ping }, pingBody(1)));
    expect((await wrongKind).code).toBe('bad_kind');
    await stillServing(before, 'rejected', 2);
  });

  it('the host counted every unanswered error frame as unmatched, and nothing as corrupt', () => {
    const h = session.hostStats;
    expect(h.unmatched).toBeGreaterThanOrEqual(7);
    expect(h.boardErrors).toBeGreaterThanOrEqual(8);
    expect(h.crcErrors + h.framingErrors + h.oversize).toBe(0);
  });
});
