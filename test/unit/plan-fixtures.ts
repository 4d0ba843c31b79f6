// Small desks and apps built in code for the planner's tests.

import type { AppSpec, PipelineSpec } from '../../host/space/app-spec.js';
import type { ChipName, DeskSpec, DeviceSpec, LinkSpec, SensorSpec } from '../../host/space/device.js';

export const CAMERA: SensorSpec = { kind: 'camera', shape: [3, 32, 32], rateHz: null };
export const MIC: SensorSpec = { kind: 'microphone', shape: [128, 128, 1], rateHz: null };
export const SERIAL: LinkSpec = { kind: 'emulated', rateBps: 921_600 };

export function device(name: string, chip: ChipName | null, sensors: SensorSpec[], outputs: string[], link: LinkSpec = SERIAL): DeviceSpec {
  return { name, role: name.replace(/[0-9]+$/, ''), chip, cnnClockHz: null, sensors, outputs, link };
}

export function desk(name: string, devices: DeviceSpec[]): DeskSpec {
  return { name, devices, source: `test desk ${name}`, profiles: [] };
}

export function pipeline(name: string, model: string, source: string, target: string, weight = 1): PipelineSpec {
  return { name, model, source: { kind: source, role: null }, target: { kind: target, role: null }, weight, line: 0 };
}

export function app(name: string, pipelines: PipelineSpec[]): AppSpec {
  return { name, pipelines, source: `test app ${name}` };
}
