// Loading model segments onto a board (PROTOCOL.md 8): begin with the size and SHA-256, chunks
// with offsets and up to max_in_flight of them in flight, resume from the offset the board
// holds, commit. After a commit the host checks the board's fit numbers against its own fit()
// of the same union (resident segments in the board's order) and unloads the segment and fails
// loudly when they differ: one truth per fact, checked on every load.

import { createHash } from 'node:crypto';
import { chipSpec } from '../model/chips.js';
import { fit, type FitOk, type FitSegment } from '../model/fit.js';
import type { Layer, Model } from '../model/layer.js';
import { ModelError } from '../model/model-error.js';
import { encodeSegment, segmentOf, type Segment } from '../model/segment-codec.js';
import { decodeAnySegment, encodeRegisterSegment } from '../synth/register-segment.js';
import { residentSegment } from '../synth/synthesize.js';
import type { Engine } from '../proto/index.js';
import { loadTable } from '../model/zoo.js';
import {
  CRC_SIZE,
  HEADER_SIZE,
  isProtocolError,
  SEGMENT_ABORT,
  SEGMENT_BEGIN,
  SEGMENT_CHUNK,
  SEGMENT_COMMIT,
  SEGMENT_LIST,
  SEGMENT_UNLOAD,
  typeHex,
  type BoardFit,
  type RequestDef,
  type SegmentInfo,
  type SegmentList,
} from '../proto/index.js';
import { isSessionError } from './session-error.js';
import type { BoardSession } from './session.js';

/** Bytes of a chunk request's body besides the data: map, keys, offset (up to 9), bstr head (up to 5). */
const CHUNK_BODY_OVERHEAD = 1 + 1 + 9 + 1 + 5;

export interface UploadProgress {
  /** bytes the board has acknowledged */
  acked: number;
  total: number;
  /** where this upload started (non-zero when it resumed a partial one) */
  resumedFrom: number;
  phase: 'upload' | 'commit' | 'done';
}

export interface UploadOptions {
  onProgress?: (p: UploadProgress) => void;
  /** aborting stops sending, waits for the chunks in flight and clears the board's staging area */
  signal?: AbortSignal;
  /** largest chunk (default: what the board's max_payload and max_frame allow) */
  chunkBytes?: number;
  /**
   * chunks in flight at once (default: the board's credits plus one, the fastest load); fewer
   * let other requests to the board through between them (a load beside running pipelines)
   */
  window?: number;
  /** layers of resident segments, when the caller knows them (default: what this process loaded, else the zoo by model name) */
  resolveResident?: (info: SegmentInfo) => readonly Layer[] | undefined;
}

export interface UploadResult {
  id: string;
  bytes: number;
  /** the offset the upload started from (the board's, after begin) */
  resumedFrom: number;
  /** times the host re-synchronised with the board's offset mid-upload (after a refused chunk or a board reset) */
  resyncs: number;
  elapsedMs: number;
  /** what the board reported for everything now resident (equal to the host's fit) */
  fit: BoardFit;
  /** the host's fit of the same union, with per-layer placement */
  hostFit: FitOk;
  /** resident segments in the board's order, this one included */
  resident: SegmentInfo[];
  segment: Segment;
}

/** The board and the host disagree about what the resident segments use. */
export class FitMismatchError extends Error {
  override readonly name = 'FitMismatchError';
  constructor(
    message: string,
    readonly board: BoardFit,
    readonly host: BoardFit | null,
  ) {
    super(message);
  }
}

/** A chunk's answer named another offset than the host expected: re-synchronise with begin. */
class OutOfStep extends Error {
  override readonly name = 'OutOfStep';
}

/** The upload was cancelled through its AbortSignal. */
export class UploadAbortedError extends Error {
  override readonly name = 'UploadAbortedError';
}

/** The board does not serve a message the host needs (its hello does not list it). */
export class UnsupportedMessageError extends Error {
  override readonly name = 'UnsupportedMessageError';
}

/** Fails unless the board lists every message type in its hello (it would answer unknown_type). */
export function requireMessages(session: BoardSession, defs: readonly Pick<RequestDef<unknown, unknown>, 'name' | 'type'>[]): void {
  const served = new Set(session.hello.messages);
  const missing = defs.filter((d) => !served.has(d.type));
  if (missing.length > 0) {
    throw new UnsupportedMessageError(
      `board ${session.boardId} (firmware ${session.hello.firmware}) does not serve ${missing.map((d) => `${d.name} (${typeHex(d.type)})`).join(', ')}`,
    );
  }
}

// ---- what this host loaded, per board session -------------------------------------------------

/** Segments this process loaded, by board id and boot session: a reset forgets them, as the board does. */
const loaded = new Map<string, Map<string, Segment>>();

function boardKey(session: BoardSession): string {
  return `${session.hello.boardId}#${session.hello.session}`;
}

/** The segment description this process loaded under `id` on the board, if any. */
export function knownSegment(session: BoardSession, id: string): Segment | undefined {
  return loaded.get(boardKey(session))?.get(id);
}

function remember(session: BoardSession, id: string, seg: Segment): void {
  const key = boardKey(session);
  let m = loaded.get(key);
  if (m === undefined) loaded.set(key, (m = new Map()));
  m.set(id, seg);
}

function forget(session: BoardSession, id: string): void {
  loaded.get(boardKey(session))?.delete(id);
}

// ---- the fit cross-check -------------------------------------------------------------------

/** The host's fit in the board's wire form (PROTOCOL.md 8 `fit`). */
export function wireFit(ok: FitOk): BoardFit {
  return {
    layers: ok.layers,
    hardwareLayers: ok.hardwareLayers,
    kernelMaxColumns: ok.kernel.maxColumns,
    busiestProcessor: ok.kernel.busiestProcessor,
    kernelWords: ok.kernel.words,
    weightBytes: ok.weightBytes,
    biasPerQuadrant: [...ok.bias.perQuadrant],
    biasBytes: ok.bias.bytes,
    dataMaxInputEnd: ok.dataMemory.maxInputEnd,
    dataMaxOutputEnd: ok.dataMemory.maxOutputEnd,
  };
}

/** Fields where two fit maps differ, as "name: board X, host Y". */
export function fitDifferences(board: BoardFit, host: BoardFit): string[] {
  const out: string[] = [];
  for (const k of Object.keys(host) as (keyof BoardFit)[]) {
    const a = JSON.stringify(board[k]);
    const b = JSON.stringify(host[k]);
    if (a !== b) out.push(`${k}: board ${a}, host ${b}`);
  }
  return out;
}

function residentLayers(session: BoardSession, info: SegmentInfo, resolve: UploadOptions['resolveResident']): readonly Layer[] {
  const given = resolve?.(info);
  if (given) return given;
  const mine = knownSegment(session, info.id);
  if (mine) return mine.layers;
  try {
    const layers = loadTable(info.model).model.layers.slice(info.first, info.first + info.count);
    if (layers.length === info.count) return layers;
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
  }
  throw new Error(
    `cannot check board ${session.boardId}'s fit: resident segment "${info.id}" (model ${info.model}, layers ${info.first}..${info.first + info.count - 1}) ` +
      'was not loaded by this host and is not a zoo model; unload it or give its layers',
  );
}

/** The layers of a board's resident segments, in the board's order (throws naming one it cannot know). */
export function residentSegments(session: BoardSession, resident: readonly SegmentInfo[], resolve?: UploadOptions['resolveResident']): FitSegment[] {
  return resident.map((info) => ({ model: info.model, layers: residentLayers(session, info, resolve) }));
}

/** The host's fit of the board's resident set, in the board's order. */
export function hostFitOf(session: BoardSession, resident: readonly SegmentInfo[], resolve?: UploadOptions['resolveResident']): ReturnType<typeof fit> {
  return fit(chipSpec(session.hello.chip), residentSegments(session, resident, resolve));
}

// ---- list, unload, abort -------------------------------------------------------------------

export function listSegments(session: BoardSession): Promise<SegmentList> {
  requireMessages(session, [SEGMENT_LIST]);
  return session.request(SEGMENT_LIST, {});
}

/** Unloads a resident segment; resolves with the fit of what remains. */
export async function unloadSegment(session: BoardSession, id: string): Promise<BoardFit> {
  requireMessages(session, [SEGMENT_UNLOAD]);
  const { fit: rest } = await session.request(SEGMENT_UNLOAD, { id });
  forget(session, id);
  return rest;
}

/** Clears the board's staging area (a partial upload); always succeeds on the board. */
export async function abortUpload(session: BoardSession): Promise<void> {
  requireMessages(session, [SEGMENT_ABORT]);
  await session.request(SEGMENT_ABORT, {});
}

// ---- upload --------------------------------------------------------------------------------

function chunkLimit(session: BoardSession, asked: number | undefined): number {
  const { maxPayload, maxFrame } = session.hello;
  const limit = Math.min(maxPayload, maxFrame - HEADER_SIZE - CRC_SIZE - CHUNK_BODY_OVERHEAD);
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) throw new Error(`chunk size ${asked} is not a positive integer`);
  return Math.max(1, Math.min(asked ?? limit, limit));
}

/**
 * Uploads an encoded segment description (segment-codec.ts) under `id` and commits it. Resumes
 * a partial upload of the same id, size and hash the board holds (also after the host
 * reconnected), and re-synchronises when the board reports another offset. On success the
 * board's fit equals the host's; otherwise the segment is unloaded and FitMismatchError thrown.
 */
export async function uploadSegment(session: BoardSession, id: string, blob: Uint8Array, opts: UploadOptions = {}): Promise<UploadResult> {
  requireMessages(session, [SEGMENT_BEGIN, SEGMENT_CHUNK, SEGMENT_COMMIT, SEGMENT_ABORT, SEGMENT_LIST, SEGMENT_UNLOAD]);
  const segment = decodeAnySegment(blob, `segment "${id}"`);
  const started = performance.now();
  const sha256 = new Uint8Array(createHash('sha256').update(blob).digest());
  const chunk = chunkLimit(session, opts.chunkBytes);
  const total = blob.length;
  const report = (acked: number, resumedFrom: number, phase: UploadProgress['phase']): void =>
    opts.onProgress?.({ acked, total, resumedFrom, phase });
  const checkAbort = (): void => {
    if (opts.signal?.aborted) throw new UploadAbortedError(`upload of segment "${id}" to ${session.boardId} was cancelled`);
  };
  checkAbort();

  const begin = async (): Promise<number> => {
    const { nextOffset } = await session.request(SEGMENT_BEGIN, { id, size: total, sha256 });
    if (nextOffset > total) throw new Error(`board ${session.boardId} holds ${nextOffset} bytes of segment "${id}", more than its ${total}`);
    return nextOffset;
  };

  let offset = await begin();
  const resumedFrom = offset;
  let resyncs = 0;
  report(offset, resumedFrom, 'upload');
  const commit = () => session.request(SEGMENT_COMMIT, {});
  let committed: Awaited<ReturnType<typeof commit>>;
  try {
    for (;;) {
      while (offset < total) {
        checkAbort();
        try {
          offset = await sendChunks(session, blob, offset, chunk, opts.window, opts.signal, (acked) => report(acked, resumedFrom, 'upload'));
        } catch (e) {
          // The board expects another offset (a chunk lost or refused), it reset (its staging
          // area is empty again; the session says hello by itself), or an answer never came or
          // came damaged (a lost BLE notification): ask it where it stands.
          const again =
            isProtocolError(e, 'bad_state') ||
            isProtocolError(e, 'bad_crc') ||
            isProtocolError(e, 'bad_frame') ||
            e instanceof OutOfStep ||
            isSessionError(e, 'reset') ||
            isSessionError(e, 'timeout');
          if (!again || resyncs >= 8) throw e;
          resyncs++;
          offset = await begin();
        }
      }
      checkAbort();
      report(total, resumedFrom, 'commit');
      try {
        committed = await commit();
        break;
      } catch (e) {
        // A reset while the commit was pending (every chunk may be out before it lands): the
        // staging area is empty again, so upload once more from where the board stands.
        if (!isSessionError(e, 'reset') || resyncs >= 8) throw e;
        resyncs++;
        offset = await begin();
      }
    }
  } catch (e) {
    // Leave the board clean when the host gives up (a closed session cannot be told; the
    // partial upload then stays for a later resume).
    if (!isSessionError(e)) await session.request(SEGMENT_ABORT, {}).catch(() => undefined);
    throw e;
  }

  if (committed.id !== id) throw new Error(`board ${session.boardId} committed "${committed.id}" when "${id}" was uploaded`);
  remember(session, id, segment);

  const listed = await session.request(SEGMENT_LIST, {});
  const check = (): { hostFit: FitOk; wire: BoardFit } => {
    const host = hostFitOf(session, listed.segments, opts.resolveResident);
    if (!host.ok) {
      throw new FitMismatchError(
        `board ${session.boardId} accepted segment "${id}" but the host's fit refuses the resident set: ${host.limit}: ${host.message}`,
        committed.fit,
        null,
      );
    }
    const wire = wireFit(host);
    for (const [what, board] of [['commit', committed.fit], ['list', listed.fit]] as const) {
      const diff = fitDifferences(board, wire);
      if (diff.length > 0) {
        throw new FitMismatchError(
          `board ${session.boardId} and the host disagree on the fit after loading "${id}" (${what}): ${diff.join('; ')}`,
          board,
          wire,
        );
      }
    }
    return { hostFit: host, wire };
  };
  let checked;
  try {
    checked = check();
  } catch (e) {
    await unloadSegment(session, id).catch(() => undefined);
    throw e;
  }
  report(total, resumedFrom, 'done');
  return {
    id,
    bytes: total,
    resumedFrom,
    resyncs,
    elapsedMs: performance.now() - started,
    fit: committed.fit,
    hostFit: checked.hostFit,
    resident: listed.segments,
    segment,
  };
}

/**
 * Sends the chunks from `from` to the end, keeping the board's credits busy (one more queued
 * in the session so the wire never idles between an answer and the next send). Resolves with
 * the board's final next_offset; a refused chunk rejects after the chunks in flight settled.
 */
async function sendChunks(
  session: BoardSession,
  blob: Uint8Array,
  from: number,
  chunk: number,
  window: number | undefined,
  signal: AbortSignal | undefined,
  onAck: (acked: number) => void,
): Promise<number> {
  const depth = Math.max(1, Math.min(window ?? Number.POSITIVE_INFINITY, session.hello.maxInFlight + 1));
  const pending = new Set<Promise<void>>();
  let next = from;
  let acked = from;
  let failure: unknown;
  const send = (offset: number, data: Uint8Array): void => {
    const p = session
      .request(SEGMENT_CHUNK, { offset, data })
      .then(({ nextOffset }) => {
        if (nextOffset !== offset + data.length) {
          throw new OutOfStep(`board ${session.boardId} answered the chunk at ${offset} (${data.length} bytes) with next_offset ${nextOffset}`);
        }
        acked = Math.max(acked, nextOffset);
        onAck(acked);
      })
      .catch((e: unknown) => {
        failure ??= e;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  while (next < blob.length || pending.size > 0) {
    while (failure === undefined && !signal?.aborted && next < blob.length && pending.size < depth) {
      const end = Math.min(blob.length, next + chunk);
      send(next, blob.subarray(next, end));
      next = end;
    }
    if (pending.size === 0) break;
    await Promise.race(pending);
  }
  if (failure !== undefined) throw failure;
  return acked;
}

// ---- loading a model's layers -----------------------------------------------------------------

/** How the board drives its accelerator (hello `engine`; boards that do not say take format 1). */
export function boardEngine(session: BoardSession): Engine {
  return session.hello.engine ?? 'layer';
}

/** Layers first..first+count-1 of a model with its weights, and, when known, their format 1 blob. */
export interface ModelSegment {
  model: Model;
  first: number;
  count: number;
  /** the format 1 encoding, when the caller keeps one (it does not depend on the board) */
  layerBlob?: () => Uint8Array;
}

/**
 * The segment as this board takes it: format 1 (layers and weights) for a layer-engine board;
 * for a register board, the register segment synthesized after the segments it holds now (their
 * placement decides where this one's kernels and biases go), so one more `segment.list` first.
 */
export async function segmentBlobFor(session: BoardSession, seg: ModelSegment, resolve?: UploadOptions['resolveResident']): Promise<Uint8Array> {
  if (boardEngine(session) === 'layer') return seg.layerBlob?.() ?? encodeSegment(segmentOf(seg.model, seg.first, seg.count));
  const listed = await listSegments(session);
  const resident = residentSegments(session, listed.segments, resolve);
  return encodeRegisterSegment(seg.model, { chip: session.hello.chip, first: seg.first, last: seg.first + seg.count - 1, resident });
}

/**
 * The blobs of several segments loaded one after another onto a board that holds `resident`
 * (its segments' layers in the board's order): a register board places each after the ones
 * before it, so each is synthesized after the resident set and the earlier ones of the list.
 */
export function segmentBlobsInOrder(session: BoardSession, resident: readonly FitSegment[], segs: readonly ModelSegment[]): Uint8Array[] {
  if (boardEngine(session) === 'layer') return segs.map((seg) => seg.layerBlob?.() ?? encodeSegment(segmentOf(seg.model, seg.first, seg.count)));
  const placed = [...resident];
  return segs.map((seg) => {
    const last = seg.first + seg.count - 1;
    const blob = encodeRegisterSegment(seg.model, { chip: session.hello.chip, first: seg.first, last, resident: placed });
    placed.push(residentSegment(seg.model, seg.first, seg.count));
    return blob;
  });
}

/** Encodes a model's layers for this board (segmentBlobFor) and uploads them under `id`. */
export async function uploadModelSegment(session: BoardSession, id: string, seg: ModelSegment, opts: UploadOptions = {}): Promise<UploadResult> {
  return uploadSegment(session, id, await segmentBlobFor(session, seg, opts.resolveResident), opts);
}
