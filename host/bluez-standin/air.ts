// The air between the host's controller and a board's companion chip, paced by the BLE link
// model (host/link/ble-model.ts): connection events every interval on a grid anchored at the
// connection, in each event exchanges of one LL packet each way until the event's time or the
// packet limit is used up. Host writes become ATT PDUs of at most MTU - 3 bytes in a queue of
// controller buffers; the board's bytes become notifications of what its UART has delivered when
// their first packet leaves, at most MTU - 3 bytes each.
//
// Injected faults act on notifications after the air carried them, where BLE really loses or
// repeats them: the link layer acknowledges and retransmits every packet, so nothing is lost or
// doubled on the air itself. A *lost* notification is one the host's stack drops after the
// board's controller saw it acknowledged (a full buffer between the controller, bluetoothd and
// D-Bus); the board never knows. A *duplicated* notification is one the host's stack delivers
// twice (a BlueZ bug seen in the field). Writes are never lost: the controller's flow control
// holds them back instead.

import {
  attPayloadMax,
  exchangeUs,
  llFragments,
  type BleLinkParams,
} from '../link/ble-model.js';
import { uniform } from '../model/prng.js';

export interface AirFaults {
  /** probability that a notification is delivered twice */
  duplicateRate: number;
  /** probability that a notification is dropped by the host's stack */
  lossRate: number;
  /** seed of the fault draws (the same seed gives the same faults for the same traffic) */
  seed: number;
}

export const NO_FAULTS: Readonly<AirFaults> = Object.freeze({ duplicateRate: 0, lossRate: 0, seed: 1 });

export interface AirStats {
  events: number;
  /** host to board: write commands delivered, their bytes, LL packets */
  writes: number;
  writeBytes: number;
  packetsUp: number;
  /** board to host: notifications sent, their bytes, LL packets */
  notifications: number;
  notificationBytes: number;
  packetsDown: number;
  duplicated: number;
  lost: number;
}

export interface AirEnds {
  /** a write command's bytes reach the board (its UART) */
  toBoard(bytes: Uint8Array): void;
  /** a notification reaches the host */
  notify(bytes: Uint8Array): void;
}

export type FaultKind = 'duplicate' | 'lose';

/** Controller buffers for host writes; a write waits for one (HCI flow control). */
export const CONTROLLER_BUFFERS = 8;
/**
 * Events this process ran late (a busy machine) still happen, as on a radio that does not wait
 * for its host: they run at once when the timer comes, up to this much time's worth.
 */
const CATCH_UP_MS = 1000;

interface Pdu {
  bytes: Uint8Array;
  /** LL packet payload lengths still to send */
  fragments: number[];
}

export class BleAir {
  readonly stats: AirStats = {
    events: 0,
    writes: 0,
    writeBytes: 0,
    packetsUp: 0,
    notifications: 0,
    notificationBytes: 0,
    packetsDown: 0,
    duplicated: 0,
    lost: 0,
  };
  private readonly random: () => number;
  private readonly up: Pdu[] = [];
  private readonly waiting: Array<{ bytes: Uint8Array; resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly down: Uint8Array[] = [];
  private downBytes = 0;
  private downPdu: Pdu | undefined;
  private readonly forced: Array<{ kind: FaultKind; after: number }> = [];
  private anchor = 0;
  /** index of the last event run */
  private lastEvent = -1;
  /** no event before this index carries data (the data arrived after it) */
  private firstUseful = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** the peer stopped answering: no packet crosses, writes wait in the controller's buffers */
  private silent = false;

  constructor(
    readonly params: BleLinkParams,
    private readonly faults: AirFaults,
    private readonly ends: AirEnds,
  ) {
    this.random = uniform(faults.seed);
  }

  private get intervalMs(): number {
    return this.params.intervalMs;
  }

  /** The connection is up: events from now on. */
  start(): void {
    this.running = true;
    this.anchor = performance.now();
    this.lastEvent = 0;
    this.firstUseful = 1;
  }

  /** The connection is gone: queued data is dropped, waiting writes fail with `error`. */
  stop(error: Error): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.up.length = 0;
    this.down.length = 0;
    this.downBytes = 0;
    this.downPdu = undefined;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * The peer went silent (out of range, dead): no event carries anything any more, but neither
   * side knows yet - writes still take controller buffers, then wait - until the supervision
   * timeout ends the connection (stop).
   */
  silence(): void {
    this.silent = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A write command from the host; resolves once it holds a controller buffer. */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0 && this.up.length < CONTROLLER_BUFFERS) {
        this.queueUp(bytes);
        resolve();
      } else {
        this.waiting.push({ bytes, resolve, reject });
      }
      this.wake();
    });
  }

  /** Bytes the board sent on its UART: they leave as notifications. */
  fromBoard(bytes: Uint8Array): void {
    if (!this.running || bytes.length === 0) return;
    this.down.push(bytes);
    this.downBytes += bytes.length;
    this.wake();
  }

  /** Forces a fault on the notification `after` notifications from now (0 = the next one). */
  inject(kind: FaultKind, after = 0): void {
    this.forced.push({ kind, after: this.stats.notifications + after });
  }

  private queueUp(bytes: Uint8Array): void {
    this.up.push({ bytes, fragments: llFragments(this.params, bytes.length) });
  }

  private get idle(): boolean {
    return this.up.length === 0 && this.downBytes === 0 && this.downPdu === undefined;
  }

  private eventTime(k: number): number {
    return this.anchor + k * this.intervalMs;
  }

  /** Schedules the next event when there is something to carry. */
  private wake(): void {
    if (!this.running || this.silent || this.timer !== undefined || this.idle) return;
    const now = performance.now();
    // Data that arrives now cannot use an event that already began.
    const next = Math.max(this.lastEvent + 1, Math.ceil((now - this.anchor) / this.intervalMs));
    this.firstUseful = Math.max(this.firstUseful, next);
    // Node truncates fractional delays; rounding up keeps the timer from firing before its event.
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.ceil(this.eventTime(next) - now)));
  }

  private onTimer(): void {
    this.timer = undefined;
    if (!this.running || this.silent) return;
    const due = Math.floor((performance.now() - this.anchor) / this.intervalMs);
    const from = Math.max(this.lastEvent + 1, this.firstUseful, due - Math.ceil(CATCH_UP_MS / this.intervalMs) + 1);
    for (let k = from; k <= due && this.running && !this.idle; k++) this.runEvent();
    this.lastEvent = Math.max(this.lastEvent, due);
    this.wake();
  }

  /** One connection event: exchanges until the event's time or the packet limit runs out. */
  private runEvent(): void {
    this.stats.events++;
    const budgetUs = this.intervalMs * 1000;
    const limit = this.params.maxPacketsPerEvent ?? Number.POSITIVE_INFINITY;
    let usedUs = 0;
    let exchanges = 0;
    while (exchanges < limit && this.running) {
      const upPdu = this.up[0];
      if (this.downPdu === undefined && this.downBytes > 0) this.downPdu = this.formNotification();
      const downPdu = this.downPdu;
      if (upPdu === undefined && downPdu === undefined) break;
      const c = upPdu?.fragments[0] ?? 0;
      const p = downPdu?.fragments[0] ?? 0;
      const t = exchangeUs(this.params.phy, c, p);
      if (usedUs + t > budgetUs) break;
      usedUs += t;
      exchanges++;
      if (upPdu !== undefined) this.sendUp(upPdu);
      if (downPdu !== undefined) this.sendDown(downPdu);
    }
  }

  private sendUp(pdu: Pdu): void {
    pdu.fragments.shift();
    this.stats.packetsUp++;
    if (pdu.fragments.length > 0) return;
    this.up.shift();
    this.stats.writes++;
    this.stats.writeBytes += pdu.bytes.length;
    this.ends.toBoard(pdu.bytes);
    // A controller buffer is free: the oldest waiting write takes it.
    const w = this.waiting.shift();
    if (w !== undefined) {
      this.queueUp(w.bytes);
      w.resolve();
    }
  }

  private sendDown(pdu: Pdu): void {
    pdu.fragments.shift();
    this.stats.packetsDown++;
    if (pdu.fragments.length > 0) return;
    this.downPdu = undefined;
    const n = this.stats.notifications++;
    this.stats.notificationBytes += pdu.bytes.length;
    let fault: FaultKind | undefined;
    const forced = this.forced.findIndex((f) => f.after === n);
    if (forced >= 0) {
      fault = this.forced[forced]!.kind;
      this.forced.splice(forced, 1);
    } else {
      const draw = this.random();
      if (draw < this.faults.lossRate) fault = 'lose';
      else if (draw < this.faults.lossRate + this.faults.duplicateRate) fault = 'duplicate';
    }
    if (fault === 'lose') {
      this.stats.lost++;
      return;
    }
    this.ends.notify(pdu.bytes);
    if (fault === 'duplicate') {
      this.stats.duplicated++;
      this.ends.notify(pdu.bytes);
    }
  }

  /** Takes up to MTU - 3 of the board's bytes into the next notification. */
  private formNotification(): Pdu {
    const size = Math.min(this.downBytes, attPayloadMax(this.params));
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const head = this.down[0]!;
      const take = Math.min(head.length, size - at);
      bytes.set(head.subarray(0, take), at);
      at += take;
      if (take === head.length) this.down.shift();
      else this.down[0] = head.subarray(take);
    }
    this.downBytes -= size;
    return { bytes, fragments: llFragments(this.params, size) };
  }
}
