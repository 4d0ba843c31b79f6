// An emulated desk from a desk spec: one synergy-emu per device (or one QEMU board per device,
// the firmware on a Cortex-M4 under QEMU, `kind: 'qemu'`), with its chip, its sensors, its
// outputs and its link paced at the device's byte rate (--baud; a QEMU board's at most
// QEMU_LINK_BAUD, which the desk it hands back says), so links behave like real USB-serial boards
// and what is measured means something.
//
// Sensors: every pipeline that may sense on a device gets its own stream of that sensor (one
// --sensor entry each, same kind and rate): the planner charges each pipeline its own sensing
// and caps each at the sensor's rate, and an emulated sensor hands every frame to one `sense`
// only, so two apps on one camera each get the camera's rate, as planned. A stream's frames
// have the shape of its pipeline's model input (a 3x32x32 camera feeding an MNIST model gives
// it 1x28x28 frames: the sensor's crop and scale are part of sensing). A sensor without a rate
// (sensing on demand) is emulated at ON_DEMAND_HZ, far above any plan's rate.
// Golden inputs: where a pipeline's model has real weights with a golden input in
// ../shared/golden (kws20_v3, convnet5_mnist), its stream's frames are that input (--sensor-file,
// raw int8 CHW); skipped quietly when ../shared is absent.
//
// Links: the emulator paces a full-duplex wire at baud/10 bytes per second. A BLE link of R bit/s
// goodput becomes a wire of R/8 bytes per second (baud R x 10/8); the desk the runtime plans for
// says so (link kind "emulated" at that baud), since the emulator does not model BLE's half duplex.
// A device without a chip is emulated by a MAX78000 board the plan never loads.
//
// Host time is not chip time: every board computes its segments bit for bit on this machine,
// several times slower than the chip it models, and in the one loop that also serves its link,
// so a measured run would be limited by the host, not by the plan. The board's timeline charges
// the modelled cycles whatever the host spends. So by default every emulator runs with an exact
// memo (--memo-mib: a segment load that meets input bytes it has computed before replays those
// outputs, byte for byte) and made-up sensor data that repeats every SENSOR_CYCLE frames
// (--sensor-cycle; downstream inputs then repeat too, so every board of a pipeline replays).
// Nothing is faked: the first pass of the cycle is computed, and the output checks compare every
// checked frame with the reference executor as before. `exactCompute` turns both off (every
// frame distinct, every infer computed).

import { engineFor, type Engine } from '../synth/engine.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorRegistry } from '../link/emulator-registry.js';
import { startBoardProcess, type BoardProcessKind } from '../link/board-process.js';
import type { EmulatedBoard, EmulatorOptions } from '../link/emulator.js';
import { QEMU_MEMO_MIB, qemuBaud } from '../link/qemu.js';
import { listZoo, loadTable, sharedDir } from '../model/zoo.js';
import type { AppSpec } from '../space/app-spec.js';
import { cycleFrames } from './sensor-data.js';
import { startBleDesk } from './desk-ble.js';
import type { BleLinkParams } from '../link/ble-model.js';
import { bitsPerByte, type DeskSpec, type DeviceSpec, type LinkSpec, type SensorSpec } from '../space/device.js';

/** Rate of an emulated sensor the desk gives no rate (the planner puts no cap on it). */
export const ON_DEMAND_HZ = 1000;
/** The emulator's limit of sensors per board (firmware/core/syn_config.h SYN_MAX_SENSORS). */
export const MAX_SENSORS_PER_BOARD = 8;
/**
 * The simulator's exact-memo budget per emulated board, MiB (synergy-emu --memo-mib). A cycle's
 * entries are SENSOR_CYCLE x the board's segments' outputs: a few MiB at most; the rest is
 * headroom, and memory only as entries fill it.
 */
export const EMULATOR_MEMO_MIB = 256;
/**
 * Made-up sensor frames repeat every this many frames (synergy-emu --sensor-cycle): enough
 * distinct inputs that outputs vary frame to frame, few enough that after the first pass every
 * infer replays from the memo instead of spending the host's CPU.
 */
export const SENSOR_CYCLE = 4;

/** One pipeline's stream of one device's sensor. */
export interface SensorStream {
  device: string;
  /** the pipeline this stream feeds (null: a sensor no pipeline of the app can use) */
  pipeline: string | null;
  kind: string;
  /** the position in the board's hello sensors */
  index: number;
  /** the frames' shape: the input of the pipeline's model */
  shape: readonly [number, number, number];
  /** the shape the desk gives the sensor */
  sensorShape: readonly [number, number, number];
  rateHz: number;
  /**
   * raw int8 CHW frames the stream plays (frame k is the file's (k mod n)-th), or null when every
   * frame is made up and distinct: the golden input (fed to the emulator, `golden`), or with a
   * sensor cycle the cycle's made-up frames as the host makes them (sensor-data.ts; the emulator
   * makes the same bytes itself with --sensor-cycle), from which the host rebuilds a frame's input
   */
  file: string | null;
  /** whether `file` is the golden input the emulator plays (--sensor-file) */
  golden: boolean;
  /** made-up frame k is made as frame k mod cycle (0: every frame distinct) */
  cycle: number;
}

export interface EmulatedDevice {
  device: string;
  path: string;
  emulator: EmulatedBoard;
  options: EmulatorOptions;
}

export interface DeskEmulators {
  /** the desk as emulated: every link a paced pseudo-terminal ("emulated" at its baud) */
  desk: DeskSpec;
  streams: readonly SensorStream[];
  /** the registry the boards are in (a private one unless given) */
  registry: EmulatorRegistry;
  /** the running emulator of each device (absent while killed) */
  boards: Map<string, EmulatedDevice>;
  /** SIGKILLs one device's emulator (a board lost); resolves once it is gone */
  kill(device: string): Promise<void>;
  /** SIGSTOPs one device's emulator: a hung board (process alive, link open, no answers) */
  hang(device: string): void;
  /** starts a killed (or hung: it is killed first) device's emulator again with the same options (a board that joins) */
  restart(device: string): Promise<EmulatedDevice>;
  stop(): Promise<void>;
  /** synchronous last resort at process exit */
  killNow(): void;
}

/** SIGSTOPs a device's running emulator (a hung board: process alive, link open, no answers) and notes it in `hung`. */
export function hangBoard(boards: ReadonlyMap<string, EmulatedDevice>, hung: Set<string>, device: string): void {
  const b = boards.get(device);
  if (!b || b.emulator.process.exitCode !== null) throw new Error(`no running emulator for device ${device}`);
  b.emulator.process.kill('SIGSTOP');
  hung.add(device);
}

/** The emulator's --baud for a device's link (absent: unpaced). */
export function emulatedBaud(link: LinkSpec): number | undefined {
  if (link.rateBps <= 0) return undefined;
  return Math.max(1, Math.round((link.rateBps / bitsPerByte(link.kind)) * 10));
}

/** A sensor shape as the emulator's C x H x W (1-D and 2-D shapes get trailing 1s). */
export function shape3(s: SensorSpec, device: string): [number, number, number] {
  const dims = [...s.shape];
  while (dims.length > 3 && dims[0] === 1) dims.shift();
  if (dims.length > 3) throw new Error(`device ${device}: sensor ${s.kind} has shape [${s.shape.join(', ')}]; an emulated sensor is C x H x W`);
  while (dims.length < 3) dims.push(1);
  return dims as [number, number, number];
}

function canSource(p: AppSpec['pipelines'][number], d: DeviceSpec, s: SensorSpec): boolean {
  return p.source.kind === s.kind && (p.source.role === null || p.source.role === d.role);
}

/** The input shape of a zoo model, or null when the zoo does not know it (the planner will say why). */
function modelInput(model: string): [number, number, number] | null {
  try {
    const s = loadTable(model).model.inputShape;
    return [s[0], s[1], s[2]];
  } catch {
    return null;
  }
}

/**
 * Sensor streams per device: one per pipeline that may sense there, in app order. A stream's
 * frames have the shape its pipeline's model takes (the sensor's own preprocessing, crop and
 * scale, is part of sensing); `sensorShape` keeps the desk's.
 */
export function sensorStreams(desk: DeskSpec, app: AppSpec): SensorStream[] {
  const out: SensorStream[] = [];
  for (const d of desk.devices) {
    let index = 0;
    for (const s of d.sensors) {
      const users = app.pipelines.filter((p) => canSource(p, d, s));
      const own = shape3(s, d.name);
      for (const p of users.length > 0 ? users : [null]) {
        const shape = (p ? modelInput(p.model) : null) ?? own;
        out.push({ device: d.name, pipeline: p?.name ?? null, kind: s.kind, index: index++, shape, sensorShape: own, rateHz: s.rateHz ?? ON_DEMAND_HZ, file: null, golden: false, cycle: 0 });
      }
    }
    if (index > MAX_SENSORS_PER_BOARD) {
      throw new Error(`device ${d.name} would need ${index} sensor streams (one per pipeline that may sense there); an emulated board has at most ${MAX_SENSORS_PER_BOARD}`);
    }
  }
  return out;
}

/** The golden input of a zoo model as raw int8 CHW bytes, when ../shared has one (else null). */
export function goldenInput(model: string): { bytes: Uint8Array; shape: [number, number, number] } | null {
  const entry = listZoo().find((e) => e.name === model);
  if (!entry?.realWeights) return null;
  const file = join(sharedDir(), 'golden', entry.realWeights, 'input.json');
  if (!existsSync(file)) return null;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { shape?: number[]; data?: number[] };
  const shape = doc.shape ?? [];
  const n = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(doc.data) || doc.data.length !== n || shape.length === 0 || shape.length > 3) return null;
  const dims = [...shape];
  while (dims.length < 3) dims.push(1);
  return { bytes: new Uint8Array(Int8Array.from(doc.data).buffer), shape: dims as [number, number, number] };
}

/** The same device on the emulated wire: link "emulated" at the board's baud. */
function asEmulated(d: DeviceSpec, kind: BoardProcessKind): DeviceSpec {
  const baud = boardBaud(d, kind);
  return { ...d, link: { kind: 'emulated', rateBps: baud ?? 0 } };
}

/** The --baud a device's board runs at: a QEMU board's link is no faster than QEMU carries. */
function boardBaud(d: DeviceSpec, kind: BoardProcessKind): number | undefined {
  const baud = emulatedBaud(d.link);
  return kind === 'qemu' ? qemuBaud(baud) : baud;
}

function rateText(hz: number): string {
  return (Math.round(hz * 1000) / 1000).toFixed(3).replace(/\.?0+$/, '');
}

export interface DeskEmulatorOptions {
  /** feed golden inputs where the model has one (default true) */
  golden?: boolean;
  /** register the boards here (default: a private registry, removed on stop) */
  registry?: EmulatorRegistry;
  binary?: string;
  /**
   * compute every infer and make every sensor frame distinct (no --memo-mib, no --sensor-cycle):
   * the host's CPU then limits what is measured (default false)
   */
  exactCompute?: boolean;
  /** the engine wanted: each board runs it where its chip is covered (engineFor); absent = the board's own default */
  engine?: Engine;
  /** a synergy-emu per device (default) or a QEMU board per device */
  kind?: BoardProcessKind;
  /** how the host reaches the boards: their pseudo-terminals (default) or BLE through the BlueZ stand-in (desk-ble.ts) */
  transport?: DeskTransport;
  /** the BLE link of a BLE desk (default BLE_FAST) */
  bleLink?: BleLinkParams;
}

export type DeskTransport = 'pty' | 'ble';
export const DESK_TRANSPORTS: readonly DeskTransport[] = ['pty', 'ble'];

export async function startDeskEmulators(desk: DeskSpec, app: AppSpec, opts: DeskEmulatorOptions = {}): Promise<DeskEmulators> {
  const streams = sensorStreams(desk, app);
  const scratch = mkdtempSync(join(tmpdir(), 'synergy-desk-'));
  const registry = opts.registry ?? new EmulatorRegistry(join(scratch, 'registry'));
  if (opts.golden ?? true) {
    for (const s of streams) {
      const model = app.pipelines.find((p) => p.name === s.pipeline)?.model;
      const g = model ? goldenInput(model) : null;
      if (!g || g.bytes.length !== s.shape[0] * s.shape[1] * s.shape[2]) continue;
      s.file = join(scratch, `${s.device}-${s.index}.int8`);
      s.golden = true;
      writeFileSync(s.file, g.bytes);
    }
  }
  const exact = opts.exactCompute ?? false;
  const kind = opts.kind ?? 'emulator';
  const memoMib = kind === 'qemu' ? QEMU_MEMO_MIB : EMULATOR_MEMO_MIB;
  if (!exact) {
    for (const s of streams) {
      if (s.golden) continue;
      s.cycle = SENSOR_CYCLE;
      s.file = join(scratch, `${s.device}-${s.index}.cycle.int8`);
      writeFileSync(s.file, cycleFrames(s.shape, s.device, s.index, SENSOR_CYCLE));
    }
  }
  const optionsOf = (d: DeviceSpec): EmulatorOptions => {
    const mine = streams.filter((s) => s.device === d.name);
    const baud = boardBaud(d, kind);
    return {
      id: d.name,
      chip: d.chip ?? 'max78000',
      ...(opts.engine ? { engine: engineFor(d.chip ?? 'max78000', opts.engine) } : {}),
      sensors: mine.map((s) => `${s.kind}:${s.shape.join('x')}@${rateText(s.rateHz)}`),
      outputs: [...d.outputs],
      ...(baud !== undefined ? { baud } : {}),
      extraArgs: [
        ...mine.flatMap((s) => (s.golden && s.file ? ['--sensor-file', `${s.index}:${s.file}`] : [])),
        ...(exact ? [] : ['--memo-mib', String(memoMib), '--sensor-cycle', String(SENSOR_CYCLE)]),
      ],
      ...(opts.binary ? { binary: opts.binary } : {}),
    };
  };
  if (opts.transport === 'ble') {
    if (kind === 'qemu') throw new Error('QEMU boards are reached over their pseudo-terminals only, not over BLE');
    const cleanup = (): void => rmSync(scratch, { recursive: true, force: true });
    try {
      return await startBleDesk({ desk, streams, registry, optionsOf, cleanup, ...(opts.bleLink ? { link: opts.bleLink } : {}) });
    } catch (e) {
      cleanup();
      throw e;
    }
  }
  const boards = new Map<string, EmulatedDevice>();
  const launch = async (d: DeviceSpec): Promise<EmulatedDevice> => {
    const options = optionsOf(d);
    const emulator = await startBoardProcess(kind, options);
    const dev: EmulatedDevice = { device: d.name, path: emulator.path, emulator, options };
    boards.set(d.name, dev);
    registry.register({
      id: d.name, chip: options.chip!, path: emulator.path, pid: emulator.pid, ownerPid: process.pid,
      startedAt: new Date().toISOString(), ...(options.baud !== undefined ? { baud: options.baud } : {}),
      ...(kind === 'qemu' ? { kind: 'qemu' as const } : {}),
    });
    void emulator.exited.then(() => {
      if (boards.get(d.name)?.emulator === emulator) registry.unregister(d.name);
    });
    return dev;
  };
  /** emulators stopped with SIGSTOP (hang): a stopped process takes SIGTERM only once continued */
  const hung = new Set<string>();
  // At exit (a second Ctrl-C, an uncaught error) nothing asynchronous runs any more: kill the
  // emulators and remove the scratch directory now.
  const killNow = (): void => {
    for (const b of boards.values()) if (b.emulator.process.exitCode === null) b.emulator.process.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    for (const d of hung) boards.get(d)?.emulator.process.kill('SIGCONT');
    hung.clear();
    await Promise.allSettled([...boards.values()].map((b) => b.emulator.stop()));
    for (const id of boards.keys()) registry.unregister(id);
    boards.clear();
    rmSync(scratch, { recursive: true, force: true });
    process.off('exit', killNow);
  };
  process.on('exit', killNow);
  try {
    const started = await Promise.allSettled(desk.devices.map((d) => launch(d)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (e) {
    await stop();
    throw e;
  }
  const kill = async (device: string): Promise<void> => {
    const b = boards.get(device);
    if (!b) throw new Error(`no running emulator for device ${device}`);
    b.emulator.process.kill('SIGKILL');
    await b.emulator.exited;
    hung.delete(device);
    boards.delete(device);
    registry.unregister(device);
  };
  return {
    desk: { ...desk, name: desk.name, devices: desk.devices.map((d) => asEmulated(d, kind)), source: `${desk.source} (${kind === 'qemu' ? 'QEMU boards' : 'emulated'})` },
    streams,
    registry,
    boards,
    kill,
    hang: (device) => hangBoard(boards, hung, device),
    async restart(device) {
      if (hung.has(device)) await kill(device);
      if (boards.has(device)) throw new Error(`device ${device}'s emulator is still running`);
      const d = desk.devices.find((x) => x.name === device);
      if (!d) throw new Error(`device ${device} is not on desk ${desk.name}`);
      return launch(d);
    },
    stop,
    killNow,
  };
}
