// What the parts of a run share: the app, the desk and its boards, the ledger and metrics, the
// engines running, the epochs so far and the board changes waiting. runner.ts makes one per
// run; the parts (run-boards, run-epoch, run-measure, run-recovery, run-adapt) act on it.

import type { EventEmitter } from 'node:events';
import type { AppSpec } from '../space/app-spec.js';
import type { DeskSpec } from '../space/device.js';
import type { BoardSession } from '../board/session.js';
import type { BoardMonitor } from './boards.js';
import type { OutputChecker } from './checker.js';
import type { CpuSnapshot } from './host-cpu.js';
import type { HostWork } from './host-cost.js';
import { ModelStore } from './deploy.js';
import { DeliveryGaps } from './delivery-gaps.js';
import type { DeskEmulators } from './desk-emulators.js';
import type { Engine, EngineContext } from './engine.js';
import { moment } from './fault-injection.js';
import type { FairGate } from './fair-gate.js';
import { Ledger } from './ledger.js';
import { Metrics, type RunEvent } from './metrics.js';
import type { QuickSearch } from './quick-plan.js';
import type { BoardChange, Epoch, LiveStatus, Recovery, RunConfig, RunEvents, UpgradeDue } from './run-types.js';
import type { RunRoute } from './run-plan.js';

export const DRAIN_MS = 1500;
export const END_DRAIN_MS = 5000;
/** Synergy's search budget when re-planning mid-run (the search holds the host's event loop). */
export const REPLAN_BUDGET_MS = 300;
/** A repair of the running plan is taken when its estimate is at least this share of a fresh plan's;
 *  after a loss, the quick stage's plan is upgraded to a fresh one below this share. */
export const REPAIR_KEEPS = 0.9;

export function routeDevices(r: RunRoute): string[] {
  return [r.source, ...r.steps.map((s) => s.device), ...(r.target ? [r.target] : [])];
}

export class RunContext {
  readonly app: AppSpec;
  readonly names: string[];
  readonly ledger: Ledger;
  readonly t0 = performance.now();
  readonly metrics: Metrics;
  readonly gaps = new DeliveryGaps();
  /** the epoch's max-min gate (fair-gate.ts) */
  readonly gates: { current: FairGate | null } = { current: null };
  /** pipelines started again beside running ones, not held level with them until they deliver */
  readonly joining = new Set<string>();
  readonly store = new ModelStore();
  emus: DeskEmulators | null = null;
  monitor: BoardMonitor | null = null;
  checker: OutputChecker | null = null;
  /** set once the boards are up (run-boards.ts) */
  desk!: DeskSpec;
  /** what a new engine reaches the boards through (run-boards.ts engineContext) */
  engineContext!: () => EngineContext;
  /** one engine per running pipeline: a re-plan that keeps a pipeline's routes keeps it running */
  readonly engines = new Map<string, Engine>();
  readonly epochs: Epoch[] = [];
  /** the epoch running (set by the first bringUp) */
  epoch!: Epoch;
  readonly recoveries: Recovery[] = [];
  readonly pendingChanges: BoardChange[] = [];
  readonly faultTimes = new Map<string, number>();
  /** the first load's start and the first plan's start, for faults timed from them */
  readonly loadStarted = moment();
  readonly runStarted = moment();
  readonly state: { phase: LiveStatus['phase'] } = { phase: 'deploying' };
  firstStart = 0;
  readonly failureDetails: Record<string, string> = {};
  /** aborted when the run ends (or is stopped): background waits end with it */
  readonly finished = new AbortController();
  /** the loop's tick, cut short by a change of boards (or the end) */
  readonly tick = { wake: new AbortController() };
  /** the faults being injected (cfg.faults), ended by `finished` */
  injecting: Promise<void> = Promise.resolve();
  /** each session's byte counters when the links were last sampled (run-measure.ts) */
  readonly linkBytes = new WeakMap<BoardSession, { in: number; out: number }>();
  /** CPU use when the epoch's measurement window opened */
  cpuAtOpen: CpuSnapshot | null = null;
  /** the host's work when the epoch's measurement window opened */
  hostAtOpen: HostWork | null = null;
  /** per device, the search of the quick plan for its loss, made for one epoch and set of boards */
  readonly prepared = new Map<string, { basis: string; search: QuickSearch }>();
  /** an upgrade waiting for the quick stage to deliver; `open` from a loss until its upgrade is decided */
  readonly upgrade: { due: UpgradeDue | null; open: object | null } = { due: null, open: null };
  /** per lost-board recovery: since when, and which pipelines did not use the board */
  readonly stallSpans = new WeakMap<Recovery, { from: number; others: string[] }>();

  constructor(readonly run: EventEmitter<RunEvents>, readonly cfg: RunConfig) {
    this.app = cfg.app;
    this.names = this.app.pipelines.map((p) => p.name);
    this.ledger = new Ledger(this.names);
    this.metrics = new Metrics(this.t0, this.names);
    this.ledger.onSettle((e) => {
      if (e.kind === 'delivered') {
        this.metrics.delivered(e.pipeline, e.at, e.latencyMs, e.route);
        this.gaps.delivered(e.pipeline, e.at);
        if (this.joining.delete(e.pipeline)) this.gates.current?.resume(e.pipeline);
      } else {
        this.metrics.failed(e.pipeline, e.at);
      }
    });
    cfg.signal?.addEventListener('abort', () => {
      this.finished.abort();
      this.tick.wake.abort();
    }, { once: true });
  }

  note(kind: RunEvent['kind'], text: string, at = performance.now()): void {
    this.metrics.event(kind, text, at);
    this.run.emit('event', { kind, text, at });
  }

  /** The board monitor (set once the boards are up). */
  get mon(): BoardMonitor {
    if (!this.monitor) throw new Error('the run has no boards yet');
    return this.monitor;
  }

  /** The devices whose boards are present now. */
  present(): Set<string> {
    return new Set(this.mon.present().map((h) => h.device));
  }

  /** The pipelines whose running routes use `device`. */
  usersOf(device: string): string[] {
    return (this.epochs.at(-1)?.plan.pipelines ?? []).filter((p) => p.routes.some((r) => routeDevices(r).includes(device))).map((p) => p.name);
  }

  /** When the run's duration ends (from the first plan's start). */
  endAt(): number {
    return this.firstStart + this.cfg.durationS * 1000;
  }

  /** Wakes the loop now (a change of boards, an upgrade due). */
  wake(): void {
    this.tick.wake.abort();
  }

  emulatorPids(): Map<string, number> {
    return new Map([...(this.emus?.boards ?? new Map())].map(([d, b]) => [d, b.emulator.pid]));
  }
}
