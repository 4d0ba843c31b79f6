// The shapes of a run: its configuration, its epochs, its recoveries from board changes, its
// live status and its result (runner.ts runs it; the report reads the result).

import type { PlanObject, Objective, PlanProblem } from '../plan/planner.js';
import type { AppSpec } from '../space/app-spec.js';
import type { CpuUse } from './host-cpu.js';
import type { HostCost } from './host-cost.js';
import type { DeployProgress, DeployResult } from './deploy.js';
import type { Fault } from './fault-injection.js';
import type { PipelineCounts, WrongOutput } from './ledger.js';
import type { RunEvent, Span, WindowResult } from './metrics.js';
import type { RunPlan } from './run-plan.js';

import type { DeskSource } from './desk-kinds.js';

export type { DeskSource } from './desk-kinds.js';
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
  /** the host process's own cost in the window: CPU per frame and per message, and whether it was the bottleneck */
  host?: HostCost | null;
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

/** An upgrade waiting for the quick stage's plan to deliver on every pipeline. */
export interface UpgradeDue {
  recs: Recovery[];
  epochIndex: number;
  why: string;
  /** when the loss was detected */
  at: number;
  stopReason: string;
}

/** A change of boards the loop has yet to act on; `lastHeard`: a lost board's last sign of life (its fault came after it). */
export interface BoardChange {
  kind: 'lost' | 'joined';
  device: string;
  reason: string;
  at: number;
  lastHeard: number | null;
}
