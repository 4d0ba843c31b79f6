// The live view's wire: JSON text frames from the run to the page, one object each with a
// `type`. Times `t` are seconds since the run began (the origin the view was given), on the
// process's monotonic clock; `wall` is the sender's Date.now() when the message was made, so a
// reader can tell how fresh it is. docs/live.md describes every field.

import type { RunDocument } from '../report/run-report.js';
import type { Epoch, LiveStatus } from '../runtime/runner.js';
import type { RunEvent } from '../runtime/metrics.js';
import { planSvg } from '../plan/diagram-svg.js';
import type { BoardUse } from './utilisation.js';

export interface HelloMessage {
  type: 'hello';
  wall: number;
  app: string;
  policy: string;
  durationS: number;
  pipelines: string[];
  devices: string[];
}

export interface PlanMessage {
  type: 'plan';
  wall: number;
  t: number;
  epoch: number;
  reason: string;
  objective: 'maxmin' | 'sum';
  estimate: number;
  /** the planner's rate per pipeline, frames/s */
  planned: Record<string, number>;
  /** the plan diagram (host/plan/diagram-svg.ts) */
  svg: string;
}

export interface StatusMessage {
  type: 'status';
  wall: number;
  t: number;
  /** seconds since the first plan's frames started (the run's own status clock) */
  elapsedS: number;
  epoch: number;
  phase: LiveStatus['phase'];
  /** rate: deliveries per second over the run's trailing window (its live status) */
  pipelines: LiveStatus['pipelines'];
  boards: BoardUse[];
}

export interface EventMessage {
  type: 'event';
  wall: number;
  t: number;
  kind: RunEvent['kind'];
  text: string;
}

/** An epoch's measurement window closed: the run's measured rate per pipeline (as run.json gives it). */
export interface MeasuredMessage {
  type: 'measured';
  wall: number;
  t: number;
  epoch: number;
  window: { startT: number; endT: number };
  rates: Record<string, number>;
  throughput: number | null;
}

export interface EndMessage {
  type: 'end';
  wall: number;
  t: number;
  /** the report's figures: the first plan's measured throughput and each pipeline's counts */
  measuredThroughput: number;
  estimatedThroughput: number;
  pipelines: { name: string; measuredRate: number | null; delivered: number; failed: number }[];
  totals: RunDocument['totals'];
}

export type LiveMessage = HelloMessage | PlanMessage | StatusMessage | EventMessage | MeasuredMessage | EndMessage;

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Builds messages with times relative to `origin` (performance.now() ms when the run began). */
export class LiveMessages {
  constructor(readonly origin: number) {}

  private t(at: number): number {
    return r3((at - this.origin) / 1000);
  }

  hello(app: string, policy: string, durationS: number, pipelines: string[], devices: string[]): HelloMessage {
    return { type: 'hello', wall: Date.now(), app, policy, durationS, pipelines, devices };
  }

  plan(e: Epoch): PlanMessage {
    return {
      type: 'plan', wall: Date.now(), t: this.t(e.start), epoch: e.index, reason: e.reason,
      objective: e.plan.estimate.objective, estimate: r3(e.plan.estimate.throughput),
      planned: Object.fromEntries(Object.entries(e.plan.estimate.rates).map(([k, v]) => [k, r3(v)])),
      svg: planSvg(e.object),
    };
  }

  status(s: LiveStatus, boards: BoardUse[], at = performance.now()): StatusMessage {
    return {
      type: 'status', wall: Date.now(), t: this.t(at), elapsedS: r3(s.elapsedS), epoch: s.epoch, phase: s.phase,
      pipelines: s.pipelines.map((p) => ({ ...p, rate: r3(p.rate), p50Ms: r3(p.p50Ms), planned: r3(p.planned) })),
      boards,
    };
  }

  event(e: RunEvent): EventMessage {
    return { type: 'event', wall: Date.now(), t: this.t(e.at), kind: e.kind, text: e.text };
  }

  /** null while the epoch's window is open (or it closed without one) */
  measured(e: Epoch): MeasuredMessage | null {
    if (!e.window) return null;
    return {
      type: 'measured', wall: Date.now(), t: this.t(e.window.end), epoch: e.index,
      window: { startT: this.t(e.window.start), endT: this.t(e.window.end) },
      // The report's per-epoch rates: each pipeline the plan runs (run-report.ts).
      rates: Object.fromEntries(e.plan.pipelines.map((p) => [p.name, r3(e.window!.rates[p.name] ?? 0)])),
      throughput: e.measured === null ? null : r3(e.measured),
    };
  }

  end(doc: RunDocument, at = performance.now()): EndMessage {
    return {
      type: 'end', wall: Date.now(), t: this.t(at),
      measuredThroughput: doc.measured_throughput, estimatedThroughput: doc.estimated_throughput,
      pipelines: doc.pipelines.map((p) => ({ name: p.name, measuredRate: p.measured_rate, delivered: p.delivered, failed: p.failed })),
      totals: doc.totals,
    };
  }
}
