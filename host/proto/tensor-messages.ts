// Tensors, inference and profiling (PROTOCOL.md 9, synergy.cddl): tensor.put and tensor.get
// move slot contents in chunks, infer runs a resident segment on slots, profile times it on the
// device.

import { defineRequest } from './messages.js';
import { intIn, intOneOf } from './ranged.js';
import { arrayOf, bytes, field, optional, struct, bool, uint, type Infer } from './schema.js';
import { segmentId } from './segment-messages.js';

/** Tensor slots on a board whose hello does not say (tensor_slots, key 22). */
export const DEFAULT_TENSOR_SLOTS = 16;
/** The sense queue of a board whose hello does not say (sense_queue, key 23): the smallest of any board (the FTHR's). */
export const DEFAULT_SENSE_QUEUE = 2;
/** Slot numbers the protocol carries: a board names its own count in hello, at most this many. */
export const MAX_TENSOR_SLOTS = 256;
export const slot = intIn(0, MAX_TENSOR_SLOTS - 1);
export const tensorWidthCodec = intOneOf(8, 32);

export const tensorPutRequest = struct({
  slot: field(0, slot),
  offset: field(1, uint),
  total: field(2, uint),
  data: field(3, bytes()),
});
export type TensorPut = Infer<typeof tensorPutRequest>;
export const tensorPutResponse = struct({ nextOffset: field(0, uint) });

export const tensorGetRequest = struct({ slot: field(0, slot), offset: field(1, uint), max: field(2, uint) });
export type TensorGet = Infer<typeof tensorGetRequest>;
export const tensorGetResponse = struct({ data: field(0, bytes()), total: field(1, uint) });
export type TensorGot = Infer<typeof tensorGetResponse>;

export const inferRequest = struct({
  segment: field(0, segmentId),
  inputs: field(1, arrayOf(slot)),
  outputs: field(2, arrayOf(slot)),
  inline: optional(3, bool),
});
export type InferRequest = Infer<typeof inferRequest>;

export const outTensorBody = struct({
  slot: field(0, slot),
  /** [C, H, W] */
  shape: field(1, arrayOf(uint, 3)),
  width: field(2, tensorWidthCodec),
  bytes: field(3, uint),
});
export type OutTensor = Infer<typeof outTensorBody>;

export const inferResponse = struct({
  layerCycles: field(0, arrayOf(uint)),
  /** the leading 1 included */
  totalCycles: field(1, uint),
  outputs: field(2, arrayOf(outTensorBody)),
  /** inline outputs, empty unless asked */
  inline: field(3, arrayOf(bytes())),
  cpuUs: field(4, uint),
  cnnUs: field(5, uint),
  queuedUs: field(6, uint),
});
export type InferResult = Infer<typeof inferResponse>;

/** A profile request's most runs and warm-up runs (firmware/core/msg_infer.h PROFILE_MAX_RUNS, PROFILE_MAX_WARMUP). */
export const PROFILE_MAX_RUNS = 1000;
export const PROFILE_MAX_WARMUP = 1000;

export const profileRequest = struct({
  segment: field(0, segmentId),
  warmup: field(1, uint),
  runs: field(2, uint),
  inputs: field(3, arrayOf(slot)),
});
export type ProfileRequest = Infer<typeof profileRequest>;

/** min, median, max, in cycles */
export const spreadBody = struct({ min: field(0, uint), median: field(1, uint), max: field(2, uint) });
export type Spread = Infer<typeof spreadBody>;

export const profileResponse = struct({
  layers: field(0, arrayOf(spreadBody)),
  /** the whole segment, leading 1 included */
  total: field(1, spreadBody),
  runs: field(2, uint),
});
export type ProfileResult = Infer<typeof profileResponse>;

export const TENSOR_PUT = defineRequest('tensor.put', tensorPutRequest, tensorPutResponse);
export const TENSOR_GET = defineRequest('tensor.get', tensorGetRequest, tensorGetResponse);
export const INFER = defineRequest('infer', inferRequest, inferResponse);
export const PROFILE = defineRequest('profile', profileRequest, profileResponse);
