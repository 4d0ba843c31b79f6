// Deploying a plan (stage 4 of the paper, model synthesis and deployment): each device's segments
// are cut from the zoo models (weights included) and encoded (segment-codec.ts); boards load in
// parallel, each its own segments in order. On every board, first what the plan no longer needs
// is unloaded (so the new segments find the memory free), then what it needs and does not hold
// is uploaded; a segment already resident under the same id, model and range is kept. Every
// commit is checked by uploadSegment: the board's fit of its resident set must equal the host's
// fit (host/model/fit.ts). The planner judged the same sets feasible; a board that refuses one
// is a disagreement between the plan and the chip's rules, reported as such.

import {
  knownSegment, listSegments, residentSegments, segmentBlobsInOrder, unloadSegment, uploadSegment, type ModelSegment,
} from '../board/segments.js';
import type { BoardSession } from '../board/session.js';
import type { SegmentIO } from '../board/tensors.js';
import { isSessionError } from '../board/session-error.js';
import type { Layer } from '../model/layer.js';
import { encodeCbor, type CborMap } from '../proto/cbor.js';
import { encodeSegment, SEG, segmentMap, segmentOf, type Segment } from '../model/segment-codec.js';
import { loadModel, type LoadedModel } from '../model/zoo.js';
import type { Engine } from '../synth/engine.js';
import { encodeRegisterSegment } from '../synth/register-segment.js';
import type { BoardFit, SegmentInfo } from '../proto/index.js';
import type { BoardHandle } from './boards.js';
import type { SegmentSpec } from './run-plan.js';

/** Models with their weights and the segments cut from them, each made once per run. */
export class ModelStore {
  private readonly models = new Map<string, LoadedModel>();
  private readonly segments = new Map<string, { segment: Segment; blob: Uint8Array }>();
  /** register segment bytes by model and range */
  private readonly registerSizes = new Map<string, number>();
  /** per model, the encoded bytes of each layer's entry (weights included) */
  private readonly layerBytes = new Map<string, number[]>();

  model(name: string): LoadedModel {
    let m = this.models.get(name);
    if (!m) this.models.set(name, (m = loadModel(name)));
    return m;
  }

  segment(spec: Pick<SegmentSpec, 'model' | 'first' | 'count'>): { segment: Segment; blob: Uint8Array } {
    const key = `${spec.model}:${spec.first}+${spec.count}`;
    let s = this.segments.get(key);
    if (!s) {
      const segment = segmentOf(this.model(spec.model).model, spec.first, spec.count);
      s = { segment, blob: encodeSegment(segment) };
      this.segments.set(key, s);
    }
    return s;
  }

  /**
   * The encoded bytes of a segment (what its upload sends), without encoding its weights again:
   * the segment's header (its cut's tensors) with no layers, plus each layer's entry as encoded
   * alone (a CBOR map encodes the same inside the list), plus the longer heads of the count and
   * the layer list. Equal to encodeSegment's length (test/unit/deploy-estimate.test.ts).
   */
  segmentBytes(spec: Pick<SegmentSpec, 'model' | 'first' | 'count'>, engine: Engine = 'layer'): number {
    if (engine === 'register') return this.registerBytes(spec);
    const cached = this.segments.get(`${spec.model}:${spec.first}+${spec.count}`);
    if (cached) return cached.blob.length;
    const model = this.model(spec.model).model;
    let layers = this.layerBytes.get(spec.model);
    if (!layers) {
      const all = segmentMap(segmentOf(model, 0, model.layers.length)).get(SEG.layers) as CborMap[];
      layers = all.map((l) => encodeCbor(l, { maxPayload: Number.MAX_SAFE_INTEGER }).length);
      this.layerBytes.set(spec.model, layers);
    }
    const head = segmentMap({ ...segmentOf(model, spec.first, spec.count), layers: [], params: [] });
    let bytes = encodeCbor(head, { maxPayload: Number.MAX_SAFE_INTEGER }).length + 2 * (cborHeadBytes(spec.count) - cborHeadBytes(0));
    for (let i = spec.first; i < spec.first + spec.count; i++) bytes += layers[i]!;
    return bytes;
  }

  /**
   * The bytes of a register segment (format 2): synthesized once on an empty MAX78000. Where a
   * board places it changes addresses and register values, not the number of records and words.
   */
  private registerBytes(spec: Pick<SegmentSpec, 'model' | 'first' | 'count'>): number {
    const key = `${spec.model}:${spec.first}+${spec.count}`;
    let n = this.registerSizes.get(key);
    if (n === undefined) {
      n = encodeRegisterSegment(this.model(spec.model).model, { chip: 'max78000', first: spec.first, last: spec.first + spec.count - 1 }).length;
      this.registerSizes.set(key, n);
    }
    return n;
  }

  /** The segment's model and range for segmentBlobsInOrder, with its format 1 blob made once. */
  modelSegment(spec: Pick<SegmentSpec, 'model' | 'first' | 'count'>): ModelSegment {
    return { model: this.model(spec.model).model, first: spec.first, count: spec.count, layerBlob: () => this.segment(spec).blob };
  }

  io(spec: SegmentSpec): SegmentIO {
    const { segment } = this.segment(spec);
    return { id: spec.id, first: segment.first, layerNames: segment.layers.map((l) => l.name), inputs: segment.inputs, outputs: segment.outputs };
  }

  /** Resident segments' layers for the fit check and a register board's placement: what this
   *  process loaded on the board (exactly what it holds), else the zoo's. */
  resolverFor(session: BoardSession): (info: SegmentInfo) => readonly Layer[] | undefined {
    return (info) => knownSegment(session, info.id)?.layers ?? this.layersOf(info);
  }

  /** The layers of a resident segment this run knows (by the board's segment info). */
  layersOf(info: SegmentInfo): readonly Layer[] | undefined {
    try {
      return this.model(info.model).model.layers.slice(info.first, info.first + info.count);
    } catch {
      return undefined;
    }
  }
}

/** Bytes of a CBOR head carrying the unsigned value n (an integer, or a list's length). */
function cborHeadBytes(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1_0000_0000 ? 5 : 9;
}

// ---- what a load costs, for choosing between plans by their deploy time ---------------------
// Measured on emulated MAX78000 boards at 125,000 bytes/s (one segment at a time on an idle
// board, 3 to 171 KB): a load took bytes / rate x 1.01 plus 6 to 9 ms; a board's deploy adds
// its segment list and unloads, 3 to 17 ms. Real boards over BLE have longer round trips;
// calibrate these there.

/** Wire bytes per segment byte of an upload: chunk framing (header, CRC, COBS, delimiter). */
export const UPLOAD_WIRE_FACTOR = 1.01;
/** One segment's begin, commit, listing and fit check, ms. */
export const SEGMENT_LOAD_OVERHEAD_MS = 10;
/** A board's deploy besides its loads: listing what it holds, unloading what goes, ms. */
export const BOARD_DEPLOY_OVERHEAD_MS = 15;

/**
 * The ms a board takes to load `segments` segments of `bytes` bytes in all over a link of
 * `bytesPerSec` (Infinity: unpaced) of which a share `busy` (0..1) carries the frames of
 * pipelines that keep running meanwhile. 0 when it loads nothing.
 */
export function loadMsEstimate(bytes: number, segments: number, bytesPerSec: number, busy = 0): number {
  if (segments === 0) return 0;
  const free = Math.max(0.1, 1 - Math.max(0, busy));
  const wire = Number.isFinite(bytesPerSec) && bytesPerSec > 0 ? (bytes * UPLOAD_WIRE_FACTOR * 1000) / (bytesPerSec * free) : 0;
  return wire + segments * SEGMENT_LOAD_OVERHEAD_MS + BOARD_DEPLOY_OVERHEAD_MS;
}

export interface DeployProgress {
  device: string;
  /** bytes acknowledged of this board's uploads, and their total */
  acked: number;
  total: number;
  segmentsDone: number;
  segments: number;
}

export interface DeviceDeploy {
  device: string;
  loaded: { id: string; bytes: number; ms: number; resumedFrom: number }[];
  kept: string[];
  unloaded: string[];
  /** the board's fit of what it holds now (null when nothing is resident) */
  fit: BoardFit | null;
  ms: number;
}

export interface DeployResult {
  devices: DeviceDeploy[];
  bytes: number;
  ms: number;
}

export class DeployError extends Error {
  override readonly name = 'DeployError';
  constructor(
    message: string,
    readonly device: string,
  ) {
    super(message);
  }
}

function sameSegment(info: SegmentInfo, spec: SegmentSpec): boolean {
  return info.model === spec.model && info.first === spec.first && info.count === spec.count;
}

/**
 * Chunks in flight per upload while pipelines keep running on the boards: an upload's chunks
 * queued ahead of a frame's requests on a paced link delay them by their wire time (the board's
 * 16 credits of 8 KB chunks held a BLE link for over a second, and the running pipelines stalled
 * that long); two keep the link busy (a chunk's wire time is tens of ms, a round trip one).
 */
export const LOAD_BESIDE_RUNNING_WINDOW = 2;

export interface DeployOptions {
  onProgress?: (p: DeployProgress) => void;
  signal?: AbortSignal;
  /** chunks in flight per upload (uploadSegment's window; default the fastest) */
  window?: number;
}

/** Both loaders' shape: the boards, the segments the plan gives them, where models come from, options. */
type SegmentLoader<R> = (handles: readonly BoardHandle[], specs: readonly SegmentSpec[], store: ModelStore, opts?: DeployOptions) => Promise<R>;

/** Brings every board to exactly the segments `specs` name for it (boards not named are emptied). */
export const deployPlan: SegmentLoader<DeployResult> = async (handles, specs, store, opts = {}) => {
  const t0 = performance.now();
  const known = new Set(handles.map((h) => h.device));
  const stray = specs.find((s) => !known.has(s.device));
  if (stray) throw new DeployError(`the plan puts segment ${stray.id} on ${stray.device}, which is not present`, stray.device);
  const results = await Promise.allSettled(handles.map((h) => deployBoard(h, specs.filter((s) => s.device === h.device), store, opts)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const devices = results.map((r) => (r as PromiseFulfilledResult<DeviceDeploy>).value);
  return { devices, bytes: devices.reduce((a, d) => a + d.loaded.reduce((b, l) => b + l.bytes, 0), 0), ms: performance.now() - t0 };
};

async function deployBoard(
  h: BoardHandle,
  mine: readonly SegmentSpec[],
  store: ModelStore,
  opts: DeployOptions,
): Promise<DeviceDeploy> {
  const t0 = performance.now();
  const session = h.session;
  const fail = (what: string, e: unknown): never => {
    throw new DeployError(`${h.device}: ${what}: ${(e as Error).message}`, h.device);
  };
  const listed = await listSegments(session).catch((e) => fail('listing its segments', e));
  const unloaded: string[] = [];
  const kept: string[] = [];
  let fit: BoardFit | null = listed.segments.length > 0 ? listed.fit : null;
  for (const info of listed.segments) {
    const wanted = mine.find((s) => s.id === info.id);
    if (wanted && sameSegment(info, wanted)) {
      kept.push(info.id);
      continue;
    }
    const rest = await unloadSegment(session, info.id).catch((e) => fail(`unloading ${info.id}`, e));
    unloaded.push(info.id);
    fit = rest;
  }
  const todo = mine.filter((s) => !kept.includes(s.id));
  const resident = residentSegments(session, listed.segments.filter((info) => kept.includes(info.id)), store.resolverFor(session));
  const blobs = segmentBlobsInOrder(session, resident, todo.map((s) => store.modelSegment(s)));
  const total = blobs.reduce((a, b) => a + b.length, 0);
  const acked = blobs.map(() => 0);
  let done = 0;
  const report = (): void =>
    opts.onProgress?.({ device: h.device, acked: acked.reduce((a, b) => a + b, 0), total, segmentsDone: done, segments: todo.length });
  report();
  const loaded: DeviceDeploy['loaded'] = [];
  for (const [k, spec] of todo.entries()) {
    const s0 = performance.now();
    let up;
    try {
      up = await uploadSegment(session, spec.id, blobs[k]!, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.window !== undefined ? { window: opts.window } : {}),
        resolveResident: store.resolverFor(session),
        onProgress: (u) => {
          acked[k] = u.acked;
          report();
        },
      });
    } catch (e) {
      const detail = (e as Error).message;
      const what = `segment ${spec.id} (layers ${spec.first}..${spec.first + spec.count - 1} of ${spec.model})`;
      // The board answering no is a refusal; a link that failed, a board that went silent or a
      // load cancelled (the run stopped) is not.
      if (isSessionError(e) || (e as Error).name === 'UploadAbortedError') throw new DeployError(`${h.device} (${h.chip.name}): loading ${what} failed: ${detail}`, h.device);
      throw new DeployError(
        `${h.device} (${h.chip.name}) refused ${what}, which the plan judged to fit beside ${[...kept, ...loaded.map((l) => l.id)].join(', ') || 'nothing'}: ${detail}`,
        h.device,
      );
    }
    done++;
    report();
    loaded.push({ id: spec.id, bytes: up.bytes, ms: performance.now() - s0, resumedFrom: up.resumedFrom });
    fit = up.fit;
  }
  return { device: h.device, loaded, kept, unloaded, fit, ms: performance.now() - t0 };
}

export interface PreloadResult {
  devices: { device: string; loaded: { id: string; bytes: number; ms: number }[]; error: string | null }[];
  bytes: number;
  ms: number;
}

/**
 * Loads segments a coming plan needs beside what the boards hold, unloading nothing, so the
 * pipelines running on those boards go on while they load (make before break: the switch-over
 * then loads only the rest). The caller picks segments that fit beside the resident ones. A
 * board that refuses one, or fails, stops preloading and says why; that is not fatal: the
 * switch-over's deploy (deployPlan) loads what is missing after unloading what goes.
 */
export const preloadSegments: SegmentLoader<PreloadResult> = async (handles, specs, store, opts = {}) => {
  const t0 = performance.now();
  const devices = await Promise.all(
    handles.filter((h) => specs.some((s) => s.device === h.device)).map(async (h) => {
      const loaded: PreloadResult['devices'][number]['loaded'] = [];
      try {
        const listed = await listSegments(h.session);
        const mine = specs.filter((s) => s.device === h.device && !listed.segments.some((info) => info.id === s.id && sameSegment(info, s)));
        const resident = residentSegments(h.session, listed.segments, store.resolverFor(h.session));
        const blobs = segmentBlobsInOrder(h.session, resident, mine.map((s) => store.modelSegment(s)));
        const total = blobs.reduce((a, b) => a + b.length, 0);
        let before = 0;
        for (const [k, spec] of mine.entries()) {
          if (opts.signal?.aborted) break;
          const s0 = performance.now();
          const up = await uploadSegment(h.session, spec.id, blobs[k]!, {
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(opts.window !== undefined ? { window: opts.window } : {}),
            resolveResident: store.resolverFor(h.session),
            onProgress: (u) => opts.onProgress?.({ device: h.device, acked: before + u.acked, total, segmentsDone: k, segments: mine.length }),
          });
          before += up.bytes;
          loaded.push({ id: spec.id, bytes: up.bytes, ms: performance.now() - s0 });
        }
        return { device: h.device, loaded, error: null };
      } catch (e) {
        return { device: h.device, loaded, error: (e as Error).message };
      }
    }),
  );
  return { devices, bytes: devices.reduce((a, d) => a + d.loaded.reduce((b, l) => b + l.bytes, 0), 0), ms: performance.now() - t0 };
};
