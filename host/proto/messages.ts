// The message types of protocol version 1 (PROTOCOL.md 4) as typed definitions, and a registry
// by type number. Later message families (segments, inference, sensing) define theirs the
// same way in their own module and call registerRequest/registerEvent.

import { encodeCbor, decodeCbor, type CborMap } from './cbor.js';
import type { SubsetLimits } from './cbor-subset.js';
import { MSG, type MessageName } from './constants.js';
import { arrayOf, bytes, field, oneOf, optional, struct, text, uint, type Codec, type Infer } from './schema.js';

/** A request the host sends and the response the board gives. */
export interface RequestDef<Req, Res> {
  readonly name: string;
  readonly type: number;
  readonly request: Codec<Req>;
  readonly response: Codec<Res>;
}

/** An event a board sends unasked. */
export interface EventDef<Ev> {
  readonly name: string;
  readonly type: number;
  readonly event: Codec<Ev>;
}

export const emptyBody = struct({});
export type Empty = Infer<typeof emptyBody>;

export const chip = oneOf('max78000', 'max78002');
export type ChipName = Infer<typeof chip>;

export const sensorBody = struct({
  kind: field(0, text()),
  /** [C, H, W] */
  shape: field(1, arrayOf(uint)),
  /** frames per 1000 s */
  rateMhz: field(2, uint),
});
export type SensorInfo = Infer<typeof sensorBody>;

/** Why a board started: `boot`'s reason and hello's reset_cause (PROTOCOL.md 4.4). */
export const BOOT_REASONS = ['power-on', 'software', 'watchdog', 'pin', 'break', 'unknown'] as const;

/** How a board drives its accelerator: by register programs, or from layer descriptions. */
export const ENGINES = ['register', 'layer'] as const;
export type Engine = (typeof ENGINES)[number];

export const helloResponse = struct({
  proto: field(0, uint),
  firmware: field(1, text()),
  boardId: field(2, text()),
  chip: field(3, chip),
  cnnClockHz: field(4, uint),
  weightMem: field(5, uint),
  biasMem: field(6, uint),
  dataMem: field(7, uint),
  maxLayers: field(8, uint),
  maxFrame: field(9, uint),
  maxPayload: field(10, uint),
  maxInFlight: field(11, uint),
  sensors: field(12, arrayOf(sensorBody)),
  outputs: field(13, arrayOf(text())),
  messages: field(14, arrayOf(uint)),
  /** the board's wire rate in baud, 0 when unpaced */
  linkBaud: field(15, uint),
  session: field(16, uint),
  /** bytes of the tensor arena holding the 16 tensor slots (PROTOCOL.md 9); absent on older boards */
  tensorMem: optional(17, uint),
  /** why the board last started (the reasons of `boot`); absent on older boards */
  resetCause: optional(18, oneOf(...BOOT_REASONS)),
  /** the first 8 bytes of the SHA-256 of the firmware image, 16 hex digits (firmware-image.ts
   * computes the same from a .bin or .elf); absent on older boards, "" when unknown */
  buildId: optional(19, text()),
  /** how the board drives its accelerator (PROTOCOL.md 7.1): "register" takes format 2 segments,
   * "layer" (the emulated board's layer-level simulator) format 1; absent on older boards: "layer" */
  engine: optional(20, oneOf(...ENGINES)),
  /** largest register-segment header the board holds (PROTOCOL.md 7.1); register boards only */
  headerMax: optional(21, uint),
  /** tensor slots the board has, numbered from 0 (PROTOCOL.md 9); absent on older boards: 16 */
  tensorSlots: optional(22, uint),
  /** senses the board holds waiting for their frame, all sensors together (PROTOCOL.md 5); absent on older boards: 2 */
  senseQueue: optional(23, uint),
});
export type HelloInfo = Infer<typeof helloResponse>;

export const pingBody = struct({ payload: field(0, bytes()) });
export type PingBody = Infer<typeof pingBody>;

export const statsResponse = struct({
  framesIn: field(0, uint),
  framesOut: field(1, uint),
  crcErrors: field(2, uint),
  framingErrors: field(3, uint),
  rejected: field(4, uint),
  uptimeMs: field(5, uint),
  bytesIn: field(6, uint),
  bytesOut: field(7, uint),
  oversize: field(8, uint),
  /** bytes of the main stack used at most since boot, on boards that measure it (bare metal) */
  stackPeak: optional(9, uint),
});
export type BoardStats = Infer<typeof statsResponse>;

export const bootEvent = struct({
  reason: field(0, oneOf(...BOOT_REASONS)),
  session: field(1, uint),
  firmware: field(2, text()),
  boardId: field(3, text()),
});
export type BootInfo = Infer<typeof bootEvent>;

export const errorBody = struct({
  code: field(0, uint),
  message: field(1, text()),
});
export type ErrorBody = Infer<typeof errorBody>;

export const HELLO: RequestDef<Empty, HelloInfo> = { name: 'hello', type: MSG.hello, request: emptyBody, response: helloResponse };
export const PING: RequestDef<PingBody, PingBody> = { name: 'ping', type: MSG.ping, request: pingBody, response: pingBody };
export const STATS: RequestDef<Empty, BoardStats> = { name: 'stats', type: MSG.stats, request: emptyBody, response: statsResponse };
export const RESET: RequestDef<Empty, Empty> = { name: 'reset', type: MSG.reset, request: emptyBody, response: emptyBody };
export const BOOT: EventDef<BootInfo> = { name: 'boot', type: MSG.boot, event: bootEvent };

const requests = new Map<number, RequestDef<unknown, unknown>>();
const events = new Map<number, EventDef<unknown>>();

export function registerRequest<Req, Res>(def: RequestDef<Req, Res>): RequestDef<Req, Res> {
  const known = requests.get(def.type) ?? events.get(def.type);
  if (known !== undefined && known !== def) {
    throw new Error(`message type 0x${def.type.toString(16)} is taken by ${known.name}; cannot register ${def.name}`);
  }
  requests.set(def.type, def as RequestDef<unknown, unknown>);
  return def;
}

/** Defines and registers a request under its protocol name; its type is MSG's entry ('.' as '_'). */
export function defineRequest<Req, Res>(name: string, request: Codec<Req>, response: Codec<Res>): RequestDef<Req, Res> {
  const key = name.replace('.', '_');
  if (!(key in MSG)) throw new Error(`no message type named ${name} in MSG`);
  return registerRequest({ name, type: MSG[key as MessageName], request, response });
}

export function registerEvent<Ev>(def: EventDef<Ev>): EventDef<Ev> {
  const known = requests.get(def.type) ?? events.get(def.type);
  if (known !== undefined && known !== def) {
    throw new Error(`message type 0x${def.type.toString(16)} is taken by ${known.name}; cannot register ${def.name}`);
  }
  events.set(def.type, def as EventDef<unknown>);
  return def;
}

for (const def of [HELLO, PING, STATS, RESET]) registerRequest<unknown, unknown>(def as RequestDef<unknown, unknown>);
registerEvent<unknown>(BOOT as EventDef<unknown>);

export function requestDef(type: number): RequestDef<unknown, unknown> | undefined {
  return requests.get(type);
}

export function eventDef(type: number): EventDef<unknown> | undefined {
  return events.get(type);
}

export function isKnownType(type: number): boolean {
  return requests.has(type) || events.has(type);
}

/** Encodes a typed body to CBOR bytes (checked against the subset). */
export function encodeBody<T>(codec: Codec<T>, value: T, what: string, limits: SubsetLimits = {}): Uint8Array {
  return encodeCbor(codec.encode(value, what) as CborMap, limits);
}

/** Decodes CBOR body bytes with a typed codec; errors are ProtocolError bad_body or too_large. */
export function decodeBody<T>(codec: Codec<T>, body: Uint8Array, what: string, limits: SubsetLimits = {}): T {
  return codec.decode(decodeCbor(body, limits), what);
}
