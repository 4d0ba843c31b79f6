// Loading model segments (PROTOCOL.md 8, synergy.cddl "loading segments"): begin, chunk,
// commit, abort, list, unload, and the `fit` map a board reports for what it holds.

import { MSG } from './constants.js';
import { ProtocolError } from './errors.js';
import { emptyBody, registerRequest, type Empty, type RequestDef } from './messages.js';
import { bytesExactly } from './ranged.js';
import { arrayOf, bytes, field, struct, text, uint, type Codec, type Infer } from './schema.js';

/** A segment id: the host's name for it, 1..64 bytes of text, unique on a board. */
export const segmentId: Codec<string> = (() => {
  const base = text(64);
  const nonEmpty = (v: string, path: string, local: boolean): string => {
    if (v.length === 0) {
      throw local
        ? new ProtocolError('bad_argument', `${path}: a segment id is 1..64 bytes, got an empty text`, { origin: 'local' })
        : new ProtocolError('bad_body', `${path}: a segment id is 1..64 bytes, got an empty text`);
    }
    return v;
  };
  return {
    label: 'segment id',
    decode: (v, path) => nonEmpty(base.decode(v, path), path, false),
    encode: (v, path) => {
      const out = base.encode(v, path);
      nonEmpty(v, path, true);
      return out;
    },
  };
})();

/** The resources everything resident on a board uses (the fit rules' summary). */
export const fitBody = struct({
  layers: field(0, uint),
  hardwareLayers: field(1, uint),
  /** kernel columns of the fullest processor */
  kernelMaxColumns: field(2, uint),
  busiestProcessor: field(3, uint),
  /** columns marked on all processors */
  kernelWords: field(4, uint),
  /** the synthesis tool's weight statistic */
  weightBytes: field(5, uint),
  biasPerQuadrant: field(6, arrayOf(uint, 4)),
  biasBytes: field(7, uint),
  dataMaxInputEnd: field(8, uint),
  dataMaxOutputEnd: field(9, uint),
});
export type BoardFit = Infer<typeof fitBody>;

export const segmentInfoBody = struct({
  id: field(0, segmentId),
  model: field(1, text()),
  first: field(2, uint),
  count: field(3, uint),
  weightBytes: field(4, uint),
});
export type SegmentInfo = Infer<typeof segmentInfoBody>;

export const segmentBeginRequest = struct({
  id: field(0, segmentId),
  size: field(1, uint),
  sha256: field(2, bytesExactly(32)),
});
export type SegmentBegin = Infer<typeof segmentBeginRequest>;

export const nextOffsetBody = struct({ nextOffset: field(0, uint) });
export type NextOffset = Infer<typeof nextOffsetBody>;

export const segmentChunkRequest = struct({
  offset: field(0, uint),
  data: field(1, bytes()),
});
export type SegmentChunk = Infer<typeof segmentChunkRequest>;

export const segmentCommitResponse = struct({
  id: field(0, segmentId),
  fit: field(1, fitBody),
});
export type SegmentCommitted = Infer<typeof segmentCommitResponse>;

export const segmentListResponse = struct({
  segments: field(0, arrayOf(segmentInfoBody)),
  fit: field(1, fitBody),
});
export type SegmentList = Infer<typeof segmentListResponse>;

export const segmentUnloadRequest = struct({ id: field(0, segmentId) });
export const segmentUnloadResponse = struct({ fit: field(0, fitBody) });

export const SEGMENT_BEGIN: RequestDef<SegmentBegin, NextOffset> = registerRequest({
  name: 'segment.begin', type: MSG.segment_begin, request: segmentBeginRequest, response: nextOffsetBody,
});
export const SEGMENT_CHUNK: RequestDef<SegmentChunk, NextOffset> = registerRequest({
  name: 'segment.chunk', type: MSG.segment_chunk, request: segmentChunkRequest, response: nextOffsetBody,
});
export const SEGMENT_COMMIT: RequestDef<Empty, SegmentCommitted> = registerRequest({
  name: 'segment.commit', type: MSG.segment_commit, request: emptyBody, response: segmentCommitResponse,
});
export const SEGMENT_ABORT: RequestDef<Empty, Empty> = registerRequest({
  name: 'segment.abort', type: MSG.segment_abort, request: emptyBody, response: emptyBody,
});
export const SEGMENT_LIST: RequestDef<Empty, SegmentList> = registerRequest({
  name: 'segment.list', type: MSG.segment_list, request: emptyBody, response: segmentListResponse,
});
export const SEGMENT_UNLOAD: RequestDef<Infer<typeof segmentUnloadRequest>, Infer<typeof segmentUnloadResponse>> = registerRequest({
  name: 'segment.unload', type: MSG.segment_unload, request: segmentUnloadRequest, response: segmentUnloadResponse,
});
