// The virtual computing space: the devices present on a desk and what each can do. Apps never
// name these devices; the planner maps their pipelines onto whatever devices are here.

export type ChipName = 'max78000' | 'max78002';
export const CHIP_NAMES: readonly ChipName[] = ['max78000', 'max78002'];

/**
 * How a device reaches the others. Every kind is host-relayed: a message from board a to
 * board b leaves a's link and then enters b's link (both hops are paid).
 * - usb-serial: a DAPLink CDC port, UART 8N1 (10 bits per byte on the wire), full duplex.
 * - emulated:   a pseudo-terminal to an emulated board, paced like a UART (10 bits per byte),
 *               full duplex; rate 0 means unpaced.
 * - ble:        a GATT characteristic pair through a companion radio; rate is the goodput in
 *               bits per second (8 bits per byte) and the radio is half duplex.
 */
export type LinkKind = 'usb-serial' | 'emulated' | 'ble';
export const LINK_KINDS: readonly LinkKind[] = ['usb-serial', 'emulated', 'ble'];

export interface LinkSpec {
  kind: LinkKind;
  /** Bits per second on the wire (baud for the serial kinds); 0 = unpaced (emulated only). */
  rateBps: number;
  /** A small request's round trip, ms, as measured when the link was opened (absent: not measured). */
  latencyMs?: number;
  /**
   * Where the board is (a link location, host/link/registry.ts: serial:/dev/ttyACM0,
   * ble:AA:BB:CC:DD:EE:FF, ws://...); absent for a device the host emulates.
   */
  location?: string;
  /** The desk gave no rate: rateBps is the BLE model's estimate until the link is measured at open. */
  rateFromLink?: true;
}

/** Wire bits per payload byte for a link kind (UART start + stop bits). */
export function bitsPerByte(kind: LinkKind): number {
  return kind === 'ble' ? 8 : 10;
}

/** Whether sending and receiving can proceed at once (separate tx and rx resources). */
export function fullDuplex(kind: LinkKind): boolean {
  return kind !== 'ble';
}

/**
 * A sensor or output kind, as a board names it in hello: 1 to 32 of a-z, 0-9, '_' and '-'
 * (firmware/core/board.h BOARD_KIND_MAX; the emulator refuses other kinds).
 */
export const KIND_MAX = 32;
export const KIND_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const KIND_RULE = `1 to ${KIND_MAX} of a-z, 0-9, '_' and '-'`;

export interface SensorSpec {
  /** microphone, camera, imu, ... (free words; an app names the kind it needs). */
  kind: string;
  /** The frame the sensor delivers, e.g. [3, 32, 32]; its element count is the bytes sensed. */
  shape: readonly number[];
  /** Frames per second the sensor can deliver at most; null = on demand (no cap). */
  rateHz: number | null;
}

/** The output kind every device has: the result goes up its link to the host. */
export const HOST_OUTPUT = 'host';

export interface DeviceSpec {
  /** Unique on the desk, e.g. "left-earbud" or a board id. */
  name: string;
  /** earbud, glasses, watch, ring, patch, board, ... (apps may constrain sources and targets by role). */
  role: string;
  /** The CNN accelerator, or null for a device with sensors/outputs only. */
  chip: ChipName | null;
  /** CNN clock override in Hz (a board's hello reports it); null = the chip's default. */
  cnnClockHz: number | null;
  sensors: readonly SensorSpec[];
  /** Output kinds besides "host": display, haptic, speaker, led, ... */
  outputs: readonly string[];
  link: LinkSpec;
}

export interface DeskSpec {
  name: string;
  devices: readonly DeviceSpec[];
  /** The file it came from (or "emulated", "discovered"), for messages. */
  source: string;
  /** Measured per-layer profiles that replace the cycle model where they apply. */
  profiles: readonly MeasuredProfile[];
}

/**
 * Measured CNN time of each layer of one model variant on one chip (or one named device),
 * as a profiling run reports it (`synergy-profile/1`). Where one exists the cost model uses
 * it instead of the cycle model.
 */
export interface MeasuredProfile {
  /** Zoo model name. */
  model: string;
  /** Model variant key (see host/plan/model-facts.ts), e.g. "upstream" or "max78000". */
  variant: string;
  /** Applies to every device with this chip, unless `device` narrows it to one. */
  chip: ChipName;
  device: string | null;
  /** Microseconds per layer, one entry per layer of the variant. */
  layerUs: readonly number[];
  source: string;
}
