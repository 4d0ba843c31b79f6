// Where a run's boards come from: a desk file whose devices are listed (emulated here, one
// synergy-emu per device), a desk file that says `devices: discovered` (the boards this machine
// finds: DAPLink boards on USB and registered emulated and QEMU boards, described by their
// hello), or N emulated boards (`--emulated N`, the planner's emulated desk), or N QEMU boards
// (`--qemu N`: the same desk with links at the rate QEMU keeps up with).

import { discoverBoards, type BoardLocation } from '../board/discovery.js';
import { openBoard } from '../board/open.js';
import { readDesk } from '../space/desk-spec.js';
import type { MeasuredProfile } from '../space/device.js';
import { qemuBaud } from '../link/qemu.js';
import { deskFromBoards, emulatedDesk, type BoardDescription } from '../space/emulated-desk.js';
import { deskSpecOf, type DeskSource } from './desk-kinds.js';
import { remoteBoards } from '../agent/remote-desk.js';

export class DeskSourceError extends Error {
  override readonly name = 'DeskSourceError';
}

/**
 * The desk of `synergy run` / `compare`: a desk file, N emulated boards, or N QEMU boards, and
 * the boards of the agents in `remote` (ws://HOST:PORT each) besides, or alone.
 */
export async function deskSource(opts: { desk?: string; emulated?: number; qemu?: number; baud?: number; remote?: readonly string[] }): Promise<DeskSource> {
  const given = [opts.desk !== undefined ? '--desk' : '', opts.emulated !== undefined ? '--emulated' : '', opts.qemu !== undefined ? '--qemu' : ''].filter((g) => g !== '');
  if (given.length > 1) throw new DeskSourceError(`give one of --desk, --emulated, --qemu, not ${given.join(' and ')}`);
  const agents = opts.remote ?? [];
  const local = await localSource(opts, agents.length > 0);
  if (local === null) return joinRemote({ kind: 'boards', spec: { name: 'remote', devices: [], source: 'remote', profiles: [] }, paths: new Map(), finder: null }, agents, new Map());
  if (local.kind !== 'emulate') return joinRemote(local, agents, new Map());
  // A desk file's ws devices are the agents' boards; the others are emulated here.
  const named = new Map(local.spec.devices.filter((d) => d.link.url !== undefined).map((d) => [d.name, d.link.url!]));
  if (agents.length === 0 && named.size === 0) return local;
  return joinRemote({ ...local, spec: { ...local.spec, devices: local.spec.devices.filter((d) => !named.has(d.name)) } }, agents, named);
}

async function localSource(opts: { desk?: string; emulated?: number; qemu?: number; baud?: number }, remote: boolean): Promise<DeskSource | null> {
  if (opts.emulated !== undefined) {
    return { kind: 'emulate', spec: opts.baud !== undefined ? emulatedDesk(opts.emulated, opts.baud) : emulatedDesk(opts.emulated) };
  }
  if (opts.qemu !== undefined) {
    // The desk the planner sees has the links QEMU boards keep up with.
    const spec = emulatedDesk(opts.qemu, qemuBaud(opts.baud));
    return { kind: 'emulate', spec: { ...spec, name: `qemu-${opts.qemu}`, devices: spec.devices.map((d, i) => ({ ...d, name: `qemu${i}` })) }, boards: 'qemu' };
  }
  if (opts.desk === undefined) {
    if (remote) return null;
    throw new DeskSourceError('give a desk: --desk FILE (a desk spec) or --emulated N (or --qemu N), or --remote URL');
  }
  const desk = readDesk(opts.desk);
  if (!('discovered' in desk)) return { kind: 'emulate', spec: desk };
  return discovered(desk.name, desk.profiles);
}

/** The source with the agents' boards joined (an agent that cannot be asked is an error naming it). */
async function joinRemote(source: DeskSource, agents: readonly string[], named: ReadonlyMap<string, string>): Promise<DeskSource> {
  if (agents.length === 0 && named.size === 0) return source;
  const own = deskSpecOf(source);
  let remote;
  try {
    remote = await remoteBoards(agents, named, new Set(own.devices.map((d) => d.name)));
  } catch (e) {
    throw new DeskSourceError((e as Error).message);
  }
  if (source.kind !== 'boards') return { ...source, remote };
  const finder = source.finder;
  return {
    kind: 'boards',
    spec: { ...own, devices: [...own.devices, ...remote.devices] },
    paths: new Map([...source.paths, ...remote.urls]),
    finder: async (device) => remote.urls.get(device) ?? (await finder?.(device)),
  };
}

async function describe(loc: BoardLocation): Promise<BoardDescription & { path: string }> {
  const session = await openBoard(loc.path);
  try {
    const h = session.hello;
    return {
      boardId: h.boardId,
      chip: h.chip,
      cnnClockHz: h.cnnClockHz,
      sensors: h.sensors.map((s) => ({ kind: s.kind, shape: s.shape, rateMilliHz: s.rateMhz })),
      outputs: h.outputs,
      linkBaud: h.linkBaud,
      transport: loc.transport === 'emulated' || loc.transport === 'qemu' ? 'emulated' : 'usb-serial',
      path: loc.path,
    };
  } finally {
    await session.close('described');
  }
}

async function discovered(name: string, profiles: readonly MeasuredProfile[]): Promise<DeskSource> {
  const found = await discoverBoards();
  if (found.length === 0) throw new DeskSourceError('the desk says "devices: discovered" but no board was found (start emulated ones with "synergy emu", or plug boards in)');
  const described = await Promise.all(found.map((b) => describe(b)));
  const spec = { ...deskFromBoards(described), name, profiles };
  const paths = new Map(described.map((d) => [d.boardId, d.path]));
  return {
    kind: 'boards',
    spec,
    paths,
    finder: async (device) => (await discoverBoards()).find((b) => b.id === device)?.path,
  };
}
