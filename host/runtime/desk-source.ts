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
import type { DeskSource } from './runner.js';

export class DeskSourceError extends Error {
  override readonly name = 'DeskSourceError';
}

/** The desk of `synergy run` / `compare`: a desk file, N emulated boards, or N QEMU boards. */
export async function deskSource(opts: { desk?: string; emulated?: number; qemu?: number; baud?: number }): Promise<DeskSource> {
  const given = [opts.desk !== undefined ? '--desk' : '', opts.emulated !== undefined ? '--emulated' : '', opts.qemu !== undefined ? '--qemu' : ''].filter((g) => g !== '');
  if (given.length > 1) throw new DeskSourceError(`give one of --desk, --emulated, --qemu, not ${given.join(' and ')}`);
  if (opts.emulated !== undefined) {
    return { kind: 'emulate', spec: opts.baud !== undefined ? emulatedDesk(opts.emulated, opts.baud) : emulatedDesk(opts.emulated) };
  }
  if (opts.qemu !== undefined) {
    // The desk the planner sees has the links QEMU boards keep up with.
    const spec = emulatedDesk(opts.qemu, qemuBaud(opts.baud));
    return { kind: 'emulate', spec: { ...spec, name: `qemu-${opts.qemu}`, devices: spec.devices.map((d, i) => ({ ...d, name: `qemu${i}` })) }, boards: 'qemu' };
  }
  if (opts.desk === undefined) throw new DeskSourceError('give a desk: --desk FILE (a desk spec) or --emulated N (or --qemu N)');
  const desk = readDesk(opts.desk);
  if (!('discovered' in desk)) return { kind: 'emulate', spec: desk };
  return discovered(desk.name, desk.profiles);
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
