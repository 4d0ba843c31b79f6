// Every constant of the planner's cost model, in one place. Times are microseconds. They are
// estimates for a MAX78000FTHR (Cortex-M4F at 100 MHz) until a board measures them; a desk's
// measured per-layer profiles replace the CNN cycle model, and these can be overridden as a
// whole (planOptions.calibration) once a calibration run exists. docs/planner.md explains each.

export interface Calibration {
  /** CPU time to take one frame from a sensor: fixed part, and per byte of the frame. */
  senseFixedUs: number;
  senseUsPerByte: number;
  /** CPU time to write a segment's input into CNN data memory, per byte. */
  cnnLoadUsPerByte: number;
  /** CPU time to read a segment's output out of CNN data memory, per byte. */
  cnnUnloadUsPerByte: number;
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
  /** Largest payload of one message (PROTOCOL.md `max_payload`); bigger tensors are chunked. */
  maxPayloadBytes: number;
}

export const DEFAULT_CALIBRATION: Readonly<Calibration> = Object.freeze({
  senseFixedUs: 50,
  senseUsPerByte: 0.02,
  cnnLoadUsPerByte: 0.04,
  cnnUnloadUsPerByte: 0.04,
  cnnStartUs: 20,
  msgCpuUs: 30,
  msgCpuUsPerByte: 0.05,
  deliverUs: 20,
  hostRelayUs: 200,
  messageOverheadBytes: 8 + 4 + 16,
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
