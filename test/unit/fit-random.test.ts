// Random small networks (deterministic seed) through the TypeScript and the C fit: processor
// maps shifted off a multiple of 4 or with gaps, wrong popcounts, sub-8-bit weights with short
// passes, depthwise, flatten, transposed convolutions, pooling, element-wise adds, offsets near
// the end of data memory, and unions of two networks. The zoo reaches only a part of the rules;
// these cases reach the rest, and TypeScript and C must still agree on every answer.

import { describe, expect, it } from 'vitest';
import { expansion } from '../../host/model/fit-layer.js';
import { chipSpec } from '../../host/model/chips.js';
import type { Model } from '../../host/model/layer.js';
import { asToolJson, fitC, fitTs, type FitCase } from './fit-both.js';
import { net, type NetLayer } from './fit-net.js';
import { uniform } from '../../host/model/prng.js';


const chip = chipSpec('max78000');

/** A map of `count` processors (count <= 64): packed from a random start, sometimes with gaps or one bit too few. */
function randomMap(rand: () => number, channels: number): bigint {
  const { perPass } = expansion(chip, channels);
  let count = perPass;
  if (rand() < 0.04 && count > 1) count--;
  const style = rand();
  const bits: number[] = [];
  if (style < 0.55 || count > 48) {
    const start = count === 64 ? 0 : Math.floor(rand() * Math.min(64 - count + 1, 20));
    for (let i = 0; i < count; i++) bits.push(start + i);
  } else if (style < 0.8) {
    // Every other processor from a random start: gaps in the map.
    const start = Math.floor(rand() * 4);
    for (let i = 0; i < count && start + 2 * i < 64; i++) bits.push(start + 2 * i);
    for (let p = 0; bits.length < count; p++) if (!bits.includes(p)) bits.push(p);
  } else {
    // Scattered over the quadrants.
    const pool = Array.from({ length: 64 }, (_, i) => i);
    for (let i = 0; i < count; i++) bits.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
  }
  return bits.reduce((m, b) => m | (1n << BigInt(b)), 0n);
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

function randomNet(rand: () => number, id: number): Model {
  const oneD = rand() < 0.15;
  let c = pick(rand, [1, 3, 4, 8, 16, 20, 32, 48, 64, 65, 100, 128, 200]);
  let h = oneD ? pick(rand, [8, 16, 32, 64, 128]) : pick(rand, [1, 2, 4, 8, 12, 16, 32, 48, 91]);
  let w = oneD ? 1 : h;
  const input: [number, number, number] = [c, h, w];
  const layers: NetLayer[] = [];
  const maps: bigint[] = [randomMap(rand, c)];
  const n = 1 + Math.floor(rand() * 7);
  const chw = !oneD && c <= 16 && rand() < 0.2;
  if (chw) maps[0] = Array.from({ length: c }, (_, i) => 1n << BigInt(4 * i)).reduce((a, b) => a | b, 0n);
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    const bits = pick(rand, [8, 8, 8, 8, 4, 2, 1] as const);
    const bias = rand() < 0.4;
    const offset = (): number => pick(rand, [0, 0, 0x2000, 0x4000, 0x6000, 0x7f00]);
    let spec: NetLayer;
    const r = rand();
    const canPool = h >= 2 && (oneD || w >= 2);
    const pool = canPool && rand() < 0.25 ? { type: pick(rand, ['max', 'avg'] as const), size: 2, stride: 2 } : undefined;
    if (oneD) {
      const cout = pick(rand, [4, 16, 32, 64, 96, 100, 128]);
      const k = pick(rand, [1, 3, 5, 9]);
      const dil = rand() < 0.15 ? pick(rand, [2, 4, 8]) : 1;
      const ph = pool ? Math.floor((h - 2) / 2) + 1 : h;
      if (ph - dil * (k - 1) < 1) {
        spec = { op: 'conv1d', cout, k: 1, bits, bias, pool };
      } else {
        spec = { op: 'conv1d', cout, k, dilation: dil, bits, bias, pool, outOffset: dil > 1 ? 0x1000 : offset() };
      }
    } else if (last && rand() < 0.4 && c * h * w <= 32768) {
      spec = { op: 'linear', flatten: true, cout: pick(rand, [2, 10, 21, 64, 100]), bits, bias };
    } else if (r < 0.5) {
      // Wide layers as 1x1 only, to keep the weights (sent to the C tool) small.
      const cout = pick(rand, [c, 4, 16, 20, 32, 64, 96, 128, 256, 1024]);
      spec = { cout, k: cout > 128 || c > 128 ? 1 : rand() < 0.5 ? 1 : 3, bits, bias, pool };
    } else if (r < 0.65) {
      spec = { op: 'passthrough', pool };
    } else if (r < 0.78 && c <= 256) {
      spec = { cout: c, groups: c, bits, bias };
    } else if (r < 0.86 && h <= 32 && h >= 1) {
      spec = { op: 'convtranspose2d', cout: pick(rand, [8, 16, 32]), k: 3, pad: 1, bits, bias };
    } else if (r < 0.93 && i >= 1 && layers[i - 1]!.op !== 'linear') {
      // An element-wise add of the two previous outputs needs equal shapes: keep the previous shape.
      spec = { op: 'passthrough', eltwise: 'add', sources: [i - 1, i - 1] };
    } else {
      spec = { cout: pick(rand, [4, 16, 64]), k: 1, bits, bias, pad: rand() < 0.05 ? 1 : 0 };
    }
    if (chw && i === 0) spec.chw = true;
    spec.inOffset = offset();
    spec.outOffset ??= offset();
    layers.push(spec);
    // Track the shape the builder will give, for the next layer's choices and maps.
    const ps = spec.pool ? Math.floor((h - 2) / 2) + 1 : h;
    const pw = oneD ? 1 : spec.pool ? Math.floor((w - 2) / 2) + 1 : w;
    if (spec.op === 'passthrough') [c, h, w] = [c, ps, pw];
    else if (spec.op === 'conv1d') [c, h, w] = [spec.cout!, ps - (spec.dilation ?? 1) * ((spec.k ?? 1) - 1) + 2 * (spec.pad ?? 0), 1];
    else if (spec.op === 'convtranspose2d') [c, h, w] = [spec.cout!, 2 * ps, 2 * pw];
    else if (spec.op === 'linear') [c, h, w] = [spec.cout!, 1, 1];
    else {
      const k = spec.k ?? 3;
      const pad = spec.pad ?? (k === 3 ? 1 : 0);
      [c, h, w] = [spec.cout ?? c, ps - k + 1 + 2 * pad, pw - k + 1 + 2 * pad];
    }
    maps.push(randomMap(rand, c));
    if (spec.op === 'linear') break;
  }
  // Layer i reads on maps[i] and writes on maps[i + 1] (an element-wise layer reads each operand
  // on the map its source wrote).
  layers.forEach((l, i) => {
    l.procs = maps[i]!;
    l.outProcs = maps[i + 1]!;
  });
  return net(`random${id}`, input, layers);
}

describe('fit: TypeScript and C agree on random networks', () => {
  const rand = uniform(7);
  const nets: Model[] = [];
  for (let id = 0; nets.length < 1000; id++) {
    try {
      nets.push(randomNet(rand, id));
    } catch {
      // A draw whose shapes do not chain (the importer refuses it) is skipped.
    }
  }
  const cases: FitCase[] = [];
  for (const chipName of ['max78000', 'max78002']) {
    nets.forEach((m, i) => {
      cases.push({ chip: chipName, slices: [{ model: m, first: 0, count: m.layers.length }] });
      if (m.layers.length > 2) cases.push({ chip: chipName, slices: [{ model: m, first: 1, count: m.layers.length - 1 }] });
      const other = nets[(i * 7 + 3) % nets.length]!;
      cases.push({ chip: chipName, slices: [{ model: m, first: 0, count: m.layers.length }, { model: other, first: 0, count: other.layers.length }] });
    });
  }

  it(`${cases.length} cases`, () => {
    const c = fitC(cases);
    const limits = new Map<string, number>();
    let fits = 0;
    let mismatches = 0;
    cases.forEach((fc, i) => {
      const r = fitTs(fc);
      if (r.ok) fits++;
      else limits.set(r.limit, (limits.get(r.limit) ?? 0) + 1);
      const mine = asToolJson(r);
      if (JSON.stringify(mine) !== JSON.stringify(c[i]) && mismatches++ < 3) {
        expect(c[i], `${fc.chip} ${fc.slices.map((s) => `${s.model.name}[${s.first}+${s.count}]`).join(' + ')}`).toEqual(mine);
      }
    });
    console.log(`fit random: ${nets.length} networks, ${cases.length} cases, ${fits} fit, refusals ${JSON.stringify(Object.fromEntries(limits))}`);
    expect(mismatches).toBe(0);
    expect(fits).toBeGreaterThan(100);
    expect(limits.size).toBeGreaterThan(8);
  }, 120_000);
});
