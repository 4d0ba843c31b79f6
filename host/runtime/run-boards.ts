// A run's boards up: the emulated desk started (or the boards given), a session opened to each,
// the monitor watching them (lost, joined, suspect), faults injected when asked, and what an
// engine needs to reach the boards and their sensors.

import { readFileSync } from 'node:fs';
import { openBoard } from '../board/open.js';
import type { BoardSession } from '../board/session.js';
import { BoardMonitor, type BoardFinder, type BoardHandle } from './boards.js';
import { OutputChecker } from './checker.js';
import { remoteBoardProcess } from './remote-process.js';
import { startDeskEmulators, type DeskEmulators, type SensorStream } from './desk-emulators.js';
import { deskSpecOf, emulateOptions } from './desk-kinds.js';
import type { EngineContext, StreamRef } from './engine.js';
import { measuredDesk } from './desk-source.js';
import { injectFaults } from './fault-injection.js';
import type { RunContext } from './run-context.js';

/** Starts or finds the desk's boards, opens them and watches them (ctx.desk, ctx.monitor). */
export async function bringBoardsUp(ctx: RunContext): Promise<void> {
  const cfg = ctx.cfg;
  const paths = new Map<string, string>();
  let finder: BoardFinder | null;
  if (cfg.desk.kind === 'emulate' || cfg.desk.kind === 'emulated') {
    const emus = cfg.desk.kind === 'emulated' ? cfg.desk.emulators : await startDeskEmulators(cfg.desk.spec, ctx.app, emulateOptions(cfg.desk));
    ctx.emus = emus;
    const remote = cfg.desk.remote?.urls ?? new Map<string, string>();
    ctx.desk = deskSpecOf({ kind: 'emulated', emulators: emus, ...(cfg.desk.remote ? { remote: cfg.desk.remote } : {}) });
    for (const [d, b] of emus.boards) paths.set(d, b.path);
    for (const [d, url] of remote) paths.set(d, url);
    const registry = emus.registry;
    // A remote board that was lost joins again when its agent leases it again.
    finder = async (device) => remote.get(device) ?? registry.list().find((e: { id: string }) => e.id === device)?.path;
  } else {
    ctx.desk = cfg.desk.spec;
    for (const [d, p] of cfg.desk.paths) paths.set(d, p);
    finder = cfg.desk.finder;
  }
  const emus = ctx.emus;
  // A board an agent runs reports its process through the link (host/agent/remote-process.ts).
  const monitor: BoardMonitor = new BoardMonitor(ctx.desk.devices.map((d) => d.name), finder,
    (device) => emus?.boards.get(device)?.emulator ?? remoteBoardProcess(monitor.handles.get(device)?.session.link));
  ctx.monitor = monitor;
  // Faults are timed from the first load or the first plan's start (fault-injection.ts).
  if (emus && (cfg.faults?.length ?? 0) > 0) {
    ctx.injecting = injectFaults(cfg.faults!, emus, { loadStarted: ctx.loadStarted.at, runStarted: ctx.runStarted.at }, ctx.finished.signal,
      (f, at) => {
        ctx.faultTimes.set(f.device, at);
        ctx.wake();
      },
      (text) => ctx.note('note', text));
  }
  const opened = await Promise.allSettled(
    ctx.desk.devices.map(async (d) => {
      const path = paths.get(d.name);
      if (!path) return;
      let session: BoardSession;
      try {
        session = await openBoard(path, { profile: true });
      } catch (e) {
        throw new Error(`device ${d.name}: ${(e as Error).message}`);
      }
      if (session.hello.boardId !== d.name && emus) {
        await session.close('not the board expected');
        throw new Error(`device ${d.name}: the board on ${path} says it is ${session.hello.boardId}`);
      }
      monitor.add(d.name, session);
    }),
  );
  const openFailed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (openFailed) throw openFailed.reason;
  // The planner costs each link as it was measured when opened (BLE, network links).
  ctx.desk = measuredDesk(ctx.desk, monitor.handles);
  watchBoards(ctx, monitor);
  if (emus && (cfg.checkEvery ?? 10) > 0) ctx.checker = new OutputChecker(ctx.ledger, { every: cfg.checkEvery ?? 10, model: (n) => ctx.store.model(n).model });
}

/** Board changes become pending changes the loop acts on; a suspect board never holds the others. */
function watchBoards(ctx: RunContext, mon: BoardMonitor): void {
  mon.on('lost', (device, reason, at, lastHeard) => {
    ctx.note('lost', `board ${device} lost: ${reason}`, at);
    for (const e of ctx.engines.values()) e.closeDevice(device, `board ${device} lost`);
    // A lost board's pipelines stop: the others no longer wait for them at the gate.
    for (const p of ctx.usersOf(device)) ctx.gates.current?.release(p);
    ctx.pendingChanges.push({ kind: 'lost', device, reason, at, lastHeard });
    ctx.wake();
  });
  mon.on('joined', (h, at) => {
    ctx.note('joined', `board ${h.device} joined (${h.chip.name})`, at);
    ctx.pendingChanges.push({ kind: 'joined', device: h.device, reason: 'joined', at, lastHeard: null });
    ctx.wake();
  });
  // A board that may hang (an answer overdue, silence) never holds the other pipelines.
  mon.on('suspect', (device, why) => {
    const users = ctx.usersOf(device);
    if (users.length === 0) return;
    ctx.note('note', `board ${device} suspect (${why}): ${users.join(', ')} no longer held level with the others`);
    for (const p of users) ctx.gates.current?.suspend(p);
  });
  mon.on('cleared', (device) => {
    for (const p of ctx.usersOf(device)) ctx.gates.current?.resume(p);
  });
}

/** What an engine reaches the boards through: their handles, sensors and outputs. */
export function engineContext(ctx: RunContext): () => EngineContext {
  const stream = streamsFor(ctx.emus);
  const boards = ctx.mon.handles;
  return () => ({
    boards,
    store: ctx.store,
    ledger: ctx.ledger,
    metrics: ctx.metrics,
    checker: ctx.checker,
    stream: (pipeline, device) => {
      const h = boards.get(device)!;
      if (ctx.emus?.streams.some((st) => st.device === device)) return stream(pipeline, h);
      return helloStream(h, ctx.app.pipelines.find((p) => p.name === pipeline)!.source.kind);
    },
    outputIndex: (device, kind) => {
      const i = boards.get(device)!.session.hello.outputs.indexOf(kind);
      if (i < 0) throw new Error(`board ${device} has no ${kind} output`);
      return i;
    },
  });
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
