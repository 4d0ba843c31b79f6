// A whole model on one or more boards: split at contiguous layer boundaries when one board
// cannot hold it (a greedy split checked with fit(); the full planner is host/plan), upload
// each segment, then run it end to end with the crossing tensors (boundary.ts: several when
// residual branches cross a cut) relayed through the host, or profile each segment on the
// device. This is the interface the runtime (deploy, execute) builds on.

import { crossingTensors, type TensorRef } from '../model/boundary.js';
import { chipSpec, type ChipSpec } from '../model/chips.js';
import { layerCycles, networkCycles } from '../model/cycles.js';
import { fit, type FitOk, type FitRefusal, type FitSegment } from '../model/fit.js';
import type { Model } from '../model/layer.js';
import { SEGMENT_MAX_TENSORS } from '../model/segment-codec.js';
import { showShape, tensorWidth, type Tensor } from '../model/tensor.js';
import { segmentIdText, type SegmentInfo } from '../proto/index.js';
import { listSegments, residentSegments, segmentBlobsInOrder, unloadSegment, uploadSegment, type UploadResult } from './segments.js';
import type { BoardSession } from './session.js';
import { infer, profile, TensorShapeError, type InferOutcome, type LayerTime, type ProfileOutcome, type SegmentIO } from './tensors.js';

/** Layers [first, first + count) of the model on board `board` (an index into the boards given). */
export interface SplitPart {
  board: number;
  first: number;
  count: number;
}

/** The model cannot be placed on the boards given; `limit` names what stopped it. */
export class SplitError extends Error {
  override readonly name = 'SplitError';
  constructor(
    message: string,
    readonly refusal: FitRefusal | null,
  ) {
    super(message);
  }
}

/** Limits that only grow as a segment gains layers: once broken, longer segments break them too. */
const GROWING_LIMITS = new Set(['layers', 'kernel_memory', 'bias_memory']);

function segmentLayers(model: Model, first: number, count: number): FitSegment {
  return { model: model.name, layers: model.layers.slice(first, first + count) };
}

/** Whether a cut before layer `cut` passes at most the tensors a segment can take. */
function cutAllowed(model: Model, cut: number): boolean {
  return cut === 0 || cut === model.layers.length || crossingTensors(model, cut).length <= SEGMENT_MAX_TENSORS;
}

/**
 * Splits a model into contiguous segments over boards with the given chips, in order: each
 * board takes as many layers as fit beside what it already holds (`resident`), backtracking
 * when the next board cannot start where the previous one stopped. A board may be left empty.
 */
export function planSplit(model: Model, chips: readonly ChipSpec[], resident: readonly (readonly FitSegment[])[] = []): SplitPart[] {
  const n = model.layers.length;
  const failed = new Set<string>();
  // How far the search got: the layer no segment could take in is what the refusal names.
  let reached = { end: 0, first: 0, board: 0 };
  const search = (b: number, first: number): SplitPart[] | null => {
    if (first === n) return [];
    if (b >= chips.length || failed.has(`${b}:${first}`)) return null;
    const counts: number[] = [];
    for (let count = 1; first + count <= n; count++) {
      if (!cutAllowed(model, first + count)) continue;
      const r = fit(chips[b]!, [...(resident[b] ?? []), segmentLayers(model, first, count)]);
      if (r.ok) {
        counts.push(count);
        if (first + count > reached.end) reached = { end: first + count, first, board: b };
      } else if (GROWING_LIMITS.has(r.limit)) break;
    }
    for (const count of counts.reverse()) {
      const rest = search(b + 1, first + count);
      if (rest) return [{ board: b, first, count }, ...rest];
    }
    const skip = search(b + 1, first);
    if (skip) return skip;
    failed.add(`${b}:${first}`);
    return null;
  };
  const parts = search(0, 0);
  if (!parts) {
    const refusal = blockingRefusal(model, chips, resident, reached);
    const counts = new Map<string, number>();
    for (const c of chips) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
    const desk = [...counts].map(([c, k]) => `${k} ${c}`).join(' + ');
    const why = refusal ? ` (${refusal.limit}: ${refusal.message})` : '';
    throw new SplitError(`${model.name} (${n} layers) cannot be split over ${desk} board${chips.length === 1 ? '' : 's'}${why}`, refusal);
  }
  return parts;
}

/**
 * Why layer `reached.end` could not be placed: the layer alone refused by the chip (an operator
 * it lacks), else the segment that reached furthest extended by that layer.
 */
function blockingRefusal(model: Model, chips: readonly ChipSpec[], resident: readonly (readonly FitSegment[])[],
  reached: { end: number; first: number; board: number }): FitRefusal | null {
  const chip = chips[reached.board];
  if (!chip || reached.end >= model.layers.length) return null;
  const alone = fit(chip, [segmentLayers(model, reached.end, 1)]);
  if (!alone.ok) return alone;
  const longer = fit(chip, [...(resident[reached.board] ?? []), segmentLayers(model, reached.first, reached.end - reached.first + 1)]);
  return longer.ok ? null : longer;
}

/** How many empty boards of one chip the model needs (greedy contiguous split). */
export function boardsNeeded(model: Model, chip: ChipSpec): number {
  const parts = planSplit(model, Array.from({ length: model.layers.length }, () => chip));
  return parts.length;
}

// ---- deploying -----------------------------------------------------------------------------

export interface DeployedSegment extends SegmentIO {
  /** index into the deployment's boards */
  board: number;
  session: BoardSession;
  count: number;
  upload: UploadResult;
}

export interface DeployProgress {
  /** bytes acknowledged by the boards over all segments, and the total to send */
  acked: number;
  total: number;
  segmentsDone: number;
  segments: number;
}

export interface DeployOptions {
  /** a split to use as given (else planSplit over the boards) */
  split?: readonly SplitPart[];
  /** segment ids are `${prefix}:${first}-${last}` (default the model's name) */
  idPrefix?: string;
  /** unload resident segments whose id starts with `${prefix}:` first (default true) */
  replace?: boolean;
  onProgress?: (p: DeployProgress) => void;
  signal?: AbortSignal;
}

export interface ModelRun {
  output: Tensor;
  /** every tensor computed or relayed, by source id (-1 the input) */
  tensors: Map<number, Tensor>;
  /** every layer, in model order, with the board that ran it */
  layers: (LayerTime & { board: string; segment: string })[];
  /** sums over the segments (each counts its leading 1) */
  totalCycles: number;
  totalUs: number;
  segments: InferOutcome[];
}

export interface SegmentProfile {
  segment: DeployedSegment;
  boardId: string;
  chip: string;
  profile: ProfileOutcome;
  /** the cycle model of the segment's layers at the kernel columns the fit gave them, and in all (leading 1 included) */
  modelLayerCycles: number[];
  modelCycles: number;
  modelUs: number;
}

export interface ModelProfile {
  segments: SegmentProfile[];
  /** sums of the segments' medians, and of the cycle model */
  totalCycles: number;
  totalUs: number;
  modelCycles: number;
  modelUs: number;
  runs: number;
  warmup: number;
}

export interface Deployment {
  model: Model;
  boards: readonly BoardSession[];
  segments: DeployedSegment[];
  /** the host's fit of each board's resident set after loading (null for a board left empty) */
  boardFits: (FitOk | null)[];
  /** runs the model on `input`, relaying crossing tensors through the host */
  run(input: Tensor): Promise<ModelRun>;
  /** profiles every segment on the device, on the tensors a run of `input` gives it */
  profile(input: Tensor, opts?: { warmup?: number; runs?: number; onSegment?: (done: number, of: number) => void }): Promise<ModelProfile>;
  /** unloads every segment of this deployment */
  unload(): Promise<void>;
}

function segmentIdOf(prefix: string, first: number, count: number): string {
  const suffix = `:${first}-${first + count - 1}`;
  return Buffer.from(prefix, 'utf8').subarray(0, 64 - suffix.length).toString('utf8').replace(/\uFFFD+$/, '') + suffix;
}

/** Refuses an input that is not the model's int8 input shape. */
export function checkModelInput(model: Model, input: Tensor): void {
  const want = model.inputShape;
  const same = input.shape.length === 3 && input.shape.every((d, k) => d === want[k]);
  if (!same || tensorWidth(input) !== 8 || input.data.length !== want[0] * want[1] * want[2]) {
    throw new TensorShapeError(
      `input of ${model.name} must be int8 ${showShape(want)} (${want[0] * want[1] * want[2]} values); got ${tensorWidth(input)}-bit ${showShape(input.shape)} with ${input.data.length} values`,
    );
  }
}

/** Loads `model` (with weights) onto the boards, split as needed, and returns a handle to run it. */
export async function deployModel(boards: readonly BoardSession[], model: Model, opts: DeployOptions = {}): Promise<Deployment> {
  if (boards.length === 0) throw new Error(`no boards to deploy ${model.name} on`);
  // A model imported under any name (spaces, accents) still gives ids of the protocol's bytes.
  const prefix = segmentIdText(opts.idPrefix ?? model.name);
  const ours = (id: string): boolean => id.startsWith(`${prefix}:`);

  // What each board holds, minus this model's earlier segments when replacing them.
  const residents: SegmentInfo[][] = [];
  for (const s of boards) {
    const listed = (await listSegments(s)).segments;
    if (opts.replace ?? true) for (const info of listed.filter((i) => ours(i.id))) await unloadSegment(s, info.id);
    residents.push((opts.replace ?? true) ? listed.filter((i) => !ours(i.id)) : listed);
  }
  const chips = boards.map((s) => chipSpec(s.hello.chip));
  const residentLayers = boards.map((s, b) => residentSegments(s, residents[b]!));
  residentLayers.forEach((segs, b) => {
    const r = segs.length ? fit(chips[b]!, segs) : null;
    if (r && !r.ok) throw new Error(`board ${boards[b]!.boardId}'s resident segments do not fit by the host's rules (${r.limit}: ${r.message})`);
  });
  const split = opts.split ? [...opts.split] : planSplit(model, chips, residentLayers);
  checkSplit(model, split, boards.length);

  // Each board's segments in load order, after what it holds (a register board places each one
  // after those before it: their blobs depend on that order).
  const blobs: Uint8Array[] = split.map(() => new Uint8Array(0));
  boards.forEach((session, b) => {
    const ks = split.flatMap((p, k) => (p.board === b ? [k] : []));
    const made = segmentBlobsInOrder(session, residentLayers[b]!, ks.map((k) => ({ model, first: split[k]!.first, count: split[k]!.count })));
    ks.forEach((k, i) => (blobs[k] = made[i]!));
  });
  const total = blobs.reduce((a, b) => a + b.length, 0);
  const acked = blobs.map(() => 0);
  let done = 0;
  const progress = (): void => opts.onProgress?.({ acked: acked.reduce((a, b) => a + b, 0), total, segmentsDone: done, segments: split.length });
  progress();

  // Boards load in parallel (one link each); one board's segments load in order.
  const deployed: (DeployedSegment | undefined)[] = split.map(() => undefined);
  const byBoard = new Map<number, number[]>();
  split.forEach((p, k) => byBoard.set(p.board, [...(byBoard.get(p.board) ?? []), k]));
  const results = await Promise.allSettled(
    [...byBoard.entries()].map(async ([b, ks]) => {
      for (const k of ks) {
        const p = split[k]!;
        const session = boards[b]!;
        const id = segmentIdOf(prefix, p.first, p.count);
        const upload = await uploadSegment(session, id, blobs[k]!, {
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: (u) => {
            acked[k] = u.acked;
            progress();
          },
        });
        done++;
        progress();
        const seg = upload.segment;
        deployed[k] = {
          id, board: b, session, first: p.first, count: p.count,
          layerNames: seg.layers.map((l) => l.name), inputs: seg.inputs, outputs: seg.outputs, upload,
        };
      }
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Leave the boards as they were: unload what this deployment loaded.
    await Promise.allSettled(deployed.filter((d): d is DeployedSegment => d !== undefined).map((d) => unloadSegment(d.session, d.id)));
    throw failed.reason;
  }
  const segments = deployed as DeployedSegment[];
  const boardFits = boards.map((_, b) => {
    const mine = segments.filter((d) => d.board === b);
    return mine.length ? mine[mine.length - 1]!.upload.hostFit : null;
  });
  return makeDeployment(model, boards, segments, boardFits);
}

function checkSplit(model: Model, split: readonly SplitPart[], boards: number): void {
  let next = 0;
  for (const p of split) {
    if (p.board < 0 || p.board >= boards || !Number.isInteger(p.board)) throw new SplitError(`split names board ${p.board}; there are ${boards}`, null);
    if (p.first !== next || p.count < 1) {
      throw new SplitError(`split part at layer ${p.first} (${p.count} layers) does not continue at layer ${next}: parts must be contiguous and in order`, null);
    }
    next += p.count;
  }
  if (next !== model.layers.length) throw new SplitError(`split covers layers 0..${next - 1}; ${model.name} has ${model.layers.length}`, null);
}

function makeDeployment(model: Model, boards: readonly BoardSession[], segments: DeployedSegment[], boardFits: (FitOk | null)[]): Deployment {
  const last = model.layers.length - 1;
  const run = async (input: Tensor): Promise<ModelRun> => {
    checkModelInput(model, input);
    const tensors = new Map<number, Tensor>([[-1, input]]);
    const outcomes: InferOutcome[] = [];
    const layers: ModelRun['layers'] = [];
    for (const seg of segments) {
      const inputs = seg.inputs.map((t: TensorRef) => {
        const x = tensors.get(t.source);
        if (!x) throw new Error(`segment "${seg.id}" needs tensor ${t.source}, which no earlier segment produced`);
        return x;
      });
      const out = await infer(seg.session, seg, inputs);
      seg.outputs.forEach((t, k) => tensors.set(t.source, out.outputs[k]!));
      outcomes.push(out);
      for (const l of out.layers) layers.push({ ...l, board: seg.session.boardId, segment: seg.id });
    }
    return {
      output: tensors.get(last)!,
      tensors,
      layers,
      totalCycles: outcomes.reduce((a, o) => a + o.totalCycles, 0),
      totalUs: outcomes.reduce((a, o) => a + o.totalUs, 0),
      segments: outcomes,
    };
  };

  const prof: Deployment['profile'] = async (input, opts = {}) => {
    const ran = await run(input);
    const out: SegmentProfile[] = [];
    for (const [k, seg] of segments.entries()) {
      const inputs = seg.inputs.map((t) => ran.tensors.get(t.source)!);
      const p = await profile(seg.session, seg, inputs, {
        ...(opts.warmup !== undefined ? { warmup: opts.warmup } : {}),
        ...(opts.runs !== undefined ? { runs: opts.runs } : {}),
      });
      const chip = chipSpec(seg.session.hello.chip);
      const starts = kernelStartsOf(seg, segments);
      const layers = model.layers.slice(seg.first, seg.first + seg.count);
      const modelLayerCycles = layers.map((l, i) => layerCycles(l, chip, starts[i] ?? 0));
      const modelCycles = networkCycles(layers, chip, starts);
      out.push({
        segment: seg,
        boardId: seg.session.boardId,
        chip: chip.name,
        profile: p,
        modelLayerCycles,
        modelCycles,
        modelUs: (modelCycles * 1e6) / seg.session.hello.cnnClockHz,
      });
      opts.onSegment?.(k + 1, segments.length);
    }
    const first = out[0]?.profile;
    return {
      segments: out,
      totalCycles: out.reduce((a, s) => a + s.profile.total.median, 0),
      totalUs: out.reduce((a, s) => a + s.profile.total.medianUs, 0),
      modelCycles: out.reduce((a, s) => a + s.modelCycles, 0),
      modelUs: out.reduce((a, s) => a + s.modelUs, 0),
      runs: first?.runs ?? 0,
      warmup: first?.warmup ?? 0,
    };
  };

  return {
    model,
    boards,
    segments,
    boardFits,
    run,
    profile: prof,
    async unload() {
      await Promise.allSettled(segments.map((s) => unloadSegment(s.session, s.id)));
    },
  };
}

/**
 * Kernel start columns of a segment's layers in its board's current allocation: the fit after
 * the board's last load of this deployment (a later segment can move earlier ones' kernels).
 */
function kernelStartsOf(seg: DeployedSegment, all: readonly DeployedSegment[]): number[] {
  const onBoard = all.filter((d) => d.board === seg.board);
  const latest = onBoard[onBoard.length - 1]!.upload;
  const position = latest.resident.findIndex((r) => r.id === seg.id);
  return latest.hostFit.perLayer.filter((pl) => pl.segment === position).map((pl) => pl.kernelStart);
}

/** The chips of a list of sessions, for planSplit. */
export function chipsOf(boards: readonly BoardSession[]): ChipSpec[] {
  return boards.map((s) => chipSpec(s.hello.chip));
}
