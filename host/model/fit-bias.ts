// Bias memory, as the synthesis tool allocates it (FIT-RULES.md section 4): MAX78002 depthwise
// layers first, a copy in every quadrant they span; then the regular layers sorted (MAX78000
// flatten layers first, then layers with one allowed quadrant, then largest first, stable), each
// into the least filled allowed quadrant. A segment's layers may use its own quadrants only.

import type { FitChip } from './fit-chip.js';
import { ffs, fls, fmt, quadrantBits, type FitLayer } from './fit-layer.js';
import { groupsUsed } from './fit-rules.js';
import { stop } from './fit-stop.js';

export interface BiasPlacement {
  /** -1 no bias, 0..3 its quadrant, 4 a depthwise copy in every quadrant. */
  quadrant: number[];
  offset: number[];
  perQuadrant: number[];
}

/** Marks the bias bytes of a depthwise layer: one per processor position and pass, per quadrant it spans. */
function depthwiseBias(f: FitLayer, chip: FitChip, fill: number[], validEnd: number[]): number {
  const procs = f.layer.hw.processors;
  const broadcast = procs === f.layer.hw.outputProcessors;
  let usedGroups = 0;
  let firstOffset = -1;
  for (let g = 0; g < chip.quadrants; g++) {
    if (!quadrantBits(procs, g)) continue;
    if (broadcast) fill[g] = Math.ceil(fill[g]! / 4) * 4;
    if (firstOffset < 0) firstOffset = fill[g]!;
    usedGroups++;
  }
  let mapUsed = procs;
  if (!broadcast) {
    // The first gap moves to the end of the first quadrant.
    const start = ffs(procs);
    const fg = Math.floor(start / 16);
    const quad = 0xffffn << BigInt(fg * 16);
    mapUsed = (mapUsed & ~quad) | ((procs & quad) >> BigInt(start % 16));
  }
  let startProc = ffs(mapUsed);
  let lastProc = fls(mapUsed);
  if (broadcast) lastProc = ((lastProc + 16) & ~15) - 1;
  if (broadcast || usedGroups > 1) startProc &= ~15;
  // Columns of the per-pass bias table: valid values, with unused processors inserted as gaps.
  const E = f.outExpand;
  const T = f.outThresh;
  const cols: boolean[][] = [];
  for (let e = 0; e < E; e++) cols.push(Array.from({ length: T }, (_, j) => e * T + j < f.cout));
  for (let p = startProc; p <= lastProc; p++) {
    if (((mapUsed >> BigInt(p)) & 1n) === 0n) {
      if (p > cols[0]!.length) {
        stop('bias_memory', f, `the depth-wise bias table cannot take a gap at processor ${p} (the synthesis tool fails here).`, { processor: p });
      }
      for (const row of cols) row.splice(p, 0, false);
    }
  }
  let group = 0;
  for (let e = 0; e < E; e++) {
    for (let p = startProc; p <= lastProc; p++) {
      group = Math.floor(p / 16);
      const src = broadcast ? (p & ~15) + (p % 4) * 4 + Math.floor((p % 16) / 4) : p;
      const j = src - startProc;
      const valid = j < cols[e]!.length && cols[e]![j]!;
      if (fill[group]! >= chip.biasPerQuadrant) {
        stop('bias_memory', f, `bias memory capacity for group ${group} exhausted, used so far: ${fill[group]}.`, { quadrant: group, used: fill[group]! });
      }
      fill[group]!++;
      if (valid) validEnd[group] = fill[group]!;
    }
  }
  // The tool trims trailing unused bytes of the last quadrant it wrote.
  fill[group] = validEnd[group]!;
  return firstOffset;
}

export function allocateBias(union: readonly FitLayer[], chip: FitChip): BiasPlacement {
  const quadrant = union.map(() => -1);
  const offset = union.map(() => 0);
  const fill = [0, 0, 0, 0];
  const validEnd = [0, 0, 0, 0];
  // Segments are placed in load order, each by the tool's procedure in the bias memory the
  // earlier ones left (as kernels are: a new segment never moves a resident one).
  const key = (x: { f: FitLayer; allowed: number[]; blen: number }): number =>
    chip.flattenBiasFirst && x.f.layer.flatten ? -1 : x.allowed.length === 1 ? 0 : chip.biasPerQuadrant - x.blen;
  for (const seg of [...new Set(union.map((f) => f.segment))]) {
    let groups: number[] = [];
    const regular: { f: FitLayer; allowed: number[]; blen: number }[] = [];
    for (const f of union) {
      if (f.segment !== seg) continue;
      if (f.r === 0) {
        const mask = groupsUsed(chip, union, f.u);
        groups = [0, 1, 2, 3].filter((g) => mask & (1 << g));
      }
      if (!f.layer.biasPresent) continue;
      if (f.groups === 1) {
        const blen = f.cout + (ffs(f.layer.hw.outputProcessors) % chip.processorsPerInstance) * f.outExpand;
        regular.push({ f, allowed: groups, blen });
        continue;
      }
      quadrant[f.u] = chip.quadrants;
      offset[f.u] = depthwiseBias(f, chip, fill, validEnd);
    }
    const sorted = regular.map((x, i) => ({ x, i })).sort((a, b) => key(a.x) - key(b.x) || a.i - b.i).map((y) => y.x);
    for (const { f, allowed: gmap, blen } of sorted) {
      let g = gmap[0]!;
      for (const t of gmap) if (fill[t]! < fill[g]!) g = t;
      if (fill[g]! + blen > chip.biasPerQuadrant) {
        stop('bias_memory', f, `bias memory capacity exhausted - available groups: ${fmt.list(gmap)}, used so far: ${fmt.list(fill)}, `
          + `needed: ${blen} bytes, best available: group ${g} with ${chip.biasPerQuadrant - fill[g]!} bytes available.`,
        { needed: blen, quadrant: g, available: chip.biasPerQuadrant - fill[g]! });
      }
      quadrant[f.u] = g;
      offset[f.u] = fill[g]!;
      fill[g]! += blen;
    }
  }
  return { quadrant, offset, perQuadrant: fill };
}
