// The planning problem: a desk and an app turned into indexed devices, resources and the
// pipelines that can be planned (with every source, target and model variant they may use),
// plus an error for each pipeline that cannot run, naming it and the reason.

import type { AppSpec, PipelineSpec } from '../space/app-spec.js';
import type { DeskSpec, DeviceSpec, SensorSpec } from '../space/device.js';
import { bitsPerByte, fullDuplex, HOST_OUTPUT } from '../space/device.js';
import { DEFAULT_CALIBRATION, type Calibration } from './calibration.js';
import { chipFacts, modelVariants, UnknownModelError, type ChipFacts, type ModelProfile } from './model-facts.js';
import { minSegments, segmentVerdict, splitCuts } from './segments.js';

export type Objective = 'maxmin' | 'sum';
/** Target index meaning "deliver to the host" (the last segment's device sends it up its link). */
export const HOST_TARGET = -1;

export type ResourceKind = 'cnn' | 'cpu' | 'tx' | 'rx' | 'link' | 'sensor' | 'host';

export interface Resource {
  /** e.g. "glasses.cnn", "glasses.tx", "wake-word.sensor". */
  id: string;
  kind: ResourceKind;
  device: number | null;
  pipeline: number | null;
}

export interface PlanDevice {
  index: number;
  spec: DeviceSpec;
  chip: ChipFacts | null;
  cnnClockHz: number;
  /** Payload bytes per second on its link; Infinity when unpaced. */
  wireBytesPerSec: number;
  /** CPU nanoseconds per byte to load CNN inputs, unload outputs and sense (the chip's facts;
   *  a device without an accelerator is taken to have a MAX78000's CPU). */
  cpuLoadNsPerByte: number;
  cpuUnloadNsPerByte: number;
  cpuSenseNsPerByte: number;
  /** The host's CPU per message with this device (its link's kind: calib.hostMessageUs or hostMessageUsBle). */
  hostMessageUs: number;
  /** Resource indices; tx === rx === link for a half-duplex link; cnn -1 without a chip. */
  cnn: number;
  cpu: number;
  tx: number;
  rx: number;
}

export interface SourceOption {
  device: number;
  sensor: SensorSpec;
}

export interface PlanPipeline {
  /** Index among the plannable pipelines. */
  index: number;
  spec: PipelineSpec;
  weight: number;
  /** Model variants some chip on the desk can run. */
  variants: readonly ModelProfile[];
  sources: readonly SourceOption[];
  /** Device indices, or [HOST_TARGET]. */
  targets: readonly number[];
  /** The resource that carries 1/rate of the chosen sensor (a per-pipeline cap). */
  sensorResource: number;
  /** CNN seconds prefix sums per variant and device (null where the device cannot run it). */
  cnnPrefix: readonly (readonly (Float64Array | null)[])[];
  /** Per variant: whether the model may be cut at each cut 0..layers (the plan space, see splitCuts). */
  cutAllowed: readonly Uint8Array[];
}

export interface PipelineError {
  pipeline: string;
  reason: string;
}

export interface PlanProblem {
  desk: DeskSpec;
  app: AppSpec;
  calib: Calibration;
  objective: Objective;
  devices: readonly PlanDevice[];
  resources: readonly Resource[];
  /** The host process's CPU (host.cpu): one core relays every message of every board. */
  hostResource: number;
  pipelines: readonly PlanPipeline[];
  errors: readonly PipelineError[];
}

export interface ProblemOptions {
  objective?: Objective;
  calibration?: Calibration;
  /** Where models may be cut: 'minima' (the default, see splitCuts) or 'all' cuts. */
  cuts?: 'minima' | 'all';
}

export function buildProblem(desk: DeskSpec, app: AppSpec, opts: ProblemOptions = {}): PlanProblem {
  const calib = opts.calibration ?? DEFAULT_CALIBRATION;
  const resources: Resource[] = [];
  const add = (id: string, kind: ResourceKind, device: number | null, pipeline: number | null): number => {
    resources.push({ id, kind, device, pipeline });
    return resources.length - 1;
  };
  const devices: PlanDevice[] = desk.devices.map((spec, index) => {
    const chip = spec.chip ? chipFacts(spec.chip) : null;
    const cnn = chip ? add(`${spec.name}.cnn`, 'cnn', index, null) : -1;
    const cpu = add(`${spec.name}.cpu`, 'cpu', index, null);
    let tx: number;
    let rx: number;
    if (fullDuplex(spec.link.kind)) {
      tx = add(`${spec.name}.tx`, 'tx', index, null);
      rx = add(`${spec.name}.rx`, 'rx', index, null);
    } else {
      tx = rx = add(`${spec.name}.link`, 'link', index, null);
    }
    const wireBytesPerSec = spec.link.rateBps > 0 ? spec.link.rateBps / bitsPerByte(spec.link.kind) : Number.POSITIVE_INFINITY;
    const cpuOf = chip ?? chipFacts('max78000');
    return {
      index, spec, chip, cnnClockHz: spec.cnnClockHz ?? chip?.cnnClockHz ?? 0, wireBytesPerSec, cnn, cpu, tx, rx,
      cpuLoadNsPerByte: cpuOf.cpuLoadNsPerByte, cpuUnloadNsPerByte: cpuOf.cpuUnloadNsPerByte, cpuSenseNsPerByte: cpuOf.cpuSenseNsPerByte,
      hostMessageUs: spec.link.kind === 'ble' ? calib.hostMessageUsBle : calib.hostMessageUs,
    };
  });
  const hostResource = add('host.cpu', 'host', null, null);
  const chipsPresent = [...new Set(devices.flatMap((d) => (d.chip ? [d.chip.name] : [])))];
  const pipelines: PlanPipeline[] = [];
  const errors: PipelineError[] = [];
  for (const spec of app.pipelines) {
    const fail = (reason: string): void => {
      errors.push({ pipeline: spec.name, reason });
    };
    let variants: ModelProfile[];
    try {
      variants = modelVariants(spec.model);
    } catch (err) {
      if (err instanceof UnknownModelError) {
        fail(err.message);
        continue;
      }
      throw err;
    }
    const sources = devices.flatMap((d): SourceOption[] => {
      if (spec.source.role !== null && d.spec.role !== spec.source.role) return [];
      const sensor = d.spec.sensors.find((s) => s.kind === spec.source.kind);
      return sensor ? [{ device: d.index, sensor }] : [];
    });
    const role = (r: string | null): string => (r === null ? '' : ` on a device with role "${r}"`);
    if (sources.length === 0) {
      fail(`no device has a ${spec.source.kind} sensor${role(spec.source.role)}`);
      continue;
    }
    let targets: number[];
    if (spec.target.kind === HOST_OUTPUT) {
      targets = [HOST_TARGET];
    } else {
      targets = devices.filter((d) => (spec.target.role === null || d.spec.role === spec.target.role)
        && d.spec.outputs.includes(spec.target.kind)).map((d) => d.index);
      if (targets.length === 0) {
        fail(`no device has a ${spec.target.kind} output${role(spec.target.role)}`);
        continue;
      }
    }
    const runnable = variants.filter((v) => v.chips.some((c) => chipsPresent.includes(c)));
    if (runnable.length === 0) {
      fail(chipsPresent.length === 0 ? 'the desk has no accelerator'
        : `model ${spec.model} needs a ${variants.flatMap((v) => v.chips).join(' or ')}, the desk has only ${chipsPresent.join(', ')}`);
      continue;
    }
    const reach = unreachableReason(runnable, devices, opts.cuts ?? 'minima');
    if (reach !== null) {
      fail(`model ${spec.model} fits no combination of the devices on this desk: ${reach}`);
      continue;
    }
    const index = pipelines.length;
    const sensorResource = add(`${spec.name}.sensor`, 'sensor', null, index);
    const cnnPrefix = runnable.map((v) => devices.map((d) => cnnPrefixFor(v, d, desk)));
    const cutAllowed = runnable.map((v) => splitCuts(v, chipsPresent, opts.cuts ?? 'minima'));
    pipelines.push({ index, spec, weight: spec.weight, variants: runnable, sources, targets, sensorResource, cnnPrefix, cutAllowed });
  }
  return { desk, app, calib, objective: opts.objective ?? 'maxmin', devices, resources, hostResource, pipelines, errors };
}

/** CNN seconds prefix sums: a measured profile where the desk has one, else the cycle model. */
function cnnPrefixFor(v: ModelProfile, d: PlanDevice, desk: DeskSpec): Float64Array | null {
  if (!d.chip || !v.chips.includes(d.chip.name)) return null;
  const chip = d.chip.name;
  const measured = desk.profiles.find((p) => p.model === v.name && p.variant === v.variant && p.device === d.spec.name)
    ?? desk.profiles.find((p) => p.model === v.name && p.variant === v.variant && p.device === null && p.chip === chip);
  const out = new Float64Array(v.layers + 1);
  if (measured && measured.layerUs.length === v.layers) {
    for (let i = 0; i < v.layers; i++) out[i + 1] = out[i]! + measured.layerUs[i]! * 1e-6;
    return out;
  }
  const cycles = v.cyclePrefix[chip]!;
  for (let i = 0; i <= v.layers; i++) out[i] = cycles[i]! / d.cnnClockHz;
  return out;
}

/**
 * Why no chain of segments over the desk's accelerators can hold the model (null if one can):
 * a cut from which no segment fits any chip, or more segments needed than there are accelerators.
 */
function unreachableReason(variants: readonly ModelProfile[], devices: readonly PlanDevice[], mode: 'minima' | 'all'): string | null {
  const reasons: string[] = [];
  for (const v of variants) {
    const chips = [...new Set(devices.flatMap((d) => (d.chip && v.chips.includes(d.chip.name) ? [d.chip.name] : [])))];
    const accelerators = devices.filter((d) => d.chip && v.chips.includes(d.chip.name)).length;
    const allowed = splitCuts(v, chips, mode);
    const need = minSegments(v, chips, allowed);
    if (need <= accelerators) return null;
    if (Number.isFinite(need)) {
      reasons.push(`${v.key} needs ${need} accelerators, the desk has ${accelerators}`);
      continue;
    }
    // The first cut the model cannot get past, and what the fit rules say about the shortest step.
    const reach = new Uint8Array(v.layers + 1);
    reach[0] = 1;
    let stuck = 0;
    for (let a = 0; a < v.layers; a++) {
      if (!reach[a] || !allowed[a]) continue;
      stuck = Math.max(stuck, a);
      for (const c of chips) for (let b = a + 1; b <= v.layers; b++) if (allowed[b] && segmentVerdict(v, c, a, b).ok) reach[b] = 1;
    }
    let next = stuck + 1;
    while (next < v.layers && !allowed[next]) next++;
    const why = chips.map((c) => segmentVerdict(v, c, stuck, next)).find((x) => !x.ok);
    reasons.push(`${v.key}: no ${chips.join(' or ')} holds layers ${stuck}..${next - 1}${why && !why.ok ? ` (${why.reason})` : ''}`);
  }
  return reasons.join('; ');
}
