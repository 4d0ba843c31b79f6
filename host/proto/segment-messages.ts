// Loading model segments (PROTOCOL.md 8, synergy.cddl "loading segments"): begin, chunk,
// commit, abort, list, unload, and the `fit` map a board reports for what it holds.

import { ProtocolError } from './errors.js';
import { defineRequest, emptyBody } from './messages.js';
import { bytesExactly } from './ranged.js';
import { arrayOf, bytes, field, struct, text, uint, type Codec, type Infer } from './schema.js';

/** Bytes a segment id may hold: printable ASCII without space (firmware/core/segstore.h). */
export const SEGMENT_ID_MAX_BYTES = 64;
export const SEGMENT_ID_FIRST_BYTE = 0x21;
export const SEGMENT_ID_LAST_BYTE = 0x7e;

const hex2 = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * Why `id` is not a segment id (PROTOCOL.md 8: 1..64 bytes, each 0x21..0x7e), or null when it
 * is one. The reasons are the board's words (segstore_id_problem), so both sides name a bad id
 * the same way.
 */
export function segmentIdProblem(id: string): string | null {
  const b = Buffer.from(id, 'utf8');
  if (b.length === 0 || b.length > SEGMENT_ID_MAX_BYTES) {
    return b.length === 0
      ? `empty, ids are 1..${SEGMENT_ID_MAX_BYTES} bytes`
      : `${b.length} bytes, ids are 1..${SEGMENT_ID_MAX_BYTES} bytes`;
  }
  const at = b.findIndex((x) => x < SEGMENT_ID_FIRST_BYTE || x > SEGMENT_ID_LAST_BYTE);
  return at < 0 ? null : `byte ${at} is ${hex2(b[at]!)}, not ${hex2(SEGMENT_ID_FIRST_BYTE)}..${hex2(SEGMENT_ID_LAST_BYTE)}`;
}

/**
 * Text as a segment id: bytes outside 0x21..0x7e, and '%' itself, become %XX (of their UTF-8),
 * so any name (a model imported under a name with spaces) gives an id, and two names never give
 * the same one.
 */
export function segmentIdText(name: string): string {
  let out = '';
  for (const x of Buffer.from(name, 'utf8')) {
    out += x < SEGMENT_ID_FIRST_BYTE || x > SEGMENT_ID_LAST_BYTE || x === 0x25 ? `%${x.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(x);
  }
  return out;
}

/** A segment id: the host's name for it, unique on a board; a bad one is bad_argument either way. */
export const segmentId: Codec<string> = (() => {
  const base = text(SEGMENT_ID_MAX_BYTES);
  const check = (v: string, path: string, local: boolean): string => {
    const why = segmentIdProblem(v);
    if (why !== null) throw new ProtocolError('bad_argument', `${path}: ${why}`, local ? { origin: 'local' } : {});
    return v;
  };
  return {
    label: 'segment id',
    decode: (v, path) => check(base.decode(v, path), path, false),
    encode: (v, path) => {
      if (typeof v !== 'string') return base.encode(v, path);
      check(v, path, true);
      return base.encode(v, path);
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

export const SEGMENT_BEGIN = defineRequest('segment.begin', segmentBeginRequest, nextOffsetBody);
export const SEGMENT_CHUNK = defineRequest('segment.chunk', segmentChunkRequest, nextOffsetBody);
export const SEGMENT_COMMIT = defineRequest('segment.commit', emptyBody, segmentCommitResponse);
export const SEGMENT_ABORT = defineRequest('segment.abort', emptyBody, emptyBody);
export const SEGMENT_LIST = defineRequest('segment.list', emptyBody, segmentListResponse);
export const SEGMENT_UNLOAD = defineRequest('segment.unload', segmentUnloadRequest, segmentUnloadResponse);
