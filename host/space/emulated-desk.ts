// Desks that are not read from a file: N emulated boards (`synergy plan --emulated N`), and the
// boards found on this machine (from their `hello` answers).

import type { ChipName, DeskSpec, DeviceSpec, LinkKind, SensorSpec } from './device.js';
import { HOST_OUTPUT } from './device.js';

/** Wire rate of an emulated board's pseudo-terminal when nothing else is said. */
export const EMULATED_DEFAULT_BAUD = 921_600;

/**
 * What every emulated board offers unless told otherwise: a camera frame for the CIFAR-sized
 * models, a microphone window for KWS (128 channels x 128 samples), and every output kind the
 * examples use (a bench board stands in for any wearable). No rate cap: the emulator senses on
 * demand.
 */
export const EMULATED_SENSORS: readonly SensorSpec[] = [
  { kind: 'camera', shape: [3, 32, 32], rateHz: null },
  { kind: 'microphone', shape: [128, 128, 1], rateHz: null },
];
export const EMULATED_OUTPUTS: readonly string[] = ['display', 'speaker', 'haptic', 'led'];

export function emulatedDesk(n: number, baud = EMULATED_DEFAULT_BAUD, chip: ChipName = 'max78000'): DeskSpec {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`--emulated needs a board count from 1 to 64, got ${n}`);
  const devices: DeviceSpec[] = [];
  for (let i = 0; i < n; i++) {
    devices.push({
      name: `emu${i}`, role: 'board', chip, cnnClockHz: null,
      sensors: EMULATED_SENSORS, outputs: EMULATED_OUTPUTS, link: { kind: 'emulated', rateBps: baud },
    });
  }
  return { name: `emulated-${n}`, devices, source: 'emulated', profiles: [] };
}

/** The parts of a board's `hello` answer (PROTOCOL.md 4.1) that describe it as a device. */
export interface BoardDescription {
  boardId: string;
  chip: string;
  cnnClockHz: number;
  sensors: readonly { kind: string; shape: readonly number[]; rateMilliHz: number }[];
  outputs: readonly string[];
  linkBaud: number;
  /** How the host reaches it; emulated boards sit behind a pseudo-terminal. */
  transport: LinkKind;
}

export function deskFromBoards(boards: readonly BoardDescription[]): DeskSpec {
  const devices = boards.map((b): DeviceSpec => {
    if (b.chip !== 'max78000' && b.chip !== 'max78002') throw new Error(`board ${b.boardId}: unknown chip "${b.chip}"`);
    return {
      name: b.boardId, role: 'board', chip: b.chip, cnnClockHz: b.cnnClockHz > 0 ? b.cnnClockHz : null,
      sensors: b.sensors.map((s) => ({ kind: s.kind, shape: [...s.shape], rateHz: s.rateMilliHz > 0 ? s.rateMilliHz / 1000 : null })),
      outputs: b.outputs.filter((o) => o !== HOST_OUTPUT),
      link: { kind: b.transport, rateBps: b.linkBaud },
    };
  });
  return { name: 'discovered', devices, source: 'discovered', profiles: [] };
}
