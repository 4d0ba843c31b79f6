// Segment ids (PROTOCOL.md 8) on a real emulated board over its pty: the host refuses an id
// that breaks the rule before a byte leaves, and the board refuses the same id, sent raw, with
// the same reason; a NUL inside an id is refused, so a second upload never aliases the first.

import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { listSegments, segmentBlobFor, uploadSegment } from '../../host/board/segments.js';
import { loadModel } from '../../host/model/zoo.js';
import { encodeCbor } from '../../host/proto/cbor.js';
import { isProtocolError, MSG, segmentIdProblem } from '../../host/proto/index.js';
import { refusal, startBoard, stopAll } from './helpers.js';

afterAll(stopAll);

const mnist = loadModel('convnet5_mnist').model;

describe('segment ids on a real board', () => {
  it('a bad id is refused by the host before sending, and by the board with the same reason', async () => {
    const { session } = await startBoard({ id: 'ids' });
    const blob = await segmentBlobFor(session, { model: mnist, first: 4, count: 1 });
    await uploadSegment(session, 'mnist:4-4', blob);
    const before = (await session.boardStats()).framesIn;
    for (const id of ['mnist\u0000:4-4', 'mnist 4', '', 'caf\u00e9']) {
      const local = await refusal(uploadSegment(session, id, blob));
      expect(local.code).toBe('bad_argument');
      expect(local.origin).toBe('local');
      expect(local.detail.endsWith(segmentIdProblem(id)!)).toBe(true);
    }
    // nothing reached the board but the stats requests themselves
    expect((await session.boardStats()).framesIn).toBe(before + 1);

    // The same ids sent raw: the board's refusal ends with the host's words.
    const sha = createHash('sha256').update(blob).digest();
    for (const id of ['mnist\u0000:4-4', 'mnist 4', '', 'caf\u00e9']) {
      const body = encodeCbor(new Map<number, string | number | Uint8Array>([[0, id], [1, blob.length], [2, new Uint8Array(sha)]]));
      const board = await refusal(session.requestRaw(MSG.segment_begin, body));
      expect(isProtocolError(board, 'bad_argument')).toBe(true);
      expect(board.origin).toBe('board');
      expect(board.detail).toBe(`segment.begin id: ${segmentIdProblem(id)!}`);
    }
    // The first upload is still the only resident segment under its own id.
    expect((await listSegments(session)).segments.map((s) => s.id)).toEqual(['mnist:4-4']);
  });
});
