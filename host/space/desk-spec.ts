// A desk: the devices present. YAML format (docs/planner.md):
//
//   desk: two-wearables
//   devices:
//     - name: glasses
//       role: glasses
//       chip: max78000                    # max78000 | max78002 | none
//       cnn_clock_hz: 50000000            # optional override of the chip default
//       sensors:
//         - {kind: camera, shape: [3, 32, 32], rate: 30}    # rate (frames/s) optional
//       outputs: [display]                # "host" is always available
//       link: {kind: ble, rate_bps: 1000000}
//   profiles: [profiles/glasses-kws.json] # optional measured per-layer profiles
//
// `devices: discovered` takes the devices from the boards found on this machine instead.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CHIP_NAMES, HOST_OUTPUT, LINK_KINDS, type ChipName, type DeskSpec, type DeviceSpec, type LinkSpec,
  type MeasuredProfile, type SensorSpec } from './device.js';
import { chipSpec } from '../model/chips.js';
import { readSpecText, SpecError } from './spec-error.js';
import { YamlReader, type YNode } from './yaml-reader.js';

/**
 * A sensor frame holds at most this many values: the largest accelerator's data memory (a larger
 * frame could feed no model on any chip).
 */
export const MAX_SENSOR_VALUES = Math.max(...CHIP_NAMES.map((c) => chipSpec(c).dataMem));

/** A desk file that says `devices: discovered`: the caller must supply the boards. */
export interface DiscoveredDesk {
  name: string;
  discovered: true;
  profiles: readonly MeasuredProfile[];
  source: string;
}

export function readDesk(path: string): DeskSpec | DiscoveredDesk {
  return parseDesk(readSpecText(path), path);
}

export function parseDesk(text: string, file: string): DeskSpec | DiscoveredDesk {
  const r = new YamlReader(file, text);
  const top = r.map(r.root, ['desk', 'devices', 'profiles']);
  const name = top.has('desk') ? r.name(top.get('desk')!) : file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const profilesAt = top.get('profiles');
  const profiles = profilesAt && profilesAt.node !== null
    ? r.seq(profilesAt).map((p) => readProfile(resolve(dirname(file), r.string(p)), r, p)) : [];
  const devicesAt = r.required(top, 'devices', r.root);
  if (!r.isSeq(devicesAt)) {
    if (r.string(devicesAt) !== 'discovered') r.fail(devicesAt, 'must be a list of devices or the word "discovered"');
    return { name, discovered: true, profiles, source: file };
  }
  const items = r.seq(devicesAt);
  if (items.length === 0) r.fail(devicesAt, 'must list at least one device');
  const seen = new Set<string>();
  const devices = items.map((item) => {
    const d = device(r, item);
    if (seen.has(d.name)) r.fail(item, `device "${d.name}" is defined twice`);
    seen.add(d.name);
    return d;
  });
  for (const p of profiles) {
    if (p.device !== null && !seen.has(p.device)) {
      throw new SpecError(file, profilesAt?.line ?? 0, `profile ${p.source} names device "${p.device}", which is not on this desk`);
    }
  }
  return { name, devices, source: file, profiles };
}

function device(r: YamlReader, at: YNode): DeviceSpec {
  const m = r.map(at, ['name', 'role', 'chip', 'cnn_clock_hz', 'sensors', 'outputs', 'link']);
  const chipAt = r.required(m, 'chip', at);
  const chipWord = r.oneOf(chipAt, [...CHIP_NAMES, 'none'] as const);
  const clockAt = m.get('cnn_clock_hz');
  const sensorsAt = m.get('sensors');
  const outputsAt = m.get('outputs');
  const outputs = outputsAt && outputsAt.node !== null ? r.seq(outputsAt).map((o) => r.kind(o)).filter((o) => o !== HOST_OUTPUT) : [];
  return {
    name: r.name(r.required(m, 'name', at)),
    role: m.has('role') ? r.name(m.get('role')!) : 'board',
    chip: chipWord === 'none' ? null : (chipWord as ChipName),
    cnnClockHz: clockAt && clockAt.node !== null ? r.number(clockAt, 1e3, 1e9) : null,
    sensors: sensorsAt && sensorsAt.node !== null ? r.seq(sensorsAt).map((s) => sensor(r, s)) : [],
    outputs: [...new Set(outputs)],
    link: link(r, r.required(m, 'link', at)),
  };
}

function sensor(r: YamlReader, at: YNode): SensorSpec {
  const m = r.map(at, ['kind', 'shape', 'rate']);
  const shapeAt = r.required(m, 'shape', at);
  const shape = r.seq(shapeAt).map((x) => r.integer(x, 1, 1 << 20));
  if (shape.length === 0 || shape.length > 4) r.fail(shapeAt, `must have 1 to 4 dimensions, got ${shape.length}`);
  // A board's frame is C x H x W: a fourth dimension may only be a leading 1.
  if (shape.length === 4 && shape[0] !== 1) r.fail(shapeAt, `[${shape.join(', ')}]: a sensor frame is C x H x W (a fourth dimension only as a leading 1)`);
  const values = shape.reduce((a, b) => a * b, 1);
  if (values > MAX_SENSOR_VALUES) {
    r.fail(shapeAt, `[${shape.join(', ')}] is ${values.toLocaleString('en-US')} values a frame, more than the largest accelerator's data memory (${MAX_SENSOR_VALUES.toLocaleString('en-US')} bytes) holds`);
  }
  const rateAt = m.get('rate');
  return {
    kind: r.kind(r.required(m, 'kind', at)),
    shape,
    rateHz: rateAt && rateAt.node !== null ? r.number(rateAt, 0, 1e6, true) : null,
  };
}

function link(r: YamlReader, at: YNode): LinkSpec {
  const m = r.map(at, ['kind', 'rate_bps']);
  const kind = r.oneOf(r.required(m, 'kind', at), LINK_KINDS);
  const rateAt = r.required(m, 'rate_bps', at);
  const rateBps = r.number(rateAt, 0, 1e10);
  if (rateBps === 0 && kind !== 'emulated') r.fail(rateAt, `0 (unpaced) is only meaningful for an emulated link, not ${kind}`);
  return { kind, rateBps };
}

/** Reads a measured profile (`synergy-profile/1`); errors name the profile file and the desk line. */
export function readProfile(path: string, r: YamlReader, at: YNode): MeasuredProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    r.fail(at, `profile ${path}: ${(err as Error).message}`);
  }
  const bad = (why: string): never => r.fail(at, `profile ${path}: ${why}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('must be a JSON object');
  const o = doc as Record<string, unknown>;
  if (o['format'] !== 'synergy-profile/1') bad(`format must be "synergy-profile/1", got ${JSON.stringify(o['format'])}`);
  const str = (k: string): string => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : bad(`"${k}" must be a string`));
  const chip = str('chip');
  if (!CHIP_NAMES.includes(chip as ChipName)) bad(`chip "${chip}" is not one of ${CHIP_NAMES.join(', ')}`);
  const us = o['layer_us'];
  if (!Array.isArray(us) || us.length === 0 || !us.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
    bad('"layer_us" must be a non-empty list of non-negative numbers');
  }
  const dev = o['device'];
  if (dev !== undefined && dev !== null && typeof dev !== 'string') bad('"device" must be a string or null');
  return {
    model: str('model'),
    variant: typeof o['variant'] === 'string' ? (o['variant'] as string) : 'upstream',
    chip: chip as ChipName,
    device: typeof dev === 'string' ? dev : null,
    layerUs: us as number[],
    source: path,
  };
}
