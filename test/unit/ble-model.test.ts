// The BLE link model (host/link/ble-model.ts) against numbers worked out by hand from the Core
// specification's packet format and ../shared/docs/BLE.md: air times, packets per event,
// throughput at the two settings the benchmark uses, round trips, and the checks on parameters.

import { describe, expect, it } from 'vitest';
import {
  BLE_FAST,
  BLE_SLOW,
  checkBleParams,
  duplexThroughputBytesPerSecond,
  eventsFor,
  exchangesPerEvent,
  llFragments,
  packetAirUs,
  payloadPerPacket,
  roundTripMs,
  throughputBytesPerSecond,
  type BleLinkParams,
} from '../../host/link/ble-model.js';

describe('BLE link model', () => {
  it('air time: (preamble + access address + header + payload + CRC) bits at the PHY rate', () => {
    // 1M: 1 + 4 + 2 + 27 + 3 = 37 bytes x 8 us; 2M: 2 + 4 + 2 + 251 + 3 = 262 bytes x 4 us.
    expect(packetAirUs('1M', 27)).toBe(296);
    expect(packetAirUs('2M', 251)).toBe(1048);
    expect(packetAirUs('2M', 0)).toBe(44);
  });

  it('an ATT PDU travels in LL packets of at most 27 bytes, or 251 with data length extension', () => {
    expect(llFragments(BLE_FAST, 244)).toEqual([251]);
    expect(llFragments(BLE_SLOW, 20)).toEqual([27]);
    // MTU 247 without DLE: 251 bytes of L2CAP in 10 packets (MCUmgr's "reassembly").
    expect(llFragments({ ...BLE_FAST, dataLengthExtension: false }, 244)).toEqual([27, 27, 27, 27, 27, 27, 27, 27, 27, 8]);
    expect(payloadPerPacket({ ...BLE_FAST, dataLengthExtension: false })).toBeCloseTo(24.4, 6);
  });

  it('fast: 7.5 ms, 2M, DLE: 5 packets per event, 244 x 5 / 7.5 ms = 162,667 B/s (1.3 Mbit/s, as Nordic measured)', () => {
    // One exchange: 1048 + 150 + 44 + 150 = 1392 us; 7500 / 1392 = 5.4.
    expect(exchangesPerEvent(BLE_FAST, 251, 0)).toBe(5);
    expect(throughputBytesPerSecond(BLE_FAST)).toBeCloseTo((244 * 5) / 0.0075, 6);
    // Both ways full: 1048 + 150 + 1048 + 150 = 2396 us, 3 exchanges.
    expect(duplexThroughputBytesPerSecond(BLE_FAST)).toBeCloseTo((244 * 3) / 0.0075, 6);
  });

  it('slow: 30 ms, 1M, MTU 23, 6 packets per event: 20 x 6 / 30 ms = 4,000 B/s', () => {
    // The air time would fit 44 exchanges (676 us each); the stack's limit of 6 decides.
    expect(exchangesPerEvent({ ...BLE_SLOW, maxPacketsPerEvent: undefined }, 27, 0)).toBe(44);
    expect(throughputBytesPerSecond(BLE_SLOW)).toBeCloseTo(4000, 6);
  });

  it('BLE.md: 15 ms x 2 packets per event with DLE is about 260 kbit/s', () => {
    const p: BleLinkParams = { ...BLE_FAST, intervalMs: 15, maxPacketsPerEvent: 2 };
    expect((throughputBytesPerSecond(p) * 8) / 1000).toBeCloseTo(260.3, 1);
  });

  it('round trip of small messages: half an interval of waiting, then one event each way', () => {
    expect(eventsFor(BLE_FAST, 30)).toBe(1);
    expect(roundTripMs(BLE_FAST, 30, 30)).toBeCloseTo(1.5 * 7.5, 9);
    // 4 KiB back at 5 x 244 bytes per event takes 4 events.
    expect(eventsFor(BLE_FAST, 4096)).toBe(4);
    expect(roundTripMs(BLE_FAST, 30, 4096)).toBeCloseTo(4.5 * 7.5, 9);
  });

  it('refuses parameters BLE does not have, naming the parameter and the range', () => {
    expect(() => checkBleParams({ ...BLE_FAST, intervalMs: 8 })).toThrow(/connection interval 8 ms is not 7.5..4000 ms in steps of 1.25 ms/);
    expect(() => checkBleParams({ ...BLE_FAST, attMtu: 600 })).toThrow(/ATT MTU 600 is not an integer in 23..517/);
    expect(() => checkBleParams({ ...BLE_FAST, maxPacketsPerEvent: 0 })).toThrow(/packets per event 0/);
    expect(() => checkBleParams({ ...BLE_SLOW, supervisionTimeoutMs: 50 })).toThrow(/supervision timeout 50 ms/);
    expect(checkBleParams(BLE_SLOW)).toBe(BLE_SLOW);
  });
});
