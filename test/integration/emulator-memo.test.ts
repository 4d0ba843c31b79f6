// The emulated board's exact memo and sensor cycle as a run uses them (synergy-emu --memo-mib,
// --sensor-cycle; firmware/accel/sim/sim.h): a model split over two boards with the memo on
// gives the reference executor's output for every input, repeated inputs included, and both
// boards report the replays at exit; an emulated desk starts its boards with the memo and the
// cycle unless asked to compute every frame, and the frames its boards sense are the ones the
// host rebuilds from the stream's file.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployModel } from '../../host/board/deploy-model.js';
import { openBoard } from '../../host/board/open.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { runModel } from '../../host/model/exec.js';
import { firstDifference } from '../../host/model/tensor.js';
import { loadModel } from '../../host/model/zoo.js';
import { SENSE } from '../../host/proto/index.js';
import { EMULATOR_MEMO_MIB, SENSOR_CYCLE, startDeskEmulators, type DeskEmulators } from '../../host/runtime/desk-emulators.js';
import { cycleFrames, fileFrame, synthesizeFrame } from '../../host/runtime/sensor-data.js';
import { Run } from '../../host/runtime/runner.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import type { DeskSpec } from '../../host/space/device.js';
import { startBoard, stopAll } from './helpers.js';
import { getTensor } from '../../host/board/tensors.js';

const fixtures = join(import.meta.dirname, '../fixtures/runtime');
const desks: DeskEmulators[] = [];

afterAll(async () => {
  await stopAll();
  await Promise.allSettled(desks.map((d) => d.stop()));
});

function memoLine(tail: string): { hits: number; misses: number } {
  const m = /memo: (\d+) hits, (\d+) misses/.exec(tail);
  if (!m) throw new Error(`no memo counters in the emulator's stderr: ${tail}`);
  return { hits: Number(m[1]), misses: Number(m[2]) };
}

describe('the exact memo on emulated boards', () => {
  it('replays on both boards of a split model and every output equals the reference executor', async () => {
    const model = loadModel('convnet5_mnist').model;
    const rigs = [await startBoard({ id: 'memo-1', extraArgs: ['--memo-mib', '16'] }), await startBoard({ id: 'memo-2', extraArgs: ['--memo-mib', '16'] })];
    const half = Math.floor(model.layers.length / 2);
    const dep = await deployModel(
      rigs.map((r) => r.session),
      model,
      { split: [{ board: 0, first: 0, count: half }, { board: 1, first: half, count: model.layers.length - half }] },
    );
    const inputs = [seededTensor(model.inputShape, 31), seededTensor(model.inputShape, 32)];
    const refs = inputs.map((t) => runModel(model, model.params!, t).at(-1)!);
    expect(firstDifference(refs[0]!, refs[1]!), 'the two inputs must give different outputs').not.toBeNull();
    const order = [0, 1, 0, 1, 1, 0];
    for (const k of order) {
      const run = await dep.run(inputs[k]!);
      const d = firstDifference(refs[k]!, run.output);
      expect(d, `input ${k}: ${d?.reason}`).toBeNull();
    }
    for (const r of rigs) {
      await r.session.close();
      await r.emulator.stop();
      // Two distinct inputs computed once each; the four repeats replayed, on both boards.
      expect(memoLine(r.emulator.stderrTail()), r.emulator.options.id).toEqual({ hits: 4, misses: 2 });
    }
  });
});

describe('an emulated desk', () => {
  function desk(): DeskSpec {
    const d = readDesk(join(fixtures, 'desk-three.yaml'));
    if ('discovered' in d) throw new Error('fixture desks list their devices');
    return d;
  }

  it('starts its boards with the memo and the sensor cycle, and senses the frames the host rebuilds', async () => {
    const app = readApp(join(fixtures, 'app-digits.yaml'));
    const emus = await startDeskEmulators(desk(), app, { golden: false });
    desks.push(emus);
    for (const b of emus.boards.values()) {
      expect(b.options.extraArgs).toEqual(expect.arrayContaining(['--memo-mib', String(EMULATOR_MEMO_MIB), '--sensor-cycle', String(SENSOR_CYCLE)]));
    }
    const stream = emus.streams.find((s) => s.pipeline === 'digits')!;
    expect(stream.cycle).toBe(SENSOR_CYCLE);
    expect(stream.golden).toBe(false);
    const file = new Uint8Array(readFileSync(stream.file!));
    expect(Buffer.from(file).equals(Buffer.from(cycleFrames(stream.shape, stream.device, stream.index, SENSOR_CYCLE)))).toBe(true);
    const session = await openBoard(emus.boards.get(stream.device)!.path);
    try {
      const bytes = stream.shape[0] * stream.shape[1] * stream.shape[2];
      let pastCycle = 0;
      for (let k = 0; k < 60 && pastCycle < 3; k++) {
        const sensed = await session.request(SENSE, { sensor: stream.index, slot: 1 });
        const board = await getTensor(session, 1);
        const host = fileFrame(file, bytes, sensed.frame);
        expect(Buffer.from(host.buffer, host.byteOffset, host.length).equals(Buffer.from(board)), `frame ${sensed.frame}`).toBe(true);
        if (sensed.frame >= SENSOR_CYCLE) {
          pastCycle++;
          const distinct = synthesizeFrame(stream.shape, stream.device, stream.index, sensed.frame);
          expect(Buffer.from(distinct.buffer).equals(Buffer.from(board)), `frame ${sensed.frame} is made as frame ${sensed.frame % SENSOR_CYCLE}`).toBe(false);
        }
      }
      expect(pastCycle, 'frames past the first cycle were sensed').toBe(3);
    } finally {
      await session.close();
    }
  });

  it('runs an app on cycled made-up frames: every checked output equals the reference, and the boards replay', async () => {
    const app = readApp(join(fixtures, 'app-digits.yaml'));
    const emus = await startDeskEmulators(desk(), app, { golden: false });
    desks.push(emus);
    const result = await new Run({ app, desk: { kind: 'emulated', emulators: emus }, policy: 'synergy', durationS: 3, checkEvery: 1 }).execute();
    expect(result.totals.wrong, JSON.stringify(result.wrongOutputs)).toBe(0);
    for (const name of ['digits', 'digits-host']) {
      expect(result.counts[name]!.delivered, name).toBeGreaterThan(SENSOR_CYCLE);
      expect(result.counts[name]!.checked, name).toBeGreaterThan(5);
    }
    const computing = [...emus.boards.values()].map((b) => b.emulator);
    await emus.stop();
    expect(computing.every((e) => /memo: /.test(e.stderrTail()))).toBe(true);
    // Whoever ran the model: past the first cycle its infers are replays.
    const counts = computing.map((e) => memoLine(e.stderrTail()));
    expect(counts.reduce((n, c) => n + c.hits, 0)).toBeGreaterThan(0);
  });

  it('computes every frame when asked (exactCompute): no memo, no cycle', async () => {
    const app = readApp(join(fixtures, 'app-digits.yaml'));
    const emus = await startDeskEmulators(desk(), app, { golden: false, exactCompute: true });
    desks.push(emus);
    for (const b of emus.boards.values()) {
      expect(b.options.extraArgs).not.toContain('--memo-mib');
      expect(b.options.extraArgs).not.toContain('--sensor-cycle');
    }
    for (const s of emus.streams) {
      expect(s.cycle).toBe(0);
      expect(s.file).toBeNull();
    }
    await emus.stop();
  });
});
