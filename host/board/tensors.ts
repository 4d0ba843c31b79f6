// Tensors on a board (PROTOCOL.md 9): put and get slot contents in chunks, run a resident
// segment on slots (infer) and time it on the device (profile). Per-layer microseconds are the
// board's cycles at the board's CNN clock (hello), never host time.

import type { TensorRef } from '../model/boundary.js';
import { tensorBytes } from '../model/boundary.js';
import type { Shape3 } from '../model/layer.js';
import { showShape, tensorWidth, type Tensor } from '../model/tensor.js';
import {
  CRC_SIZE,
  HEADER_SIZE,
  INFER,
  isProtocolError,
  PROFILE,
  TENSOR_GET,
  TENSOR_PUT,
  DEFAULT_TENSOR_SLOTS,
  MAX_TENSOR_SLOTS,
  type InferResult,
  type ProfileResult,
  type Spread,
} from '../proto/index.js';
import { knownSegment, requireMessages } from './segments.js';
import type { BoardSession } from './session.js';

/** Body bytes of a tensor.put / tensor.get besides the data: keys, slot, offset, total, bstr head. */
const TENSOR_BODY_OVERHEAD = 32;

/**
 * How long an infer may take by default. An emulated board computes the layers on the host
 * CPU (seconds for the largest zoo models) besides spending the modelled time, so the
 * byte-scaled default of the session is too short; this is a safety net, not an expectation.
 */
const INFER_TIMEOUT_MS = 30_000;

/** A tensor the host refused before sending it (wrong shape, width or count). */
export class TensorShapeError extends Error {
  override readonly name = 'TensorShapeError';
}

// ---- bytes <-> tensors ---------------------------------------------------------------------

/** A tensor's bytes as they travel: int8 values as bytes, int32 values little-endian, CHW. */
export function tensorToBytes(t: Tensor): Uint8Array {
  if (t.data instanceof Int8Array) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length);
  const out = new Uint8Array(t.data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < t.data.length; i++) view.setInt32(i * 4, t.data[i]!, true);
  return out;
}

/** The inverse of tensorToBytes; the byte count must match the shape and width. */
export function tensorFromBytes(bytes: Uint8Array, shape: Shape3, width: 8 | 32, what = 'tensor'): Tensor {
  const n = shape[0] * shape[1] * shape[2];
  if (bytes.length !== n * (width / 8)) {
    throw new TensorShapeError(`${what}: ${bytes.length} bytes for ${width}-bit shape ${showShape(shape)} (${n * (width / 8)} expected)`);
  }
  if (width === 8) return { shape, data: new Int8Array(bytes.slice().buffer) };
  const data = new Int32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < n; i++) data[i] = view.getInt32(i * 4, true);
  return { shape, data };
}

/** Tensor bytes one tensor.put or tensor.get carries on this board (its frame holds the rest). */
export function tensorChunkBytes(session: BoardSession): number {
  const { maxPayload, maxFrame } = session.hello;
  return Math.max(1, Math.min(maxPayload, maxFrame - HEADER_SIZE - CRC_SIZE - TENSOR_BODY_OVERHEAD));
}

/** The tensor slots this board has (hello's tensor_slots; 16 on boards that do not say). */
export function tensorSlots(session: BoardSession): number {
  return Math.max(1, Math.min(MAX_TENSOR_SLOTS, session.hello.tensorSlots ?? DEFAULT_TENSOR_SLOTS));
}

function checkSlot(session: BoardSession, slot: number): void {
  const n = tensorSlots(session);
  if (!Number.isInteger(slot) || slot < 0 || slot >= n) throw new RangeError(`tensor slot ${slot} is outside 0..${n - 1} on ${session.hello.boardId}`);
}

// ---- put and get ---------------------------------------------------------------------------

/** Fills a slot with `bytes` (chunked, pipelined up to the board's credits). */
export async function putTensor(session: BoardSession, slot: number, bytes: Uint8Array): Promise<void> {
  requireMessages(session, [TENSOR_PUT]);
  checkSlot(session, slot);
  const chunk = tensorChunkBytes(session);
  const total = bytes.length;
  const expect = (offset: number, n: number) => (r: { nextOffset: number }): void => {
    if (r.nextOffset !== offset + n) {
      throw new Error(`board ${session.boardId} answered tensor.put of slot ${slot} at ${offset} (${n} bytes) with next_offset ${r.nextOffset}`);
    }
  };
  // The first chunk sizes the slot (offset 0); the rest follow in order, several in flight.
  const first = bytes.subarray(0, Math.min(chunk, total));
  expect(0, first.length)(await session.request(TENSOR_PUT, { slot, offset: 0, total, data: first }));
  const rest: Promise<void>[] = [];
  for (let offset = first.length; offset < total; offset += chunk) {
    const data = bytes.subarray(offset, Math.min(total, offset + chunk));
    rest.push(session.request(TENSOR_PUT, { slot, offset, total, data }).then(expect(offset, data.length)));
  }
  await settleAll(rest);
}

/** Reads a slot's bytes (chunked; the first answer tells the total). */
export async function getTensor(session: BoardSession, slot: number): Promise<Uint8Array> {
  requireMessages(session, [TENSOR_GET]);
  checkSlot(session, slot);
  const max = tensorChunkBytes(session);
  const expectBytes = max + 64;
  const head = await session.request(TENSOR_GET, { slot, offset: 0, max }, { expectBytes });
  const out = new Uint8Array(head.total);
  out.set(head.data.subarray(0, head.total));
  const parts: Promise<void>[] = [];
  for (let offset = head.data.length; offset < head.total; offset += max) {
    const at = offset;
    parts.push(
      session.request(TENSOR_GET, { slot, offset: at, max }, { expectBytes }).then((r) => {
        const want = Math.min(max, head.total - at);
        if (r.total !== head.total || r.data.length !== want) {
          throw new Error(`board ${session.boardId} sent ${r.data.length} bytes of slot ${slot} at ${at} (total ${r.total}); expected ${want} of ${head.total}`);
        }
        out.set(r.data, at);
      }),
    );
  }
  await settleAll(parts);
  return out;
}

/** Waits for every promise, then rethrows the first failure (no request left dangling). */
async function settleAll(ps: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(ps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

// ---- infer and profile ---------------------------------------------------------------------

/** What the host needs to know of a resident segment to run it. */
export interface SegmentIO {
  id: string;
  /** model layer index of its first layer, and its layer names (for reports) */
  first: number;
  layerNames: readonly string[];
  /** tensors in and out, in the board's slot order */
  inputs: readonly TensorRef[];
  outputs: readonly TensorRef[];
}

/** The IO of a segment this process loaded on the board. */
export function segmentIO(session: BoardSession, segment: string | SegmentIO): SegmentIO {
  if (typeof segment !== 'string') return segment;
  const seg = knownSegment(session, segment);
  if (!seg) {
    throw new Error(`segment "${segment}" was not loaded on board ${session.boardId} by this host: give its inputs and outputs (SegmentIO)`);
  }
  return { id: segment, first: seg.first, layerNames: seg.layers.map((l) => l.name), inputs: seg.inputs, outputs: seg.outputs };
}

export interface LayerTime {
  /** layer index in the unsplit model, and its name */
  index: number;
  name: string;
  cycles: number;
  /** cycles at the board's CNN clock */
  us: number;
}

export interface InferOptions {
  /** ask for the outputs inline (default: when they fit one frame) */
  inline?: boolean;
  /** slots for the inputs and outputs (default 0.. for inputs, then the next ones for outputs) */
  inputSlots?: readonly number[];
  outputSlots?: readonly number[];
  timeoutMs?: number;
}

export interface InferOutcome {
  segment: string;
  outputs: Tensor[];
  layers: LayerTime[];
  /** the leading 1 included, and in microseconds at the board's clock */
  totalCycles: number;
  totalUs: number;
  /** the board's busy and waiting times for this job (emulated: modelled) */
  cpuUs: number;
  cnnUs: number;
  queuedUs: number;
  /** host round trip of the infer request */
  rttMs: number;
  /** whether the outputs came inline or by tensor.get */
  inline: boolean;
}

function slotsFor(session: BoardSession, io: SegmentIO, opts: InferOptions): { inSlots: number[]; outSlots: number[] } {
  const inSlots = opts.inputSlots ? [...opts.inputSlots] : io.inputs.map((_, i) => i);
  const outSlots = opts.outputSlots ? [...opts.outputSlots] : io.outputs.map((_, i) => inSlots.length + i);
  if (inSlots.length !== io.inputs.length) throw new TensorShapeError(`segment "${io.id}" takes ${io.inputs.length} inputs; ${inSlots.length} input slots given`);
  if (outSlots.length !== io.outputs.length) throw new TensorShapeError(`segment "${io.id}" gives ${io.outputs.length} outputs; ${outSlots.length} output slots given`);
  for (const s of [...inSlots, ...outSlots]) checkSlot(session, s);
  return { inSlots, outSlots };
}

/** Refuses inputs whose count, shape or width differ from what the segment takes. */
export function checkInputs(io: SegmentIO, inputs: readonly Tensor[]): void {
  if (inputs.length !== io.inputs.length) {
    throw new TensorShapeError(`segment "${io.id}" takes ${io.inputs.length} input tensor${io.inputs.length === 1 ? '' : 's'}; ${inputs.length} given`);
  }
  io.inputs.forEach((want, i) => {
    const got = inputs[i]!;
    const name = want.source === -1 ? 'the network input' : `the output of layer ${want.source}`;
    const same = got.shape.length === 3 && got.shape.every((d, k) => d === want.shape[k]);
    if (!same || tensorWidth(got) !== want.width || got.data.length !== tensorBytes(want) / (want.width / 8)) {
      throw new TensorShapeError(
        `segment "${io.id}" input ${i} (${name}) must be ${want.width}-bit ${showShape(want.shape)}; got ${tensorWidth(got)}-bit ${showShape(got.shape)} with ${got.data.length} values`,
      );
    }
  });
}

/** Bytes an infer answer with inline outputs takes at most (cycles as 9-byte integers). */
function inlineAnswerBytes(io: SegmentIO): number {
  const outs = io.outputs.reduce((a, t) => a + tensorBytes(t) + 5 + 40, 0);
  return HEADER_SIZE + CRC_SIZE + 16 + io.layerNames.length * 9 + outs + 4 * 9;
}

/** Whether the outputs fit one answer frame (and each within max_payload). */
export function inlineFits(session: BoardSession, io: SegmentIO): boolean {
  return inlineAnswerBytes(io) <= session.hello.maxFrame && io.outputs.every((t) => tensorBytes(t) <= session.hello.maxPayload);
}

function layerTimes(session: BoardSession, io: SegmentIO, cycles: readonly number[]): LayerTime[] {
  if (cycles.length !== io.layerNames.length) {
    throw new Error(`board ${session.boardId} reported ${cycles.length} layer cycle counts for segment "${io.id}" of ${io.layerNames.length} layers`);
  }
  const clock = session.hello.cnnClockHz;
  return cycles.map((c, k) => ({ index: io.first + k, name: io.layerNames[k]!, cycles: c, us: (c * 1e6) / clock }));
}

/** Runs a resident segment on slots already filled; reads the outputs back. */
export async function inferSlots(session: BoardSession, segment: string | SegmentIO, opts: InferOptions = {}): Promise<InferOutcome> {
  requireMessages(session, [INFER, TENSOR_GET]);
  const io = segmentIO(session, segment);
  const { inSlots, outSlots } = slotsFor(session, io, opts);
  const inline = opts.inline ?? inlineFits(session, io);
  const expectBytes = inline ? inlineAnswerBytes(io) : 256 + io.layerNames.length * 9;
  const timed = await session.requestTimed(
    INFER,
    { segment: io.id, inputs: inSlots, outputs: outSlots, inline },
    { expectBytes, timeoutMs: opts.timeoutMs ?? INFER_TIMEOUT_MS },
  );
  const r: InferResult = timed.body;
  if (r.outputs.length !== io.outputs.length) {
    throw new Error(`board ${session.boardId} reported ${r.outputs.length} outputs of segment "${io.id}"; it has ${io.outputs.length}`);
  }
  const outputs: Tensor[] = [];
  for (let k = 0; k < io.outputs.length; k++) {
    const want = io.outputs[k]!;
    const got = r.outputs[k]!;
    const shape: Shape3 = [got.shape[0] ?? 0, got.shape[1] ?? 0, got.shape[2] ?? 0];
    if (got.slot !== outSlots[k] || got.width !== want.width || !shape.every((d, i) => d === want.shape[i]) || got.bytes !== tensorBytes(want)) {
      throw new Error(
        `board ${session.boardId} described output ${k} of "${io.id}" as slot ${got.slot}, ${got.width}-bit ${showShape(got.shape)}, ${got.bytes} bytes; ` +
          `expected slot ${outSlots[k]}, ${want.width}-bit ${showShape(want.shape)}, ${tensorBytes(want)} bytes`,
      );
    }
    const bytes = inline && r.inline.length === io.outputs.length ? r.inline[k]! : await getTensor(session, got.slot);
    outputs.push(tensorFromBytes(bytes, want.shape, want.width, `output ${k} of segment "${io.id}"`));
  }
  const layers = layerTimes(session, io, r.layerCycles);
  return {
    segment: io.id,
    outputs,
    layers,
    totalCycles: r.totalCycles,
    totalUs: (r.totalCycles * 1e6) / session.hello.cnnClockHz,
    cpuUs: r.cpuUs,
    cnnUs: r.cnnUs,
    queuedUs: r.queuedUs,
    rttMs: timed.rttMs,
    inline: inline && r.inline.length === io.outputs.length,
  };
}

/** Puts the inputs, runs the segment and returns its outputs with per-layer cycles. */
export async function infer(session: BoardSession, segment: string | SegmentIO, inputs: readonly Tensor[], opts: InferOptions = {}): Promise<InferOutcome> {
  const io = segmentIO(session, segment);
  checkInputs(io, inputs);
  const { inSlots } = slotsFor(session, io, opts);
  await Promise.all(inputs.map((t, i) => putTensor(session, inSlots[i]!, tensorToBytes(t))));
  try {
    return await inferSlots(session, io, opts);
  } catch (e) {
    // A board that cannot send the outputs inline still ran the segment? Not assumed: run again without.
    if (isProtocolError(e, 'too_large') && opts.inline === undefined) return inferSlots(session, io, { ...opts, inline: false });
    throw e;
  }
}

export interface SpreadTime extends Spread {
  minUs: number;
  medianUs: number;
  maxUs: number;
}

export interface LayerSpread extends SpreadTime {
  index: number;
  name: string;
}

export interface ProfileOutcome {
  segment: string;
  layers: LayerSpread[];
  total: SpreadTime;
  runs: number;
  warmup: number;
  cnnClockHz: number;
}

export interface ProfileOptions {
  warmup?: number;
  runs?: number;
  inputSlots?: readonly number[];
  timeoutMs?: number;
}

function withUs(s: Spread, clock: number): SpreadTime {
  return { ...s, minUs: (s.min * 1e6) / clock, medianUs: (s.median * 1e6) / clock, maxUs: (s.max * 1e6) / clock };
}

/**
 * Times a resident segment on the device: `warmup` untimed runs, then `runs` timed ones, on the
 * inputs given (put first) or, when `inputs` is null, on the slots already filled.
 */
export async function profile(
  session: BoardSession,
  segment: string | SegmentIO,
  inputs: readonly Tensor[] | null,
  opts: ProfileOptions = {},
): Promise<ProfileOutcome> {
  requireMessages(session, [PROFILE]);
  const io = segmentIO(session, segment);
  const warmup = opts.warmup ?? 2;
  const runs = opts.runs ?? 10;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`profile runs ${runs} must be a positive integer`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`profile warm-up count ${warmup} must be a non-negative integer`);
  const { inSlots } = slotsFor(session, io, opts);
  if (inputs !== null) {
    checkInputs(io, inputs);
    await Promise.all(inputs.map((t, i) => putTensor(session, inSlots[i]!, tensorToBytes(t))));
  }
  const r: ProfileResult = await session.request(
    PROFILE,
    { segment: io.id, warmup, runs, inputs: inSlots },
    { expectBytes: 64 + io.layerNames.length * 30, timeoutMs: opts.timeoutMs ?? INFER_TIMEOUT_MS * (1 + (warmup + runs) / 4) },
  );
  if (r.layers.length !== io.layerNames.length) {
    throw new Error(`board ${session.boardId} profiled ${r.layers.length} layers of segment "${io.id}", which has ${io.layerNames.length}`);
  }
  const clock = session.hello.cnnClockHz;
  return {
    segment: io.id,
    layers: r.layers.map((s, k) => ({ index: io.first + k, name: io.layerNames[k]!, ...withUs(s, clock) })),
    total: withUs(r.total, clock),
    runs: r.runs,
    warmup,
    cnnClockHz: clock,
  };
}
