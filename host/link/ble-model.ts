// The BLE link model: how many payload bytes a connection carries and when. One module for the
// BlueZ stand-in (which paces its air by it), the link benchmark (which measures against it)
// and the cost model (which plans with it), so a plan over BLE estimates what is then measured.
//
// A connection meets every `intervalMs` (a connection event). In each event the central and the
// peripheral exchange link-layer (LL) packets in pairs, one each way (an empty packet when a side
// has nothing), 150 us apart, until the event's time is used up or the stack's packet limit is
// reached. An ATT PDU (a notification or a write command: 3 bytes of ATT header + payload) plus
// the 4-byte L2CAP header travels in LL packets of at most 27 bytes, or 251 with data length
// extension. Throughput = payload per packet x packets per event / interval (../shared/docs/BLE.md).

export type BlePhy = '1M' | '2M';

export interface BleLinkParams {
  /** connection interval, ms: 7.5 to 4000 in steps of 1.25 */
  intervalMs: number;
  phy: BlePhy;
  /** negotiated ATT MTU, bytes (23..517); a notification or write carries MTU - 3 */
  attMtu: number;
  /** data length extension: LL payloads of up to 251 bytes instead of 27 */
  dataLengthExtension: boolean;
  /** packets each way per connection event the stacks allow; absent = as many as the air time fits */
  maxPacketsPerEvent?: number;
  /** how long the central waits for a silent peripheral before it declares the link lost, ms */
  supervisionTimeoutMs: number;
}

/** 7.5 ms interval, LE 2M PHY, data length extension, 247-byte MTU: the fastest a link gets. */
export const BLE_FAST: Readonly<BleLinkParams> = Object.freeze({
  intervalMs: 7.5,
  phy: '2M',
  attMtu: 247,
  dataLengthExtension: true,
  supervisionTimeoutMs: 500,
});

/**
 * 30 ms interval, LE 1M PHY, the default 23-byte MTU, no data length extension and 6 packets
 * per event (a common phone or host controller limit): what a link gets without negotiation.
 */
export const BLE_SLOW: Readonly<BleLinkParams> = Object.freeze({
  intervalMs: 30,
  phy: '1M',
  attMtu: 23,
  dataLengthExtension: false,
  maxPacketsPerEvent: 6,
  supervisionTimeoutMs: 500,
});

export const BLE_SETTINGS = { fast: BLE_FAST, slow: BLE_SLOW } as const;
export type BleSettingName = keyof typeof BLE_SETTINGS;

/** Inter-frame space between two LL packets, us (Core spec Vol 6 Part B 4.1.1). */
export const T_IFS_US = 150;
/** ATT header of a notification or write command: opcode and handle. */
export const ATT_HEADER = 3;
/** L2CAP basic header: length and channel id. */
export const L2CAP_HEADER = 4;
/** Largest LL payload without and with data length extension. */
export const LL_PAYLOAD_DEFAULT = 27;
export const LL_PAYLOAD_DLE = 251;
/** Preamble + access address + LL header + CRC around every LL payload, bytes (preamble 2 on 2M). */
const LL_FRAMING: Record<BlePhy, number> = { '1M': 1 + 4 + 2 + 3, '2M': 2 + 4 + 2 + 3 };
/** Microseconds per byte on air. */
const US_PER_BYTE: Record<BlePhy, number> = { '1M': 8, '2M': 4 };

export class BleParamsError extends Error {
  override readonly name = 'BleParamsError';
}

/** Checks a parameter set; throws naming the parameter, its value and the allowed range. */
export function checkBleParams(p: BleLinkParams, where = 'BLE link'): BleLinkParams {
  const fail = (what: string): never => {
    throw new BleParamsError(`${where}: ${what}`);
  };
  const steps = p.intervalMs / 1.25;
  if (!(p.intervalMs >= 7.5 && p.intervalMs <= 4000) || Math.abs(steps - Math.round(steps)) > 1e-9) {
    fail(`connection interval ${p.intervalMs} ms is not 7.5..4000 ms in steps of 1.25 ms`);
  }
  if (p.phy !== '1M' && p.phy !== '2M') fail(`PHY ${String(p.phy)} is not 1M or 2M`);
  if (!Number.isInteger(p.attMtu) || p.attMtu < 23 || p.attMtu > 517) fail(`ATT MTU ${p.attMtu} is not an integer in 23..517`);
  if (p.maxPacketsPerEvent !== undefined && (!Number.isInteger(p.maxPacketsPerEvent) || p.maxPacketsPerEvent < 1)) {
    fail(`packets per event ${p.maxPacketsPerEvent} is not a positive integer`);
  }
  if (!(p.supervisionTimeoutMs >= 100 && p.supervisionTimeoutMs <= 32_000)) {
    fail(`supervision timeout ${p.supervisionTimeoutMs} ms is not 100..32000 ms`);
  }
  if (p.supervisionTimeoutMs <= 2 * p.intervalMs) {
    fail(`supervision timeout ${p.supervisionTimeoutMs} ms must exceed two connection intervals (${2 * p.intervalMs} ms)`);
  }
  return p;
}

/** Largest LL payload, bytes. */
export function llPayloadMax(p: BleLinkParams): number {
  return p.dataLengthExtension ? LL_PAYLOAD_DLE : LL_PAYLOAD_DEFAULT;
}

/** Payload bytes one notification or write command carries: MTU - 3. */
export function attPayloadMax(p: BleLinkParams): number {
  return p.attMtu - ATT_HEADER;
}

/** LL packets (their payload lengths) that carry one ATT PDU of `payload` bytes. */
export function llFragments(p: BleLinkParams, payload: number): number[] {
  const max = llPayloadMax(p);
  let left = payload + ATT_HEADER + L2CAP_HEADER;
  const out: number[] = [];
  while (left > 0) {
    out.push(Math.min(max, left));
    left -= max;
  }
  return out;
}

/** Air time of one LL packet with `payload` bytes (0 = an empty packet), us. */
export function packetAirUs(phy: BlePhy, payload: number): number {
  return (LL_FRAMING[phy] + payload) * US_PER_BYTE[phy];
}

/** One exchange: a packet each way and the two inter-frame spaces, us. */
export function exchangeUs(phy: BlePhy, centralPayload: number, peripheralPayload: number): number {
  return packetAirUs(phy, centralPayload) + T_IFS_US + packetAirUs(phy, peripheralPayload) + T_IFS_US;
}

/**
 * Exchanges that fit one connection event when each carries `forward` bytes one way and
 * `reverse` bytes the other (0 = empty packets), capped by the stack's packet limit.
 */
export function exchangesPerEvent(p: BleLinkParams, forward: number, reverse = 0): number {
  const fit = Math.max(1, Math.floor((p.intervalMs * 1000) / exchangeUs(p.phy, forward, reverse)));
  return p.maxPacketsPerEvent === undefined ? fit : Math.min(fit, p.maxPacketsPerEvent);
}

/** ATT payload bytes a full-size notification or write carries per LL packet, on average. */
export function payloadPerPacket(p: BleLinkParams): number {
  return attPayloadMax(p) / llFragments(p, attPayloadMax(p)).length;
}

/**
 * Payload bytes per second one way with full-size PDUs, the other way idle (bulk transfer
 * with small answers): payload per packet x packets per event / interval.
 */
export function throughputBytesPerSecond(p: BleLinkParams): number {
  const full = llFragments(p, attPayloadMax(p))[0]!;
  return (payloadPerPacket(p) * exchangesPerEvent(p, full, 0)) / (p.intervalMs / 1000);
}

/** Payload bytes per second each way when both directions are full at once. */
export function duplexThroughputBytesPerSecond(p: BleLinkParams): number {
  const full = llFragments(p, attPayloadMax(p))[0]!;
  return (payloadPerPacket(p) * exchangesPerEvent(p, full, full)) / (p.intervalMs / 1000);
}

/** Connection events needed to carry `bytes` one way (the other way idle), at least 1. */
export function eventsFor(p: BleLinkParams, bytes: number): number {
  const perPdu = attPayloadMax(p);
  const pdus = Math.max(1, Math.ceil(bytes / perPdu));
  const packets = pdus * llFragments(p, perPdu).length;
  const full = llFragments(p, perPdu)[0]!;
  return Math.ceil(packets / exchangesPerEvent(p, full, 0));
}

/**
 * Expected round trip of a request of `requestBytes` and an answer of `answerBytes` (wire bytes),
 * ms: the request waits half an interval on average for the next event and takes its events;
 * the answer leaves at the event after the request's last (a board answers between events) and
 * takes its own. Board time not included.
 */
export function roundTripMs(p: BleLinkParams, requestBytes: number, answerBytes: number): number {
  return p.intervalMs * (0.5 + eventsFor(p, requestBytes) - 1 + eventsFor(p, answerBytes));
}

/** A desk link's rate_bps for a BLE link of these parameters: the one-way goodput in bits per second. */
export function bleModelRateBps(p: BleLinkParams): number {
  return Math.round(throughputBytesPerSecond(p) * 8);
}

/** One line describing a parameter set, for logs and reports. */
export function describeBle(p: BleLinkParams): string {
  const ppe = p.maxPacketsPerEvent === undefined ? 'air-time limited' : `<= ${p.maxPacketsPerEvent}`;
  return (
    `${p.intervalMs} ms interval, LE ${p.phy}, MTU ${p.attMtu}, ` +
    `${p.dataLengthExtension ? 'DLE (251-byte LL)' : '27-byte LL'}, ${exchangesPerEvent(p, llFragments(p, attPayloadMax(p))[0]!)} packets/event (${ppe}), ` +
    `${Math.round(throughputBytesPerSecond(p))} B/s`
  );
}
