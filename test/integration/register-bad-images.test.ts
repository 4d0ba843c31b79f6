// Bad register images sent to a real emulated board over its pseudo-terminal (PROTOCOL.md 7.1):
// each is refused with an error that names what is wrong, the board keeps serving, and the
// segment loaded before computes exactly as before.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortUpload, listSegments, uploadSegment } from '../../host/board/segments.js';
import type { BoardSession } from '../../host/board/session.js';
import { infer } from '../../host/board/tensors.js';
import { segmentTensors } from '../../host/model/boundary.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { encodeSegment, segmentOf } from '../../host/model/segment-codec.js';
import type { Model } from '../../host/model/layer.js';
import { loadModel } from '../../host/model/zoo.js';
import type { HwImage } from '../../host/synth/image.js';
import { wrapImage } from '../../host/synth/register-segment.js';
import { hardwareLayers, residentSegment, synthesize } from '../../host/synth/synthesize.js';
import { startBoard, stopAll } from './helpers.js';

let board: BoardSession;
let mnist: Model;
let kws: Model;
let before: Uint8Array;
const x = (): ReturnType<typeof seededTensor> => seededTensor(mnist.inputShape, 3);

/** The register segment of kws20_v3 layers 0..2 after mnist on the chip, with its image altered. */
function kwsBlob(alter: (img: HwImage) => HwImage = (i) => i): Uint8Array {
  const img = synthesize(kws, { chip: 'max78000', first: 0, last: 2, resident: [residentSegment(mnist, 0, mnist.layers.length)] });
  const { inputs, outputs } = segmentTensors(kws, 0, 3);
  return wrapImage(kws, hardwareLayers(kws).slice(0, 3), inputs, outputs, alter(img));
}

async function refusedWith(blob: Uint8Array, pattern: RegExp): Promise<void> {
  const e = await uploadSegment(board, 'kws-bad', blob).then(() => null, (err: unknown) => err as Error);
  expect(e, 'the bad image was accepted').not.toBeNull();
  expect(e!.message).toMatch(pattern);
  await abortUpload(board);
  // Still serving, nothing else loaded, and the resident segment computes the same bytes.
  expect((await listSegments(board)).segments.map((s) => s.id)).toEqual(['mnist']);
  const again = (await infer(board, 'mnist', [x()])).outputs[0]!;
  expect(Buffer.from(again.data.buffer, again.data.byteOffset, again.data.byteLength).equals(Buffer.from(before))).toBe(true);
}

beforeAll(async () => {
  board = (await startBoard({ id: 'reg-bad', chip: 'max78000', engine: 'register' })).session;
  mnist = loadModel('convnet5_mnist').model;
  kws = loadModel('kws20_v3').model;
  const img = synthesize(mnist, { chip: 'max78000' });
  const { inputs, outputs } = segmentTensors(mnist, 0, mnist.layers.length);
  await uploadSegment(board, 'mnist', wrapImage(mnist, hardwareLayers(mnist), inputs, outputs, img));
  const out = (await infer(board, 'mnist', [x()])).outputs[0]!;
  before = new Uint8Array(out.data.buffer.slice(out.data.byteOffset, out.data.byteOffset + out.data.byteLength));
});
afterAll(stopAll);

describe('a register board refuses bad images and keeps what it holds', () => {
  it('a configure write outside the CNN (a GPIO register)', async () => {
    await refusedWith(kwsBlob((img) => ({ ...img, configure: [...img.configure, [0x40008000, 1, 'GPIO']] })), /configure\[\d+\]: 0x40008000/);
  });
  it('an unaligned register address', async () => {
    await refusedWith(kwsBlob((img) => ({ ...img, configure: [[img.configure[0]![0] + 2, 1, ''], ...img.configure.slice(1)] })), /configure\[0\]/);
  });
  it('kernel records that overlap', async () => {
    await refusedWith(kwsBlob((img) => ({ ...img, kernels: [...img.kernels, img.kernels[0]!] })), /overlaps an earlier record|kernel record/);
  });
  it('a kernel record outside the columns the fit gave the segment (over the resident one)', async () => {
    await refusedWith(kwsBlob((img) => ({ ...img, kernels: img.kernels.map((k, i) => (i === 0 ? { ...k, addr: k.addr & ~0x3fff } : k)) })), /kernel record 0: proc \d+ column \d+ is not this segment's/);
  });
  it('an image for the other chip', async () => {
    await refusedWith(kwsBlob((img) => ({ ...img, chip: 'max78002' })), /max78002/);
  });
  it('a truncated upload (records missing)', async () => {
    const whole = kwsBlob();
    await refusedWith(whole.subarray(0, whole.length - 100), /truncated/);
  });
  it('a layer-engine segment (format 1)', async () => {
    await refusedWith(encodeSegment(segmentOf(kws, 0, 3)), /format 1 segment: the register engine takes format 2/);
  });
});
