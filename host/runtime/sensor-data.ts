// What an emulated sensor captures, computed on the host, so a frame's input is known without
// reading it back over the board's link (which would cost the link the plan measures).
// The TypeScript twin of firmware/core/sensors.c syn_sensor_synthesize (a diagonal triangle wave
// with a per-frame phase plus uniform noise, seeded by FNV-1a of the board id, the sensor index
// and the frame number through splitmix64); test/integration/runtime-sensor.test.ts demands the
// same bytes as the emulator for the same board, sensor and frame. A sensor fed from a file
// (--sensor-file) gives the file's (k mod n)-th frame. A sensor cycle of N (the emulator's
// --sensor-cycle N) makes frame k as frame k mod N, so inputs recur as for a scene that repeats.

const M64 = (1n << 64n) - 1n;

function splitmix(state: { s: bigint }): bigint {
  state.s = (state.s + 0x9e3779b97f4a7c15n) & M64;
  let z = state.s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/**
 * The emulated frame `frame` of sensor `sensor` on board `boardId`: C x H x W int8 values, CHW.
 * With `cycle` N > 0 (the emulator's --sensor-cycle N) frame k is made as frame k mod N.
 */
export function synthesizeFrame(shape: readonly [number, number, number], boardId: string, sensor: number, frame: number, cycle = 0): Int8Array {
  if (!Number.isInteger(cycle) || cycle < 0) throw new Error(`sensor cycle ${cycle}: expected a whole number of frames, 0 for none`);
  if (cycle > 0) frame %= cycle;
  let seed = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(boardId, 'utf8')) seed = ((seed ^ BigInt(byte)) * 0x100000001b3n) & M64;
  seed ^= (BigInt(sensor + 1) * 0xd1b54a32d192ed03n) & M64;
  seed ^= (BigInt(frame) * 0x8cb92ba72f3d8dd7n) & M64;
  const state = { s: seed };
  const phase = Number(splitmix(state) & 127n);
  const [C, H, W] = shape;
  const out = new Int8Array(C * H * W);
  // The noise word's eight bytes, low first, as small numbers (BigInt only once per 8 values).
  const noise = new Uint8Array(8);
  let i = 0;
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++, i++) {
        if (i % 8 === 0) {
          let n = splitmix(state);
          for (let k = 0; k < 8; k++, n >>= 8n) noise[k] = Number(n & 0xffn);
        }
        const x = (h * 5 + w * 3 + c * 17 + phase) & 127;
        const tri = x < 64 ? x : 127 - x;
        out[i] = 2 * tri - 64 + (noise[i % 8]! & 31) - 16;
      }
    }
  }
  return out;
}

/** Frame `frame` of a sensor fed from a file of whole frames (`bytes` per frame). */
export function fileFrame(file: Uint8Array, bytes: number, frame: number): Int8Array {
  const frames = Math.floor(file.length / bytes);
  if (frames < 1) throw new Error(`sensor file of ${file.length} bytes holds no whole frame of ${bytes} bytes`);
  const at = (frame % frames) * bytes;
  return new Int8Array(file.buffer.slice(file.byteOffset + at, file.byteOffset + at + bytes));
}

/** The `cycle` frames of a cycled emulated sensor back to back (frame k of it is the (k mod cycle)-th). */
export function cycleFrames(shape: readonly [number, number, number], boardId: string, sensor: number, cycle: number): Uint8Array {
  if (!Number.isInteger(cycle) || cycle < 1) throw new Error(`sensor cycle ${cycle}: expected at least 1 frame`);
  const bytes = shape[0] * shape[1] * shape[2];
  const out = new Uint8Array(bytes * cycle);
  for (let k = 0; k < cycle; k++) {
    const f = synthesizeFrame(shape, boardId, sensor, k);
    out.set(new Uint8Array(f.buffer, f.byteOffset, f.length), k * bytes);
  }
  return out;
}
