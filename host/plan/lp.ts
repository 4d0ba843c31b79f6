// Linear and mixed-integer programs for the planner, solved by HiGHS (the npm `highs` package,
// WebAssembly). A small builder collects columns and rows; solveProgram() runs HiGHS and, for
// lazy constraints, lets the caller add rows after each solution and solve again.

import * as highsModule from 'highs';
import type { Highs } from 'highs';

// `highs` ships CommonJS typings for an ES module build: its default export is the loader.
const exported: unknown = highsModule.default;
const highsLoader = (typeof exported === 'function' ? exported : (exported as { default: unknown }).default) as () => Promise<Highs>;

let runtime: Highs | null = null;
let loading: Promise<Highs> | null = null;

/** Loads the solver once per process (about 0.1 s); everything after is synchronous. */
export async function loadSolver(): Promise<Highs> {
  if (runtime) return runtime;
  loading ??= highsLoader().then((h) => (runtime = h));
  return loading;
}

function solver(): Highs {
  if (!runtime) throw new Error('the LP solver is not loaded: await loadSolver() first');
  return runtime;
}

export interface Row {
  lower: number;
  upper: number;
  cols: number[];
  coefs: number[];
}

export class Program {
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  readonly cost: number[] = [];
  readonly integer: boolean[] = [];
  readonly rows: Row[] = [];

  constructor(readonly maximize: boolean) {}

  get numCols(): number {
    return this.cost.length;
  }

  addVar(lower: number, upper: number, cost = 0, integer = false): number {
    this.lower.push(lower);
    this.upper.push(upper);
    this.cost.push(cost);
    this.integer.push(integer);
    return this.cost.length - 1;
  }

  /** Adds lower <= sum coefs[i] * x[cols[i]] <= upper; repeated columns are summed. */
  addRow(lower: number, upper: number, cols: number[], coefs: number[]): void {
    const merged = new Map<number, number>();
    cols.forEach((c, i) => merged.set(c, (merged.get(c) ?? 0) + coefs[i]!));
    const keys = [...merged.keys()].filter((k) => merged.get(k) !== 0).sort((a, b) => a - b);
    this.rows.push({ lower, upper, cols: keys, coefs: keys.map((k) => merged.get(k)!) });
  }
}

export type SolveStatus = 'optimal' | 'infeasible' | 'time-limit' | 'error';

export interface SolveResult {
  status: SolveStatus;
  objective: number;
  /** The best proven bound on the objective (below it when minimising, above when maximising):
   *  the tightest over the rounds, each a relaxation of the program with every lazy row; NaN
   *  when no round reported one. Equal to `objective` when optimal. */
  bound: number;
  x: Float64Array;
  /** How many times HiGHS ran (1 + rounds of lazy rows). */
  rounds: number;
}

export interface NewVar {
  lower: number;
  upper: number;
  cost: number;
  integer: boolean;
}

/** What a lazy-constraint callback adds: new columns (numbered after the existing ones), then rows. */
export interface LazyAddition {
  vars: NewVar[];
  rows: Row[];
  /** Values of the new columns in the MIP start, when there is one. */
  startValues?: number[];
}

export interface SolveOptions {
  timeLimitSec?: number;
  /** Relative MIP gap at which HiGHS may stop (default 1e-6: proven optimal). */
  mipGap?: number;
  /** A known feasible solution (a MIP start); HiGHS checks it and keeps it if it is feasible. */
  start?: Float64Array;
  /** Called with each optimal solution; what it returns is added and the program solved again. */
  lazy?: (x: Float64Array, numCols: number) => LazyAddition;
  /** Called at the MIP's checkpoints (about every few milliseconds of search) with its incumbent
   *  and proven bound (objective units of this round, NaN when none); return true to stop. */
  checkpoint?: (p: { incumbent: number; bound: number }) => boolean;
  /** Called with each new best solution of a MIP round (it may yet fail the lazy rows). */
  improving?: (x: Float64Array) => void;
}

const INF = Number.POSITIVE_INFINITY;

export function solveProgram(p: Program, opts: SolveOptions = {}): SolveResult {
  const h = solver();
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const r of p.rows) {
    indices.push(...r.cols);
    values.push(...r.coefs);
    starts.push(indices.length);
  }
  const anyInteger = p.integer.some((x) => x);
  const model = h.createModel({
    numCols: p.numCols,
    numRows: p.rows.length,
    sense: p.maximize ? h.constants.objectiveSense.maximize : h.constants.objectiveSense.minimize,
    colCost: p.cost,
    colLower: p.lower.map((v) => (v === -INF ? -h.infinity : v)),
    colUpper: p.upper.map((v) => (v === INF ? h.infinity : v)),
    rowLower: p.rows.map((r) => (r.lower === -INF ? -h.infinity : r.lower)),
    rowUpper: p.rows.map((r) => (r.upper === INF ? h.infinity : r.upper)),
    matrix: { format: 'csr', numRows: p.rows.length, numCols: p.numCols, starts, indices, values },
    ...(anyInteger ? { integrality: p.integer.map((b) => (b ? h.constants.variableType.integer : h.constants.variableType.continuous)) } : {}),
  });
  try {
    model.options.set({ output_flag: false, mip_rel_gap: opts.mipGap ?? 1e-6, ...(opts.timeLimitSec ? { time_limit: opts.timeLimitSec } : {}) });
    let rounds = 0;
    let start = opts.start ?? null;
    const began = performance.now();
    // Later rounds only add rows, so each round's bound holds for the final program: keep the tightest.
    let bound = Number.NaN;
    const tighter = (b: number): void => {
      if (Number.isFinite(b) && (Number.isNaN(bound) || (p.maximize ? b < bound : b > bound))) bound = b;
    };
    let stopped = false;
    const C = h.constants.callbackType;
    const callbacks = anyInteger && (opts.checkpoint || opts.improving) ? {
      ...(opts.checkpoint ? {
        [C.mipInterrupt]: (e: { data: { mip_primal_bound?: number; mip_dual_bound?: number }; interrupt(): void }): undefined => {
          if (opts.checkpoint!({ incumbent: e.data.mip_primal_bound ?? Number.NaN, bound: e.data.mip_dual_bound ?? Number.NaN })) {
            stopped = true;
            e.interrupt();
          }
        },
      } : {}),
      ...(opts.improving ? {
        [C.mipImprovingSolution]: (e: { data: { mip_solution?: Float64Array } }): undefined => {
          if (e.data.mip_solution) opts.improving!(e.data.mip_solution);
        },
      } : {}),
    } : undefined;
    for (;;) {
      rounds++;
      if (opts.timeLimitSec) {
        const left = opts.timeLimitSec - (performance.now() - began) / 1000;
        if (left <= 0) return { status: 'time-limit', objective: Number.NaN, bound, x: new Float64Array(p.numCols), rounds };
        model.zeroAllClocks();
        model.options.set({ time_limit: left });
      }
      // The start stays feasible under every lazy row (it passes the exact checks), so it is
      // handed again each round, extended by the callback's values for the new columns.
      if (start && anyInteger) model.setSolution({ colValue: start });
      if (callbacks) model.run(callbacks);
      else model.run();
      const status = model.getModelStatus();
      if (process.env['SYNERGY_LP_DEBUG']) {
        for (const k of ['mip_node_count', 'mip_dual_bound', 'objective_function_value', 'mip_gap']) process.stderr.write(`${k} ${String(model.info.get(k))}\n`);
      }
      const S = h.constants.modelStatus;
      if (status === S.infeasible || status === S.unboundedOrInfeasible) {
        return { status: 'infeasible', objective: Number.NaN, bound, x: new Float64Array(p.numCols), rounds };
      }
      if (status !== S.optimal) {
        const x = hasPrimal(model) ? model.getSolution().colValue : new Float64Array(p.numCols);
        if (anyInteger) tighter(Number(model.info.get('mip_dual_bound')));
        const limited = status === S.timeLimit || (stopped && status === S.interrupted);
        return { status: limited ? 'time-limit' : 'error', objective: model.getObjectiveValue(), bound, x, rounds };
      }
      const x = model.getSolution().colValue;
      tighter(anyInteger ? Number(model.info.get('mip_dual_bound')) : model.getObjectiveValue());
      const extra = opts.lazy ? opts.lazy(x, x.length) : { vars: [], rows: [] };
      if (extra.rows.length === 0) return { status: 'optimal', objective: model.getObjectiveValue(), bound: model.getObjectiveValue(), x, rounds };
      if (start) start = Float64Array.from([...start, ...extra.vars.map((_, i) => extra.startValues?.[i] ?? 0)]);
      for (const v of extra.vars) {
        model.addCol(v.cost, v.lower === -INF ? -h.infinity : v.lower, v.upper === INF ? h.infinity : v.upper, { indices: [], values: [] });
        if (v.integer) model.changeColIntegrality(x.length + extra.vars.indexOf(v), h.constants.variableType.integer);
      }
      for (const r of extra.rows) {
        model.addRow(r.lower === -INF ? -h.infinity : r.lower, r.upper === INF ? h.infinity : r.upper, { indices: r.cols, values: r.coefs });
      }
    }
  } finally {
    model.dispose();
  }
}

function hasPrimal(model: { info: { get(name: string): unknown } }): boolean {
  try {
    return model.info.get('primal_solution_status') === 2;
  } catch {
    return false;
  }
}
