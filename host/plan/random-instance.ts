// Seeded random desks and apps, for the benchmark and the property tests: 2 to 8 wearables
// (MAX78000, now and then a MAX78002, or a sensor-only ring), 1 to 6 pipelines over the zoo.
// A second family (unseenInstance) holds the desks Synergy was never tuned on: exactly two
// MAX78002s among MAX78000s, every device with an accelerator, one pipeline weighted 2.

import type { AppSpec, PipelineSpec } from '../space/app-spec.js';
import type { DeskSpec, DeviceSpec, LinkSpec, SensorSpec } from '../space/device.js';

import { uniform as rng } from '../model/prng.js';

export { rng };

const CAMERA: SensorSpec = { kind: 'camera', shape: [3, 32, 32], rateHz: null };
const MIC: SensorSpec = { kind: 'microphone', shape: [128, 128, 1], rateHz: null };
const IMU: SensorSpec = { kind: 'imu', shape: [6, 128], rateHz: 50 };

const ROLES: Record<string, { sensors: SensorSpec[]; outputs: string[] }> = {
  earbud: { sensors: [MIC], outputs: ['speaker'] },
  glasses: { sensors: [CAMERA, MIC], outputs: ['display', 'speaker'] },
  watch: { sensors: [IMU, MIC], outputs: ['display', 'haptic'] },
  ring: { sensors: [IMU], outputs: ['haptic'] },
  patch: { sensors: [IMU, CAMERA], outputs: ['haptic'] },
};

/** Which sensor feeds each zoo model. */
export const MODEL_SOURCE: Record<string, string> = {
  kws20_v3: 'microphone',
  convnet5_mnist: 'camera',
  simplenet_cifar100: 'camera',
  widenet_cifar100: 'camera',
  ressimplenet_cifar100: 'camera',
  efficientnetv2_cifar100: 'camera',
  mobilenetv2_075_cifar100: 'camera',
  unet_large_camvid: 'camera',
};

const LINKS: LinkSpec[] = [
  { kind: 'ble', rateBps: 1_000_000 },
  { kind: 'ble', rateBps: 2_000_000 },
  { kind: 'usb-serial', rateBps: 921_600 },
  { kind: 'emulated', rateBps: 921_600 },
];

export interface RandomInstance {
  desk: DeskSpec;
  app: AppSpec;
}

export function randomInstance(seed: number, devices: number, pipelines: number): RandomInstance {
  return instance(seed, devices, pipelines, 'random');
}

/**
 * A mixed-chip desk of `devices` wearables (two of them, drawn by the seed, with a MAX78002, the
 * others with a MAX78000) and `pipelines` pipelines over the zoo, exactly one of them weighted 2.
 */
export function unseenInstance(seed: number, devices: number, pipelines: number): RandomInstance {
  return instance(seed, devices, pipelines, 'unseen');
}

function instance(seed: number, devices: number, pipelines: number, family: 'random' | 'unseen'): RandomInstance {
  const rand = rng(family === 'random' ? seed : seed * 7919 + 17);
  const big = new Set<number>();
  while (family === 'unseen' && big.size < Math.min(2, devices)) big.add(Math.floor(rand() * devices));
  // (The random family draws nothing here, so its seeds keep the instances they always gave.)
  const heavy = family === 'unseen' ? Math.floor(rand() * pipelines) : -1;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const roles = Object.keys(ROLES);
  const link = pick(LINKS);
  const list: DeviceSpec[] = [];
  for (let i = 0; i < devices; i++) {
    // Desks always have a camera and a microphone somewhere: glasses first, then an earbud.
    const role = i === 0 ? 'glasses' : i === 1 ? 'earbud' : pick(roles);
    const chip = family === 'unseen' ? (big.has(i) ? 'max78002' : 'max78000')
      : rand() < 0.15 ? 'max78002' : role === 'ring' && rand() < 0.5 ? null : 'max78000';
    list.push({
      name: `${role}${i}`, role, chip, cnnClockHz: null,
      sensors: ROLES[role]!.sensors, outputs: ROLES[role]!.outputs,
      link: rand() < 0.8 ? link : pick(LINKS),
    });
  }
  const models = Object.keys(MODEL_SOURCE);
  const outputs = [...new Set(list.flatMap((d) => d.outputs)), 'host'];
  const pipes: PipelineSpec[] = [];
  for (let i = 0; i < pipelines; i++) {
    // The two models that fit no MAX78000 are drawn less often, as in a real app mix.
    let model = pick(models);
    if ((model.startsWith('mobilenet') || model.startsWith('efficientnet') || model.startsWith('unet')) && rand() < 0.5) model = pick(models);
    pipes.push({
      name: `p${i}-${model.split('_')[0]}`,
      source: { kind: MODEL_SOURCE[model]!, role: null },
      model,
      target: { kind: pick(outputs), role: null },
      weight: family === 'unseen' ? (i === heavy ? 2 : 1) : rand() < 0.8 ? 1 : 2,
      line: 0,
    });
  }
  return {
    desk: { name: `${family}-${seed}`, devices: list, source: `${family} seed ${seed}`, profiles: [] },
    app: { name: `${family}-${seed}`, pipelines: pipes, source: `${family} seed ${seed}` },
  };
}
