// `optimal`: the exact optimum of the planner's cost model, as a mixed-integer program solved by
// HiGHS. Its plan space holds everything `synergy` can output (and more): per pipeline one model
// variant, one source and one target (binary choices) and a unit flow of frames through a DAG
// whose nodes are (cut, device); a compute edge runs layers [a, b) on a device, and the tensors
// of a cut move from one device to another through a host node (an up edge, then a down edge). A flow split is a
// mixture of routes (parallelization). Every resource load is linear in the edge flows.
//
// Chip memory is not linear (the fit rules pack kernels). Each (pipeline, device, layer) has a
// binary "layer deployed here" that bounds the flow of every compute edge through that layer on
// that device; linear necessary conditions (layers, weight bytes, bias bytes per chip) bound
// these. Whenever the exact fit rules reject the segments a solution puts on a device, a binary
// per rejected segment (added then) and a no-good cut on a minimal rejected subset are added and
// the program is solved again, until the solution passes the exact fit: the result is exact.
// (Per-layer binaries branch far better than one per segment: a branch removes a layer from a
// device for every segment at once.)
//
// max-min: minimise T subject to sum_m w_m load_m[r] <= T (flows are shares of frames);
// sum: flows are absolute frame rates; per-edge rate bounds times the binaries linearise the
// product of rate and choice exactly (McCormick with binaries).

import { chargeDelivery, chargeDownlink, chargeSegment, chargeSense, chargeUplink } from './costs.js';
import { evaluate, type Assignment } from './evaluate.js';
import { endsOn, fitSet, jointViolations, overlappingSegments, routesOf, segmentKey, type PlacedSegment } from './joint-fit.js';
import { relaxedBound } from './flow-polish.js';
import { Program, solveProgram, type LazyAddition } from './lp.js';
import { MIN_ROUTE_SHARE } from './min-share.js';
import { segmentUsage } from './model-facts.js';
import { decompose, rateCapOf, startVector, type Costs, type Edge, type Indicator } from './optimal-program.js';
import type { PlanProblem } from './problem.js';

export interface OptimalResult {
  status: 'optimal' | 'infeasible' | 'time-limit' | 'error';
  assignment: Assignment;
  /** The program's own objective value (max-min: 1/T; sum: sum w x); on a time limit, the
   *  best plan's (the start or an incumbent that passed the exact fit). */
  objective: number;
  /** Proven upper bound on the objective (throughput units); NaN when none was proven. */
  bound: number;
  /** 1 - objective / bound: how far the plan may be from the optimum (0 when proved). */
  gap: number;
  /** Lazy fit cuts added. */
  cuts: number;
  rounds: number;
  columns: number;
  rows: number;
}

export interface OptimalProgress {
  elapsedSec: number;
  /** The best plan found that passes the exact fit (throughput units; 0 when none yet). */
  incumbent: number;
  /** Proven upper bound (throughput units; NaN when none yet). */
  bound: number;
  /** 1 - incumbent / bound (NaN when either is unknown). */
  gap: number;
}

export interface OptimalOptions {
  /** Seconds from `began` after which the search stops with the best plan found. */
  timeLimitSec?: number;
  /** When the work the limit covers began (performance.now() ms; default: this call). */
  began?: number;
  /** A feasible plan (e.g. synergy's) handed to HiGHS as its first incumbent. */
  start?: Assignment;
  /** Called about once a second of search with the incumbent, the bound and the gap. */
  progress?: (p: OptimalProgress) => void;
}

/** Seconds between two progress reports. */
const PROGRESS_EVERY_SEC = 1;

export function solveOptimal(pr: PlanProblem, opts: OptimalOptions = {}): OptimalResult {
  const sum = pr.objective === 'sum';
  const lp = new Program(sum);
  const edges: Edge[] = [];
  const loadRows = new Map<number, { cols: number[]; coefs: number[] }>();
  const addLoad = (col: number, costs: Costs, weight: number): void => {
    for (const [r, s] of costs) {
      if (s <= 0) continue;
      let row = loadRows.get(r);
      if (!row) loadRows.set(r, (row = { cols: [], coefs: [] }));
      row.cols.push(col);
      row.coefs.push(s * weight);
    }
  };
  const costsOf = (fn: (charge: (r: number, s: number) => void) => unknown): Costs => {
    const c: Costs = new Map();
    fn((r, s) => c.set(r, (c.get(r) ?? 0) + s));
    return c;
  };
  /** Largest rate an edge can carry: 1 / its largest per-frame load (sum objective). */
  const rateCap = (c: Costs): number => {
    let m = 0;
    for (const s of c.values()) m = Math.max(m, s);
    return m > 0 ? 1 / m : 1e9;
  };
  const T = sum ? -1 : lp.addVar(0, Number.POSITIVE_INFINITY, 1);
  const memory = new Map<number, { cols: number[]; layers: number[]; weights: number[]; bias: number[] }>();
  /** sum of cols <= cap * bin (exclude: sum of cols + cap * bin <= cap). */
  const indicators: Indicator[] = [];
  const rateVars: number[] = [];
  const zts: Map<number, number>[] = [];

  pr.pipelines.forEach((p, m) => {
    const w = sum ? 1 : p.weight;
    const startCols: number[] = [];
    const targetFlow = new Map<number, number[]>();
    // Upper bound on this pipeline's rate (sum): its sensing alone must fit on its source CPU.
    let rateBound = 0;
    const rate = sum ? lp.addVar(0, Number.POSITIVE_INFINITY, p.weight) : -1;
    rateVars.push(rate);
    const zt = new Map<number, number>();
    for (const t of p.targets) zt.set(t, lp.addVar(0, 1, 0, true));
    zts.push(zt);

    p.variants.forEach((prof, v) => {
      const L = prof.layers;
      const accel = pr.devices.filter((d) => p.cnnPrefix[v]![d.index] !== null).map((d) => d.index);
      const ends = new Map(accel.map((d) => [d, endsOn(pr, m, v, d)]));
      const nodeEdges = new Map<string, { inflow: number[]; outflow: number[] }>();
      const node = (id: string): { inflow: number[]; outflow: number[] } => {
        let n = nodeEdges.get(id);
        if (!n) nodeEdges.set(id, (n = { inflow: [], outflow: [] }));
        return n;
      };
      const edge = (e: Omit<Edge, 'col' | 'y'>, integer: boolean, cap: number): Edge => {
        const col = lp.addVar(0, sum ? cap : 1, 0, integer);
        const full: Edge = { ...e, col, y: -1 };
        edges.push(full);
        addLoad(col, e.costs, w);
        node(e.tail).outflow.push(col);
        node(e.head).inflow.push(col);
        return full;
      };
      const A = (b: number, d: number): string => `A${b}@${d}`;
      const R = (b: number, d: number): string => `R${b}@${d}`;
      // Which (cut, device) activation nodes can be left: a later segment can start there elsewhere.
      const allowed = p.cutAllowed[v]!;
      const canStart = (b: number, d: number): boolean => allowed[b] === 1 && (ends.get(d)?.[b]?.length ?? 0) > 0;
      const canEnd = (b: number, d: number): boolean => [...Array(b).keys()].some((a) => ends.get(d)![a]!.includes(b));
      for (const src of p.sources) {
        const s = src.device;
        const costs = costsOf((c) => chargeSense(pr, p, s, c));
        const cap = rateCap(costs);
        rateBound = Math.max(rateBound, cap);
        const e = edge({ kind: 'sense', pipeline: m, variant: v, tail: 'S', head: A(0, s), costs, from: 0, to: 0, device: s, other: s }, !sum, cap);
        startCols.push(e.col);
        if (sum) {
          // The choice binary of this start, with the rate bound linking it to the flow.
          const z = lp.addVar(0, 1, 0, true);
          lp.addRow(Number.NEGATIVE_INFINITY, 0, [e.col, z], [1, -cap]);
          e.y = z;
        }
        if (canStart(0, s)) edge({ kind: 'local', pipeline: m, variant: v, tail: A(0, s), head: R(0, s), costs: new Map(), from: 0, to: 0, device: s, other: s }, false, cap);
      }
      // Transfers at every cut, through the host: up from every device that may hold the tensors,
      // down to every device that can continue (the two hops' costs are independent).
      for (let b = 0; b < L; b++) {
        if (!allowed[b]) continue;
        const holders = b === 0 ? p.sources.map((x) => x.device) : accel.filter((d) => canEnd(b, d));
        const takers = accel.filter((d2) => canStart(b, d2));
        if (takers.length === 0 || holders.length === 0) continue;
        for (const d of holders) {
          const costs = costsOf((c) => chargeUplink(pr, prof.crossBytes[b]!, d, c));
          edge({ kind: 'up', pipeline: m, variant: v, tail: A(b, d), head: `H${b}`, costs, from: b, to: b, device: d, other: -1 }, false, rateCap(costs));
        }
        for (const d2 of takers) {
          const costs = costsOf((c) => chargeDownlink(pr, prof.crossBytes[b]!, d2, c));
          edge({ kind: 'down', pipeline: m, variant: v, tail: `H${b}`, head: R(b, d2), costs, from: b, to: b, device: d2, other: -1 }, false, rateCap(costs));
        }
      }
      // Compute edges: every range that fits the device alone and ends where the route can go on.
      for (const d of accel) {
        const fitting = ends.get(d)!;
        const through: number[][] = Array.from({ length: L }, () => []);
        const startsAt: number[][] = Array.from({ length: L + 1 }, () => []);
        const endsAt: number[][] = Array.from({ length: L + 1 }, () => []);
        const straddles: number[][] = Array.from({ length: L + 1 }, () => []);
        let cap = 0;
        for (let a = 0; a < L; a++) {
          for (const b of fitting[a]!) {
            if (b < L && !accel.some((d2) => canStart(b, d2))) continue;
            const costs = costsOf((c) => chargeSegment(pr, p, v, a, b, d, c));
            const edgeCap = rateCap(costs);
            cap = Math.max(cap, edgeCap);
            const e = edge({ kind: 'compute', pipeline: m, variant: v, tail: R(a, d), head: A(b, d), costs, from: a, to: b, device: d, other: d }, false, edgeCap);
            for (let l = a; l < b; l++) through[l]!.push(e.col);
            startsAt[a]!.push(e.col);
            endsAt[b]!.push(e.col);
            for (let c = a + 1; c < b; c++) straddles[c]!.push(e.col);
          }
        }
        const big = sum ? cap : 1;
        let mem = memory.get(d);
        if (!mem) memory.set(d, (mem = { cols: [], layers: [], weights: [], bias: [] }));
        for (let l = 0; l < L; l++) {
          if (through[l]!.length === 0) continue;
          const lambda = lp.addVar(0, 1, 0, true);
          indicators.push({ cols: through[l]!, bin: lambda, cap: big, exclude: false, placement: true });
          const u = segmentUsage({ profile: prof, from: l, to: l + 1 });
          mem.cols.push(lambda);
          mem.layers.push(u.layers);
          mem.weights.push(u.weightBytes);
          mem.bias.push(u.biasBytes);
        }
        // The pipeline's deployed segments on this device are disjoint: no deployed segment starts
        // or ends strictly inside another (so per-layer memory counts every deployed layer once).
        for (let c = 0; c <= L; c++) {
          if (startsAt[c]!.length > 0) {
            const sigma = lp.addVar(0, 1, 0, true);
            indicators.push({ cols: startsAt[c]!, bin: sigma, cap: big, exclude: false });
            if (straddles[c]!.length > 0) indicators.push({ cols: straddles[c]!, bin: sigma, cap: big, exclude: true });
          }
          if (endsAt[c]!.length > 0 && c < L) {
            const eps = lp.addVar(0, 1, 0, true);
            indicators.push({ cols: endsAt[c]!, bin: eps, cap: big, exclude: false });
            if (straddles[c]!.length > 0) indicators.push({ cols: straddles[c]!, bin: eps, cap: big, exclude: true });
          }
        }
      }
      // Delivery from wherever the last layer ran to each target.
      for (const d of accel) {
        if (!canEnd(L, d)) continue;
        for (const t of p.targets) {
          const costs = costsOf((c) => chargeDelivery(pr, prof.crossBytes[L]!, d, t, c));
          const e = edge({ kind: 'deliver', pipeline: m, variant: v, tail: A(L, d), head: `T${t}`, costs, from: L, to: L, device: d, other: t }, false, rateCap(costs));
          let list = targetFlow.get(t);
          if (!list) targetFlow.set(t, (list = []));
          list.push(e.col);
        }
      }
      // Flow conservation at every inner node of this variant's DAG.
      for (const [id, n] of nodeEdges) {
        if (id === 'S' || id.startsWith('T')) continue;
        lp.addRow(0, 0, [...n.inflow, ...n.outflow], [...n.inflow.map(() => 1), ...n.outflow.map(() => -1)]);
      }
    });

    if (sum) {
      // Rate m = flow out of the start = flow into the targets; one start and one target at most.
      lp.addRow(0, 0, [...startCols, rate], [...startCols.map(() => 1), -1]);
      const starts = edges.filter((e) => e.pipeline === m && e.kind === 'sense').map((e) => e.y);
      lp.addRow(Number.NEGATIVE_INFINITY, 1, starts, starts.map(() => 1));
      for (const [t, cols] of targetFlow) lp.addRow(Number.NEGATIVE_INFINITY, 0, [...cols, zt.get(t)!], [...cols.map(() => 1), -rateBound]);
      lp.addRow(Number.NEGATIVE_INFINITY, 1, [...zt.values()], [...zt.values()].map(() => 1));
      lp.addRow(0, 0, [rate, ...[...targetFlow.values()].flat()], [1, ...[...targetFlow.values()].flat().map(() => -1)]);
    } else {
      // Exactly one start (variant x source, binary) and one target, each carrying the unit flow.
      lp.addRow(1, 1, startCols, startCols.map(() => 1));
      for (const [t, cols] of targetFlow) lp.addRow(0, 0, [...cols, zt.get(t)!], [...cols.map(() => 1), -1]);
      lp.addRow(1, 1, [...zt.values()], [...zt.values()].map(() => 1));
    }
  });

  for (const [, row] of loadRows) {
    if (sum) lp.addRow(Number.NEGATIVE_INFINITY, 1, row.cols, row.coefs);
    else lp.addRow(Number.NEGATIVE_INFINITY, 0, [...row.cols, T], [...row.coefs, -1]);
  }
  // Frames through a layer, a segment start or end on a device need it deployed there; frames
  // through a segment straddling a cut forbid another deployed segment starting or ending there.
  for (const g of indicators) {
    if (g.exclude) lp.addRow(Number.NEGATIVE_INFINITY, g.cap, [...g.cols, g.bin], [...g.cols.map(() => 1), g.cap]);
    else lp.addRow(Number.NEGATIVE_INFINITY, 0, [...g.cols, g.bin], [...g.cols.map(() => 1), -g.cap]);
    // A placement carries at least the least share worth it (min-share.ts), or nothing.
    if (!sum && g.placement) lp.addRow(0, Number.POSITIVE_INFINITY, [...g.cols, g.bin], [...g.cols.map(() => 1), -MIN_ROUTE_SHARE]);
  }
  for (const [d, mem] of memory) {
    const chip = pr.devices[d]!.chip!;
    lp.addRow(Number.NEGATIVE_INFINITY, chip.maxLayers, mem.cols, mem.layers);
    lp.addRow(Number.NEGATIVE_INFINITY, chip.weightMem, mem.cols, mem.weights);
    lp.addRow(Number.NEGATIVE_INFINITY, chip.biasMem, mem.cols, mem.bias);
  }

  const computeEdges = edges.filter((e) => e.kind === 'compute');
  const start = opts.start ? startVector(pr, lp.numCols, edges, opts.start, T, zts, indicators, rateVars) : null;
  const began = opts.began ?? performance.now();

  // The best plan that passes the exact fit: the start, or an incumbent of a round (whose lazy
  // fit check may not have run yet, so it is checked here).
  let best: { assignment: Assignment; value: number } | null = null;
  const offer = (a: Assignment): void => {
    if (!a.some((rs) => rs.length > 0)) return;
    const routes = routesOf(a);
    if (jointViolations(pr, routes).length > 0 || overlappingSegments(pr, routes) !== null) return;
    const value = evaluate(pr, a).objective;
    if (value > 0 && (!best || value > best.value)) best = { assignment: a, value };
  };
  if (opts.start) offer(opts.start.map((rs) => rs.map((x) => ({ ...x }))));
  // Program objective (T or the sum) <-> throughput; a round's bound holds for the final program.
  const throughputOf = (obj: number): number => (sum ? obj : obj > 0 ? 1 / obj : Number.POSITIVE_INFINITY);
  let provenBound = Number.NaN;
  const tighten = (programBound: number): number => {
    const b = throughputOf(programBound);
    return Number.isFinite(b) && (Number.isNaN(provenBound) || b < provenBound) ? b : provenBound;
  };
  const gapOf = (value: number, bound: number): number => (bound > 0 && Number.isFinite(bound) ? Math.max(0, 1 - value / bound) : Number.NaN);
  let lastReport = Number.NEGATIVE_INFINITY;
  const report = (force: boolean): void => {
    const elapsedSec = (performance.now() - began) / 1000;
    if (!opts.progress || (!force && elapsedSec - lastReport < PROGRESS_EVERY_SEC)) return;
    lastReport = elapsedSec;
    const incumbent = best ? (best as { value: number }).value : 0;
    opts.progress({ elapsedSec, incumbent, bound: provenBound, gap: gapOf(incumbent, provenBound) });
  };
  const checkpoint = (p: { bound: number }): boolean => {
    provenBound = tighten(p.bound);
    report(false);
    return false;
  };
  // Incumbents are checked between solver runs: evaluating a sum plan solves an LP, and no
  // solver call may run inside the solver's callbacks. The latest few are enough.
  let pending: Float64Array[] = [];
  const improving = (x: Float64Array): void => {
    pending.push(x);
    if (pending.length > 16) pending = pending.slice(-16);
  };
  const drain = (): void => {
    for (const x of pending) offer(decompose(pr, edges, x, sum ? rateVars : null));
    pending = [];
  };

  let cuts = 0;
  const lazy = (x: Float64Array, numCols: number): LazyAddition => {
    // An optimal round: its objective bounds the final program (later rounds only add rows).
    provenBound = tighten(lp.cost.reduce((a, c, i) => a + c * x[i]!, 0));
    drain();
    const add: LazyAddition = { vars: [], rows: [], startValues: [] };
    const perDevice = new Map<number, Edge[]>();
    for (const e of computeEdges) {
      if (x[e.col]! <= 1e-9) continue;
      let l = perDevice.get(e.device);
      if (!l) perDevice.set(e.device, (l = []));
      l.push(e);
    }
    for (const [d, list] of perDevice) {
      const seg = (e: Edge): PlacedSegment => ({ pipeline: e.pipeline, variant: e.variant, from: e.from, to: e.to, device: d, key: segmentKey(e.pipeline, e.variant, e.from, e.to) });
      if (fitSet(pr, d, list.map(seg)).ok) continue;
      // Deletion filter: a minimal subset that still does not fit makes the strongest cut.
      let core = [...list];
      for (let i = core.length - 1; i >= 0; i--) {
        const without = core.filter((_, j) => j !== i);
        if (without.length > 0 && !fitSet(pr, d, without.map(seg)).ok) core = without;
      }
      for (const e of core) {
        if (e.y >= 0) continue;
        e.y = numCols + add.vars.length;
        add.vars.push({ lower: 0, upper: 1, cost: 0, integer: true });
        add.startValues!.push(start && start[e.col]! > 0 ? 1 : 0);
        add.rows.push({ lower: Number.NEGATIVE_INFINITY, upper: 0, cols: [e.col, e.y], coefs: [1, sum ? -rateCapOf(e) : -1] });
      }
      add.rows.push({ lower: Number.NEGATIVE_INFINITY, upper: core.length - 1, cols: core.map((e) => e.y), coefs: core.map(() => 1) });
      cuts++;
    }
    return add;
  };

  if (process.env['SYNERGY_LP_DEBUG']) {
    if (opts.start && !start) process.stderr.write('start: not representable\n');
    if (start) {
      lp.rows.forEach((r, i) => {
        const act = r.cols.reduce((a, c, k) => a + r.coefs[k]! * start[c]!, 0);
        if (act < r.lower - 1e-7 || act > r.upper + 1e-7) process.stderr.write(`start violates row ${i}: ${act} not in [${r.lower}, ${r.upper}]\n`);
      });
    }
  }
  report(true);
  const res = solveProgram(lp, {
    lazy, checkpoint, improving,
    ...(opts.timeLimitSec ? { timeLimitSec: Math.max(0.05, opts.timeLimitSec - (performance.now() - began) / 1000) } : {}),
    ...(start ? { start } : {}),
  });
  const base = { cuts, rounds: res.rounds, columns: lp.numCols, rows: lp.rows.length };
  if (res.status === 'infeasible' || res.status === 'error') {
    return { status: res.status, assignment: pr.pipelines.map(() => []), objective: 0, bound: Number.NaN, gap: Number.NaN, ...base };
  }
  const assignment = decompose(pr, edges, res.x, sum ? rateVars : null);
  if (res.status === 'time-limit') {
    // Stopped mid-round: the last incumbent has not passed the exact fit rules (its lazy round
    // never ran); the best plan that did (or the start) is the answer, with the proven bound.
    drain();
    offer(assignment);
    if (Number.isFinite(res.bound)) provenBound = tighten(res.bound);
    // The flow relaxation bounds every plan too (one LP): the tighter bound is kept, and it is
    // the only one when the program stopped before proving any.
    const relaxed = relaxedBound(pr);
    if (Number.isFinite(relaxed) && !(provenBound <= relaxed)) provenBound = relaxed;
    const found = best as { assignment: Assignment; value: number } | null;
    const value = found ? found.value : 0;
    report(true);
    return { status: res.status, assignment: found ? found.assignment : pr.pipelines.map(() => []), objective: value, bound: provenBound, gap: gapOf(value, provenBound), ...base };
  }
  const objective = sum ? res.x.reduce((a, v, i) => (rateVars.includes(i) ? a + v * lp.cost[i]! : a), 0) : res.x[T]! > 0 ? 1 / res.x[T]! : 0;
  return { status: res.status, assignment, objective, bound: objective, gap: 0, ...base };
}
