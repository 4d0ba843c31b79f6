// Where a run's boards come from: a desk file whose devices are listed (emulated here, one
// synergy-emu per device), a desk file that says `devices: discovered` (the boards this machine
// finds: DAPLink boards on USB and registered emulated and QEMU boards, described by their
// hello), or N emulated boards (`--emulated N`, the planner's emulated desk), or N QEMU boards
// (`--qemu N`: the same desk with links at the rate QEMU keeps up with); and the boards synergy
// agents serve (`--remote URL`, a desk file's `kind: ws` devices) joining any of these.

import { discoverBoards, type BoardLocation } from '../board/discovery.js';
import { openBoard } from '../board/open.js';
import { readDesk } from '../space/desk-spec.js';
import { bitsPerByte, type DeskSpec, type LinkKind, type MeasuredProfile } from '../space/device.js';
import type { BoardSession } from '../board/session.js';
import { qemuBaud } from '../link/qemu.js';
import { deskFromBoards, emulatedDesk, type BoardDescription } from '../space/emulated-desk.js';
import { deskSpecOf, type DeskSource } from './desk-kinds.js';
import { remoteBoards } from './remote-desk.js';
import type { DeskTransport } from './desk-emulators.js';

/**
 * The desk with each open board's link as measured when it was opened (link-profile.ts): a rate
 * found by a ping burst replaces the desk's (BLE, network links; a half-duplex link is costed as
 * BLE), and every measured latency is noted. Boards not open keep what the desk says.
 */
export function measuredDesk(desk: DeskSpec, handles: ReadonlyMap<string, { session: BoardSession }>): DeskSpec {
  return {
    ...desk,
    devices: desk.devices.map((d) => {
      const p = handles.get(d.name)?.session.link.profile;
      if (p === undefined) return d;
      if (p.source !== 'measured') {
        // A serial board whose desk gave no rate runs at its hello's baud.
        const rate = d.link.rateFromLink === true ? { rateBps: Math.round(p.bytesPerSec * bitsPerByte(d.link.kind)) } : {};
        return { ...d, link: { ...d.link, ...rate, latencyMs: p.latencyMs } };
      }
      const kind: LinkKind = p.duplex === 'half' ? 'ble' : d.link.kind === 'ble' ? 'usb-serial' : d.link.kind;
      return { ...d, link: { kind, rateBps: Math.round(p.bytesPerSec * bitsPerByte(kind)), latencyMs: p.latencyMs } };
    }),
  };
}

export class DeskSourceError extends Error {
  override readonly name = 'DeskSourceError';
}

/**
 * The desk of `synergy run` / `compare`: a desk file, N emulated boards, or N QEMU boards, and
 * the boards of the agents in `remote` (ws://HOST:PORT each) besides, or alone.
 * `transport: 'ble'` reaches emulated boards over BLE through the BlueZ stand-in (desk-ble.ts).
 */
export async function deskSource(opts: { desk?: string; emulated?: number; qemu?: number; baud?: number; transport?: DeskTransport; remote?: readonly string[] }): Promise<DeskSource> {
  const given = [opts.desk !== undefined ? '--desk' : '', opts.emulated !== undefined ? '--emulated' : '', opts.qemu !== undefined ? '--qemu' : ''].filter((g) => g !== '');
  if (given.length > 1) throw new DeskSourceError(`give one of --desk, --emulated, --qemu, not ${given.join(' and ')}`);
  if (opts.transport === 'ble' && opts.qemu !== undefined) throw new DeskSourceError('--transport ble reaches emulated boards; QEMU boards are reached over their pseudo-terminals only');
  const agents = opts.remote ?? [];
  const local = await localSource(opts, agents.length > 0);
  if (local === null) return joinRemote({ kind: 'boards', spec: { name: 'remote', devices: [], source: 'remote', profiles: [] }, paths: new Map(), finder: null }, agents, new Map());
  if (local.kind !== 'emulate') return joinRemote(local, agents, new Map());
  // A desk file's ws devices are the agents' boards; the others are emulated here.
  const named = new Map(local.spec.devices.filter((d) => isAgentBoard(d.link.location)).map((d) => [d.name, d.link.location!]));
  if (agents.length === 0 && named.size === 0) return local;
  return joinRemote({ ...local, spec: { ...local.spec, devices: local.spec.devices.filter((d) => !named.has(d.name)) } }, agents, named);
}

function isAgentBoard(location: string | undefined): boolean {
  return location !== undefined && location.startsWith('ws://');
}

async function localSource(opts: { desk?: string; emulated?: number; qemu?: number; baud?: number; transport?: DeskTransport }, remote: boolean): Promise<DeskSource | null> {
  const transport = opts.transport !== undefined ? { transport: opts.transport } : {};
  if (opts.emulated !== undefined) {
    return { kind: 'emulate', spec: opts.baud !== undefined ? emulatedDesk(opts.emulated, opts.baud) : emulatedDesk(opts.emulated), ...transport };
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
  if ('discovered' in desk) {
    if (opts.transport !== undefined) throw new DeskSourceError(`--transport applies to emulated boards; desk ${opts.desk} uses the boards found`);
    return discovered(desk.name, desk.profiles);
  }
  const located = desk.devices.filter((d) => d.link.location !== undefined);
  if (located.length === desk.devices.length) {
    if (opts.transport !== undefined) throw new DeskSourceError(`--transport applies to emulated boards; every device of ${opts.desk} names where its board is`);
    return locatedBoards(desk);
  }
  // Boards agents serve join an emulated desk (deskSource); other located boards do not mix.
  const fixed = located.filter((d) => !isAgentBoard(d.link.location));
  if (fixed.length > 0) {
    const others = desk.devices.filter((d) => d.link.location === undefined).map((d) => d.name);
    throw new DeskSourceError(`${opts.desk}: ${fixed.map((d) => d.name).join(', ')} name where their boards are and ${others.join(', ')} do not: a desk is real boards or emulated ones, not both (boards agents serve, ws://, may join emulated ones)`);
  }
  // BLE links without a rate: the boards are emulated behind the BlueZ stand-in, measured at open.
  const rateless = desk.devices.filter((d) => d.link.kind === 'ble' && d.link.rateFromLink === true);
  if (rateless.length > 0 && opts.transport === undefined) {
    if (rateless.length < desk.devices.length - located.length) {
      throw new DeskSourceError(`${opts.desk}: ${rateless.map((d) => d.name).join(', ')} have BLE links without rate_bps (emulated over BLE) and the others do not; give every device a rate_bps, or --transport ble`);
    }
    return { kind: 'emulate', spec: desk, transport: 'ble' };
  }
  return { kind: 'emulate', spec: desk, ...transport };
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

/** A desk whose every device names where its board is: each opened there, reopened there after a loss. */
function locatedBoards(desk: DeskSpec): DeskSource {
  const paths = new Map(desk.devices.map((d) => [d.name, d.link.location!]));
  return { kind: 'boards', spec: desk, paths, finder: async (device) => paths.get(device) };
}

async function describe(loc: BoardLocation): Promise<BoardDescription & { path: string }> {
  const session = await openBoard(loc);
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
