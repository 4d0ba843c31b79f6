// The size-capped delimiter parser: runs split at 0x00 across chunk boundaries, empty runs
// dropped, a run over the cap discarded as it arrives (never buffered) and reported once.

import { describe, expect, it } from 'vitest';
import { encodeWireFrame, maxRunLength, oversizeError, RunSplitter, type SplitRun } from '../../host/proto/index.js';

function feed(chunks: Uint8Array[], maxFrame?: number): SplitRun[] {
  const s = new RunSplitter(maxFrame);
  const out: SplitRun[] = [];
  s.on('data', (r: SplitRun) => out.push(r));
  for (const c of chunks) s.write(Buffer.from(c));
  return out;
}

describe('RunSplitter', () => {
  it('splits runs at 0x00 however the bytes are chunked, dropping empty runs', () => {
    const wire = Uint8Array.of(0, 0, 1, 2, 3, 0, 0, 4, 5, 0, 6);
    for (let size = 1; size <= wire.length; size++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < wire.length; i += size) chunks.push(wire.subarray(i, i + size));
      const runs = feed(chunks);
      expect(runs).toEqual([
        { oversize: false, run: Uint8Array.of(1, 2, 3) },
        { oversize: false, run: Uint8Array.of(4, 5) },
      ]);
    }
  });

  it('passes a run of exactly the cap and refuses one byte more without storing it', () => {
    const cap = maxRunLength(64);
    const exact = new Uint8Array(cap).fill(7);
    const over = new Uint8Array(cap + 1).fill(7);
    const runs = feed([exact, Uint8Array.of(0), over.subarray(0, 10), over.subarray(10), Uint8Array.of(0, 9, 0)], 64);
    expect(runs).toHaveLength(3);
    expect(runs[0]).toEqual({ oversize: false, run: exact });
    expect(runs[1]).toMatchObject({ oversize: true, length: cap + 1 });
    expect(runs[2]).toEqual({ oversize: false, run: Uint8Array.of(9) });
  });

  it('keeps memory bounded on a stream that never sends 0x00', () => {
    const s = new RunSplitter(8192);
    const out: SplitRun[] = [];
    s.on('data', (r: SplitRun) => out.push(r));
    const chunk = Buffer.alloc(65536, 0x55);
    for (let i = 0; i < 64; i++) s.write(chunk); // 4 MiB without a delimiter
    const internal = s as unknown as { stored: number; parts: Buffer[] };
    expect(internal.stored).toBe(0);
    expect(internal.parts).toHaveLength(0);
    s.write(Buffer.of(0));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ oversize: true, length: 64 * 65536 });
  });

  it("names the oversize frame's id and type from its first bytes, and the limit", () => {
    const body = new Uint8Array(9000 - 12).fill(1);
    // Encode as if the limit were larger, to get an over-long frame on the wire.
    const wire = encodeWireFrame({ kind: 'request', id: 0x1234, type: 2 }, body, 20000);
    const runs = feed([wire]);
    expect(runs).toHaveLength(1);
    const r = runs[0]!;
    if (!r.oversize) throw new Error('expected an oversize run');
    const e = oversizeError(r.length, r.prefix);
    expect(e.code).toBe('too_large');
    expect(e.id).toBe(0x1234);
    expect(e.type).toBe(2);
    expect(e.message).toMatch(/exceeds .*max_frame 8192/);
  });
});
