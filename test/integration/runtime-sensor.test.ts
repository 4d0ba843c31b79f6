// One truth per fact: the emulated sensor's frames (firmware/core/sensors.c, in the emulator)
// and the host's rebuild of them (host/runtime/sensor-data.ts, which the output checker feeds to
// the reference executor) must be the same bytes for the same board, sensor and frame
// (and sensor cycle: --sensor-cycle N makes frame k as frame k mod N).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SENSE } from '../../host/proto/index.js';
import { fileFrame, synthesizeFrame } from '../../host/runtime/sensor-data.js';
import { startBoard, stopAll } from './helpers.js';
import { getTensor } from '../../host/board/tensors.js';

const scratch = mkdtempSync(join(tmpdir(), 'synergy-sensor-test-'));

afterAll(async () => {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

describe('emulated sensor frames rebuilt on the host', () => {
  it('match the emulator byte for byte for several boards, sensors, shapes and frames', async () => {
    for (const id of ['cam', 'left-earbud']) {
      const { session } = await startBoard({ id, sensors: ['camera:3x32x32@200', 'microphone:128x128x1@200', 'imu:6x128x1@200'] });
      const shapes: [number, number, number][] = [[3, 32, 32], [128, 128, 1], [6, 128, 1]];
      for (let sensor = 0; sensor < 3; sensor++) {
        for (let k = 0; k < 2; k++) {
          const sensed = await session.request(SENSE, { sensor, slot: 1 });
          const board = await getTensor(session, 1);
          const host = synthesizeFrame(shapes[sensor]!, id, sensor, sensed.frame);
          expect(Buffer.from(host.buffer).equals(Buffer.from(board)), `${id} sensor ${sensor} frame ${sensed.frame}`).toBe(true);
        }
      }
    }
  });

  it('differ between boards, sensors and frames (the seed uses all three)', () => {
    const a = synthesizeFrame([3, 8, 8], 'a', 0, 5);
    expect(Buffer.from(a.buffer).equals(Buffer.from(synthesizeFrame([3, 8, 8], 'b', 0, 5).buffer))).toBe(false);
    expect(Buffer.from(a.buffer).equals(Buffer.from(synthesizeFrame([3, 8, 8], 'a', 1, 5).buffer))).toBe(false);
    expect(Buffer.from(a.buffer).equals(Buffer.from(synthesizeFrame([3, 8, 8], 'a', 0, 6).buffer))).toBe(false);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-80);
    expect(Math.max(...a)).toBeLessThanOrEqual(77);
  });

  it('repeat every N frames with --sensor-cycle N, the same bytes on the host', async () => {
    const cycle = 3;
    const shapes: [number, number, number][] = [[3, 8, 8], [6, 16, 1]];
    const { session } = await startBoard({ id: 'cycled', sensors: ['camera:3x8x8@100', 'imu:6x16x1@100'], extraArgs: ['--sensor-cycle', String(cycle)] });
    for (let sensor = 0; sensor < 2; sensor++) {
      let past = 0;
      for (let k = 0; k < 8 || past === 0; k++) {
        const sensed = await session.request(SENSE, { sensor, slot: 1 });
        const board = Buffer.from(await getTensor(session, 1));
        const host = synthesizeFrame(shapes[sensor]!, 'cycled', sensor, sensed.frame, cycle);
        expect(Buffer.from(host.buffer).equals(board), `sensor ${sensor} frame ${sensed.frame}`).toBe(true);
        const base = synthesizeFrame(shapes[sensor]!, 'cycled', sensor, sensed.frame % cycle);
        expect(Buffer.from(base.buffer).equals(board), `frame ${sensed.frame} is made as frame ${sensed.frame % cycle}`).toBe(true);
        if (sensed.frame >= cycle) {
          past++;
          const distinct = synthesizeFrame(shapes[sensor]!, 'cycled', sensor, sensed.frame);
          expect(Buffer.from(distinct.buffer).equals(board)).toBe(false);
        }
      }
    }
    expect(() => synthesizeFrame([1, 2, 2], 'x', 0, 5, -1)).toThrow(/sensor cycle -1/);
  });

  it('come from a sensor file frame by frame, as the emulator plays it', async () => {
    const frames = new Uint8Array(3 * 1 * 4 * 4);
    for (let i = 0; i < frames.length; i++) frames[i] = (i * 7 + 3) & 0xff;
    const file = join(scratch, 'frames.int8');
    writeFileSync(file, frames);
    const { session } = await startBoard({ id: 'filed', sensors: ['camera:1x4x4@500'], extraArgs: ['--sensor-file', `0:${file}`] });
    for (let k = 0; k < 4; k++) {
      const sensed = await session.request(SENSE, { sensor: 0, slot: 2 });
      const board = await getTensor(session, 2);
      const host = fileFrame(frames, 16, sensed.frame);
      expect(Buffer.from(host.buffer).equals(Buffer.from(board))).toBe(true);
    }
  });
});
