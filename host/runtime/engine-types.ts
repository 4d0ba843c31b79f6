// The engine's shapes: its options, what it reaches the boards through, a pipeline's routes as
// stages, a frame's state between stages, and how a frame's failure is told.

import { ProtocolError } from '../proto/index.js';
import { isSessionError } from '../board/session-error.js';
import type { SegmentIO } from '../board/tensors.js';
import type { BoardHandle } from './boards.js';
import type { OutputChecker } from './checker.js';
import type { ModelStore } from './deploy.js';
import type { Ledger } from './ledger.js';
import type { Metrics } from './metrics.js';
import type { RunPipeline, RunRoute } from './run-plan.js';
import { ClosedError, type Semaphore } from './semaphore.js';

export interface EngineOptions {
  /** admission rate over the planned rate (default 1.2) */
  admitFactor?: number;
  /** frames in flight per stage (default: depthFor(the pipeline's planned rate)) */
  stageDepth?: number;
  /** ms an infer may take before the frame fails (default 10 s) */
  inferTimeoutMs?: number;
}

/** Where a pipeline's frames come from on a board: the sensor index in its hello and the data. */
export interface StreamRef {
  index: number;
  shape: readonly [number, number, number];
  rateHz: number;
  /** the frames when the sensor plays a file, else null (the emulator's made-up data) */
  file: Uint8Array | null;
  /** the emulator's board id (seeds its made-up data) */
  boardId: string;
  /** whether frames can be rebuilt on the host (an emulated sensor) */
  emulated: boolean;
}

export interface EngineContext {
  boards: ReadonlyMap<string, BoardHandle>;
  store: ModelStore;
  ledger: Ledger;
  metrics: Metrics;
  checker: OutputChecker | null;
  /** the stream pipeline `p` senses on device `d` */
  stream(pipeline: string, device: string): StreamRef;
  /** the output index of `kind` on device `d` */
  outputIndex(device: string, kind: string): number;
}

/** A frame failed; `reason` groups it in the ledger, `detail` says everything. */
export class FrameFailure extends Error {
  override readonly name = 'FrameFailure';
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export type StageKind = 'source' | 'segment' | 'deliver';

export interface Stage {
  kind: StageKind;
  device: string;
  /** the segment this stage runs (source: the fused first segment, if any) */
  io: SegmentIO | null;
  /** deliver on this board at the end of the stage */
  deliverHere: boolean;
  sem: Semaphore;
}

export interface RouteRun {
  route: RunRoute;
  /** names the route in measurements: its segments */
  key: string;
  stages: Stage[];
  /** smooth weighted round robin state */
  current: number;
}

export interface PipelineRun {
  p: RunPipeline;
  routes: RouteRun[];
  /** the planned frames per second (admission runs at admitFactor times this) */
  rate: number;
}

export const US = 1 / 1000;

/** How far admission may fall behind its schedule and catch up, at least (ms). */
export const ADMIT_SLACK_MS = 5;

/** Share of a board's link that fetching outputs only to check them may take. */
export const CHECK_LINK_SHARE = 0.01;

/** ms a stage takes at least: a few request round trips on a link and board. */
const STAGE_FLOOR_MS = 20;

/**
 * Frames in flight per stage: two (double buffering) for ordinary rates; a fast pipeline needs
 * more to cover a stage's round trips (Little's law: frames in a stage = rate x its time).
 */
export function depthFor(rate: number, stageMs = STAGE_FLOOR_MS): number {
  return Math.max(2, Math.min(16, Math.ceil((rate * Math.max(STAGE_FLOOR_MS, stageMs)) / 1000) + 1));
}

export function shortDetail(e: unknown): { reason: string; detail: string } {
  if (e instanceof FrameFailure) return { reason: e.reason, detail: e.detail };
  if (e instanceof ProtocolError) return { reason: `board error ${e.code}`, detail: e.message };
  if (isSessionError(e)) return { reason: e.reason, detail: e.message };
  if (e instanceof ClosedError) return { reason: e.message, detail: e.message };
  return { reason: 'host error', detail: (e as Error).message ?? String(e) };
}


export interface FrameState {
  /** tensors the frame carries between boards, by source id (-1 the input) */
  tensors: Map<number, Uint8Array>;
  sensed: { frame: number; stream: StreamRef } | null;
  /** the model's output, when the host holds it */
  output: Uint8Array | null;
  check: boolean;
}
