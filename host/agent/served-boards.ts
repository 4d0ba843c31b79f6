// The boards an agent serves: emulated or QEMU boards it starts (`--emulated N`, `--qemu N`)
// or boards this machine reaches (`--board LOC`: an id from discovery or a port path). Each is
// asked hello once at start for the facts the board list gives; its port is opened again for
// each lease.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveBoard, type BoardLocation } from '../board/discovery.js';
import { startEmulatedDesk, type EmulatedDesk } from '../board/emulated-desk.js';
import { openBoard } from '../board/open.js';
import type { ByteLink } from '../link/byte-link.js';
import { openLink } from '../link/registry.js';
import { realBoardBaud } from '../board/usb-ports.js';
import type { BoardProcessKind } from '../link/board-process.js';
import { EMULATED_OUTPUTS } from '../space/emulated-desk.js';
import { EMULATOR_MEMO_MIB, ON_DEMAND_HZ, SENSOR_CYCLE } from '../runtime/desk-emulators.js';
import { AgentBoard } from './agent-board.js';
import { Transcript } from './transcript.js';
import type { AgentBoardFacts } from '../link/agent-wire.js';

export type BoardSource =
  | { kind: 'start'; count: number; process: BoardProcessKind; baud: number }
  | { kind: 'board'; location: string };

export interface ServedBoards {
  boards: AgentBoard[];
  /** stops the boards the agent started */
  stop(): Promise<void>;
  killNow(): void;
}

/**
 * What an agent's emulated board offers: the planner's emulated board (host/space/emulated-desk.ts),
 * a camera and a microphone sensing on demand, with the exact memo and cycled sensor frames the
 * runtime's emulated desks use, so a remote board costs this machine what a local one does.
 */
const EMULATED_SENSOR_ARGS = [`camera:3x32x32@${ON_DEMAND_HZ}`, `microphone:128x128x1@${ON_DEMAND_HZ}`];
const EMULATED_EXTRA = ['--memo-mib', String(EMULATOR_MEMO_MIB), '--sensor-cycle', String(SENSOR_CYCLE)];

async function factsOf(location: BoardLocation): Promise<AgentBoardFacts> {
  const session = await openBoard(location, { helloTimeoutMs: 2000 });
  try {
    const h = session.hello;
    return {
      name: h.boardId, chip: h.chip, cnn_clock_hz: h.cnnClockHz, link_baud: h.linkBaud,
      transport: location.transport === 'emulated' || location.transport === 'qemu' ? 'emulated' : 'usb-serial',
      firmware: h.firmware,
      sensors: h.sensors.map((s) => ({ kind: s.kind, shape: [...s.shape], rate_mhz: s.rateMhz })),
      outputs: [...h.outputs],
    };
  } finally {
    await session.close('described');
  }
}

export async function serveBoards(sources: readonly BoardSource[], transcripts: string, leaseMs: number): Promise<ServedBoards> {
  mkdirSync(transcripts, { recursive: true });
  const desks: EmulatedDesk[] = [];
  const locations: BoardLocation[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(desks.map((d) => d.stop()));
  };
  try {
    for (const s of sources) {
      if (s.kind === 'start') {
        const desk = await startEmulatedDesk({
          boards: s.count, kind: s.process, registry: null, idPrefix: s.process === 'qemu' ? 'agent-qemu-' : 'agent-',
          ...(s.baud > 0 ? { baud: s.baud } : {}),
          sensors: EMULATED_SENSOR_ARGS, outputs: [...EMULATED_OUTPUTS], extraArgs: EMULATED_EXTRA,
        });
        desks.push(desk);
        for (const b of desk.boards) locations.push({ id: b.id, transport: s.process === 'qemu' ? 'qemu' : 'emulated', path: b.emulator.path, location: `serial:${b.emulator.path}`, chip: b.chip, pid: b.emulator.pid });
      } else {
        locations.push(await resolveBoard(s.location));
      }
    }
    const facts = await Promise.all(locations.map((l) => factsOf(l)));
    const seen = new Set<string>();
    const boards = facts.map((f, i) => {
      if (seen.has(f.name)) throw new Error(`two boards answer hello as ${f.name}: board names must be unique on an agent`);
      seen.add(f.name);
      const loc = locations[i]!;
      const serial = loc.transport === 'usb' ? { baudRate: realBoardBaud() } : {};
      const open = async (): Promise<ByteLink> => (await openLink(loc.location, { serial })).link;
      return new AgentBoard(f, open, new Transcript(join(transcripts, `${f.name}.log`)), leaseMs, loc.pid ?? null);
    });
    return { boards, stop, killNow: () => desks.forEach((d) => d.killNow()) };
  } catch (e) {
    await stop();
    throw e;
  }
}
