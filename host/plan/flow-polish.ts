// Route mixing by flows (beyond the paper; what the exact optimum does, without its binaries):
// with each pipeline's model variant, source and target fixed (or chosen by the LP, then fixed
// one at a time, see chooseByFlow), the best way to split its frames over routes is a linear
// program, under either objective: max-min minimises T with every pipeline a unit flow of
// frames; sum takes the flows as frame rates and maximises their weighted sum under every
// resource's capacity (the LP then also decides which pipelines get the capacity, which a
// max-min search never weighs). A pipeline's frames are a flow through a DAG whose nodes
// are (cut, device): sensing enters at the source, a compute edge runs layers [a, b) on an
// accelerator, the tensors of a cut go up from the device holding them to the host and down to
// the next device (two independent hops, so a tail may fan out over several devices while its
// prefix stays put), delivery leaves for the target. Every load is linear in the flows, so the
// LP's T is the best any mixture of these routes can do, memory aside.
//
// Memory is what makes the exact problem hard. Here it is repaired by exclusion: the segments
// the LP uses are taken per device in order of the frames they carry, each kept if it is
// disjoint from the pipeline's kept segments there (one copy) and the kept set still passes the
// exact fit rules on its union; the rest are banned and the LP solved again, until it uses only
// segments that fit together. The result is a plan whose every device passes the exact fit.

import { chargeDelivery, chargeDownlink, chargeSegment, chargeSense, chargeUplink } from './costs.js';
import type { Assignment, RouteShare } from './evaluate.js';
import { endsOn, fitSet, segmentKey, type PlacedSegment } from './joint-fit.js';
import { Program, solveProgram, type LazyAddition, type Row } from './lp.js';
import { segmentUsage } from './model-facts.js';
import type { PlanProblem } from './problem.js';
import { makeRoute, type Step } from './route.js';
import { planNow } from './clock.js';

type EdgeKind = 'sense' | 'local' | 'up' | 'down' | 'compute' | 'deliver';

interface FlowEdge {
  kind: EdgeKind;
  pipeline: number;
  variant: number;
  tail: string;
  head: string;
  /** Sparse loads per unit of flow: resource indices and seconds. */
  res: number[];
  sec: number[];
  /** compute: layers [from, to) on device; deliver: device -> other (the target). */
  from: number;
  to: number;
  device: number;
  other: number;
  /** compute: the deployed segment's identity on its device. */
  segment: string;
}

export interface PolishOptions {
  /** LP rounds at most (each bans at least one segment). */
  maxRounds?: number;
  /** Stop at this time (planNow(), CPU ms), keeping the start. */
  deadline?: number;
  /** Per pipeline, compute segments (keys of segmentOn) never to use. */
  banned?: ReadonlySet<string>;
  /** Give up as soon as the LP's objective (throughput: 1/T for max-min, the weighted sum for
   *  sum) falls to this (bans only lower it): nothing better to find. */
  stopAt?: number;
  /** Let the LP choose each pipeline's variant, source and target too (the most used is kept). */
  freeChoice?: boolean;
  /** With freeChoice: only these pipelines choose; the others keep the start's choices. */
  free?: readonly number[];
  /** Commit the start's segments first: the LP may only add beside them (always feasible). */
  anchored?: boolean;
  /** With anchored: these pipelines' segments are not committed (they may move anywhere that
   *  fits beside the others' committed segments). */
  unanchored?: readonly number[];
  /** With freeChoice: this pipeline senses on this source device (its other sources banned). */
  pin?: { pipeline: number; source: number };
  /** Per pipeline, extra cuts segments may start or end at (variants with more than
   *  ALL_CUTS_UP_TO allowed cuts use only these and the start's cuts; others every allowed cut). */
  cuts?: readonly (readonly number[])[];
}

/** Model variants with up to this many allowed cuts get all of them in the flow DAG; others a
 *  subset (MobileNetV2 has 34 on a MAX78000: thousands of compute edges per device). */
const ALL_CUTS_UP_TO = 16;

/** A split choice (variant, source or target) is decided by trying at most this many of the
 *  options the LP uses, each by one LP. */
const STRONG_CHOICES = 3;

export interface PolishResult {
  /** The repaired LP plan (every device passes the exact fit), or null if none was reached. */
  assignment: Assignment | null;
  /** LP solves. */
  rounds: number;
  /** Objective of the first LP (memory relaxed; throughput units): no plan of this pass's space
   *  does better. Infinity when no LP was solved. */
  bound: number;
  /** The pass's space held every allowed cut of every variant (with freeChoice: the bound
   *  holds for every plan of the planner's space). */
  allCuts: boolean;
}

/** Identity of a pipeline's segment on a device (what the exclusion bans). */
export function segmentOn(m: number, v: number, from: number, to: number, device: number): string {
  return `${device}|${segmentKey(m, v, from, to)}`;
}

/**
 * Per pipeline and device, the pairs of its segments there that meet end to start ([a, b) and
 * [b, c)), each as the set of their identities (segmentOn). The repair keeps both when the
 * relaxed LP runs them on different routes, and then bans [a, c) as overlapping, even where
 * [a, c) fits alone and saves a round trip through the host: a pass with the pair banned lets
 * it take their place.
 */
export function adjacentPieces(a: Assignment): Set<string>[] {
  const out = new Map<string, Set<string>>();
  for (const rs of a) {
    const steps = new Map<string, { v: number; m: number; st: Step }>();
    for (const x of rs) for (const st of x.route.steps) steps.set(segmentOn(x.route.pipeline, x.route.variant, st.from, st.to, st.device), { v: x.route.variant, m: x.route.pipeline, st });
    for (const [k1, p] of steps) {
      for (const [k2, q] of steps) {
        if (p.v === q.v && p.st.device === q.st.device && p.st.to === q.st.from) out.set(`${k1}+${k2}`, new Set([k1, k2]));
      }
    }
  }
  return [...out.values()];
}

/**
 * The DAG of one pipeline for a fixed variant, source and target. Node names: A(b,d) the
 * tensors of cut b are on device d, R(b,d) device d is ready to compute from cut b, H(b) the
 * host holds the tensors of cut b.
 */
function pipelineEdges(pr: PlanProblem, m: number, v: number, sources: readonly number[], targets: readonly number[], cuts: ReadonlySet<number> | null): FlowEdge[] {
  const p = pr.pipelines[m]!;
  const prof = p.variants[v]!;
  const L = prof.layers;
  const allowed = cuts === null ? p.cutAllowed[v]! : Uint8Array.from(p.cutAllowed[v]!, (x, c) => (x && (c === 0 || c === L || cuts.has(c)) ? 1 : 0));
  const accel = pr.devices.filter((d) => p.cnnPrefix[v]![d.index] !== null).map((d) => d.index);
  const out: FlowEdge[] = [];
  const add = (kind: EdgeKind, tail: string, head: string, charge: (c: (r: number, s: number) => void) => unknown,
    from: number, to: number, device: number, other: number, segment = ''): void => {
    const acc = new Map<number, number>();
    charge((r, s) => acc.set(r, (acc.get(r) ?? 0) + s));
    const res = [...acc.keys()].filter((r) => acc.get(r)! > 0).sort((a, b) => a - b);
    out.push({ kind, pipeline: m, variant: v, tail, head, res, sec: res.map((r) => acc.get(r)!), from, to, device, other, segment });
  };
  const A = (b: number, d: number): string => `${v}A${b}@${d}`;
  const R = (b: number, d: number): string => `${v}R${b}@${d}`;
  for (const source of sources) {
    add('sense', 'S', A(0, source), (c) => chargeSense(pr, p, source, c), 0, 0, source, source);
    if (accel.includes(source)) add('local', A(0, source), R(0, source), () => 0, 0, 0, source, source);
  }
  const ends = new Map(accel.map((d) => [d, endsOn(pr, m, v, d)]));
  const endsHere = new Set<string>();
  for (const d of accel) {
    const e = ends.get(d)!;
    for (let a = 0; a < L; a++) {
      if (!allowed[a]) continue;
      for (const b of e[a]!) {
        if (!allowed[b]) continue;
        add('compute', R(a, d), A(b, d), (c) => chargeSegment(pr, p, v, a, b, d, c), a, b, d, d, segmentOn(m, v, a, b, d));
        endsHere.add(A(b, d));
      }
    }
  }
  for (let b = 0; b < L; b++) {
    if (!allowed[b]) continue;
    const takers = accel.filter((d) => ends.get(d)![b]!.some((x) => allowed[x]));
    const holders = b === 0 ? [...sources] : accel.filter((d) => endsHere.has(A(b, d)));
    if (takers.length === 0 || holders.length === 0) continue;
    for (const d of holders) add('up', A(b, d), `${v}H${b}`, (c) => chargeUplink(pr, prof.crossBytes[b]!, d, c), b, b, d, -1);
    for (const d of takers) add('down', `${v}H${b}`, R(b, d), (c) => chargeDownlink(pr, prof.crossBytes[b]!, d, c), b, b, d, -1);
  }
  for (const d of accel) {
    if (!endsHere.has(A(L, d))) continue;
    for (const target of targets) add('deliver', A(L, d), 'T', (c) => chargeDelivery(pr, prof.crossBytes[L]!, d, target, c), L, L, d, target);
  }
  return out;
}

const FLOW_EPS = 1e-7;

/**
 * An upper bound on the objective of every plan (throughput units; NaN if the LP fails): the
 * flow LP over every variant, source, target and allowed cut, memory relaxed. One LP, much
 * smaller than the exact program, so a time-limited optimum always has a bound to report.
 */
export function relaxedBound(pr: PlanProblem): number {
  const sum = pr.objective === 'sum';
  const edges = pr.pipelines.map((p, m) => p.variants.flatMap((_, v) => pipelineEdges(pr, m, v, p.sources.map((x) => x.device), p.targets, null)));
  const res = solveProgram(flowProgram(pr, edges, sum).lp);
  if (res.status !== 'optimal') return Number.NaN;
  return sum ? res.x[0]! : res.x[0]! > 0 ? 1 / res.x[0]! : Number.POSITIVE_INFINITY;
}

/**
 * Re-mixes every pipeline's routes (either objective): the best flow over the pipelines' DAGs
 * (variant, source and target as in `start`, or free with `freeChoice`), repaired until every device's segments fit
 * together. Returns the repaired plan; the caller keeps it only if it beats what it has.
 *
 * Repair: after each LP solution, per device, the segments it uses in order of frames carried;
 * each is committed if it fits beside the device's commitments (disjoint from its pipeline's
 * committed ranges there, fit rules on the union), else banned. Commitments stay: every edge
 * that overlaps a committed range of its pipeline, or would overflow the device's layers,
 * weight or bias memory beside the commitments, is banned at once. Bans are rows added to the
 * same LP, so each re-solve starts from the last basis.
 */
export function polishFlows(pr: PlanProblem, start: Assignment, opts: PolishOptions = {}): PolishResult {
  let allCuts = true;
  const none: PolishResult = { assignment: null, rounds: 0, bound: Number.POSITIVE_INFINITY, allCuts: false };
  const sum = pr.objective === 'sum';
  // A pipeline the start leaves out gets every choice with freeChoice; else it stays out, which
  // only the sum objective allows (max-min needs a unit flow of every pipeline).
  const isFree = (m: number): boolean => opts.freeChoice === true && (opts.free === undefined || opts.free.includes(m));
  if (!sum && start.some((rs, m) => rs.length === 0 && !isFree(m))) return none;
  // The LP's first column is T (max-min, minimised) or the weighted sum (maximised).
  const valueOf = (x0: number): number => (sum ? x0 : x0 > 0 ? 1 / x0 : Number.POSITIVE_INFINITY);
  const choice = start.map((rs) => rs[0]?.route ?? null);
  if (start.some((rs, m) => rs.some((x) => x.route.variant !== choice[m]!.variant || x.route.source !== choice[m]!.source || x.route.target !== choice[m]!.target))) return none;
  const edges = choice.map((r, m) => {
    const p = pr.pipelines[m]!;
    if (!r && !isFree(m)) return [];
    const variants = isFree(m) || !r ? p.variants.map((_, v) => v) : [r.variant];
    return variants.flatMap((v) => {
      const count = p.cutAllowed[v]!.reduce((a, x) => a + x, 0);
      if (count > ALL_CUTS_UP_TO) allCuts = false;
      const cuts = count <= ALL_CUTS_UP_TO ? null : new Set([...(opts.cuts?.[m] ?? []), ...start[m]!.flatMap((x) => x.route.steps.map((st) => st.from))]);
      return isFree(m) || !r ? pipelineEdges(pr, m, v, p.sources.map((x) => x.device), p.targets, cuts) : pipelineEdges(pr, m, v, [r.source], [r.target], cuts);
    });
  });
  const maxRounds = opts.maxRounds ?? 40;
  const { lp, cols } = flowProgram(pr, edges, sum);
  if (lp.cost[0] !== 1) throw new Error('flow polish: the objective must be the first column');
  const compute: { e: FlowEdge; col: number; seg: PlacedSegment; use: [number, number, number] }[] = [];
  edges.forEach((es, m) => es.forEach((e, i) => {
    if (e.kind !== 'compute') return;
    const v = e.variant;
    const u = segmentUsage({ profile: pr.pipelines[m]!.variants[v]!, from: e.from, to: e.to });
    compute.push({ e, col: cols[m]![i]!, seg: { pipeline: m, variant: v, from: e.from, to: e.to, device: e.device, key: segmentKey(m, v, e.from, e.to) }, use: [u.layers, u.weightBytes, u.biasBytes] });
  }));
  const banned = new Set<number>();
  const committed = pr.devices.map(() => new Map<string, PlacedSegment>());
  const usage = pr.devices.map(() => [0, 0, 0]);
  const caps = pr.devices.map((d) => (d.chip ? [d.chip.maxLayers, d.chip.weightMem, d.chip.biasMem] : [0, 0, 0]));
  const banRow = (col: number): Row => ({ lower: Number.NEGATIVE_INFINITY, upper: 0, cols: [col], coefs: [1] });
  const ban = (col: number, rows: Row[]): void => {
    if (banned.has(col)) return;
    banned.add(col);
    rows.push(banRow(col));
  };
  // Every row the repair has added so far (the LP of a trial is the program with these).
  const added: Row[] = [];
  /** The objective of the LP with these rows added too (-Infinity if it has no solution). */
  const trialValue = (extra: readonly Row[]): number => {
    const kept = lp.rows.length;
    lp.rows.push(...added, ...extra);
    try {
      const r = solveProgram(lp);
      return r.status === 'optimal' ? valueOf(r.x[0]!) : Number.NEGATIVE_INFINITY;
    } finally {
      lp.rows.length = kept;
    }
  };
  const commit = (c: (typeof compute)[number], rows: Row[]): void => {
    const d = c.e.device;
    const mine = committed[d]!;
    if (mine.has(c.seg.key)) return;
    mine.set(c.seg.key, c.seg);
    for (let k = 0; k < 3; k++) usage[d]![k] = usage[d]![k]! + c.use[k]!;
    // What can no longer join this device beside its commitments.
    for (const o of compute) {
      if (o.e.device !== d || banned.has(o.col) || mine.has(o.seg.key)) continue;
      const clash = o.seg.pipeline === c.seg.pipeline && o.seg.variant === c.seg.variant && o.seg.from < c.seg.to && c.seg.from < o.seg.to;
      if (clash || o.use.some((u, k) => usage[d]![k]! + u > caps[d]![k]!)) ban(o.col, rows);
    }
  };
  /** Per pipeline, keeps one variant, source and target, banning the others' sense or delivery
   *  edges (true if anything was banned). Choices the LP already makes whole are kept at once;
   *  of the split ones only the most one-sided per round (the others may change their minds once
   *  it is fixed), and for it each option the LP uses is tried by an LP, the best kept. */
  const chooseByFlow = (x: Float64Array, rows: Row[]): boolean => {
    const before = rows.length;
    const dims = [(e: FlowEdge): string => `v${e.variant}`, (e: FlowEdge): string => (e.kind === 'sense' ? `s${e.device}` : `t${e.other}`)];
    let split: { m: number; dim: number; kind: 'sense' | 'deliver'; options: string[]; f: number } | null = null;
    edges.forEach((es, m) => {
      dims.forEach((key, dim) => {
        for (const kind of ['sense', 'deliver'] as const) {
          const flow = new Map<string, number>();
          es.forEach((e, i) => {
            if (e.kind === kind && !banned.has(cols[m]![i]!)) flow.set(key(e), (flow.get(key(e)) ?? 0) + x[cols[m]![i]!]!);
          });
          if (flow.size < 2) continue;
          const ranked = [...flow].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
          const total = ranked.reduce((acc, r) => acc + r[1], 0);
          // A pipeline the LP gives no frames (sum) has no choice yet: fixing the first one
          // by name would decide it by accident.
          if (total <= FLOW_EPS) continue;
          const f = ranked[0]![1] / total;
          if (ranked[1]![1] > FLOW_EPS) {
            if (!split || f > split.f) split = { m, dim, kind, options: ranked.filter((r) => r[1] > FLOW_EPS).map((r) => r[0]), f };
            continue;
          }
          es.forEach((e, i) => {
            if (e.kind === kind && key(e) !== ranked[0]![0]) ban(cols[m]![i]!, rows);
          });
        }
      });
    });
    if (rows.length === before && split) {
      const { m, dim, kind, options } = split as { m: number; dim: number; kind: 'sense' | 'deliver'; options: string[] };
      // The most frames is not always the best choice (two pipelines may want one camera's
      // CPU): each choice the LP uses is tried, and the one whose LP does best is kept.
      const others = (k: string): number[] => edges[m]!.flatMap((e, i) => (e.kind === kind && dims[dim]!(e) !== k && !banned.has(cols[m]![i]!) ? [cols[m]![i]!] : []));
      let best = options[0]!;
      let bestValue = Number.NEGATIVE_INFINITY;
      // (Past the deadline the most frames decides: the pass is about to stop anyway.)
      const late = opts.deadline !== undefined && planNow() > opts.deadline;
      for (const k of late ? [] : options.slice(0, STRONG_CHOICES)) {
        const v = trialValue([...rows, ...others(k).map(banRow)]);
        if (v > bestValue * (1 + 1e-9)) {
          best = k;
          bestValue = v;
        }
      }
      for (const col of others(best)) ban(col, rows);
    }
    return rows.length > before;
  };
  const initial: Row[] = [];
  for (const c of compute) if (opts.banned?.has(c.e.segment)) ban(c.col, initial);
  if (opts.pin) {
    const { pipeline, source } = opts.pin;
    edges[pipeline]!.forEach((e, i) => {
      if (e.kind === 'sense' && e.device !== source) ban(cols[pipeline]![i]!, initial);
    });
  }
  if (opts.anchored) {
    // The start's segments are committed: it stays a feasible flow, so the LP never runs dry.
    const mine = new Set(start.flatMap((rs, m) => (opts.unanchored?.includes(m) ? [] : rs.flatMap((x) => x.route.steps.map((st) => segmentOn(x.route.pipeline, x.route.variant, st.from, st.to, st.device))))));
    for (const c of compute) if (mine.has(c.e.segment)) commit(c, initial);
  }
  lp.rows.push(...initial);
  let rounds = 0;
  let gaveUp = false;
  let bound = Number.POSITIVE_INFINITY;
  const lazy = (x: Float64Array): LazyAddition => {
    const r = repairStep(x);
    added.push(...r.rows);
    return r;
  };
  const repairStep = (x: Float64Array): LazyAddition => {
    rounds++;
    const rows: Row[] = [];
    if (rounds === 1) bound = valueOf(x[0]!);
    if (rounds >= maxRounds || valueOf(x[0]!) <= (opts.stopAt ?? 0) || (opts.deadline !== undefined && planNow() > opts.deadline)) {
      gaveUp = true;
      return { vars: [], rows };
    }
    if (opts.freeChoice && chooseByFlow(x, rows)) return { vars: [], rows };
    const used = compute.filter((c) => x[c.col]! > FLOW_EPS).sort((a, b) => a.e.device - b.e.device || x[b.col]! - x[a.col]! || (a.e.segment < b.e.segment ? -1 : 1));
    for (const c of used) {
      const d = c.e.device;
      const mine = committed[d]!;
      if (mine.has(c.seg.key)) continue;
      const overlaps = [...mine.values()].some((k) => k.pipeline === c.seg.pipeline && k.variant === c.seg.variant && k.from < c.seg.to && c.seg.from < k.to);
      if (overlaps || !fitSet(pr, d, [...mine.values(), c.seg]).ok) {
        ban(c.col, rows);
        continue;
      }
      commit(c, rows);
    }
    return { vars: [], rows: used.some((c) => banned.has(c.col)) ? rows : [] };
  };
  const res = solveProgram(lp, { lazy });
  if (res.status !== 'optimal' || gaveUp) return { ...none, rounds, bound, allCuts };
  const assignment = edges.map((es, m) => decompose(pr, m, es, Float64Array.from(cols[m]!, (c) => Math.max(0, res.x[c]!))));
  // Max-min runs every pipeline; the sum objective may leave one without frames (as the optimum may).
  if (sum ? assignment.every((rs) => rs.length === 0) : assignment.some((rs) => rs.length === 0)) return { ...none, rounds, bound, allCuts };
  return { assignment, rounds, bound, allCuts };
}

/**
 * The LP and the column of each edge. Max-min: min T, a unit flow per pipeline,
 * sum_m w_m load_m[r] <= T. Sum: max V = sum_m w_m x_m, the flows are frame rates (x_m what
 * leaves the start), sum_m load_m[r] <= 1.
 */
function flowProgram(pr: PlanProblem, edges: FlowEdge[][], sum: boolean): { lp: Program; cols: number[][] } {
  const lp = new Program(sum);
  const T = lp.addVar(0, Number.POSITIVE_INFINITY, 1);
  const rows = new Map<number, { cols: number[]; coefs: number[] }>();
  const value: { cols: number[]; coefs: number[] } = { cols: [T], coefs: [-1] };
  const cols = edges.map((es, m) => {
    const w = sum ? 1 : pr.pipelines[m]!.weight;
    const nodes = new Map<string, { cols: number[]; coefs: number[] }>();
    const node = (id: string): { cols: number[]; coefs: number[] } => {
      let n = nodes.get(id);
      if (!n) nodes.set(id, (n = { cols: [], coefs: [] }));
      return n;
    };
    const starts: number[] = [];
    const out = es.map((e) => {
      const c = lp.addVar(0, sum ? Number.POSITIVE_INFINITY : 1, 0);
      e.res.forEach((r, i) => {
        let row = rows.get(r);
        if (!row) rows.set(r, (row = { cols: [], coefs: [] }));
        row.cols.push(c);
        row.coefs.push(w * e.sec[i]!);
      });
      if (e.kind === 'sense') starts.push(c);
      else {
        const t = node(e.tail);
        t.cols.push(c);
        t.coefs.push(-1);
      }
      if (e.head !== 'T') {
        const h = node(e.head);
        h.cols.push(c);
        h.coefs.push(1);
      }
      return c;
    });
    if (sum) {
      value.cols.push(...starts);
      value.coefs.push(...starts.map(() => pr.pipelines[m]!.weight));
    } else {
      lp.addRow(1, 1, starts, starts.map(() => 1));
    }
    for (const n of nodes.values()) lp.addRow(0, 0, n.cols, n.coefs);
    return out;
  });
  if (sum) {
    lp.addRow(0, 0, value.cols, value.coefs);
    for (const row of rows.values()) lp.addRow(Number.NEGATIVE_INFINITY, 1, row.cols, row.coefs);
  } else {
    for (const row of rows.values()) lp.addRow(Number.NEGATIVE_INFINITY, 0, [...row.cols, T], [...row.coefs, -1]);
  }
  return { lp, cols };
}

/** Path decomposition of one pipeline's unit flow into routes with shares. */
function decompose(pr: PlanProblem, m: number, es: FlowEdge[], flows: Float64Array): RouteShare[] {
  const flow = Float64Array.from(flows);
  const byTail = new Map<string, number[]>();
  es.forEach((e, i) => {
    let l = byTail.get(e.tail);
    if (!l) byTail.set(e.tail, (l = []));
    l.push(i);
  });
  const out: RouteShare[] = [];
  const heaviest = (ids: number[] | undefined): number => {
    let best = -1;
    for (const i of ids ?? []) if (flow[i]! > FLOW_EPS && (best < 0 || flow[i]! > flow[best]!)) best = i;
    return best;
  };
  const senses = es.flatMap((e, i) => (e.kind === 'sense' ? [i] : []));
  for (let guard = 0; guard < 1000; guard++) {
    const sense = heaviest(senses);
    if (sense < 0) break;
    const path = [sense];
    let at = sense;
    while (es[at]!.kind !== 'deliver') {
      const next = heaviest(byTail.get(es[at]!.head));
      if (next < 0) break;
      path.push(next);
      at = next;
    }
    let amount = Number.POSITIVE_INFINITY;
    for (const i of path) amount = Math.min(amount, flow[i]!);
    for (const i of path) flow[i] = flow[i]! - amount;
    if (es[at]!.kind !== 'deliver') continue;
    const steps: Step[] = path.filter((i) => es[i]!.kind === 'compute').map((i) => ({ from: es[i]!.from, to: es[i]!.to, device: es[i]!.device }));
    const route = makeRoute(pr, m, es[sense]!.variant, es[sense]!.device, steps, es[at]!.other);
    const same = out.find((o) => o.route.key === route.key);
    if (same) same.share += amount;
    else out.push({ route, share: amount });
  }
  const total = out.reduce((s, o) => s + o.share, 0);
  return out.filter((o) => o.share / total > 1e-6).map((o) => ({ route: o.route, share: o.share / total }));
}
