// Moving a tensor between the host and a board's slot: one message when it fits, else chunks
// in the board's lane for that direction (inLane), each answer checked.

import { TENSOR_GET, TENSOR_PUT } from '../proto/index.js';
import { tensorChunkBytes } from '../board/tensors.js';
import type { BoardHandle } from './boards.js';
import { FrameFailure } from './engine-types.js';
import type { LinkSpans } from './link-spans.js';
import type { RunPipeline } from './run-plan.js';
import type { TransferLane } from './semaphore.js';

/** Writes `bytes` into `slot` on the board (tensor.put). */
export async function putTensor(spans: LinkSpans, p: RunPipeline, h: BoardHandle, slot: number, bytes: Uint8Array): Promise<void> {
  const max = tensorChunkBytes(h.session);
  const total = bytes.length;
  const check = (offset: number, n: number) => (r: { nextOffset: number }): void => {
    if (r.nextOffset !== offset + n) throw new FrameFailure('wrong answer', `board ${h.device} answered tensor.put at ${offset} with next_offset ${r.nextOffset}`);
  };
  const chunk = (offset: number): Promise<void> => {
    const data = bytes.subarray(offset, Math.min(total, offset + max));
    spans.rx(p, h, performance.now(), data.length + 16, `put ${total} B`);
    return h.session.request(TENSOR_PUT, { slot, offset, total, data }, { expectBytes: 16 }).then(check(offset, data.length));
  };
  // The first chunk sizes the slot on the board: it is answered before the others go.
  if (total <= max) return chunk(0);
  await inLane(h.lanes.down, h.wireBytesPerSec / 1000, total, chunkOffsets(total, max), max, true, chunk);
}

/** Reads the `total` bytes of `slot` from the board (tensor.get). */
export async function getTensor(spans: LinkSpans, p: RunPipeline, h: BoardHandle, slot: number, total: number): Promise<Uint8Array> {
  const max = tensorChunkBytes(h.session);
  if (total <= max) {
    // One answer: its bytes are the tensor (the answer's body is decoded into its own buffer).
    const r = await h.session.request(TENSOR_GET, { slot, offset: 0, max }, { expectBytes: max + 32 });
    checkChunk(h, slot, 0, total, max, r);
    spans.tx(p, h, performance.now(), r.data.length + 16, `get ${total} B`);
    return r.data;
  }
  const out = new Uint8Array(total);
  const chunk = (at: number): Promise<void> =>
    h.session.request(TENSOR_GET, { slot, offset: at, max }, { expectBytes: max + 32 }).then((r) => {
      checkChunk(h, slot, at, total, max, r);
      spans.tx(p, h, performance.now(), r.data.length + 16, `get ${total} B`);
      out.set(r.data, at);
    });
  await inLane(h.lanes.up, h.wireBytesPerSec / 1000, total, chunkOffsets(total, max), max, false, chunk);
  return out;
}

function checkChunk(h: BoardHandle, slot: number, at: number, total: number, max: number, r: { total: number; data: Uint8Array }): void {
  if (r.total !== total || r.data.length !== Math.min(max, total - at)) {
    throw new FrameFailure('wrong answer', `board ${h.device} sent ${r.data.length} bytes of slot ${slot} at ${at} (total ${r.total}, expected ${total})`);
  }
}

/** Bytes a transfer moves per turn in its lane before the lane may pass to a shorter one. */
export const LANE_SLICE_BYTES = 64 * 1024;

function chunkOffsets(total: number, max: number): number[] {
  const out: number[] = [];
  for (let offset = 0; offset < total; offset += max) out.push(offset);
  return out;
}

/**
 * Moves a tensor of several chunks through a board's lane for its direction: one transfer at a
 * time each way, LANE_SLICE_BYTES per turn, the transfer with the fewest bytes left first.
 * Shared, a link moved every transfer slowly and finished them together: sixteen UNet frames
 * fetched at once from the glasses each took sixteen times as long, and the boards after it got
 * their inputs in bursts. First come, first served, a 496 KB map held a link for 5 s while the
 * 116 KB tensors another route needed from the same board waited, and that route ran at two
 * thirds of its plan. A turn passes on once its last chunk is sent (TransferLane): waiting for
 * the answers left the link idle for a round trip every 64 KB. A put's first chunk goes alone
 * (it sizes the slot). Single-chunk transfers and control messages take no lane: they interleave.
 */
async function inLane(lane: TransferLane, bytesPerMs: number, total: number, offsets: readonly number[], max: number, firstAlone: boolean, chunk: (offset: number) => Promise<void>): Promise<void> {
  const perTurn = Math.max(1, Math.floor(LANE_SLICE_BYTES / max));
  const sent: Promise<void>[] = [];
  let failure: unknown = null;
  const send = async (offset: number): Promise<void> => {
    await lane.window.acquire();
    const answered = chunk(offset).finally(() => lane.window.release());
    answered.catch((e: unknown) => {
      failure ??= e;
    });
    sent.push(answered);
  };
  for (let i = 0; i < offsets.length && failure === null; i += perTurn) {
    // Bytes left, less what the link could have moved while this turn waited: the shortest goes
    // first, and one kept waiting as long as its own turn takes goes first too (a large map is
    // delayed, never starved: first fewest-bytes-first starved the 5% route of UNet maps).
    const left = total - offsets[i]!;
    const since = performance.now();
    await lane.turns.acquire(Number.isFinite(bytesPerMs) ? () => left - (performance.now() - since) * bytesPerMs : left);
    try {
      let k = i;
      if (i === 0 && firstAlone) {
        await send(offsets[0]!);
        await sent[0];
        k = 1;
      }
      for (; k < Math.min(offsets.length, i + perTurn) && failure === null; k++) await send(offsets[k]!);
    } finally {
      lane.turns.release();
    }
  }
  // Every chunk sent ends before the transfer does, failed or not: the slot is not handed on
  // while chunks still land in it.
  await Promise.allSettled(sent);
  if (failure !== null) throw failure;
}
