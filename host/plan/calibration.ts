// Every constant of the planner's cost model that is not a chip fact, in one place. Times are
// microseconds, estimates for a MAX78000FTHR (Cortex-M4F at 100 MHz) until a board measures
// them; they can be overridden as a whole (PlanOptions.calibration) once a calibration run
// exists. The CPU costs per byte of loading, unloading and sensing are chip facts
// (host/model/chips.ts: the emulated board spends exactly those), and a desk's measured
// per-layer profiles replace the cycle model. docs/planner.md explains each constant.

export interface Calibration {
  /** CPU time to take one frame from a sensor, besides the chip's per-byte sensing cost. */
  senseFixedUs: number;
  /** CPU time to configure, start and finish one segment run (registers, done interrupt). */
  cnnStartUs: number;
  /** CPU time per protocol message sent or received (frame header, CBOR, dispatch). */
  msgCpuUs: number;
  /** CPU time per wire byte sent or received (CRC-32 and COBS). */
  msgCpuUsPerByte: number;
  /** CPU time to present a result on an output (display, haptic, speaker, LED). */
  deliverUs: number;
  /** Latency only: the host's forwarding delay for one relayed message. */
  hostRelayUs: number;
  /** Bytes of a data message besides its payload: header 8 + CRC 4 + CBOR fields (PROTOCOL.md). */
  messageOverheadBytes: number;
  /** Bytes of the small message going the other way for each data message (the request of a
   *  tensor.get, the answer of a tensor.put), framing included. */
  ackBytes: number;
  /** Largest payload of one message (PROTOCOL.md `max_payload`); bigger tensors are chunked. */
  maxPayloadBytes: number;
  /** Wire bytes of a `sense` request (down the source's link) and of its answer (up); 0 leaves
   *  the per-frame control messages out of the model (EMULATED_CALIBRATION counts them). */
  senseRequestBytes: number;
  senseAnswerBytes: number;
  /** Wire bytes of an `infer` request (down), and of its answer (up): a fixed part and the
   *  cycles of each layer of the segment. */
  inferRequestBytes: number;
  inferAnswerBytes: number;
  inferAnswerBytesPerLayer: number;
  /** Wire bytes of a `deliver` request (down the target's link) and of its answer (up). */
  deliverRequestBytes: number;
  deliverAnswerBytes: number;
  /** The host's own CPU (host.cpu, one core): per protocol message it sends or receives (framing,
   *  CBOR, the link's system calls, the session's bookkeeping) and per frame (admission, ledger,
   *  metrics). Measured by `npm run bench:host` (docs/host-cost.md). */
  hostMessageUs: number;
  hostFrameUs: number;
  /** The host's CPU per message over a BLE link instead (node-ble and BlueZ's D-Bus API carry
   *  every message; on an emulated BLE desk the BlueZ stand-in's side runs in the same process). */
  hostMessageUsBle: number;
}

/**
 * The share of a core the host's event loop can give the boards: above it every message waits
 * for the ones before it and the frames' round trips stretch (the run report calls a window this
 * busy host-bound). The planner charges the host's CPU against this capacity.
 */
export const HOST_LOOP_USABLE = 0.85;

export const DEFAULT_CALIBRATION: Readonly<Calibration> = Object.freeze({
  senseFixedUs: 50,
  cnnStartUs: 20,
  msgCpuUs: 30,
  msgCpuUsPerByte: 0.05,
  deliverUs: 20,
  hostRelayUs: 200,
  messageOverheadBytes: 8 + 4 + 16,
  ackBytes: 8 + 4 + 8 + 2,
  maxPayloadBytes: 8064,
  senseRequestBytes: 0,
  senseAnswerBytes: 0,
  inferRequestBytes: 0,
  inferAnswerBytes: 0,
  inferAnswerBytesPerLayer: 0,
  deliverRequestBytes: 0,
  deliverAnswerBytes: 0,
  // Not measured with real boards' USB links yet: left out until bench:host has run on them.
  hostMessageUs: 0,
  hostFrameUs: 0,
  hostMessageUsBle: 0,
});

/**
 * What the runtime and the emulated board do (host/runtime/, firmware/core/), the calibration
 * `synergy run` and `compare` plan an emulated desk with. The emulated board spends CPU time
 * only on loading, unloading and sensing (the chip facts), none per message, per segment start
 * or per delivery. Besides the tensors it relays, every frame's control messages cross the
 * links: a sense, an infer per segment (its answer lists each layer's cycles) and a deliver, a
 * request down and an answer up each, at the protocol codec's sizes with the integers of a
 * long run (host/runtime/message-bytes.ts; test/unit/runtime-message-bytes.test.ts demands the
 * same numbers). A tensor.get answer or tensor.put request carries 7 to 11 bytes of CBOR
 * besides its data (with header and CRC, 21). A segment's outputs that travel on come back
 * inline in its infer answer.
 */
export const EMULATED_CALIBRATION: Readonly<Calibration> = Object.freeze({
  ...DEFAULT_CALIBRATION,
  senseFixedUs: 0,
  cnnStartUs: 0,
  msgCpuUs: 0,
  msgCpuUsPerByte: 0,
  deliverUs: 0,
  messageOverheadBytes: 8 + 4 + 9,
  senseRequestBytes: 19,
  senseAnswerBytes: 34,
  inferRequestBytes: 58,
  inferAnswerBytes: 52,
  inferAnswerBytesPerLayer: 3,
  deliverRequestBytes: 19,
  deliverAnswerBytes: 21,
  // bench:host: four emulated boards running app-4-everyday as `synergy run` runs it (7
  // messages a frame, outputs checked one in 10, recovery plans searched in the background), the
  // event loop's CPU, the median of three 15 s runs on the two-core development machine
  // (docs/host-cost.md): 84 µs a message over pseudo-terminals (spread 78-86), 150 µs over BLE
  // (--transport ble: node-ble and the BlueZ stand-in in the same process; spread 122-170). The
  // frame's own share is folded into its messages, which scale with the route.
  hostMessageUs: 84,
  hostMessageUsBle: 150,
});

/**
 * Bytes on the wire for a payload of n bytes: split into messages of at most maxPayloadBytes,
 * each with its overhead, COBS-stuffed (one code byte per 254, plus one) and a 0x00 delimiter.
 */
export function wireBytes(n: number, c: Calibration): number {
  const messages = Math.max(1, Math.ceil(n / c.maxPayloadBytes));
  let total = 0;
  let left = n;
  for (let i = 0; i < messages; i++) {
    const payload = Math.min(left, c.maxPayloadBytes);
    left -= payload;
    const raw = payload + c.messageOverheadBytes;
    total += raw + Math.floor(raw / 254) + 1 + 1;
  }
  return total;
}

/** Messages needed for a payload of n bytes. */
export function messageCount(n: number, c: Calibration): number {
  return Math.max(1, Math.ceil(n / c.maxPayloadBytes));
}
