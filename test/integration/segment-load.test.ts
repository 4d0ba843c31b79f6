// Loading segments onto real emulated boards over pseudo-terminals (PROTOCOL.md 8): upload,
// list and unload with the board's fit equal to the host's; resuming after the link dropped
// mid-upload; atomicity (a load that breaks a limit, a bad hash, a malformed layer table,
// weights of the wrong length and an aborted upload all leave what was loaded running
// exactly as before); several segments resident on one board.

import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  abortUpload,
  FitMismatchError,
  listSegments,
  unloadSegment,
  uploadSegment,
  UploadAbortedError,
  wireFit,
} from '../../host/board/segments.js';
import { infer } from '../../host/board/tensors.js';
import { isSessionError } from '../../host/board/session-error.js';
import type { BoardSession } from '../../host/board/session.js';
import { chipSpec } from '../../host/model/chips.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { runLayers } from '../../host/model/exec.js';
import { fit, type FitOk } from '../../host/model/fit.js';
import type { Model } from '../../host/model/layer.js';
import { encodeSegment, LAYER, SEG, segmentMap, segmentOf, type Segment } from '../../host/model/segment-codec.js';
import { firstDifference, type Tensor } from '../../host/model/tensor.js';
import { loadModel } from '../../host/model/zoo.js';
import { encodeCbor, type CborMap, type CborValue } from '../../host/proto/cbor.js';
import { SEGMENT_BEGIN, SEGMENT_CHUNK, SEGMENT_COMMIT } from '../../host/proto/index.js';
import { openSession, refusal, startBoard, stopAll } from './helpers.js';

afterAll(stopAll);

const M0 = chipSpec('max78000');
const mnist = loadModel('convnet5_mnist').model;
const kws = loadModel('kws20_v3').model;

function whole(model: Model): Segment {
  return segmentOf(model, 0, model.layers.length);
}

/** What the reference executor gives for a segment's outputs. */
function reference(model: Model, seg: Segment, inputs: Tensor[]): Tensor[] {
  const given = new Map(seg.inputs.map((t, i) => [t.source, inputs[i]!]));
  const outs = runLayers(model, model.params!, { first: seg.first, last: seg.first + seg.layers.length - 1 }, given);
  return seg.outputs.map((t) => outs.get(t.source) ?? given.get(t.source)!);
}

function expectSame(expected: Tensor[], actual: Tensor[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, k) => {
    const d = firstDifference(e, actual[k]!);
    expect(d, `output ${k}: ${d?.reason}`).toBeNull();
  });
}

/** begin, every chunk, commit: what a host would send, without the host's own checks. */
async function rawUpload(session: BoardSession, id: string, blob: Uint8Array, sha256?: Uint8Array): Promise<unknown> {
  const hash = sha256 ?? new Uint8Array(createHash('sha256').update(blob).digest());
  await session.request(SEGMENT_BEGIN, { id, size: blob.length, sha256: hash });
  for (let at = 0; at < blob.length; at += 4096) {
    await session.request(SEGMENT_CHUNK, { offset: at, data: blob.subarray(at, Math.min(blob.length, at + 4096)) });
  }
  return session.request(SEGMENT_COMMIT, {});
}

/** The segment map with one layer's field replaced, encoded without the host's checks. */
function altered(seg: Segment, layer: number, key: number, value: CborValue | undefined): Uint8Array {
  const m = segmentMap(seg);
  const layers = m.get(SEG.layers) as CborMap[];
  const l = new Map(layers[layer]!);
  if (value === undefined) l.delete(key);
  else l.set(key, value);
  layers[layer] = l;
  return encodeCbor(m, { maxPayload: Number.MAX_SAFE_INTEGER });
}

describe('segment.begin/chunk/commit, list, unload', () => {
  it('uploads a segment, lists it and unloads it; the board\'s fit equals the host\'s', async () => {
    const { session } = await startBoard({ id: 'seg-basic', engine: 'layer' });
    const seg = whole(mnist);
    const blob = encodeSegment(seg);
    const acked: number[] = [];
    const r = await uploadSegment(session, 'mnist:0-4', blob, { onProgress: (p) => acked.push(p.acked) });
    expect(r.resumedFrom).toBe(0);
    expect(r.bytes).toBe(blob.length);
    const host = fit(M0, [{ model: mnist.name, layers: mnist.layers }]) as FitOk;
    expect(host.ok).toBe(true);
    expect(r.fit).toEqual(wireFit(host));
    expect(acked.at(-1)).toBe(blob.length);
    expect([...acked].sort((a, b) => a - b)).toEqual(acked);

    const list = await listSegments(session);
    expect(list.segments).toEqual([{ id: 'mnist:0-4', model: 'convnet5_mnist', first: 0, count: 5, weightBytes: host.weightBytes }]);
    expect(list.fit).toEqual(r.fit);

    // An id that is resident cannot be uploaded again until unloaded.
    const again = await refusal(uploadSegment(session, 'mnist:0-4', blob));
    expect(again.code).toBe('bad_state');

    const rest = await unloadSegment(session, 'mnist:0-4');
    expect(rest).toEqual({
      layers: 0, hardwareLayers: 0, kernelMaxColumns: 0, busiestProcessor: 0, kernelWords: 0, weightBytes: 0,
      biasPerQuadrant: [0, 0, 0, 0], biasBytes: 0, dataMaxInputEnd: 0, dataMaxOutputEnd: 0,
    });
    expect((await listSegments(session)).segments).toEqual([]);
    const missing = await refusal(unloadSegment(session, 'mnist:0-4'));
    expect(missing.code).toBe('not_found');
  });

  it('holds several segments at once when they fit together; each infers as the reference executor', async () => {
    const { session } = await startBoard({ id: 'seg-several', engine: 'layer' });
    const a = whole(mnist);
    const b = whole(kws);
    const ra = await uploadSegment(session, 'mnist', encodeSegment(a));
    const rb = await uploadSegment(session, 'kws', encodeSegment(b));
    expect(rb.resident.map((s) => s.id)).toEqual(['mnist', 'kws']);
    const union = fit(M0, [{ model: mnist.name, layers: mnist.layers }, { model: kws.name, layers: kws.layers }]) as FitOk;
    expect(rb.fit).toEqual(wireFit(union));
    expect(ra.fit.layers).toBe(mnist.layers.length);

    const xa = seededTensor(mnist.inputShape, 11);
    const xb = seededTensor(kws.inputShape, 12);
    expectSame(reference(mnist, a, [xa]), (await infer(session, 'mnist', [xa])).outputs);
    expectSame(reference(kws, b, [xb]), (await infer(session, 'kws', [xb])).outputs);

    // Unloading the first leaves the second running, its kernels where the board now puts them.
    await unloadSegment(session, 'mnist');
    expectSame(reference(kws, b, [xb]), (await infer(session, 'kws', [xb])).outputs);
  });
});

describe('resuming', () => {
  it('continues from the offset the board reports after the link dropped mid-upload', async () => {
    // Paced, so the upload is still under way when the host hangs up.
    const { emulator, session } = await startBoard({ id: 'seg-resume', baud: 921_600, engine: 'layer' });
    const seg = whole(kws);
    const blob = encodeSegment(seg);
    let droppedAt = 0;
    const first = uploadSegment(session, 'kws', blob, {
      onProgress: (p) => {
        if (droppedAt === 0 && p.phase === 'upload' && p.acked >= 24_000) {
          droppedAt = p.acked;
          void session.close('test: the link dropped mid-upload');
        }
      },
    });
    const e = await first.then(() => null, (err: unknown) => err);
    expect(isSessionError(e, 'closed'), String(e)).toBe(true);
    expect(droppedAt).toBeGreaterThan(0);
    expect(droppedAt).toBeLessThan(blob.length);

    const reopened = await openSession(emulator.path);
    expect((await listSegments(reopened)).segments).toEqual([]);
    const r = await uploadSegment(reopened, 'kws', blob);
    expect(r.resumedFrom).toBeGreaterThanOrEqual(droppedAt);
    expect(r.resumedFrom).toBeLessThan(blob.length);
    const x = seededTensor(kws.inputShape, 3);
    expectSame(reference(kws, seg, [x]), (await infer(reopened, 'kws', [x])).outputs);
  });
});

describe('board resets', () => {
  it('an upload the board lost to a reset starts over by itself and completes', async () => {
    const { session } = await startBoard({ id: 'seg-reset', baud: 921_600, engine: 'layer' });
    const seg = whole(mnist);
    const blob = encodeSegment(seg);
    let resetAt = 0;
    const resets: number[] = [];
    session.on('reset', (info) => resets.push(info.previousSession));
    const r = await uploadSegment(session, 'mnist', blob, {
      onProgress: (p) => {
        if (resetAt === 0 && p.phase === 'upload' && p.acked >= 24_000) {
          resetAt = p.acked;
          void session.reset().catch(() => undefined);
        }
      },
    });
    expect(resetAt).toBeGreaterThan(0);
    expect(resets).toHaveLength(1);
    expect(r.resyncs).toBeGreaterThanOrEqual(1);
    expect((await listSegments(session)).segments.map((s) => s.id)).toEqual(['mnist']);
    const x = seededTensor(mnist.inputShape, 4);
    expectSame(reference(mnist, seg, [x]), (await infer(session, 'mnist', [x])).outputs);
  });
});

describe('atomic loads: a refused or abandoned load leaves the board as it was', () => {
  const x = seededTensor(mnist.inputShape, 5);
  const seg = whole(mnist);
  let session: BoardSession;
  let before: Awaited<ReturnType<typeof infer>>;

  /** The resident set and the first segment's answers are exactly what they were. */
  async function unchanged(): Promise<void> {
    const list = await listSegments(session);
    expect(list.segments.map((s) => s.id)).toEqual(['mnist']);
    const after = await infer(session, 'mnist', [x]);
    expectSame(before.outputs, after.outputs);
    expect(after.layers).toEqual(before.layers);
    expect(after.totalCycles).toBe(before.totalCycles);
  }

  it('loads the segment that must survive', async () => {
    session = (await startBoard({ id: 'seg-atomic', engine: 'layer' })).session;
    await uploadSegment(session, 'mnist', encodeSegment(seg));
    before = await infer(session, 'mnist', [x]);
    expectSame(reference(mnist, seg, [x]), before.outputs);
  });

  it('a load that breaks a limit is refused naming the limit, with the host fit\'s numbers', async () => {
    // 28 MobileNet layers beside MNIST's 5 pass the 32-layer limit of MAX78000.
    const mobile = loadModel('mobilenetv2_075_cifar100_max78000').model;
    const big = segmentOf(mobile, 0, 28);
    const host = fit(M0, [{ model: mnist.name, layers: mnist.layers }, { model: mobile.name, layers: big.layers }]);
    expect(host.ok).toBe(false);
    if (host.ok) return;
    expect(host.limit).toBe('layers');
    const e = await refusal(uploadSegment(session, 'mobile:0-27', encodeSegment(big)));
    expect(e.code).toBe('does_not_fit');
    // The board names the limit with the host fit's own message (cut to an error's 64 bytes).
    expect(e.detail.startsWith('layers: ')).toBe(true);
    expect(`${host.limit}: ${host.message}`.startsWith(e.detail)).toBe(true);
    await unchanged();
  });

  it('a segment whose bytes do not match the announced SHA-256 is refused with bad_hash', async () => {
    const blob = encodeSegment(whole(kws));
    const wrong = new Uint8Array(createHash('sha256').update(blob).digest());
    wrong[0]! ^= 0x01;
    const e = await refusal(rawUpload(session, 'kws-bad-hash', blob, wrong));
    expect(e.code).toBe('bad_hash');
    await unchanged();
  });

  it('a malformed layer table is refused at commit, naming the layer and the field', async () => {
    const k = whole(kws);
    const blob = altered(k, 3, LAYER.output_shape, [k.layers[3]!.outputShape[0], k.layers[3]!.outputShape[1] + 1, 1]);
    const e = await refusal(rawUpload(session, 'kws-bad-shape', blob));
    expect(e.code).toBe('bad_argument');
    expect(e.detail).toMatch(/layer 3/);
    expect(e.detail).toMatch(/output_shape/);
    await unchanged();
  });

  it('weights of the wrong length are refused at commit, naming the layer', async () => {
    const k = whole(kws);
    const w = k.params[2]!.weights!;
    const short = new Uint8Array(w.buffer, w.byteOffset, w.length - 1).slice();
    const e = await refusal(rawUpload(session, 'kws-short-weights', altered(k, 2, LAYER.weights, short)));
    expect(e.code).toBe('bad_argument');
    expect(e.detail).toMatch(/layer 2/);
    expect(e.detail).toMatch(/weights/);
    await unchanged();
  });

  it('weights outside their bit range are refused by the host before anything is sent', () => {
    const simple = loadModel('simplenet_cifar100').model;
    const s = segmentOf(simple, 0, 3);
    expect(s.layers[1]!.weightBits).toBe(4);
    const params = s.params.map((p) => ({ ...p }));
    const w = Int8Array.from(params[1]!.weights!);
    w[7] = 9;
    params[1] = { ...params[1]!, weights: w };
    expect(() => encodeSegment({ ...s, params })).toThrow(/layer 1 .*weights.*9/);
  });

  it('an upload cancelled part way is cleared from the board', async () => {
    const blob = encodeSegment(whole(kws));
    const ctl = new AbortController();
    const e = await uploadSegment(session, 'kws-cancelled', blob, {
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.acked >= 16_000) ctl.abort();
      },
    }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(UploadAbortedError);
    // Nothing staged: a new begin of the same upload starts from 0.
    const { nextOffset } = await session.request(SEGMENT_BEGIN, {
      id: 'kws-cancelled', size: blob.length, sha256: new Uint8Array(createHash('sha256').update(blob).digest()),
    });
    expect(nextOffset).toBe(0);
    await abortUpload(session);
    await unchanged();
  });

  it('a fit the host disagrees with is reported and the segment unloaded (the host\'s view made wrong on purpose)', async () => {
    const e = await uploadSegment(session, 'kws-checked', encodeSegment(whole(kws)), {
      // Claim the resident MNIST segment holds KWS's first five layers: the unions then differ.
      resolveResident: (info) => (info.id === 'mnist' ? kws.layers.slice(0, 5) : undefined),
    }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(FitMismatchError);
    expect((e as Error).message).toMatch(/disagree on the fit after loading "kws-checked" \(commit\): /);
    await unchanged();
  });
});
