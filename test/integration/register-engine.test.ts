// The register engine computes what the layer engine computes. Two emulated MAX78000 boards, one
// driving its accelerator by the register programs the host synthesizes (format 2 segments,
// streamed into the accelerator's memories), one computing from layer descriptions (format 1):
// every zoo model that fits whole, at least 200 random segments of zoo models loaded as unions
// (several resident at once, the oldest unloaded when the chip is full, which moves the later
// ones' kernels), each run on the same inputs on both: outputs equal word for word, and the
// register engine's per-layer cycles (LCNT_MAX differencing on the register model) equal the
// cycle model's.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hostFitOf, listSegments, residentSegments, segmentBlobsInOrder, unloadSegment, uploadSegment, type UploadResult,
} from '../../host/board/segments.js';
import type { BoardSession } from '../../host/board/session.js';
import { infer } from '../../host/board/tensors.js';
import { chipSpec } from '../../host/model/chips.js';
import { layerCycles } from '../../host/model/cycles.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { uniform } from '../../host/model/prng.js';
import { fit } from '../../host/model/fit.js';
import type { Model } from '../../host/model/layer.js';
import { loadModel, zooNames } from '../../host/model/zoo.js';
import { SynthError } from '../../host/synth/synth-error.js';
import { hardwareLayers } from '../../host/synth/synthesize.js';
import { startBoard, stopAll } from './helpers.js';

const CHIP = chipSpec('max78000');
/** Segments a board holds at once (PROTOCOL.md 8; ACCEL_MAX_RESIDENT). */
const MAX_RESIDENT = 8;
let reg: BoardSession;
let lay: BoardSession;

beforeAll(async () => {
  reg = (await startBoard({ id: 'reg-engine', chip: 'max78000', engine: 'register' })).session;
  lay = (await startBoard({ id: 'layer-engine', chip: 'max78000', engine: 'layer' })).session;
  expect(reg.hello.engine).toBe('register');
  expect(lay.hello.engine).toBe('layer');
});
afterAll(stopAll);

const models = new Map<string, Model>();
const modelOf = (name: string): Model => {
  let m = models.get(name);
  if (!m) models.set(name, (m = loadModel(name).model));
  return m;
};

/** Loads layers first..first+count-1 under `id` on one board, after what it holds. */
async function load(session: BoardSession, id: string, model: Model, first: number, count: number): Promise<UploadResult> {
  const resident = residentSegments(session, (await listSegments(session)).segments);
  const [blob] = segmentBlobsInOrder(session, resident, [{ model, first, count }]);
  return uploadSegment(session, id, blob!);
}

/** Runs a loaded segment on both boards on seeded inputs; both answers must agree exactly. */
async function runBoth(id: string, model: Model, first: number, count: number, upload: UploadResult, seed: number): Promise<void> {
  const io = upload.segment;
  const inputs = io.inputs.map((t, k) => seededTensor(t.shape, seed * 31 + k));
  const [r, l] = await Promise.all([infer(reg, id, inputs), infer(lay, id, inputs)]).catch(async (e: unknown) => {
    const listed = await listSegments(reg);
    throw new Error(`${id} on the register board beside ${listed.segments.map((s) => s.id).join(', ')}: ${(e as Error).message}`);
  });
  const what = `${model.name} layers ${first}..${first + count - 1}`;
  expect(r.outputs.length, what).toBe(l.outputs.length);
  r.outputs.forEach((t, k) => {
    expect(t.shape, `${what} output ${k}`).toEqual(l.outputs[k]!.shape);
    expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(l.outputs[k]!.data.buffer, l.outputs[k]!.data.byteOffset, l.outputs[k]!.data.byteLength)), `${what} output ${k} differs`).toBe(true);
  });
  // Per-layer cycles: the register model's by LCNT_MAX differencing = the cycle model's at the
  // kernel columns the fit placed the layers (the register board's own placement).
  const mine = upload.hostFit.perLayer.filter((p) => p.segment === upload.resident.findIndex((s) => s.id === id));
  const layers = hardwareLayers(model).slice(first, first + count);
  expect(r.layers.map((x) => x.cycles), `${what} cycles`).toEqual(layers.map((ly, k) => layerCycles(ly, CHIP, mine[k]!.kernelStart)));
}

describe('register engine = layer engine (MAX78000)', () => {
  it('every zoo model that fits whole on one chip', async () => {
    let whole = 0;
    for (const name of zooNames()) {
      const model = modelOf(name);
      if (!fit(CHIP, [{ model: name, layers: model.layers }]).ok) continue;
      const id = `whole:${name}`;
      const up = await load(reg, id, model, 0, model.layers.length);
      await load(lay, id, model, 0, model.layers.length);
      await runBoth(id, model, 0, model.layers.length, up, 1);
      await unloadSegment(reg, id);
      await unloadSegment(lay, id);
      whole++;
    }
    expect(whole).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('at least 200 random segments of zoo models, loaded as unions on one chip', async () => {
    const rand = uniform(20261206);
    const names = zooNames();
    const resident: { id: string; model: Model; first: number; count: number; upload: UploadResult }[] = [];
    let run = 0;
    let unions = 0;
    let compactions = 0;
    const refused = new Map<string, number>();
    for (let trial = 0; run < 200 && trial < 4000; trial++) {
      const model = modelOf(names[Math.floor(rand() * names.length)]!);
      const n = model.layers.length;
      const first = Math.floor(rand() * n);
      const count = 1 + Math.floor(rand() * Math.min(n - first, 8));
      const layers = model.layers.slice(first, first + count);
      if (!fit(CHIP, [{ model: model.name, layers }]).ok) continue;
      const id = `r${trial}:${model.name}:${first}+${count}`;
      // Make room: unload the oldest (the later ones then move down) until the union fits.
      while (resident.length >= MAX_RESIDENT || resident.length > 0 && !fit(CHIP, [...resident.map((s) => ({ model: s.model.name, layers: hardwareLayers(s.model).slice(s.first, s.first + s.count) })), { model: model.name, layers: hardwareLayers(model).slice(first, first + count) }]).ok) {
        const gone = resident.shift()!;
        await unloadSegment(reg, gone.id);
        await unloadSegment(lay, gone.id);
        if (resident.length > 0) {
          // What moved still computes the same.
          const s = resident[0]!;
          await runBoth(s.id, s.model, s.first, s.count, await refreshed(s.id, s.upload), trial);
          compactions++;
        }
      }
      let up: UploadResult;
      try {
        up = await load(reg, id, model, first, count);
      } catch (e) {
        if (!(e instanceof SynthError)) throw e;
        refused.set(e.limit, (refused.get(e.limit) ?? 0) + 1);
        continue;
      }
      await load(lay, id, model, first, count);
      if (resident.length > 0) unions++;
      resident.push({ id, model, first, count, upload: up });
      await runBoth(id, model, first, count, up, trial);
      run++;
    }
    console.log(`register engine: ${run} random segments run (${unions} beside others on the chip, ${compactions} runs after a compaction); generator refusals ${JSON.stringify(Object.fromEntries(refused))}`);
    expect(run).toBeGreaterThanOrEqual(200);
    expect(unions).toBeGreaterThan(50);
    expect(compactions).toBeGreaterThan(5);
  }, 600_000);
});

/** An upload result with the board's placement after segments before it were unloaded. */
async function refreshed(id: string, up: UploadResult): Promise<UploadResult> {
  const listed = await listSegments(reg);
  const host = hostFitOf(reg, listed.segments);
  if (!host.ok) throw new Error(`the resident set of the register board no longer fits: ${host.message}`);
  return { ...up, hostFit: host, resident: listed.segments, id };
}
