// The host's own receiving checks. The board is real (emulated, over a pseudo-terminal); bad
// frames are added to what the session reads from that port, as a faulty link would deliver
// them, between the board's real answers. The host counts each, fails a matching request at
// once, and keeps serving.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSessionError } from '../../host/board/session-error.js';
import type { BoardSession } from '../../host/board/session.js';
import type { HostStats } from '../../host/board/host-stats.js';
import { cobsEncode, encodeRawFrame, encodeWireFrame, MSG, ProtocolError } from '../../host/proto/index.js';
import { startBoard, stopAll } from './helpers.js';

afterAll(stopAll);

let session: BoardSession;
beforeAll(async () => {
  ({ session } = await startBoard({ id: 'it-host-receive', baud: 230400 }));
});

/** Bytes as if they had arrived from the board. */
function inject(bytes: Uint8Array): void {
  (session.link as unknown as { emit(e: 'data', b: Uint8Array): boolean }).emit('data', bytes);
}

async function stillServing(before: HostStats, counter: keyof HostStats): Promise<void> {
  await session.ping(32);
  expect(session.hostStats[counter]).toBe(before[counter] + 1);
}

function nextProtocolError(): Promise<ProtocolError> {
  return new Promise((resolve) => session.once('protocol-error', resolve));
}

describe('the host refuses bad frames from the link and keeps serving', () => {
  it('a bad CRC naming a request in flight fails that request at once', async () => {
    const before = session.hostStats;
    const pending = session.ping(4000).catch((e: unknown) => e);
    const [id] = session.inFlightIds;
    const raw = encodeRawFrame({ kind: 'response', id: id!, type: MSG.ping }, Uint8Array.of(0xa1, 0x00, 0x40));
    raw[raw.length - 1]! ^= 1;
    inject(cobsEncode(raw, true));
    const e = await pending;
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe('bad_crc');
    expect((e as ProtocolError).origin).toBe('received');
    await stillServing(before, 'crcErrors'); // the late real answer is counted as unmatched
    expect(session.hostStats.unmatched).toBe(before.unmatched + 1);
  });

  it('a run that is not COBS is a framing error', async () => {
    const before = session.hostStats;
    const seen = nextProtocolError();
    inject(Uint8Array.of(9, 1, 2, 0));
    expect((await seen).code).toBe('bad_frame');
    await stillServing(before, 'framingErrors');
  });

  it('a run over the maximum frame is oversize, naming the limit, and is not stored', async () => {
    const before = session.hostStats;
    const seen = nextProtocolError();
    inject(new Uint8Array(20000).fill(0x33));
    inject(Uint8Array.of(0));
    const e = await seen;
    expect(e.code).toBe('too_large');
    expect(e.message).toMatch(/max_frame 8192/);
    await stillServing(before, 'oversize');
  });

  it('an event of an unknown type and a request sent to the host are refused', async () => {
    const before = session.hostStats;
    const unknown = nextProtocolError();
    inject(encodeWireFrame({ kind: 'event', id: 3, type: 0x0666 }, Uint8Array.of(0xa0)));
    expect((await unknown).code).toBe('unknown_type');
    const kind = nextProtocolError();
    inject(encodeWireFrame({ kind: 'request', id: 4, type: MSG.ping }, Uint8Array.of(0xa1, 0x00, 0x40)));
    expect((await kind).code).toBe('bad_kind');
    await session.ping(1);
    expect(session.hostStats.rejected).toBe(before.rejected + 2);
  });

  it('a response whose body breaks the subset fails its request with bad_body', async () => {
    const before = session.hostStats;
    const pending = session.ping(4000).catch((e: unknown) => e);
    const [id] = session.inFlightIds;
    inject(encodeWireFrame({ kind: 'response', id: id!, type: MSG.ping }, Uint8Array.of(0xa1, 0x00, 0xf9, 0x3c, 0x00)));
    const e = await pending;
    expect((e as ProtocolError).code).toBe('bad_body');
    expect((e as ProtocolError).message).toMatch(/float/);
    await stillServing(before, 'rejected');
  });

  it('a boot announcement with a new session is a reset: pending requests fail, the session re-hellos', async () => {
    const known = session.hello.session;
    const pending = session.ping(4000).catch((e: unknown) => e);
    const boot = Uint8Array.of(0xa4, 0x00, 0x67, ...Buffer.from('unknown'), 0x01, 0x01, 0x02, 0x61, 0x78, 0x03, 0x61, 0x79);
    const reset = new Promise((resolve) => session.once('reset', resolve));
    inject(encodeWireFrame({ kind: 'event', id: 9, type: MSG.boot }, boot));
    expect(await reset).toEqual({
      previousSession: known,
      session: 1,
      seenBy: 'boot',
      boot: { reason: 'unknown', session: 1, firmware: 'x', boardId: 'y' },
    });
    expect(isSessionError(await pending, 'reset')).toBe(true);
    await new Promise((resolve) => session.once('ready', resolve));
    // The board did not really reset: hello gives the session it always had.
    expect(session.hello.session).toBe(known);
    await session.ping(8);
  });
});
