// One run of an app on a desk: boards up (emulated from the desk spec, or given), plan with the
// devices present, deploy, execute and measure; when a board is lost or joins, re-plan with the
// boards present, redeploy what changed and go on. Each plan's time is an epoch; each epoch has
// a measurement window that opens after a warm-up and closes at the next change or at the end.
// Every frame started ends in the ledger (delivered or failed with a reason), which must
// balance when the run ends.

import { boardEngine } from '../board/segments.js';
import type { Engine as AccelEngine } from '../synth/engine.js';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { openBoard } from '../board/open.js';
import type { BoardSession } from '../board/session.js';
import type { AppSpec } from '../space/app-spec.js';
import type { DeskSpec } from '../space/device.js';
import type { PlanObject } from '../plan/plan-object.js';
import type { Objective, PlanProblem } from '../plan/problem.js';
import { BoardMonitor, type BoardFinder, type BoardHandle } from './boards.js';
import { OutputChecker } from './checker.js';
import { cpuSnapshot, cpuUse, type CpuSnapshot, type CpuUse } from './host-cpu.js';
import { deployPlan, LOAD_BESIDE_RUNNING_WINDOW, ModelStore, preloadSegments, type DeployProgress, type DeployResult } from './deploy.js';
import { DeliveryGaps } from './delivery-gaps.js';
import { startDeskEmulators, type DeskEmulatorOptions, type DeskEmulators, type SensorStream } from './desk-emulators.js';
import type { BoardProcessKind } from '../link/board-process.js';
import { Engine, type StreamRef } from './engine.js';
import { injectFaults, moment, type Fault } from './fault-injection.js';
import { FairGate, holdFor } from './fair-gate.js';
import { Ledger, type PipelineCounts, type WrongOutput } from './ledger.js';
import { BUCKET_MS, Metrics, type RunEvent, type Span, type WindowResult } from './metrics.js';
import { deskOf, planRun, repairPlan, type Planned } from './planning.js';
import { planScore, preloadable, problemFor, QuickSearch, type DeployCostModel, type QuickChoice } from './quick-plan.js';
import { segmentsOf, throughputOf, type RunPipeline, type RunPlan, type RunRoute } from './run-plan.js';
import { sleep } from './semaphore.js';

export type DeskSource =
  /** start one emulated board (or QEMU board) per device of the spec */
  | { kind: 'emulate'; spec: DeskSpec; binary?: string; boards?: BoardProcessKind; engine?: AccelEngine }
  /** an emulated desk already running (several runs on the same boards); left running */
  | { kind: 'emulated'; emulators: DeskEmulators }
  /** boards that already run: the port of each device, and how to find ones that join */
  | { kind: 'boards'; spec: DeskSpec; paths: ReadonlyMap<string, string>; finder: BoardFinder | null };

/** How the boards of an `emulate` desk are started. */
export function emulateOptions(desk: Extract<DeskSource, { kind: 'emulate' }>): DeskEmulatorOptions {
  return { ...(desk.binary ? { binary: desk.binary } : {}), ...(desk.boards ? { kind: desk.boards } : {}), ...(desk.engine ? { engine: desk.engine } : {}) };
}

export type { Fault } from './fault-injection.js';

export interface RunConfig {
  app: AppSpec;
  desk: DeskSource;
  policy: string;
  objective?: Objective;
  durationS: number;
  /** seconds after a plan starts before its measurement window opens (default 1) */
  warmupS?: number;
  admitFactor?: number;
  stageDepth?: number;
  /** check one frame in N against the reference executor, the first always (0: none; default 10; emulated desks only) */
  checkEvery?: number;
  /** optimal's solver time limit, s */
  optimalTimeLimitSec?: number;
  /** fault injection on an emulated desk (a board killed or hung, started again) */
  faults?: readonly Fault[];
  /** when the run should stop early (Ctrl-C, SIGTERM): frames in flight get DRAIN_MS, the result is returned */
  signal?: AbortSignal;
  /** search each board's recovery plan in the background while a plan runs (default true) */
  prepareRecovery?: boolean;
}

export interface LiveStatus {
  elapsedS: number;
  epoch: number;
  pipelines: { name: string; rate: number; p50Ms: number; delivered: number; failed: number; planned: number }[];
  boards: { device: string; lost: boolean }[];
  phase: 'deploying' | 'running' | 'adapting' | 'draining';
  /** busy ms per resource (DEVICE.cnn/cpu/tx/rx, PIPELINE.sensor) since the run began, for live utilisation */
  busyMs?: Record<string, number>;
}

export interface Epoch {
  index: number;
  reason: string;
  plan: RunPlan;
  /** the planner's plan object (what `synergy plan --json` prints) */
  object: PlanObject;
  problem: PlanProblem;
  planMs: number;
  deploy: DeployResult;
  /** performance.now() ms when frames started, and when the epoch ended */
  start: number;
  end: number;
  window: WindowResult | null;
  /** the plan's throughput measured in the window, by the plan's definition */
  measured: number | null;
  /** CPU the emulators and the host used in the window (emulated desks) */
  cpu: CpuUse | null;
}

export interface Recovery {
  device: string;
  kind: 'lost' | 'joined';
  reason: string;
  /**
   * a lost board: ms from the fault to its detection; from the injected fault when the run caused
   * it, else from the last thing the board sent (a board that hangs or dies does so after it)
   */
  detectionMs: number | null;
  /** ms from detection until every placed pipeline delivered again on the new plan (null if never) */
  recoveryMs: number | null;
  /** per pipeline, ms from detection to its first delivery on the new plan */
  resumedMs: Record<string, number | null>;
  /** pipelines the new plan cannot run (they stay stopped) */
  unplaced: string[];
  /**
   * a lost board: per pipeline that did not use it, the longest gap between its deliveries from
   * the fault until every placed pipeline delivered again (the other pipelines keep delivering)
   */
  stallMs: Record<string, number>;
  at: number;
  /** a lost board: the quick stage (the plan that runs again first) */
  quick: QuickStage | null;
  /** a lost board: the upgrade stage (a fresh plan, when it is better enough), once decided */
  upgrade: UpgradeStage | null;
}

/** Recovering from a lost board, stage 1: a plan whose loads fit a deploy budget (quick-plan.ts). */
export interface QuickStage {
  /** ms from detection until the plan was chosen */
  planMs: number;
  /** the search's CPU ms (background part included), whether it went through every option, and whether it started before the loss */
  searchMs: number;
  complete: boolean;
  prepared: boolean;
  /** estimate of the quick plan (planScore) */
  estimate: number;
  /** the repair of the running plan (working routes kept, broken pipelines placed by load, bytes not counted): estimate, deploy estimate, pipelines placed */
  repair: { estimate: number; deployEstimateMs: number; placed: number } | null;
  deployBudgetMs: number;
  deployEstimateMs: number;
  /** the bytes the estimate has the boards load (what they hold costs nothing) */
  deployEstimateBytes: number;
  withinBudget: boolean;
  /** measured: the deploy's ms and bytes, and ms from detection until it was done */
  deployMs: number;
  bytes: number;
  deployedMs: number;
}

/** Recovering from a lost board, stage 2: moving to a fresh plan more than 10% better, after every pipeline delivers again. */
export interface UpgradeStage {
  status: 'upgraded' | 'kept' | 'superseded' | 'not reached';
  reason: string;
  /** ms from detection: when the upgrade began, and when every pipeline it restarted delivered again */
  startMs: number | null;
  doneMs: number | null;
  planMs: number | null;
  /** estimates (planScore): the quick plan's, the fresh plan's */
  from: number;
  to: number | null;
  /** loads beside the running quick plan (it kept delivering meanwhile) */
  preloadMs: number;
  preloadBytes: number;
  /** the switch-over: the changed pipelines stop, the rest loads, they start again */
  switchDeployMs: number;
  switchBytes: number;
  /** per pipeline the switch-over restarted: ms from its stop to its first delivery on the upgraded plan */
  pausedMs: Record<string, number | null>;
}

export interface RunResult {
  app: string;
  desk: string;
  policy: string;
  objective: Objective;
  durationS: number;
  /** stopped by `signal` before the duration ended */
  stopped: boolean;
  t0: number;
  epochs: Epoch[];
  counts: Record<string, PipelineCounts>;
  totals: PipelineCounts;
  wrongOutputs: WrongOutput[];
  failureDetails: Record<string, string>;
  recoveries: Recovery[];
  events: RunEvent[];
  spans: Span[];
  timeline: { start: number; end: number } | null;
  /** per pipeline deliveries and failures per BUCKET_MS from t0 */
  series: Record<string, { delivered: number[]; failed: number[] }>;
  bucketMs: number;
  latencyMs: Record<string, { p50: number; p99: number; count: number }>;
  /** the first epoch's measured and estimated throughput */
  measuredThroughput: number;
  estimatedThroughput: number;
  checkSkipped: number;
  /** link wire rate per device, bytes/s (for the report) */
  devices: { name: string; chip: string | null; bytesPerSec: number | null }[];
}

export interface RunEvents {
  status: [LiveStatus];
  deploy: [DeployProgress];
  event: [RunEvent];
  /** an epoch began (window null) or its measurement window closed */
  epoch: [Epoch];
}

const TICK_MS = 100;
const STATUS_MS = 500;
const DRAIN_MS = 1500;
const END_DRAIN_MS = 5000;
const MAX_END_DRAIN_MS = 60_000;
/** Synergy's search budget when re-planning mid-run (the search holds the host's event loop). */
const REPLAN_BUDGET_MS = 300;
/** A re-plan whose load fails (a board that stops answering mid-load) plans again on the boards
 *  still present, this many times, RETRY_DELAY_MS apart, before the run ends with the error. */
const REPLAN_ATTEMPTS = 3;
const RETRY_DELAY_MS = 500;
/** A repair of the running plan is taken when its estimate is at least this share of a fresh plan's;
 *  after a loss, the quick stage's plan is upgraded to a fresh one below this share. */
const REPAIR_KEEPS = 0.9;
/**
 * CPU ms a board's loss may spend searching its quick plan once the loss is known, when the
 * search prepared in the background is not done (or none was): each ms delays the recovery,
 * and the search finds good plans early (quick-plan.ts).
 */
const QUICK_SEARCH_LIMIT_MS = 200;
/**
 * Background search of every board's recovery plan: slices of this many ms with as long a pause
 * after each (at most half of the host's loop), at most PREPARE_SEARCH_MS per board (the search
 * finds good plans early; the rest proves them).
 */
const PREPARE_SLICE_MS = 5;
const PREPARE_SEARCH_MS = 600;
/** The background search waits this long after a plan starts (its first frames go first). */
const PREPARE_AFTER_MS = 1000;
/**
 * The upgrade stage's switch-over stops the pipelines it moves while their segments load; it
 * prefers a plan whose loads fit this budget, searched (in slices, at most UPGRADE_SEARCH_MS)
 * from the quick plan, when its estimate is within REPAIR_KEEPS of the fresh plan's.
 */
const UPGRADE_DEPLOY_BUDGET_MS = 1500;
const UPGRADE_SEARCH_MS = 1000;

/** A run: `execute()` resolves with the result; events tell the progress (status, deploy, event). */
export class Run extends EventEmitter<RunEvents> {
  constructor(readonly config: RunConfig) {
    super();
  }

  async execute(): Promise<RunResult> {
    return execute(this, this.config);
  }
}

function streamsFor(emus: DeskEmulators | null): (pipeline: string, h: BoardHandle) => StreamRef {
  const files = new Map<string, Uint8Array>();
  return (pipeline, h) => {
    const all = emus?.streams.filter((s) => s.device === h.device) ?? [];
    const mine: SensorStream | undefined = all.find((s) => s.pipeline === pipeline);
    if (mine) {
      let file: Uint8Array | null = null;
      if (mine.file) {
        file = files.get(mine.file) ?? null;
        if (!file) files.set(mine.file, (file = new Uint8Array(readFileSync(mine.file))));
      }
      return { index: mine.index, shape: mine.shape, rateHz: mine.rateHz, file, boardId: h.device, emulated: true };
    }
    throw new Error(`no sensor stream for pipeline ${pipeline} on ${h.device}`);
  };
}

/** A board's own sensors, for boards the run did not start: the first sensor of the kind. */
function helloStream(h: BoardHandle, kind: string): StreamRef {
  const sensors = h.session.hello.sensors;
  const index = sensors.findIndex((s) => s.kind === kind);
  if (index < 0) throw new Error(`board ${h.device} has no ${kind} sensor`);
  const s = sensors[index]!;
  const shape: [number, number, number] = [s.shape[0] ?? 1, s.shape[1] ?? 1, s.shape[2] ?? 1];
  return { index, shape, rateHz: s.rateMhz > 0 ? s.rateMhz / 1000 : 1000, file: null, boardId: h.device, emulated: false };
}

async function execute(run: Run, cfg: RunConfig): Promise<RunResult> {
  const app = cfg.app;
  const names = app.pipelines.map((p) => p.name);
  const ledger = new Ledger(names);
  const t0 = performance.now();
  const metrics = new Metrics(t0, names);
  const gaps = new DeliveryGaps();
  /** the epoch's max-min gate (fair-gate.ts) */
  const gates: { current: FairGate | null } = { current: null };
  /** pipelines started again beside running ones, not held level with them until they deliver */
  const joining = new Set<string>();
  ledger.onSettle((e) => {
    if (e.kind === 'delivered') {
      metrics.delivered(e.pipeline, e.at, e.latencyMs, e.route);
      gaps.delivered(e.pipeline, e.at);
      if (joining.delete(e.pipeline)) gates.current?.resume(e.pipeline);
    } else {
      metrics.failed(e.pipeline, e.at);
    }
  });
  const store = new ModelStore();
  const note = (kind: RunEvent['kind'], text: string, at = performance.now()): void => {
    metrics.event(kind, text, at);
    run.emit('event', { kind, text, at });
  };

  let emus: DeskEmulators | null = null;
  let monitor: BoardMonitor | null = null;
  let checker: OutputChecker | null = null;
  /** one engine per running pipeline: a re-plan that keeps a pipeline's routes keeps it running */
  const engines = new Map<string, Engine>();
  const epochs: Epoch[] = [];
  const recoveries: Recovery[] = [];
  /** `lastHeard`: a lost board's last sign of life (its fault came after it) */
  const pendingChanges: { kind: 'lost' | 'joined'; device: string; reason: string; at: number; lastHeard: number | null }[] = [];
  const faultTimes = new Map<string, number>();
  /** the first load's start and the first plan's start, for faults timed from them */
  const loadStarted = moment();
  const runStarted = moment();
  const state: { phase: LiveStatus['phase'] } = { phase: 'deploying' };
  let firstStart = 0;
  const failureDetails: Record<string, string> = {};
  /** aborted when the run ends (or is stopped): background waits end with it */
  const finished = new AbortController();
  /** the loop's tick, cut short by a change of boards (or the end) */
  const tick = { wake: new AbortController() };
  /** the faults being injected (cfg.faults), ended by `finished` */
  let injecting: Promise<void> = Promise.resolve();
  cfg.signal?.addEventListener('abort', () => {
    finished.abort();
    tick.wake.abort();
  }, { once: true });
  try {
    // ---- boards -----------------------------------------------------------------------------
    let desk: DeskSpec;
    const paths = new Map<string, string>();
    let finder: BoardFinder | null;
    if (cfg.desk.kind === 'emulate' || cfg.desk.kind === 'emulated') {
      emus = cfg.desk.kind === 'emulated' ? cfg.desk.emulators : await startDeskEmulators(cfg.desk.spec, app, emulateOptions(cfg.desk));
      desk = emus.desk;
      for (const [d, b] of emus.boards) paths.set(d, b.path);
      const registry = emus.registry;
      finder = async (device) => registry.list().find((e) => e.id === device)?.path;
    } else {
      desk = cfg.desk.spec;
      for (const [d, p] of cfg.desk.paths) paths.set(d, p);
      finder = cfg.desk.finder;
    }
    const owned = emus;
    monitor = new BoardMonitor(
      desk.devices.map((d) => d.name),
      finder,
      (device) => owned?.boards.get(device)?.emulator,
    );
    // Faults are timed from the first load or the first plan's start (fault-injection.ts).
    if (emus && (cfg.faults?.length ?? 0) > 0) {
      injecting = injectFaults(cfg.faults!, emus, { loadStarted: loadStarted.at, runStarted: runStarted.at }, finished.signal,
        (f, at) => {
          faultTimes.set(f.device, at);
          tick.wake.abort();
        },
        (text) => note('note', text));
    }
    const opened = await Promise.allSettled(
      desk.devices.map(async (d) => {
        const path = paths.get(d.name);
        if (!path) return;
        let session: BoardSession;
        try {
          session = await openBoard(path);
        } catch (e) {
          throw new Error(`device ${d.name}: ${(e as Error).message}`);
        }
        if (session.hello.boardId !== d.name && emus) {
          await session.close('not the board expected');
          throw new Error(`device ${d.name}: the board on ${path} says it is ${session.hello.boardId}`);
        }
        monitor!.add(d.name, session);
      }),
    );
    const openFailed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (openFailed) throw openFailed.reason;
    const mon = monitor;
    /** the pipelines whose running routes use `device` */
    const usersOf = (device: string): string[] =>
      (epochs.at(-1)?.plan.pipelines ?? []).filter((p) => p.routes.some((r) => routeDevices(r).includes(device))).map((p) => p.name);
    mon.on('lost', (device, reason, at, lastHeard) => {
      note('lost', `board ${device} lost: ${reason}`, at);
      for (const e of engines.values()) e.closeDevice(device, `board ${device} lost`);
      // A lost board's pipelines stop: the others no longer wait for them at the gate.
      for (const p of usersOf(device)) gates.current?.release(p);
      pendingChanges.push({ kind: 'lost', device, reason, at, lastHeard });
      tick.wake.abort();
    });
    mon.on('joined', (h, at) => {
      note('joined', `board ${h.device} joined (${h.chip.name})`, at);
      pendingChanges.push({ kind: 'joined', device: h.device, reason: 'joined', at, lastHeard: null });
      tick.wake.abort();
    });
    // A board that may hang (an answer overdue, silence) never holds the other pipelines.
    mon.on('suspect', (device, why) => {
      const users = usersOf(device);
      if (users.length === 0) return;
      note('note', `board ${device} suspect (${why}): ${users.join(', ')} no longer held level with the others`);
      for (const p of users) gates.current?.suspend(p);
    });
    mon.on('cleared', (device) => {
      for (const p of usersOf(device)) gates.current?.resume(p);
    });
    if (emus && (cfg.checkEvery ?? 10) > 0) checker = new OutputChecker(ledger, { every: cfg.checkEvery ?? 10, model: (n) => store.model(n).model });

    const stream = streamsFor(emus);
    const boardsMap = mon.handles;
    const ctxFor = (): ConstructorParameters<typeof Engine>[1] => ({
      boards: boardsMap,
      store,
      ledger,
      metrics,
      checker,
      stream: (pipeline, device) => {
        const h = boardsMap.get(device)!;
        if (emus) return stream(pipeline, h);
        return helloStream(h, app.pipelines.find((p) => p.name === pipeline)!.source.kind);
      },
      outputIndex: (device, kind) => {
        const i = boardsMap.get(device)!.session.hello.outputs.indexOf(kind);
        if (i < 0) throw new Error(`board ${device} has no ${kind} output`);
        return i;
      },
    });

    // ---- link busy time from the sessions' byte counters ------------------------------------
    const lastBytes = new WeakMap<BoardSession, { in: number; out: number }>();
    const sampleLinks = (): void => {
      for (const h of mon.handles.values()) {
        const s = h.session.hostStats;
        const prev = lastBytes.get(h.session) ?? { in: 0, out: 0 };
        lastBytes.set(h.session, { in: s.bytesIn, out: s.bytesOut });
        if (!Number.isFinite(h.wireBytesPerSec)) continue;
        metrics.addBusy(`${h.device}.tx`, ((s.bytesIn - prev.in) * 1000) / h.wireBytesPerSec);
        metrics.addBusy(`${h.device}.rx`, ((s.bytesOut - prev.out) * 1000) / h.wireBytesPerSec);
      }
    };

    // ---- one epoch: plan, deploy, start -----------------------------------------------------
    const engineOptions = {
      ...(cfg.admitFactor !== undefined ? { admitFactor: cfg.admitFactor } : {}),
      ...(cfg.stageDepth !== undefined ? { stageDepth: cfg.stageDepth } : {}),
    };
    const planNow = async (reason: string, budgetMs?: number): Promise<Planned> => {
      const present = new Set(mon.present().map((h) => h.device));
      const planned = await planRun({
        desk: deskOf(desk, present), app, policy: cfg.policy,
        ...(cfg.objective ? { objective: cfg.objective } : {}),
        ...(budgetMs !== undefined ? { budgetMs } : {}),
        ...(cfg.optimalTimeLimitSec !== undefined ? { optimalTimeLimitSec: cfg.optimalTimeLimitSec } : {}),
      });
      const plan = planned.plan;
      note('plan', `${cfg.policy} plan on ${present.size} boards (${reason}): estimated ${plan.estimate.throughput.toFixed(2)} ` +
        `${plan.estimate.objective === 'maxmin' ? 'frames/s per unit weight' : 'frames/s'}, bottleneck ${plan.estimate.bottleneck ?? 'none'}` +
        `${plan.unplaced.length ? `; not placed: ${plan.unplaced.map((u) => u.pipeline).join(', ')}` : ''}`);
      return planned;
    };
    /** Runs a plan: keeps pipelines whose routes did not change, restarts the rest. */
    const bringUp = async (planned: Planned, reason: string, stopReason: string): Promise<{ epoch: Epoch; kept: Set<string> }> => {
      state.phase = 'deploying';
      const plan = planned.plan;
      const present = new Set(mon.present().map((h) => h.device));
      if (!emus) checkSensorShapes(plan, mon.handles, store);
      const previous = epochs.at(-1)?.plan;
      const kept = new Set<string>();
      for (const p of plan.pipelines) {
        const before = previous?.pipelines.find((x) => x.name === p.name);
        if (before && engines.has(p.name) && sameRoutes(before, p) && p.routes.every((r) => routeDevices(r).every((d) => present.has(d)))) kept.add(p.name);
      }
      // The others stop (their frames on live boards may finish) before their segments change.
      await Promise.all(
        [...engines].filter(([name]) => !kept.has(name)).map(async ([name, e]) => {
          await e.stop(stopReason, DRAIN_MS);
          collectDetails(e, failureDetails);
          engines.delete(name);
        }),
      );
      // The first load may be cut short by a stop (nothing runs yet); a re-plan's load completes.
      const first = epochs.length === 0;
      if (first) loadStarted.reach(performance.now());
      const deploy = await deployPlan(mon.present(), segmentsOf(plan), store, {
        onProgress: (p) => run.emit('deploy', p),
        ...(first && cfg.signal ? { signal: cfg.signal } : {}),
        // Pipelines that keep running share the links with the loads.
        ...(engines.size > 0 ? { window: LOAD_BESIDE_RUNNING_WINDOW } : {}),
      });
      note('deployed', `loaded ${deploy.devices.reduce((a, d) => a + d.loaded.length, 0)} segments (${deploy.bytes} bytes) in ${Math.round(deploy.ms)} ms; ` +
        `kept ${deploy.devices.reduce((a, d) => a + d.kept.length, 0)}, unloaded ${deploy.devices.reduce((a, d) => a + d.unloaded.length, 0)}` +
        `${kept.size > 0 ? `; ${[...kept].join(', ')} kept running` : ''}`);
      const start = performance.now();
      if (firstStart === 0) {
        firstStart = start;
        runStarted.reach(start);
      }
      // Max-min: one gate for the epoch couples every pipeline's admission (fair-gate.ts).
      gates.current?.close();
      const gate = plan.estimate.objective === 'maxmin' ? new FairGate(new Map(plan.pipelines.map((p) => [p.name, { weight: p.weight, hold: holdFor(p.estimatedRate, p.routes) }]))) : null;
      gates.current = gate;
      for (const p of plan.pipelines) {
        if (kept.has(p.name)) {
          const e = engines.get(p.name)!;
          e.setPlannedRate(p.name, p.estimatedRate);
          e.setGate(gate);
          continue;
        }
        const e = new Engine({ ...plan, pipelines: [p] }, ctxFor(), engineOptions);
        e.setGate(gate);
        engines.set(p.name, e);
        e.start();
      }
      // A pipeline started again beside running ones does not hold them until it delivers (its
      // first frames fill its stages, computed on boards that have not seen them): it joins the
      // gate then, level with them.
      joining.clear();
      if (gate && kept.size > 0) {
        for (const p of plan.pipelines) {
          if (kept.has(p.name)) continue;
          gate.suspend(p.name);
          joining.add(p.name);
        }
      }
      state.phase = 'running';
      const epoch: Epoch = { index: epochs.length, reason, plan, object: planned.object, problem: planned.problem, planMs: planned.ms, deploy, start, end: start, window: null, measured: null, cpu: null };
      epochs.push(epoch);
      run.emit('epoch', epoch);
      return { epoch, kept };
    };

    /** bringUp for a re-plan: a load that fails is planned again on the boards present (the
     *  monitor drops a board that stopped answering) before the run gives up. */
    const bringUpRetrying = async (planned: Planned, why: string, stopReason: string): Promise<{ epoch: Epoch; kept: Set<string> }> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await bringUp(planned, why, stopReason);
        } catch (e) {
          if (cfg.signal?.aborted) throw e; // stopped while loading: nothing to plan again
          const last = attempt >= REPLAN_ATTEMPTS || finished.signal.aborted;
          note('note', `${epochs.length === 0 ? 'the first load' : 're-plan'} failed${last ? '' : `, planning again (attempt ${attempt + 1} of ${REPLAN_ATTEMPTS})`}: ${(e as Error).message}`);
          if (last) throw e;
          await sleep(RETRY_DELAY_MS);
          planned = await planNow(`${why}; again after a failed load`, REPLAN_BUDGET_MS);
        }
      }
    };

    let cpuAtOpen: CpuSnapshot | null = null;
    const emulatorPids = (): Map<string, number> => new Map([...(emus?.boards ?? new Map())].map(([d, b]) => [d, b.emulator.pid]));
    const closeEpoch = (epoch: Epoch, at: number): void => {
      sampleLinks();
      epoch.end = at;
      const w = metrics.closeWindow(at);
      epoch.window = w;
      if (w && cpuAtOpen) {
        const modelled = new Map<string, number>();
        for (const d of desk.devices) modelled.set(d.name, (w.utilisation[`${d.name}.cnn`] ?? 0) + (w.utilisation[`${d.name}.cpu`] ?? 0));
        epoch.cpu = cpuUse(cpuAtOpen, cpuSnapshot(emulatorPids()), modelled);
      }
      cpuAtOpen = null;
      if (w) {
        // The planner's definition: over the pipelines it could plan (a pipeline the desk cannot
        // run at all is reported apart); one the policy left out counts as 0.
        const plannable = epoch.problem.pipelines.map((p) => p.spec);
        const rates = new Map<string, number>(plannable.map((p) => [p.name, epoch.plan.pipelines.some((x) => x.name === p.name) ? (w.rates[p.name] ?? 0) : 0]));
        const weights = new Map(plannable.map((p) => [p.name, p.weight]));
        epoch.measured = throughputOf(epoch.plan.estimate.objective, rates, weights);
      }
      run.emit('epoch', epoch);
    };

    // Deadlines and heartbeats from the first load on: a board lost while the first plan loads is
    // planned around like any other (bringUpRetrying).
    mon.start();
    let epoch = (await bringUpRetrying(await planNow('start'), 'start', 'not started')).epoch;
    const warmupMs = (cfg.warmupS ?? 1) * 1000;
    const endAt = (): number => firstStart + cfg.durationS * 1000;
    const status = (): void => {
      const now = performance.now();
      const recent = 4; // buckets: the last 2 s
      run.emit('status', {
        elapsedS: (now - firstStart) / 1000,
        epoch: epoch.index,
        phase: state.phase,
        busyMs: metrics.busyTotals(),
        boards: [...mon.handles.values()].map((h) => ({ device: h.device, lost: h.lost !== null })),
        pipelines: names.map((name) => {
          const s = metrics.series.get(name)!.delivered;
          const cur = Math.floor((now - t0) / BUCKET_MS);
          let n = 0;
          for (let b = Math.max(0, cur - recent); b < cur; b++) n += s[b] ?? 0;
          const c = ledger.pipeline(name);
          return {
            name,
            rate: (n * 1000) / (recent * BUCKET_MS),
            p50Ms: metrics.latency.get(name)!.quantile(0.5),
            delivered: c.delivered,
            failed: c.failed,
            planned: epoch.plan.estimate.rates[name] ?? 0,
          };
        }),
      });
    };
    // On a timer, not in the loop: the status goes on while the loop re-plans after a change.
    const statusTimer = setInterval(status, STATUS_MS);
    finished.signal.addEventListener('abort', () => clearInterval(statusTimer), { once: true });

    // ---- recovery plans, prepared while a plan runs ------------------------------------------
    // What loading a plan costs on the boards present: what they hold for the running plan
    // costs nothing, the rest its bytes over each board's link.
    /** How a device's board drives its accelerator (what its segments are encoded as). */
    const engineOf = (device: string): AccelEngine => {
      const h = mon.handles.get(device);
      return h ? boardEngine(h.session) : 'layer';
    };
    const costModel = (plan: RunPlan, present: ReadonlySet<string>): DeployCostModel => {
      const resident = new Map<string, Set<string>>();
      for (const s of segmentsOf(plan)) {
        if (!present.has(s.device)) continue;
        let ids = resident.get(s.device);
        if (!ids) resident.set(s.device, (ids = new Set()));
        ids.add(s.id);
      }
      return {
        resident,
        segmentBytes: (s) => store.segmentBytes(s, engineOf(s.device)),

        bytesPerSec: (d) => mon.handles.get(d)?.wireBytesPerSec ?? Number.POSITIVE_INFINITY,
      };
    };
    const basisOf = (index: number, present: Iterable<string>): string => `${index}|${[...present].sort().join(',')}`;
    /** per device, the search of the quick plan for its loss, made for one epoch and set of boards */
    const prepared = new Map<string, { basis: string; search: QuickSearch }>();
    /** an upgrade waiting for the quick stage to deliver; `open` from a loss until its upgrade is decided */
    const upgrade: { due: UpgradeDue | null; open: object | null } = { due: null, open: null };
    const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    // One search slice at a time between the runtime's own work (each board in turn), so a
    // lost board's plan is usually ready when the loss is detected.
    const prepareLoop = async (): Promise<void> => {
      let basis = '';
      let queue: string[] = [];
      let turn = 0;
      while (!finished.signal.aborted) {
        if (state.phase !== 'running' || pendingChanges.length > 0 || upgrade.open !== null || performance.now() < epoch.start + PREPARE_AFTER_MS) {
          await sleep(50, finished.signal);
          continue;
        }
        const present = new Set(mon.present().map((h) => h.device));
        const now = basisOf(epoch.index, present);
        if (now !== basis) {
          prepared.clear();
          basis = now;
          const used = new Set(epoch.plan.pipelines.flatMap((p) => p.routes.flatMap(routeDevices)));
          queue = desk.devices.map((d) => d.name).filter((d) => present.has(d) && used.has(d));
        }
        const device = queue.shift();
        if (device !== undefined) {
          const after = new Set([...present].filter((d) => d !== device));
          try {
            const pr = await problemFor(deskOf(desk, after), app, cfg.objective);
            if (basis === basisOf(epoch.index, new Set(mon.present().map((h) => h.device)))) {
              prepared.set(device, { basis: basisOf(epoch.index, after), search: new QuickSearch(epoch.plan, pr, cfg.policy, costModel(epoch.plan, after)) });
            }
          } catch (e) {
            note('note', `the recovery plan for losing ${device} was not prepared: ${(e as Error).message}`);
          }
          await yieldNow();
          continue;
        }
        const open = [...prepared].filter(([, c]) => !c.search.done && c.search.searchMs < PREPARE_SEARCH_MS);
        if (open.length === 0) {
          await sleep(100, finished.signal);
          continue;
        }
        const [lost, c] = open[turn++ % open.length]!;
        try {
          c.search.run(performance.now() + PREPARE_SLICE_MS);
        } catch (e) {
          prepared.delete(lost);
          note('note', `the recovery plan for losing ${lost} was not prepared: ${(e as Error).message}`);
        }
        await sleep(PREPARE_SLICE_MS, finished.signal);
      }
    };
    if (cfg.prepareRecovery ?? true) void prepareLoop();

    // ---- a lost board: the quick stage ---------------------------------------------------------
    const quickStage = async (changes: typeof pendingChanges, why: string): Promise<void> => {
      const present = new Set(mon.present().map((h) => h.device));
      const lostNames = changes.filter((c) => c.kind === 'lost').map((c) => c.device);
      const detectedAt = changes[0]!.at;
      const token = {};
      upgrade.open = token;
      let wasPrepared = false;
      let quick: QuickChoice | null = null;
      try {
        let search: QuickSearch | null = null;
        const ready = lostNames.length === 1 ? prepared.get(lostNames[0]!) : undefined;
        if (ready && ready.basis === basisOf(epoch.index, present)) {
          search = ready.search;
          wasPrepared = true;
        }
        prepared.clear();
        if (!search) search = new QuickSearch(epoch.plan, await problemFor(deskOf(desk, present), app, cfg.objective), cfg.policy, costModel(epoch.plan, present));
        // A prepared search cut at its background limit is a hard case: take what it found.
        if (!search.done && !(wasPrepared && search.searchMs >= PREPARE_SEARCH_MS)) search.run(performance.now() + QUICK_SEARCH_LIMIT_MS);
        quick = search.choice();
      } catch (e) {
        prepared.clear();
        note('note', `the quick re-plan failed (${(e as Error).message}); planning afresh`);
      }
      const planned = quick ? quick.planned : await planNow(why, REPLAN_BUDGET_MS);
      const chosenAt = performance.now();
      const plan = planned.plan;
      if (quick) {
        note('plan', `${planned.note}: estimated ${plan.estimate.throughput.toFixed(2)}` +
          `${plan.unplaced.length ? ` (not placed: ${plan.unplaced.map((u) => u.pipeline).join(', ')})` : ''}; ` +
          `the repair of the running plan ${quick.repair ? `${quick.repair.score.toFixed(2)} placing ${quick.repair.placed}, deploy estimated ${Math.round(quick.repair.deployMs)} ms` : 'none'}; ` +
          `searched ${Math.round(quick.searchMs)} ms${wasPrepared ? ' (prepared before the loss)' : ''}${quick.complete ? '' : ', cut short'}`);
      }
      closeEpoch(epoch, detectedAt);
      const stage: QuickStage | null = quick && {
        planMs: chosenAt - detectedAt,
        searchMs: quick.searchMs,
        complete: quick.complete,
        prepared: wasPrepared,
        estimate: quick.score,
        repair: quick.repair ? { estimate: quick.repair.score, deployEstimateMs: quick.repair.deployMs, placed: quick.repair.placed } : null,
        deployBudgetMs: quick.budgetMs,
        deployEstimateMs: quick.deploy.ms,
        deployEstimateBytes: quick.deploy.bytes,
        withinBudget: quick.withinBudget,
        deployMs: 0,
        bytes: 0,
        deployedMs: 0,
      };
      const recs = newRecoveries(changes, stage);
      recoveries.push(...recs);
      const stopReason = `re-plan after board ${lostNames.join(', ')} lost`;
      let kept: Set<string>;
      ({ epoch, kept } = await bringUpRetrying(planned, why, stopReason));
      if (stage) {
        stage.deployMs = epoch.deploy.ms;
        stage.bytes = epoch.deploy.bytes;
        stage.deployedMs = performance.now() - detectedAt;
      }
      const quickEpoch = epoch.index;
      void watchResumption(recs, kept).then(() => {
        if (stage && epochs.at(-1)!.index === quickEpoch && pendingChanges.length === 0 && !finished.signal.aborted) {
          upgrade.due = { recs, epochIndex: quickEpoch, why, at: detectedAt, stopReason };
          tick.wake.abort();
          return;
        }
        if (upgrade.open === token) upgrade.open = null;
        if (!stage) return; // planned afresh: nothing to upgrade
        for (const r of recs) r.upgrade ??= finished.signal.aborted ? notUpgraded('not reached', 'the run ended first', planScore(plan)) : notUpgraded('superseded', 'the boards changed again first', planScore(plan));
      });
    };

    /** per lost-board recovery: since when, and which pipelines did not use the board */
    const stallSpans = new WeakMap<Recovery, { from: number; others: string[] }>();
    /** Recovery records for a batch of changes (the quick stage's, for losses), made while the plan before them is the last one. */
    const newRecoveries = (changes: typeof pendingChanges, quick: QuickStage | null): Recovery[] => {
      const before = epochs.at(-1)?.plan.pipelines ?? [];
      const recs: Recovery[] = changes.map((c) => {
        const faultAt = c.kind === 'lost' ? faultTimes.get(c.device) ?? c.lastHeard : null;
        const r: Recovery = {
          device: c.device,
          kind: c.kind,
          reason: c.reason,
          detectionMs: faultAt === null ? null : c.at - faultAt,
          recoveryMs: null,
          resumedMs: {},
          unplaced: [],
          stallMs: {},
          at: c.at,
          quick: c.kind === 'lost' ? quick : null,
          upgrade: null,
        };
        if (faultAt !== null) {
          const others = before.filter((p) => !p.routes.some((route) => routeDevices(route).includes(c.device))).map((p) => p.name);
          stallSpans.set(r, { from: faultAt, others });
        }
        return r;
      });
      for (const c of changes) faultTimes.delete(c.device);
      return recs;
    };


    /** Fills recoveryMs once every pipeline the new epoch placed delivers; resolves then. */
    const watchResumption = async (recs: Recovery[], kept: ReadonlySet<string>): Promise<void> => {
      const placed = epoch.plan.pipelines.map((p) => p.name);
      for (const r of recs) r.unplaced = epoch.plan.unplaced.map((u) => u.pipeline);
      const restarted = placed.filter((p) => !kept.has(p));
      const firsts = await waitFirstDeliveries(engines, restarted, finished.signal, endAt);
      for (const r of recs) {
        for (const p of placed) r.resumedMs[p] = kept.has(p) ? 0 : firsts.has(p) ? firsts.get(p)! - r.at : null;
        const all = placed.map((p) => r.resumedMs[p]);
        r.recoveryMs = all.every((x) => x !== null && x !== undefined) ? Math.max(0, ...(all as number[])) : null;
        const span = stallSpans.get(r);
        const to = r.recoveryMs !== null ? r.at + r.recoveryMs : performance.now();
        for (const p of span?.others ?? []) r.stallMs[p] = gaps.longestGap(p, span!.from, to);
      }
      const r0 = recs[0];
      note('resumed', `every placed pipeline delivering on the new plan${r0?.recoveryMs != null ? `, ${Math.round(r0.recoveryMs)} ms after the change was detected` : ''}`);
    };

    const supersedeUpgrade = (why: string): void => {
      upgrade.open = null;
      if (!upgrade.due) return;
      for (const r of upgrade.due.recs) r.upgrade ??= notUpgraded('superseded', why, planScore(epoch.plan));
      upgrade.due = null;
    };

    // ---- after the quick stage: the upgrade stage ------------------------------------------------
    const upgradeStage = async (u: UpgradeDue): Promise<void> => {
      const from = planScore(epoch.plan);
      if (epoch.index !== u.epochIndex) {
        for (const r of u.recs) r.upgrade ??= notUpgraded('superseded', 'another plan runs', from);
        return;
      }
      const began = performance.now();
      const fresh = await planNow(`upgrade check after ${u.why}`, REPLAN_BUDGET_MS);
      const to = planScore(fresh.plan);
      const up: UpgradeStage = {
        status: 'kept', reason: '', startMs: began - u.at, doneMs: null, planMs: fresh.ms, from, to,
        preloadMs: 0, preloadBytes: 0, switchDeployMs: 0, switchBytes: 0, pausedMs: {},
      };
      for (const r of u.recs) r.upgrade = up;
      // Beside the fresh plan, one that moves less: searched from the quick plan (each pipeline
      // keeps its route or moves, loads within a budget), in slices while the quick plan runs.
      // It is taken when it places as many pipelines and is nearly as good (REPAIR_KEEPS).
      const present = new Set(mon.present().map((h) => h.device));
      const migration = new QuickSearch(epoch.plan, await problemFor(deskOf(desk, present), app, cfg.objective), cfg.policy, costModel(epoch.plan, present), { budgetMs: UPGRADE_DEPLOY_BUDGET_MS });
      while (!migration.run(performance.now() + PREPARE_SLICE_MS) && migration.searchMs < UPGRADE_SEARCH_MS && pendingChanges.length === 0 && !finished.signal.aborted) await yieldNow();
      const moved = migration.choice();
      const placed = (p: Planned): number => p.plan.pipelines.length;
      const best = placed(moved.planned) > placed(fresh) || (placed(moved.planned) === placed(fresh) && moved.score > to) ? moved.planned : fresh;
      const bestScore = planScore(best.plan);
      const nearly = placed(moved.planned) === placed(best) && moved.score >= REPAIR_KEEPS * bestScore;
      const target = nearly ? moved.planned : best;
      const targetScore = planScore(target.plan);
      up.to = targetScore;
      const quickPlaced = epoch.plan.pipelines.length;
      const better = placed(target) > quickPlaced || (placed(target) === quickPlaced && from < REPAIR_KEEPS * targetScore);
      const what = (p: Planned, score: number): string => `places ${placed(p)} pipelines, estimates ${score.toFixed(2)}`;
      const options = `the quick plan places ${quickPlaced} pipelines, estimates ${from.toFixed(2)}; a fresh plan ${what(fresh, to)}; ` +
        `one moving less ${what(moved.planned, moved.score)} (loads estimated ${Math.round(moved.deploy.ms)} ms)`;
      if (!better) {
        up.reason = `${options}: neither places more nor is more than ${Math.round((1 / REPAIR_KEEPS - 1) * 100)}% better`;
        note('upgrade', `no upgrade: ${up.reason}`);
        return;
      }
      up.reason = `${options}: moving to the ${target === moved.planned ? 'one moving less' : 'fresh plan'}`;
      // Make before break: what fits beside the running plan loads while it goes on.
      state.phase = 'adapting';
      const early = preloadable(epoch.plan, target);
      note('upgrade', `upgrade: ${up.reason}; loading ${early.length} of its new segments beside the running plan first`);
      if (early.length > 0 && pendingChanges.length === 0) {
        const pre = await preloadSegments(mon.present(), early, store, { onProgress: (p) => run.emit('deploy', p), signal: finished.signal, window: LOAD_BESIDE_RUNNING_WINDOW });
        up.preloadMs = pre.ms;
        up.preloadBytes = pre.bytes;
        for (const d of pre.devices) if (d.error) note('note', `upgrade: loading ahead on ${d.device} stopped (the switch-over loads the rest): ${d.error}`);
      }
      if (pendingChanges.length > 0 || finished.signal.aborted || performance.now() >= endAt()) {
        up.status = pendingChanges.length > 0 ? 'superseded' : 'not reached';
        up.reason += pendingChanges.length > 0 ? '; the boards changed again before the switch-over' : '; the run ended before the switch-over';
        state.phase = 'running';
        return;
      }
      closeEpoch(epoch, performance.now());
      const switchAt = performance.now();
      let kept: Set<string>;
      ({ epoch, kept } = await bringUp(target, `upgrade after ${u.why}`, u.stopReason));
      up.status = 'upgraded';
      up.switchDeployMs = epoch.deploy.ms;
      up.switchBytes = epoch.deploy.bytes;
      const restarted = epoch.plan.pipelines.map((p) => p.name).filter((p) => !kept.has(p));
      for (const p of restarted) up.pausedMs[p] = null;
      const deployedAt = performance.now();
      void waitFirstDeliveries(engines, restarted, finished.signal, endAt).then((firsts) => {
        for (const p of restarted) up.pausedMs[p] = firsts.has(p) ? firsts.get(p)! - switchAt : null;
        const all = restarted.every((p) => firsts.has(p));
        up.doneMs = all ? Math.max(deployedAt, ...restarted.map((p) => firsts.get(p)!)) - u.at : null;
        const paused = restarted.map((p) => `${p} ${up.pausedMs[p] === null ? 'not again' : `${Math.round(up.pausedMs[p]!)} ms`}`);
        note('upgrade', `upgrade done${up.doneMs !== null ? ` ${Math.round(up.doneMs)} ms after the loss was detected` : ''}: ` +
          `${Math.round(up.preloadBytes / 1024)} KB loaded ahead in ${Math.round(up.preloadMs)} ms while the quick plan ran, ` +
          `${Math.round(up.switchBytes / 1024)} KB at the switch-over (${Math.round(up.switchDeployMs)} ms)` +
          `${paused.length ? `; paused: ${paused.join(', ')}` : '; no pipeline paused'}`);
      });
    };

    // Boards lost while the first plan loaded: the plan that runs was made without them.
    const duringLoad = pendingChanges.filter((c) => c.kind === 'lost' && !epoch.plan.devices.includes(c.device));
    if (duringLoad.length > 0) {
      pendingChanges.splice(0, pendingChanges.length, ...pendingChanges.filter((c) => !duringLoad.includes(c)));
      const recs = newRecoveries(duringLoad, null);
      for (const r of recs) stallSpans.delete(r); // nothing ran before: no pipeline stalled
      recoveries.push(...recs);
      void watchResumption(recs, new Set());
    }

    // ---- the loop -----------------------------------------------------------------------------
    while (performance.now() < endAt() && !cfg.signal?.aborted) {
      await sleep(TICK_MS, tick.wake.signal);
      if (tick.wake.signal.aborted) tick.wake = new AbortController();
      const now = performance.now();
      sampleLinks();
      if (!metrics.windowOpen && epoch.window === null && now >= epoch.start + warmupMs && state.phase === 'running' && epoch.end === epoch.start) {
        metrics.openWindow(now, epoch.plan.pipelines.map((p) => p.name));
        cpuAtOpen = cpuSnapshot(emulatorPids());
        if (epoch.index === 0) metrics.startTimeline(now + Math.min(1000, cfg.durationS * 250));
      }
      if (pendingChanges.length > 0) {
        state.phase = 'adapting';
        const changes = pendingChanges.splice(0);
        const why = changes.map((c) => `${c.device} ${c.kind}`).join(', ');
        supersedeUpgrade(`the boards changed again (${why}) before the upgrade`);
        if (changes.some((c) => c.kind === 'lost')) {
          // Staged: a plan that deploys quickly runs first; a better one may follow (upgradeStage).
          await quickStage(changes, why);
          continue;
        }
        const fresh = await planNow(why, REPLAN_BUDGET_MS);
        // Moving fewer segments recovers sooner: keep the running routes that still work when
        // that plan is nearly as good as a fresh one (planning.ts repairPlan).
        const repair = repairPlan(epoch.plan, fresh);
        const planned = repair && planScore(repair.plan) >= REPAIR_KEEPS * planScore(fresh.plan) && repair.plan.pipelines.length >= fresh.plan.pipelines.length ? repair : fresh;
        if (planned === repair) {
          note('plan', `repair of the running plan (${repair.note}): estimated ${repair.plan.estimate.throughput.toFixed(2)}, a fresh plan ${fresh.plan.estimate.throughput.toFixed(2)}`);
        }
        const unchanged = planned.plan.pipelines.length === epoch.plan.pipelines.length &&
          planned.plan.pipelines.every((p) => epoch.plan.pipelines.some((q) => q.name === p.name && sameRoutes(p, q)));
        if (unchanged) {
          note('note', `the running plan stays: ${changes.map((c) => c.device).join(', ')} joined, and a fresh plan is not better enough (${fresh.plan.estimate.throughput.toFixed(2)} vs ${epoch.plan.estimate.throughput.toFixed(2)})`);
          state.phase = 'running';
          continue;
        }
        closeEpoch(epoch, changes[0]!.at);
        const recs = newRecoveries(changes, null);
        recoveries.push(...recs);
        let kept: Set<string>;
        ({ epoch, kept } = await bringUpRetrying(planned, why, `re-plan: ${why}`));
        void watchResumption(recs, kept);
      } else if (upgrade.due && state.phase === 'running') {
        const u = upgrade.due;
        upgrade.due = null;
        await upgradeStage(u);
        upgrade.open = null;
        state.phase = 'running';
      }
    }

    // ---- end ------------------------------------------------------------------------------------
    if (upgrade.due) for (const r of upgrade.due.recs) r.upgrade ??= notUpgraded('not reached', 'the run ended first', planScore(epoch.plan));
    upgrade.due = null;
    state.phase = 'draining';
    gates.current?.close();
    const stopAt = performance.now();
    closeEpoch(epoch, stopAt);
    // Frames in flight finish: wait up to three times the slowest latency seen (at least
    // END_DRAIN_MS); a run stopped by the user gives them DRAIN_MS.
    const slowest = Math.max(0, ...[...metrics.latency.values()].map((h) => h.max));
    const drainMs = cfg.signal?.aborted ? DRAIN_MS : Math.min(MAX_END_DRAIN_MS, Math.max(END_DRAIN_MS, 3 * slowest));
    await Promise.all([...engines.values()].map((e) => e.stop('run ended before the frame finished', drainMs)));
    for (const e of engines.values()) collectDetails(e, failureDetails);
    status();
    await checker?.drain(cfg.signal?.aborted ? DRAIN_MS : 10_000);
    ledger.assertBalanced();
    const first = epochs[0]!;
    const latencyMs: RunResult['latencyMs'] = {};
    for (const [p, h] of metrics.latency) latencyMs[p] = { p50: h.quantile(0.5), p99: h.quantile(0.99), count: h.count };
    return {
      app: app.name,
      desk: desk.name,
      policy: cfg.policy,
      objective: first.plan.estimate.objective,
      durationS: (stopAt - firstStart) / 1000,
      stopped: cfg.signal?.aborted ?? false,
      t0,
      epochs,
      counts: ledger.all(),
      totals: ledger.totals(),
      wrongOutputs: ledger.wrongOutputs,
      failureDetails,
      recoveries,
      events: metrics.events,
      spans: metrics.spans,
      timeline: metrics.timelineWindow,
      series: Object.fromEntries(metrics.series),
      bucketMs: BUCKET_MS,
      latencyMs,
      measuredThroughput: first.measured ?? 0,
      estimatedThroughput: first.plan.estimate.throughput,
      checkSkipped: checker?.skipped ?? 0,
      devices: desk.devices.map((d) => ({ name: d.name, chip: d.chip, bytesPerSec: d.link.rateBps > 0 ? d.link.rateBps / 10 : null })),
    };
  } finally {
    finished.abort();
    await injecting;
    // A run that ends on an error still stops its engines: their admission loops would keep
    // the process alive (stopping an engine twice is harmless).
    await Promise.allSettled([...engines.values()].map((e) => e.stop('the run ended on an error', 0)));
    await checker?.close();
    await monitor?.stop();
    if (cfg.desk.kind === 'emulate') await emus?.stop();
  }
}

/** An upgrade waiting for the quick stage's plan to deliver on every pipeline. */
interface UpgradeDue {
  recs: Recovery[];
  epochIndex: number;
  why: string;
  /** when the loss was detected */
  at: number;
  stopReason: string;
}

function notUpgraded(status: 'superseded' | 'not reached', reason: string, from: number): UpgradeStage {
  return { status, reason, startMs: null, doneMs: null, planMs: null, from, to: null, preloadMs: 0, preloadBytes: 0, switchDeployMs: 0, switchBytes: 0, pausedMs: {} };
}

function collectDetails(e: Engine, into: Record<string, string>): void {
  for (const [r, d] of e.reasonDetails) into[r] ??= d;
}

/** Resolves with each pipeline's first delivery under its (new) engine, as far as the run got. */
async function waitFirstDeliveries(engines: ReadonlyMap<string, Engine>, pipelines: readonly string[], signal: AbortSignal | undefined, endAt: () => number): Promise<Map<string, number>> {
  const mine = new Map(pipelines.map((p) => [p, engines.get(p)]));
  const firsts = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const [p, e] of mine) {
      const t = e?.firstDelivery.get(p);
      if (t !== undefined) out.set(p, t);
    }
    return out;
  };
  while (firsts().size < pipelines.length && performance.now() < endAt() + END_DRAIN_MS && !signal?.aborted) await sleep(20, signal);
  return firsts();
}

function routeDevices(r: RunRoute): string[] {
  return [r.source, ...r.steps.map((s) => s.device), ...(r.target ? [r.target] : [])];
}

/** Whether two plans run a pipeline the same way (model, routes and shares). */
function sameRoutes(a: RunPipeline, b: RunPipeline): boolean {
  const key = (p: RunPipeline): string =>
    JSON.stringify([p.model, p.routes.map((r) => [r.share.toFixed(6), r.source, r.steps.map((s) => [s.from, s.to, s.device]), r.target])]);
  return key(a) === key(b);
}

/**
 * A pipeline whose sensor frame is not its model's input cannot run on boards the run did not
 * start (their sensors give what they give): say so before deploying. Emulated streams are
 * made in the model's input shape (desk-emulators.ts).
 */
function checkSensorShapes(plan: RunPlan, boards: ReadonlyMap<string, BoardHandle>, store: ModelStore): void {
  for (const p of plan.pipelines) {
    const want = store.model(p.model).model.inputShape;
    const need = want[0] * want[1] * want[2];
    for (const r of p.routes) {
      const sensor = boards.get(r.source)?.session.hello.sensors.find((s) => s.kind === p.sensorKind);
      if (!sensor) throw new Error(`pipeline ${p.name}: the plan senses on ${r.source}, whose board has no ${p.sensorKind} sensor`);
      const got = sensor.shape.reduce((a, b) => a * b, 1);
      if (got !== need) {
        throw new Error(`pipeline ${p.name}: the ${p.sensorKind} of ${r.source} gives [${sensor.shape.join(', ')}] = ${got} values a frame; ` +
          `${p.model} takes [${want.join(', ')}] = ${need}`);
      }
    }
  }
}
