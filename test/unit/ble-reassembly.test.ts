// Notifications back into frames (host/link/ble-reassembly.ts): real wire frames (ping answers of
// the protocol's own encoder) cut into notifications of a real MTU, then duplicated or lost the
// way a host's Bluetooth stack does it. Every duplicate, wherever it falls, is taken out and the
// frames come out exactly as sent; identical notifications that are not duplicates pass
// untouched; a frame received twice is dropped, distinct frames never are; a lost notification
// breaks only its frame, which goes on to the session to be refused.

import { describe, expect, it } from 'vitest';
import { NotificationReassembler } from '../../host/link/ble-reassembly.js';
import { encodeBody, encodeWireFrame, PING } from '../../host/proto/index.js';
import { seededBytes } from '../../host/model/prng.js';

function pingAnswer(id: number, payload: Uint8Array, kind: 'response' | 'error' = 'response'): Uint8Array {
  return encodeWireFrame({ kind, id, type: PING.type }, encodeBody(PING.response, { payload }, 'ping'));
}

function cut(stream: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.slice(at, Math.min(stream.length, at + size)));
  return out;
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Runs as hex strings: quick to compare, readable when they differ. */
function hex(runs: readonly Uint8Array[]): string[] {
  return runs.map((r) => Buffer.from(r).toString('hex'));
}

function reassemble(notifications: readonly Uint8Array[]): { runs: Uint8Array[]; r: NotificationReassembler } {
  const runs: Uint8Array[] = [];
  const r = new NotificationReassembler((bytes) => runs.push(bytes));
  for (const n of notifications) r.push(n);
  return { runs, r };
}

const random = seededBytes(0x5eed);
/** Frames of many sizes: inside one notification, across two, across dozens. */
const frames = [3, 100, 700, 17, 2000, 0, 4000, 250, 60].map((n, i) => pingAnswer(i + 1, random(n)));
const stream = join(frames);

describe('NotificationReassembler', () => {
  for (const mtuPayload of [20, 244]) {
    it(`gives the frames as sent, each with its delimiter (${mtuPayload}-byte notifications)`, () => {
      const { runs, r } = reassemble(cut(stream, mtuPayload));
      expect(runs).toEqual(frames);
      expect(r.stats.frames).toBe(frames.length);
    });

    it(`takes out a duplicated notification wherever it falls (${mtuPayload}-byte notifications)`, () => {
      const parts = cut(stream, mtuPayload);
      for (let k = 0; k < parts.length; k++) {
        const doubled = [...parts.slice(0, k + 1), parts[k]!, ...parts.slice(k + 1)];
        const { runs, r } = reassemble(doubled);
        expect(hex(runs), `duplicate of notification ${k}`).toEqual(hex(frames));
        expect(r.stats.brokenRuns, `duplicate of notification ${k}`).toBe(0);
        expect(r.stats.duplicateFrames + r.stats.duplicateJoins + r.stats.removedNotifications, `duplicate of notification ${k}`).toBeGreaterThan(0);
      }
    });
  }

  it('takes out several duplicates in one frame, and a notification delivered three times', () => {
    const parts = cut(stream, 20);
    // Notifications 200 and 210 lie inside the 4000-byte frame; 5 is doubled twice over.
    const messed = parts.flatMap((p, k) => (k === 200 || k === 210 ? [p, p] : k === 5 ? [p, p, p] : [p]));
    const { runs, r } = reassemble(messed);
    expect(runs).toEqual(frames);
    expect(r.stats.brokenRuns).toBe(0);
  });

  it('passes identical notifications that are not duplicates untouched (a payload of zeros)', () => {
    const zeros = pingAnswer(9, new Uint8Array(3000));
    const parts = cut(zeros, 244);
    expect(parts.slice(2, 10).every((p) => Buffer.compare(Buffer.from(p), Buffer.from(parts[1]!)) === 0)).toBe(true);
    const { runs, r } = reassemble(parts);
    expect(runs).toEqual([zeros]);
    expect(r.stats.repairedFrames).toBe(0);

    // One of the identical notifications duplicated: taken out again.
    const doubled = [...parts.slice(0, 5), parts[4]!, ...parts.slice(5)];
    expect(reassemble(doubled).runs).toEqual([zeros]);
  });

  it('drops a whole frame received twice, by its kind, id and type, and keeps distinct frames', () => {
    const a = pingAnswer(40, random(30));
    const b = pingAnswer(41, random(30));
    const sameBodyOtherId = encodeWireFrame({ kind: 'response', id: 42, type: PING.type }, encodeBody(PING.response, { payload: new Uint8Array(30) }, 'ping'));
    const sameBodyOtherId2 = encodeWireFrame({ kind: 'response', id: 43, type: PING.type }, encodeBody(PING.response, { payload: new Uint8Array(30) }, 'ping'));
    const { runs, r } = reassemble([a, a, b, sameBodyOtherId, sameBodyOtherId2, sameBodyOtherId2]);
    expect(runs).toEqual([a, b, sameBodyOtherId, sameBodyOtherId2]);
    expect(r.stats.duplicateFrames).toBe(2);
  });

  it('never drops a frame with id 0 (no sequence to tell two equal ones apart)', () => {
    const err = pingAnswer(0, random(10), 'error');
    const { runs } = reassemble([err, err]);
    expect(runs).toEqual([err, err]);
  });

  it('a lost notification breaks only its frame, which goes on as received; the others are whole', () => {
    const parts = cut(stream, 244);
    // Notification 14 lies inside the 4000-byte frame (the 7th).
    const start = frames.slice(0, 6).reduce((n, f) => n + f.length, 0);
    expect(14 * 244).toBeGreaterThan(start);
    expect(15 * 244).toBeLessThan(start + frames[6]!.length);
    const { runs, r } = reassemble([...parts.slice(0, 14), ...parts.slice(15)]);
    expect(r.stats.brokenRuns).toBe(1);
    expect(runs.filter((_, i) => i !== 6)).toEqual(frames.filter((_, i) => i !== 6));
    expect(runs[6]!.length).toBe(frames[6]!.length - 244);
    expect(runs[6]!.at(-1)).toBe(0);

    // A duplicate in the same frame cannot be taken out (the CRC never holds): it is counted.
    const both = reassemble([...parts.slice(0, 14), ...parts.slice(15, 17), parts[16]!, ...parts.slice(17)]);
    expect(both.r.stats.brokenRuns).toBe(1);
    expect(both.r.stats.repeatsInBrokenRuns).toBe(1);
    expect(both.runs.filter((_, i) => i !== 6)).toEqual(frames.filter((_, i) => i !== 6));
  });

  it('hands a run longer than any frame on as it comes, so the session reports it oversize', () => {
    const long = new Uint8Array(80_000).fill(7);
    const { runs, r } = reassemble([...cut(long, 244), Uint8Array.of(0), ...cut(frames[0]!, 244)]);
    expect(r.stats.oversizeRuns).toBe(1);
    const passed = join(runs);
    expect(passed.length).toBe(long.length + 1 + frames[0]!.length);
    expect(runs.at(-1)).toEqual(frames[0]);
  });
});
