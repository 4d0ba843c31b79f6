// The one seeded random generator (mulberry32) and the seed of a named stream (FNV-1a): generated
// weights, test cases, random desks and fault draws all repeat exactly from their seed, on every
// machine, so a failure can be replayed and a segment's hash is stable.

/** FNV-1a, 32 bits, over the UTF-8 bytes of a string: the seed of one named stream. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** mulberry32: a small 32-bit generator; returns uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same stream as uniform numbers in [0, 1). */
export function uniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** The same stream as bytes (the top byte of each draw): `n` bytes a call. */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  const next = mulberry32(seed);
  return (n) => Uint8Array.from({ length: n }, () => next() >>> 24);
}
