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
}

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
