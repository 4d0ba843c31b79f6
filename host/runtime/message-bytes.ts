// Bytes on the wire of the messages the runtime sends for each frame besides the tensors
// themselves (sense, infer, deliver: a request down the board's link, an answer up), as the
// protocol codec frames them (header, CBOR body, CRC, COBS, delimiter). The cost model charges
// the same (host/plan/calibration.ts); test/unit/runtime-message-bytes.test.ts holds the two
// together. Typical values size the integers: frame numbers and times of a long run, cycle
// counts of CIFAR layers.

import { tensorBytes, type TensorRef } from '../model/boundary.js';
import { DELIVER, encodeBody, encodeWireFrame, INFER, SENSE, TENSOR_GET, TENSOR_PUT, type RequestDef } from '../proto/index.js';

function wire<Req, Res>(def: RequestDef<Req, Res>, kind: 'request' | 'response', value: Req | Res): number {
  const codec = (kind === 'request' ? def.request : def.response) as RequestDef<unknown, unknown>['request'];
  const body = encodeBody(codec, value, `${def.name} ${kind}`, { maxPayload: 1 << 30 });
  return encodeWireFrame({ kind, id: 4242, type: def.type }, body, 1 << 20).length;
}

export interface MessageBytes {
  /** host to board */
  down: number;
  /** board to host */
  up: number;
}

/** A sense of a frame deep into a run (frame 100,000, 30 minutes after boot). */
export function senseBytes(): MessageBytes {
  return {
    down: wire(SENSE, 'request', { sensor: 1, slot: 7 }),
    up: wire(SENSE, 'response', { frame: 100_000, tUs: 1_800_000_000, shape: [3, 32, 32] }),
  };
}

/**
 * An infer of a segment of `layers` layers with these outputs (returned inline when `inline`),
 * its id `idBytes` long; cycle counts of a few thousand to a few hundred thousand.
 */
export function inferBytes(layers: number, outputs: readonly TensorRef[], inline: boolean, idBytes = 32): MessageBytes {
  return {
    down: wire(INFER, 'request', { segment: 'x'.repeat(idBytes), inputs: [3], outputs: outputs.map((_, k) => 4 + k), inline }),
    up: wire(INFER, 'response', {
      layerCycles: Array.from({ length: layers }, () => 40_000),
      totalCycles: 40_000 * layers + 1,
      outputs: outputs.map((t, k) => ({ slot: 4 + k, shape: [...t.shape], width: t.width, bytes: tensorBytes(t) })),
      inline: inline ? outputs.map((t) => new Uint8Array(tensorBytes(t))) : [],
      cpuUs: 150,
      cnnUs: 2_500,
      queuedUs: 1_200,
    }),
  };
}

export function deliverBytes(): MessageBytes {
  return { down: wire(DELIVER, 'request', { output: 1, slot: 7 }), up: wire(DELIVER, 'response', { count: 100_000 }) };
}

/** A tensor.get of `n` bytes (one chunk): the request down, the data up. */
export function getBytes(n: number): MessageBytes {
  return { down: wire(TENSOR_GET, 'request', { slot: 7, offset: 0, max: 8000 }), up: wire(TENSOR_GET, 'response', { data: new Uint8Array(n), total: n }) };
}

/** A tensor.put of `n` bytes (one chunk): the data down, the answer up. */
export function putBytes(n: number): MessageBytes {
  return { down: wire(TENSOR_PUT, 'request', { slot: 7, offset: 0, total: n, data: new Uint8Array(n) }), up: wire(TENSOR_PUT, 'response', { nextOffset: n }) };
}
