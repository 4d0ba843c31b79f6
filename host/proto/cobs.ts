// Consistent Overhead Byte Stuffing (PROTOCOL.md 2). Senders use the canonical form: a frame
// that ends exactly after a full 254-byte block (code 0xFF) gets no trailing 0x01 code.
// The decoder accepts both forms.

import { ProtocolError } from './errors.js';

/** Largest COBS encoding of `n` bytes (without the 0x00 delimiter). */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

/** Encodes `data` so it holds no 0x00; when `delimit`, appends the 0x00 that ends the frame. */
export function cobsEncode(data: Uint8Array, delimit = false): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(data.length) + (delimit ? 1 : 0));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  let fullBlockLast = false;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    fullBlockLast = false;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = b;
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
        fullBlockLast = true;
      }
    }
  }
  if (fullBlockLast) {
    // Canonical form: the block already ended the frame, so the code slot reserved for a
    // following block is dropped.
    o--;
  } else {
    out[codeAt] = code;
  }
  if (delimit) out[o++] = 0;
  return out.subarray(0, o);
}

/**
 * Decodes one COBS run (without its 0x00 delimiter). A run holding 0x00, or a code byte that
 * points past the end of the run, is refused with `bad_frame`.
 */
export function cobsDecode(run: Uint8Array): Uint8Array {
  const out = new Uint8Array(run.length);
  let o = 0;
  let i = 0;
  while (i < run.length) {
    const code = run[i]!;
    if (code === 0) {
      throw new ProtocolError('bad_frame', `COBS run holds a 0x00 at byte ${i}`);
    }
    const end = i + code;
    if (end > run.length) {
      throw new ProtocolError(
        'bad_frame',
        `COBS code 0x${code.toString(16).padStart(2, '0')} at byte ${i} points past the end of the ${run.length}-byte run`,
      );
    }
    for (let j = i + 1; j < end; j++) {
      const b = run[j]!;
      if (b === 0) throw new ProtocolError('bad_frame', `COBS run holds a 0x00 at byte ${j}`);
      out[o++] = b;
    }
    i = end;
    // A code below 0xFF stands for a data 0x00, unless it closes the run.
    if (code < 0xff && i < run.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
