// The execution engine: runs every pipeline of a plan on the boards, pipelined.
//
// A frame takes one route of its pipeline (several routes with shares: a deterministic smooth
// weighted round robin) and goes through the route's stages, each on one board:
//   source stage   `sense` into a slot on the source board; when the first segment runs there
//                  too, `infer` on that slot at once;
//   segment stage  the tensors that cross the cut (residual branches included) are put into
//                  slots (`tensor.put`), the segment runs (`infer`);
//   deliver stage  when the target is another board than the last segment's: put, `deliver`.
// Between stages the tensors travel through the host: the outputs come back inline in the infer
// answer when they fit one frame, else by `tensor.get`, and go down the next board's link. The
// last stage `deliver`s on the target board, or keeps the output when the target is the host.
//
// A stage takes every slot it needs on its board at once (inputs and outputs; at most 16 per
// board) and gives them back when it ends, so stages never wait on each other while holding
// slots. Each stage admits at most a few frames (depthFor: two, double buffering, more for a
// pipeline planned at hundreds of frames per second); a frame enters the
// next stage before it leaves the current one, so a slow stage holds back the ones before it
// and, in the end, admission. Each pipeline admits frames at admitFactor x its planned rate,
// so what is measured is the capacity of the plan rather than the admission rate.
//
// Every frame started ends in the ledger as delivered or failed with a reason; a lost board
// fails the frames on it with "board X lost". Sampled frames go to the output checker.

import { DELIVER, INFER, SENSE, TENSOR_PUT, type InferResult } from '../proto/index.js';
import { isSessionError } from '../board/session-error.js';
import { inlineFits, type SegmentIO } from '../board/tensors.js';
import { tensorBytes } from '../model/boundary.js';
import { cyclesToUs, networkCycles } from '../model/cycles.js';
import { stageLinkMs, waitingRequest, type BoardHandle } from './boards.js';
import {
  ADMIT_SLACK_MS, CHECK_LINK_SHARE, depthFor, FrameFailure, shortDetail, US,
  type EngineContext, type EngineOptions, type FrameState, type PipelineRun, type RouteRun, type Stage,
} from './engine-types.js';
import type { FairGate } from './fair-gate.js';
import type { FrameEntry } from './ledger.js';
import { LinkSpans, wire } from './link-spans.js';
import { routeKey, segmentId, type RunPipeline, type RunPlan, type RunRoute } from './run-plan.js';
import { ClosedError, Semaphore, sleep } from './semaphore.js';
import { senseAnswered, senseDelay, SENSE_MARGIN_MS } from './sense-clock.js';
import { fileFrame, synthesizeFrame } from './sensor-data.js';
import { getTensor, putTensor } from './tensor-transfer.js';

export type { EngineContext, EngineOptions, StreamRef } from './engine-types.js';

export class Engine {
  private readonly runs: PipelineRun[];
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly open = new Set<FrameEntry>();
  /** per board, link bytes left for fetching outputs only to check them (checkAffordable) */
  private readonly checkCredit = new Map<string, { bytes: number; at: number }>();
  /** the first detail of every failure reason (for the report) */
  readonly reasonDetails = new Map<string, string>();
  private readonly admitFactor: number;
  private readonly stageDepth: number | undefined;
  private readonly inferTimeoutMs: number;
  private loops: Promise<void>[] = [];
  private gate: FairGate | null = null;
  /** when each pipeline first delivered under this engine */
  readonly firstDelivery = new Map<string, number>();
  /** per board and segment, the ms of board work an infer costs (its deadline, session.ts) */
  private readonly inferWork = new Map<string, number>();
  private readonly spans: LinkSpans;

  constructor(
    readonly plan: RunPlan,
    private readonly ctx: EngineContext,
    opts: EngineOptions = {},
  ) {
    this.admitFactor = opts.admitFactor ?? 1.2;
    this.stageDepth = opts.stageDepth;
    this.inferTimeoutMs = opts.inferTimeoutMs ?? 10_000;
    this.spans = new LinkSpans(ctx.metrics);
    this.runs = plan.pipelines.map((p) => ({ p, routes: p.routes.map((r) => this.routeRun(p, r)), rate: p.estimatedRate }));
  }

  /** Devices the plan's frames touch. */
  devices(): Set<string> {
    const out = new Set<string>();
    for (const r of this.runs) for (const rr of r.routes) for (const s of rr.stages) out.add(s.device);
    return out;
  }

  private routeRun(p: RunPipeline, route: RunRoute): RouteRun {
    const depth = this.stageDepth ?? depthFor(p.estimatedRate, stageLinkMs(this.ctx.boards, [route.source, ...route.steps.map((s) => s.device)]));
    const sem = (): Semaphore => new Semaphore(depth);
    const io = (step: { from: number; to: number; device: string }): SegmentIO =>
      this.ctx.store.io({ id: segmentId(p.name, p.model, step.from, step.to - step.from), device: step.device, pipeline: p.name, model: p.model, first: step.from, count: step.to - step.from });
    const stages: Stage[] = [];
    const first = route.steps[0]!;
    const fused = first.device === route.source;
    // The source stage also waits for its frame (up to a sensor period ahead, sense-clock.ts):
    // two more frames in it keep a sense always waiting on the board, so no frame is skipped.
    stages.push({ kind: 'source', device: route.source, io: fused ? io(first) : null, deliverHere: false, sem: new Semaphore(depth + 2) });
    route.steps.forEach((s, k) => {
      if (k === 0 && fused) return;
      stages.push({ kind: 'segment', device: s.device, io: io(s), deliverHere: false, sem: sem() });
    });
    const last = stages[stages.length - 1]!;
    if (route.target !== null) {
      if (route.target === last.device) last.deliverHere = true;
      else stages.push({ kind: 'deliver', device: route.target, io: null, deliverHere: true, sem: sem() });
    }
    return { route, stages, current: 0, key: routeKey(route) };
  }

  /** Starts admitting frames on every pipeline. */
  start(): void {
    this.loops = this.runs.map((r) => this.admit(r));
  }

  private pickRoute(run: PipelineRun): RouteRun {
    // Smooth weighted round robin: deterministic, and spreads each route's frames evenly. It
    // waits for a route that is backed up rather than sending its frames elsewhere: another
    // route may load the same bottleneck more per frame (UNet's route through the watch alone
    // moves 612 KB over the watch's link where the one through the watch and an earbud moves
    // 116 KB), and diverting to it there slowed the pipeline down.
    let best = run.routes[0]!;
    for (const rr of run.routes) {
      rr.current += rr.route.share;
      if (rr.current > best.current) best = rr;
    }
    best.current -= 1;
    return best;
  }

  /** Couples admission with other pipelines (max-min, fair-gate.ts); null: free. */
  setGate(gate: FairGate | null): void {
    for (const r of this.runs) this.gate?.release(r.p.name);
    this.gate = gate;
  }

  /** Changes a pipeline's planned rate (a new plan kept its routes); admission follows at once. */
  setPlannedRate(pipeline: string, rate: number): void {
    const run = this.runs.find((r) => r.p.name === pipeline);
    if (run) run.rate = rate;
  }

  private async admit(run: PipelineRun): Promise<void> {
    const signal = this.abort.signal;
    let next = performance.now();
    while (!signal.aborted) {
      const rate = run.rate * this.admitFactor;
      if (!(rate > 0)) return;
      const period = 1000 / rate;
      // Timers have millisecond grain: a frame due within a millisecond starts now.
      const wait = next - performance.now();
      if (wait >= 1) await sleep(wait, signal);
      if (signal.aborted) return;
      if (this.gate) await this.gate.admit(run.p.name);
      if (signal.aborted) return;
      const rr = this.pickRoute(run);
      try {
        await rr.stages[0]!.sem.acquire();
      } catch {
        return; // closed: the engine is stopping
      }
      if (signal.aborted) {
        rr.stages[0]!.sem.release();
        return;
      }
      const now = performance.now();
      // Catching up after a wait is bounded (a few periods, or the timers' grain): admission
      // is a rate, not a debt.
      next = Math.max(next + period, now - Math.max(4 * period, ADMIT_SLACK_MS));
      const entry = this.ctx.ledger.start(run.p.name, now);
      this.open.add(entry);
      const job = this.runFrame(run, rr, entry).finally(() => {
        this.open.delete(entry);
        this.inFlight.delete(job);
        this.gate?.finished(run.p.name);
      });
      this.inFlight.add(job);
    }
  }

  private settleFailed(entry: FrameEntry, reason: string, detail: string): void {
    if (entry.settled) return;
    if (!this.reasonDetails.has(reason)) this.reasonDetails.set(reason, detail);
    entry.failed(reason, performance.now());
  }

  private async runFrame(run: PipelineRun, rr: RouteRun, entry: FrameEntry): Promise<void> {
    const frame: FrameState = { tensors: new Map(), sensed: null, output: null, check: this.ctx.checker?.wants(entry.seq, () => this.checkAffordable(rr)) ?? false };
    let held = 0; // the stage whose semaphore this frame holds
    try {
      for (let k = 0; k < rr.stages.length; k++) {
        if (k > 0) {
          await rr.stages[k]!.sem.acquire();
          rr.stages[k - 1]!.sem.release();
          held = k;
        }
        await this.runStage(run.p, rr.stages[k]!, frame);
      }
      rr.stages[held]!.sem.release();
      held = -1;
      if (entry.settled) return;
      const at = performance.now();
      entry.delivered(at, run.routes.length > 1 ? rr.key : undefined);
      if (!this.firstDelivery.has(run.p.name)) this.firstDelivery.set(run.p.name, at);
      if (frame.check && frame.output && frame.sensed) this.submitCheck(run.p, entry.seq, frame);
    } catch (e) {
      if (held >= 0) rr.stages[held]!.sem.release();
      const { reason, detail } = shortDetail(e);
      this.settleFailed(entry, reason, detail);
    }
  }

  /**
   * Whether the link can spare fetching this route's output only to check it. A route that
   * delivers on the board that ran its last segment never brings the output back otherwise;
   * on a link the plan runs near capacity, checking one frame in ten there cost 20% of the rate
   * (ResSimpleNet's 400-byte output against ~150 bytes of messages per frame). So those fetches
   * get CHECK_LINK_SHARE of the link, a token bucket per board that starts with one fetch.
   */
  private checkAffordable(rr: RouteRun): boolean {
    const last = rr.stages[rr.stages.length - 1]!;
    if (!last.deliverHere || last.kind === 'deliver' || !last.io) return true; // the output comes back anyway
    const h = this.ctx.boards.get(last.device);
    if (!h || !Number.isFinite(h.wireBytesPerSec)) return true;
    const cost = wire(last.io.outputs.reduce((a, t) => a + tensorBytes(t), 0) + 8);
    const now = performance.now();
    const b = this.checkCredit.get(last.device) ?? { bytes: cost, at: now };
    b.bytes = Math.min(Math.max(cost, b.bytes), b.bytes + ((now - b.at) / 1000) * CHECK_LINK_SHARE * h.wireBytesPerSec);
    b.at = now;
    this.checkCredit.set(last.device, b);
    if (b.bytes < cost) return false;
    b.bytes -= cost;
    return true;
  }

  private submitCheck(p: RunPipeline, seq: number, frame: FrameState): void {
    const s = frame.sensed!;
    if (!s.stream.emulated) return;
    const bytes = s.stream.shape[0] * s.stream.shape[1] * s.stream.shape[2];
    const input = s.stream.file ? fileFrame(s.stream.file, bytes, s.frame) : synthesizeFrame(s.stream.shape, s.stream.boardId, s.stream.index, s.frame);
    this.ctx.checker!.submit(p.name, seq, p.model, input, frame.output!);
  }

  private board(device: string): BoardHandle {
    const h = this.ctx.boards.get(device);
    if (!h) throw new FrameFailure(`board ${device} absent`, `the plan uses ${device}, which is not present`);
    if (h.lost !== null) throw new FrameFailure(`board ${device} lost`, `board ${device} lost: ${h.lost}`);
    return h;
  }

  /** Runs `fn` against a board; a failure while the board is lost is the loss. */
  private async on<T>(h: BoardHandle, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (h.lost !== null) throw new FrameFailure(`board ${h.device} lost`, `board ${h.device} lost: ${h.lost}`);
      // The link closed under the request before the monitor marked the board lost: the same loss.
      if (isSessionError(e, 'closed')) throw new FrameFailure(`board ${h.device} lost`, `board ${h.device} lost: ${(e as Error).message}`);
      const d = shortDetail(e);
      throw new FrameFailure(`${h.device}: ${d.reason}`, `${h.device}: ${d.detail}`);
    }
  }

  private async runStage(p: RunPipeline, st: Stage, frame: FrameState): Promise<void> {
    const h = this.board(st.device);
    const io = st.io;
    // Outputs come back to the host unless they are delivered right here (and not checked).
    const needOutput = !st.deliverHere || frame.check;
    let slots: number[];
    const count = st.kind === 'source' ? 1 + (io ? io.outputs.length : 0) : st.kind === 'segment' ? io!.inputs.length + io!.outputs.length : 1;
    try {
      slots = await h.slots.take(count);
    } catch {
      throw new FrameFailure(`board ${st.device} lost`, `board ${st.device} lost while the frame waited for its slots`);
    }
    // Then the bytes those slots will hold (slots before bytes, always: no two frames wait on
    // each other), so a frame waits for tensor memory rather than failing does_not_fit.
    const bytes = this.stageBytes(p, st, frame);
    try {
      await h.tensorBytes.acquire(bytes);
    } catch (e) {
      if (h.lost === null) h.slots.give(slots);
      if (e instanceof RangeError) {
        throw new FrameFailure(`${st.device}: tensor memory`, `${st.device}: the stage needs ${bytes} bytes of tensors, more than the board's tensor memory of ${h.tensorBytes.capacity}`);
      }
      throw new FrameFailure(`board ${st.device} lost`, `board ${st.device} lost while the frame waited for tensor memory`);
    }
    try {
      await this.on(h, async () => {
        let inSlots: number[];
        if (st.kind === 'source') {
          const slot = slots[0]!;
          await this.sense(p, h, slot, frame);
          inSlots = [slot];
          if (!io) {
            frame.tensors.set(-1, await this.get(p, h, slot, this.slotSizes(p, st, frame)[0]!));
            return;
          }
        } else if (st.kind === 'deliver') {
          if (!frame.output) throw new FrameFailure('host error', `the frame reached ${st.device} without the model's output`);
          await this.put(p, h, slots[0]!, frame.output);
          await this.deliver(p, h, slots[0]!);
          return;
        } else {
          inSlots = slots.slice(0, io!.inputs.length);
          await Promise.all(
            io!.inputs.map((t, k) => {
              const bytes = frame.tensors.get(t.source);
              if (!bytes) throw new FrameFailure('host error', `segment ${io!.id} needs tensor ${t.source}, which the frame does not carry`);
              return this.put(p, h, inSlots[k]!, bytes);
            }),
          );
        }
        const outSlots = slots.slice(inSlots.length, inSlots.length + io!.outputs.length);
        const outs = await this.infer(p, h, io!, inSlots, outSlots, needOutput);
        if (outs) {
          frame.tensors.clear();
          io!.outputs.forEach((t, k) => frame.tensors.set(t.source, outs[k]!));
          if (io!.first + io!.layerNames.length === p.layers) frame.output = outs[outs.length - 1]!;
        }
        if (st.deliverHere) await this.deliver(p, h, outSlots[outSlots.length - 1]!);
      });
    } finally {
      if (h.lost === null) {
        // A slot keeps its last tensor until it is written again: shrink the large ones now so
        // idle slots hold at most the board's idleSlotBytes each (reserved off the board's tensor memory).
        this.slotSizes(p, st, frame).forEach((n, k) => {
          if (n > h.idleSlotBytes && slots[k] !== undefined) this.shrink(h, slots[k]!);
        });
        h.tensorBytes.release(bytes);
        h.slots.give(slots);
      }
    }
  }

  /** Resizes a slot to one byte (tensor.put of total 1). Sent before the slot is given back, so
   * it reaches the board before any later use of the slot; a failure only leaves memory taken
   * (a later stage may then be refused does_not_fit, and that frame is counted failed). */
  private shrink(h: BoardHandle, slot: number): void {
    h.session.request(TENSOR_PUT, { slot, offset: 0, total: 1, data: new Uint8Array(1) }, { expectBytes: 16 }).catch(() => undefined);
  }

  /** Bytes each of a stage's slots holds on its board, in the order the stage takes them: the
   * sensed frame or the segment's inputs, then its outputs. */
  private slotSizes(p: RunPipeline, st: Stage, frame: FrameState): number[] {
    const outs = st.io ? st.io.outputs.map((t) => tensorBytes(t)) : [];
    if (st.kind === 'source') {
      const s = this.ctx.stream(p.name, st.device);
      return [s.shape[0] * s.shape[1] * s.shape[2], ...outs];
    }
    if (st.kind === 'deliver') return [frame.output?.length ?? 0];
    return [...st.io!.inputs.map((t) => tensorBytes(t)), ...outs];
  }

  private stageBytes(p: RunPipeline, st: Stage, frame: FrameState): number {
    return this.slotSizes(p, st, frame).reduce((a, n) => a + n, 0);
  }

  private async sense(p: RunPipeline, h: BoardHandle, slot: number, frame: FrameState): Promise<void> {
    const stream = this.ctx.stream(p.name, h.device);
    const period = 1000 / stream.rateHz;
    // Send it about one period before the frame it will take: it holds one credit (of 16) that
    // long, and timer or host jitter of up to a period never makes the board skip a frame (sent
    // just in time, a loaded host missed one frame in five of a sensor-bound pipeline).
    const lead = SENSE_MARGIN_MS + this.txMs(h, 24) + period;
    const { waitMs } = senseDelay(h.session, stream.index, stream.rateHz, lead);
    if (waitMs > 0) await sleep(waitMs);
    const bytes = stream.shape[0] * stream.shape[1] * stream.shape[2];
    const cpuMs = (bytes * h.chip.cpuSenseNsPerByte) / 1e6;
    // Its deadline: the frame it takes comes within its lead, or one period later when the
    // board's clock is not known yet (or it arrives just late), then the board copies it.
    const r = await waitingRequest(h, true, () =>
      h.session.requestTimed(SENSE, { sensor: stream.index, slot }, { timeoutMs: 2000 + 3 * period, expectBytes: 40, waitMs: lead + period, workMs: cpuMs }),
    );
    const at = performance.now();
    senseAnswered(h.session, stream.index, r.body.frame, r.body.tUs, at - this.txMs(h, 30));
    this.ctx.metrics.addBusy(`${h.device}.cpu`, cpuMs);
    this.ctx.metrics.addBusy(`${p.name}.sensor`, period);
    this.ctx.metrics.span(`${h.device}.cpu`, at - cpuMs - this.txMs(h, 30), at - this.txMs(h, 30), p.name, 'sense');
    this.txSpan(p, h, at, 30, 'sense');
    frame.sensed = { frame: r.body.frame, stream };
  }

  private async infer(p: RunPipeline, h: BoardHandle, io: SegmentIO, inputs: number[], outputs: number[], want: boolean): Promise<Uint8Array[] | null> {
    const inline = want && inlineFits(h.session, io);
    const outBytes = io.outputs.reduce((a, t) => a + tensorBytes(t), 0);
    const answerBytes = 40 + 6 * io.layerNames.length + (inline ? outBytes + 6 * io.outputs.length : 0);
    const sent = performance.now();
    this.rxSpan(p, h, sent, 30 + io.id.length, `infer ${io.id}`);
    const workKey = `${h.device}|${io.id}`;
    const workMs = this.inferWork.get(workKey) ?? this.modelledInferMs(p, h, io);
    const timed = await waitingRequest(h, false, () =>
      h.session.requestTimed(INFER, { segment: io.id, inputs, outputs, inline }, { timeoutMs: this.inferTimeoutMs, expectBytes: answerBytes, workMs }),
    );
    const at = performance.now();
    const r: InferResult = timed.body;
    // The board's own account of the work (its cycles at its clock, its CPU) refines the model's.
    this.inferWork.set(workKey, Math.max(workMs, (r.cnnUs + r.cpuUs) / 1000));
    if (r.outputs.length !== io.outputs.length) {
      throw new FrameFailure('wrong answer', `board ${h.device} reported ${r.outputs.length} outputs of ${io.id}, which has ${io.outputs.length}`);
    }
    r.outputs.forEach((o, k) => {
      if (o.bytes !== tensorBytes(io.outputs[k]!)) {
        throw new FrameFailure('wrong answer', `board ${h.device} gave output ${k} of ${io.id} as ${o.bytes} bytes, expected ${tensorBytes(io.outputs[k]!)}`);
      }
    });
    this.record(p, h, io, r, at, answerBytes);
    if (!want) return null;
    // Views into the answer's own buffer (each frame is decoded into a fresh one): no copy.
    if (inline && r.inline.length === io.outputs.length) return r.inline;
    const got: Uint8Array[] = [];
    for (let k = 0; k < outputs.length; k++) got.push(await this.get(p, h, outputs[k]!, tensorBytes(io.outputs[k]!)));
    return got;
  }

  /** The cost model's ms of board work for one infer of `io` on `h`: its layers' CNN cycles, and loading its inputs and unloading its outputs on the CPU. */
  private modelledInferMs(p: RunPipeline, h: BoardHandle, io: SegmentIO): number {
    const layers = this.ctx.store.model(p.model).model.layers.slice(io.first, io.first + io.layerNames.length);
    const clockHz = h.session.hello.cnnClockHz > 0 ? h.session.hello.cnnClockHz : h.chip.cnnClockHz;
    const inBytes = io.inputs.reduce((a, t) => a + tensorBytes(t), 0);
    const outBytes = io.outputs.reduce((a, t) => a + tensorBytes(t), 0);
    return cyclesToUs(networkCycles(layers, h.chip), clockHz) / 1000 + (inBytes * h.chip.cpuLoadNsPerByte + outBytes * h.chip.cpuUnloadNsPerByte) / 1e6;
  }

  private record(p: RunPipeline, h: BoardHandle, io: SegmentIO, r: InferResult, at: number, answerBytes: number): void {
    const m = this.ctx.metrics;
    m.addBusy(`${h.device}.cnn`, r.cnnUs * US);
    m.addBusy(`${h.device}.cpu`, r.cpuUs * US);
    const done = at - this.txMs(h, answerBytes);
    const inBytes = io.inputs.reduce((a, t) => a + tensorBytes(t), 0);
    const outBytes = io.outputs.reduce((a, t) => a + tensorBytes(t), 0);
    const unload = (outBytes * h.chip.cpuUnloadNsPerByte) / 1e6;
    const load = (inBytes * h.chip.cpuLoadNsPerByte) / 1e6;
    const cnn = r.cnnUs * US;
    m.span(`${h.device}.cpu`, done - unload, done, p.name, `unload ${io.id}`);
    m.span(`${h.device}.cnn`, done - unload - cnn, done - unload, p.name, io.id);
    m.span(`${h.device}.cpu`, done - unload - cnn - load, done - unload - cnn, p.name, `load ${io.id}`);
    this.txSpan(p, h, at, answerBytes, `infer ${io.id}`);
  }

  private txMs(h: BoardHandle, bytes: number): number {
    return this.spans.txMs(h, bytes);
  }

  private txSpan(p: RunPipeline, h: BoardHandle, at: number, bytes: number, label: string): void {
    this.spans.tx(p, h, at, bytes, label);
  }

  private rxSpan(p: RunPipeline, h: BoardHandle, sent: number, bytes: number, label: string): void {
    this.spans.rx(p, h, sent, bytes, label);
  }

  private put(p: RunPipeline, h: BoardHandle, slot: number, bytes: Uint8Array): Promise<void> {
    return putTensor(this.spans, p, h, slot, bytes);
  }

  private get(p: RunPipeline, h: BoardHandle, slot: number, total: number): Promise<Uint8Array> {
    return getTensor(this.spans, p, h, slot, total);
  }

  private async deliver(p: RunPipeline, h: BoardHandle, slot: number): Promise<void> {
    const index = this.ctx.outputIndex(h.device, p.targetKind);
    this.rxSpan(p, h, performance.now(), 14, 'deliver');
    await h.session.request(DELIVER, { output: index, slot }, { expectBytes: 16 });
  }

  /** Fails at once every frame waiting to enter a stage on `device` (the board is lost). */
  closeDevice(device: string, reason: string): void {
    const closed = new ClosedError(reason);
    for (const r of this.runs) for (const rr of r.routes) for (const s of rr.stages) if (s.device === device) s.sem.close(closed);
  }

  /** Frames admitted and not yet settled. */
  get openFrames(): number {
    return this.open.size;
  }

  /**
   * Stops admitting; waits up to `drainMs` for the frames in flight to finish, then fails the
   * rest with `reason` (their requests still end on their own; the ledger counts them once).
   */
  async stop(reason: string, drainMs: number): Promise<void> {
    this.abort.abort();
    for (const r of this.runs) this.gate?.release(r.p.name);
    await Promise.allSettled(this.loops);
    const deadline = performance.now() + drainMs;
    while (this.inFlight.size > 0 && performance.now() < deadline) {
      const timer = new AbortController();
      await Promise.race([Promise.allSettled([...this.inFlight]), sleep(Math.max(1, deadline - performance.now()), timer.signal)]);
      timer.abort(); // no timer left behind to hold the process
    }
    const closed = new ClosedError(reason);
    for (const r of this.runs) for (const rr of r.routes) for (const s of rr.stages) s.sem.close(closed);
    for (const entry of [...this.open]) this.settleFailed(entry, reason, `${reason}: the frame was still in flight when the engine stopped`);
  }
}
