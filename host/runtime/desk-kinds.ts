// The kinds of desk a run takes (DeskSource): emulated boards started for it, an emulated desk
// already running, or boards that already run; remote boards (agents') may join the first two.

import type { Engine as AccelEngine } from '../synth/engine.js';
import type { RemoteBoards } from './remote-desk.js';
import type { BoardProcessKind } from '../link/board-process.js';
import type { DeskSpec } from '../space/device.js';
import type { BoardFinder } from './boards.js';
import type { DeskEmulatorOptions, DeskEmulators, DeskTransport } from './desk-emulators.js';

export type DeskSource =
  /** start one emulated board (or QEMU board) per device of the spec; `remote`: boards agents serve join them */
  | { kind: 'emulate'; spec: DeskSpec; binary?: string; boards?: BoardProcessKind; engine?: AccelEngine; transport?: DeskTransport; remote?: RemoteBoards }
  /** an emulated desk already running (several runs on the same boards); left running */
  | { kind: 'emulated'; emulators: DeskEmulators; remote?: RemoteBoards }
  /** boards that already run: the port of each device, and how to find ones that join */
  | { kind: 'boards'; spec: DeskSpec; paths: ReadonlyMap<string, string>; finder: BoardFinder | null };

/** The desk a source plans for: its own devices and the remote boards that join them. */
export function deskSpecOf(source: DeskSource): DeskSpec {
  const own = source.kind === 'emulated' ? source.emulators.desk : source.spec;
  const remote = source.kind === 'boards' ? undefined : source.remote;
  return remote ? { ...own, devices: [...own.devices, ...remote.devices] } : own;
}

/** How the boards of an `emulate` desk are started. */
export function emulateOptions(desk: Extract<DeskSource, { kind: 'emulate' }>): DeskEmulatorOptions {
  return { ...(desk.binary ? { binary: desk.binary } : {}), ...(desk.boards ? { kind: desk.boards } : {}), ...(desk.engine ? { engine: desk.engine } : {}), ...(desk.transport ? { transport: desk.transport } : {}) };
}
