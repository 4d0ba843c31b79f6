// One truth per fact: the cost model's bytes for the runtime's per-frame control messages
// (host/plan/calibration.ts EMULATED_CALIBRATION) are the protocol codec's sizes of the messages the runtime sends
// (host/runtime/message-bytes.ts), and a relayed tensor costs what a tensor.get or tensor.put of
// it costs on the wire.

import { describe, expect, it } from 'vitest';
import { EMULATED_CALIBRATION, wireBytes } from '../../host/plan/calibration.js';
import { deliverBytes, getBytes, inferBytes, putBytes, senseBytes } from '../../host/runtime/message-bytes.js';

const c = EMULATED_CALIBRATION;

describe('the cost model charges what the runtime sends', () => {
  it('sense and deliver: request down, answer up', () => {
    expect(senseBytes()).toEqual({ down: c.senseRequestBytes, up: c.senseAnswerBytes });
    expect(deliverBytes()).toEqual({ down: c.deliverRequestBytes, up: c.deliverAnswerBytes });
  });

  it('infer: a fixed answer plus each layer\'s cycles, for segments of 1 to 32 layers (within 3 bytes)', () => {
    const out = [{ source: 13, shape: [100, 1, 1] as const, width: 32 as const }];
    for (const layers of [1, 5, 14, 32]) {
      const b = inferBytes(layers, out, false);
      expect(b.down).toBe(c.inferRequestBytes);
      expect(Math.abs(b.up - (c.inferAnswerBytes + layers * c.inferAnswerBytesPerLayer)), `${layers} layers: ${b.up} bytes`).toBeLessThanOrEqual(3);
    }
  });

  it('a relayed tensor: a tensor.get up and a tensor.put down within 6 bytes a message (COBS counted at its worst), with the acks', () => {
    for (const n of [84, 400, 1536, 3072, 16_384]) {
      const chunks = Math.ceil(n / c.maxPayloadBytes);
      let get = 0;
      let put = 0;
      let cobs = 0;
      let left = n;
      for (let k = 0; k < chunks; k++, left -= c.maxPayloadBytes) {
        const m = Math.min(left, c.maxPayloadBytes);
        get += getBytes(m).up;
        put += putBytes(m).down;
        // The model counts COBS's worst case (a code byte every 254); these tensors are zeros.
        cobs += Math.floor((m + c.messageOverheadBytes) / 254);
      }
      expect(Math.abs(wireBytes(n, c) - cobs - get), `get of ${n}`).toBeLessThanOrEqual(6 * chunks);
      expect(Math.abs(wireBytes(n, c) - cobs - put), `put of ${n}`).toBeLessThanOrEqual(6 * chunks);
      expect(Math.abs(c.ackBytes - getBytes(Math.min(n, c.maxPayloadBytes)).down)).toBeLessThanOrEqual(2);
      expect(Math.abs(c.ackBytes - putBytes(Math.min(n, c.maxPayloadBytes)).up)).toBeLessThanOrEqual(4);
    }
  });
});
