// Comparing two hardware images as issue 12 asks: the same init and start writes in order, the
// same set of (address, value) configure writes, the same kernel records and bias bytes at the
// same addresses, the same unload addresses and word counts. Comments and the extension fields
// do not count. Used by the tests against the tool's own images (../shared/golden/*/hw-image.json).

import type { BiasRecord, KernelRecord, RegisterWrite, UnloadRecord } from './image.js';

/** The vendor fields of an image, as read from its JSON. */
export interface VendorImage {
  init: RegisterWrite[];
  configure: RegisterWrite[];
  start: RegisterWrite[];
  kernels: KernelRecord[];
  bias: BiasRecord[];
  unload: UnloadRecord[];
}

const hex = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new Error(`${where}: ${JSON.stringify(v)} is not a 32-bit unsigned integer`);
  return v;
}

function list(doc: Record<string, unknown>, key: string): unknown[] {
  const v = doc[key];
  if (!Array.isArray(v)) throw new Error(`hw image: "${key}" is not a list`);
  return v;
}

/** Reads the vendor fields of a `max78000-hw-image/1` document; throws naming the bad field. */
export function parseVendorImage(doc: unknown): VendorImage {
  if (!doc || typeof doc !== 'object') throw new Error('hw image: not a JSON object');
  const o = doc as Record<string, unknown>;
  const writes = (key: string): RegisterWrite[] => list(o, key).map((w, i) => {
    if (!Array.isArray(w) || w.length < 2) throw new Error(`hw image: ${key}[${i}] is not [address, value, comment]`);
    return [num(w[0], `${key}[${i}][0]`), num(w[1], `${key}[${i}][1]`), typeof w[2] === 'string' ? w[2] : ''] as const;
  });
  const rec = (key: string, i: number, r: unknown): Record<string, unknown> => {
    if (!r || typeof r !== 'object') throw new Error(`hw image: ${key}[${i}] is not an object`);
    return r as Record<string, unknown>;
  };
  return {
    init: writes('init'),
    configure: writes('configure'),
    start: writes('start'),
    kernels: list(o, 'kernels').map((r, i) => {
      const x = rec('kernels', i, r);
      return { addr: num(x['addr'], `kernels[${i}].addr`), words: list(x, 'words').map((w, k) => num(w, `kernels[${i}].words[${k}]`)) };
    }),
    bias: list(o, 'bias').map((r, i) => {
      const x = rec('bias', i, r);
      return { addr: num(x['addr'], `bias[${i}].addr`), bytes: list(x, 'bytes').map((w, k) => num(w, `bias[${i}].bytes[${k}]`)) };
    }),
    unload: list(o, 'unload').map((r, i) => {
      const x = rec('unload', i, r);
      return { addr: num(x['addr'], `unload[${i}].addr`), words: num(x['words'], `unload[${i}].words`) };
    }),
  };
}

function orderedWrites(name: string, a: readonly RegisterWrite[], b: readonly RegisterWrite[]): string[] {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x[0] !== y[0] || x[1] !== y[1]) {
      return [`${name}[${i}]: ${x ? `${hex(x[0])} = ${hex(x[1])}` : 'missing'} vs ${y ? `${hex(y[0])} = ${hex(y[1])}` : 'missing'} (${a.length} vs ${b.length} writes)`];
    }
  }
  return [];
}

function writeSet(name: string, a: readonly RegisterWrite[], b: readonly RegisterWrite[]): string[] {
  const key = (w: RegisterWrite): string => `${hex(w[0])} = ${hex(w[1])}`;
  const sa = new Set(a.map(key));
  const sb = new Set(b.map(key));
  const onlyA = [...sa].filter((k) => !sb.has(k));
  const onlyB = [...sb].filter((k) => !sa.has(k));
  const out: string[] = [];
  if (onlyA.length) out.push(`${name}: ${onlyA.length} writes only in the first, e.g. ${onlyA.slice(0, 4).join(', ')}`);
  if (onlyB.length) out.push(`${name}: ${onlyB.length} writes only in the second, e.g. ${onlyB.slice(0, 4).join(', ')}`);
  if (!out.length && a.length !== b.length) out.push(`${name}: ${a.length} vs ${b.length} writes (repeated writes differ)`);
  return out;
}

function records(name: string, a: readonly { addr: number; data: readonly number[] }[], b: readonly { addr: number; data: readonly number[] }[]): string[] {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.addr !== y.addr || x.data.length !== y.data.length) {
      return [`${name}[${i}]: ${x ? `${hex(x.addr)} x${x.data.length}` : 'missing'} vs ${y ? `${hex(y.addr)} x${y.data.length}` : 'missing'} (${a.length} vs ${b.length} records)`];
    }
    const k = x.data.findIndex((v, j) => v !== y.data[j]);
    if (k >= 0) return [`${name}[${i}] at ${hex(x.addr)}: item ${k} is ${hex(x.data[k]!)} vs ${hex(y.data[k]!)}`];
  }
  return [];
}

/** The differences between two images (empty when they are the same program). */
export function compareImages(a: VendorImage, b: VendorImage): string[] {
  return [
    ...orderedWrites('init', a.init, b.init),
    ...orderedWrites('start', a.start, b.start),
    ...writeSet('configure', a.configure, b.configure),
    ...records('kernels', a.kernels.map((r) => ({ addr: r.addr, data: r.words })), b.kernels.map((r) => ({ addr: r.addr, data: r.words }))),
    ...records('bias', a.bias.map((r) => ({ addr: r.addr, data: r.bytes })), b.bias.map((r) => ({ addr: r.addr, data: r.bytes }))),
    ...records('unload', a.unload.map((r) => ({ addr: r.addr, data: [r.words] })), b.unload.map((r) => ({ addr: r.addr, data: [r.words] }))),
  ];
}
