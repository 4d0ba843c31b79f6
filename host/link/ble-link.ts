// A ByteLink over BLE through BlueZ with node-ble: the GATT byte pipe of proto/PROTOCOL.md
// section 11. Bytes to the board go out as writes without response of at most MTU - 3 bytes
// (small writes coalesced, a window of writes outstanding); notifications from the board are
// reassembled into frames (duplicates taken out, ble-reassembly.ts). The link subscribes before
// anything is written, so the first answer cannot be missed, and reports the board going away
// as its close with `disconnected: true`. A new link to the same address reconnects; the board
// keeps its partial uploads, which then resume (host/board/segments.ts).

import { bluezDevicePath, normalizeBleAddress, SYNERGY_RX_UUID, SYNERGY_SERVICE_UUID, SYNERGY_TX_UUID } from './ble-contract.js';
import {
  connectBluez,
  openAdapter,
  readCharacteristicMtu,
  withDeadline,
  type BleCharacteristic,
  type BleDevice,
  type BluezConnection,
} from './ble-bluez.js';
import { NotificationReassembler, type ReassemblyStats } from './ble-reassembly.js';
import { findBleDevice } from './ble-scan.js';
import { ByteLinkBase, type ByteLink } from './byte-link.js';

export interface BleLinkOptions {
  /** D-Bus address of the bus BlueZ is on (default DBUS_SYSTEM_BUS_ADDRESS, else the system bus) */
  busAddress?: string;
  /** adapter name, e.g. hci0 (default: the first) */
  adapter?: string;
  /** how long to scan for a board BlueZ does not know yet, ms (default 10 s) */
  scanTimeoutMs?: number;
  /** connection attempts before giving up (default 4) */
  connectAttempts?: number;
  /** deadline of each attempt, ms (default 5 s) */
  connectTimeoutMs?: number;
  /** wait after the first failed attempt, doubled after each further one, ms (default 250) */
  backoffMs?: number;
  /** writes without response outstanding at once (default 8) */
  writeWindow?: number;
}

export interface BleLinkStats extends ReassemblyStats {
  /** the ATT MTU in use */
  mtu: number;
  /** write commands sent and their payload bytes */
  writes: number;
  writeBytes: number;
  /** connection attempts this link took to open */
  connectAttempts: number;
}

/** The BLE minimum ATT MTU, used when BlueZ does not report the negotiated one. */
const MIN_ATT_MTU = 23;
/** Deadline of single D-Bus calls (GATT lookups, subscribing, disconnecting), ms. */
const CALL_MS = 5000;

interface PendingWrite {
  bytes: Uint8Array;
  /** bytes already handed to a write command */
  taken: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class BleConnectError extends Error {
  override readonly name = 'BleConnectError';
}

export class BleLink extends ByteLinkBase implements ByteLink {
  readonly description: string;
  readonly address: string;
  readonly mtu: number;
  private readonly window: number;
  private readonly reassembler: NotificationReassembler;
  private readonly pending: PendingWrite[] = [];
  private outstanding = 0;
  private writes = 0;
  private writeBytes = 0;
  private closing = false;
  private readonly onNotification = (value: Buffer): void => {
    if (this.closeInfo === undefined) this.reassembler.push(value);
  };
  private readonly onDisconnect = (): void => {
    if (this.closing) return;
    this.end({ reason: `BLE board ${this.address} disconnected (the board went away or out of range)`, disconnected: true });
  };

  private constructor(
    address: string,
    mtu: number,
    window: number,
    private readonly connection: BluezConnection,
    private readonly device: BleDevice,
    private readonly rx: BleCharacteristic,
    private readonly tx: BleCharacteristic,
    private readonly attempts: number,
  ) {
    super();
    this.address = address;
    this.description = `ble:${address}`;
    this.mtu = mtu;
    this.window = window;
    this.reassembler = new NotificationReassembler((bytes) => this.emit('data', bytes));
  }

  /**
   * Finds the board (scanning if BlueZ does not know it), connects with retries and backoff,
   * looks up the Synergy service, reads the MTU and subscribes. Every step has a deadline; a
   * failure names the address and the step.
   */
  static async open(address: string, opts: BleLinkOptions = {}): Promise<BleLink> {
    const addr = normalizeBleAddress(address);
    const where = `BLE board ${addr}`;
    const scanMs = opts.scanTimeoutMs ?? 10_000;
    const attempts = Math.max(1, opts.connectAttempts ?? 4);
    const attemptMs = opts.connectTimeoutMs ?? 5000;
    const backoffMs = opts.backoffMs ?? 250;
    const connection = connectBluez(opts.busAddress);
    let device: BleDevice | undefined;
    try {
      const { adapter, name: adapterName } = await openAdapter(connection, opts.adapter, CALL_MS);
      await withDeadline(connection.watchBluez(), CALL_MS, 'watching org.bluez on the bus', connection);
      const known = await withDeadline(adapter.devices(), CALL_MS, `device list of ${adapterName}`, connection);
      if (!known.includes(addr)) {
        const scan = await findBleDevice(addr, scanMs, { busAddress: connection.busAddress, adapter: adapterName });
        if (!scan.found) {
          throw new BleConnectError(`${where} not found: no advertisement within ${scanMs} ms of scanning on ${adapterName} (is it powered and in range?)`);
        }
      }
      device = await adapter.getDevice(addr);

      const started = performance.now();
      let attempt = 0;
      for (;;) {
        attempt++;
        try {
          await withDeadline(device.connect(), attemptMs, `connecting to ${where}`, connection);
          break;
        } catch (e) {
          // Cancel what BlueZ may still be trying, so the next attempt is not "in progress".
          await withDeadline(device.disconnect(), CALL_MS, `cancelling the connection to ${where}`, connection).catch(() => undefined);
          if (attempt >= attempts) {
            const spent = Math.round(performance.now() - started);
            throw new BleConnectError(`${where} did not accept a connection: ${attempt} attempts in ${spent} ms (last: ${(e as Error).message})`, {
              cause: e,
            });
          }
          await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
        }
      }

      const gatt = await withDeadline(device.gatt(), attemptMs, `GATT services of ${where}`, connection);
      let service;
      try {
        service = await gatt.getPrimaryService(SYNERGY_SERVICE_UUID);
      } catch {
        const offered = await gatt.services().catch(() => [] as string[]);
        throw new BleConnectError(`${where} has no Synergy GATT service ${SYNERGY_SERVICE_UUID} (it offers: ${offered.join(', ') || 'none'})`);
      }
      const characteristic = async (uuid: string, role: string): Promise<BleCharacteristic> => {
        try {
          return await service.getCharacteristic(uuid);
        } catch {
          throw new BleConnectError(`${where}: the Synergy service lacks its ${role} characteristic ${uuid}`);
        }
      };
      const rx = await characteristic(SYNERGY_RX_UUID, 'RX (host writes)');
      const tx = await characteristic(SYNERGY_TX_UUID, 'TX (board notifies)');
      const devicePath = bluezDevicePath(adapterName, addr);
      const mtu = (await readCharacteristicMtu(connection.busAddress, devicePath, SYNERGY_RX_UUID, CALL_MS).catch(() => undefined)) ?? MIN_ATT_MTU;

      const link = new BleLink(addr, mtu, Math.max(1, opts.writeWindow ?? 8), connection, device, rx, tx, attempt);
      await link.subscribe();
      return link;
    } catch (e) {
      if (device !== undefined) await withDeadline(device.disconnect(), CALL_MS, `disconnecting ${where}`).catch(() => undefined);
      connection.destroy();
      throw e;
    }
  }

  /** Subscribes to the board's notifications and to the device's disconnect, before any write. */
  private async subscribe(): Promise<void> {
    this.device.on('disconnect', this.onDisconnect);
    this.tx.on('valuechanged', this.onNotification);
    void this.connection.failure.catch((e: Error) => this.end({ reason: `BLE board ${this.address}: ${e.message}`, disconnected: true, error: e }));
    await withDeadline(this.tx.startNotifications(), CALL_MS, `subscribing to the notifications of BLE board ${this.address}`, this.connection);
  }

  get isOpen(): boolean {
    return this.closeInfo === undefined && !this.closing;
  }

  /** Counters of this link: writes, notifications, duplicates taken out, broken runs. */
  get stats(): BleLinkStats {
    return { ...this.reassembler.stats, mtu: this.mtu, writes: this.writes, writeBytes: this.writeBytes, connectAttempts: this.attempts };
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(new Error(`${this.description} is closed`));
    if (bytes.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ bytes, taken: 0, resolve, reject });
      this.pump();
    });
  }

  /** Sends write commands of up to MTU - 3 bytes while the window allows, joining small writes. */
  private pump(): void {
    const max = this.mtu - 3;
    while (this.outstanding < this.window && this.pending.length > 0 && this.isOpen) {
      const parts: Uint8Array[] = [];
      const finished: PendingWrite[] = [];
      let size = 0;
      while (size < max && this.pending.length > 0) {
        const w = this.pending[0]!;
        const take = Math.min(max - size, w.bytes.length - w.taken);
        parts.push(w.bytes.subarray(w.taken, w.taken + take));
        w.taken += take;
        size += take;
        if (w.taken === w.bytes.length) finished.push(this.pending.shift()!);
      }
      const chunk = Buffer.concat(parts, size);
      this.outstanding++;
      this.writes++;
      this.writeBytes += size;
      this.rx.writeValueWithoutResponse(chunk).then(
        () => {
          this.outstanding--;
          for (const w of finished) w.resolve();
          this.pump();
        },
        (e: Error) => {
          this.outstanding--;
          const error = new Error(`write to BLE board ${this.address} failed: ${e.message}`);
          for (const w of finished) w.reject(error);
          if (!this.closing) this.end({ reason: error.message, disconnected: true, error });
        },
      );
    }
  }

  /** Ends the link once: fails the writes not yet sent, drops the subscriptions, closes the bus. */
  private end(info: { reason: string; disconnected: boolean; error?: Error }): void {
    if (this.closeInfo !== undefined) return;
    const error = new Error(`${this.description} closed: ${info.reason}`);
    for (const w of this.pending.splice(0)) w.reject(error);
    this.tx.off('valuechanged', this.onNotification);
    this.device.off('disconnect', this.onDisconnect);
    this.reassembler.reset();
    this.reportClose(info);
    if (info.disconnected) this.connection.destroy();
  }

  /** Unsubscribes, disconnects and closes the bus connection; resolves once closed. */
  async close(): Promise<void> {
    if (this.closeInfo !== undefined) {
      this.connection.destroy();
      return;
    }
    this.closing = true;
    await withDeadline(this.tx.stopNotifications(), CALL_MS, `unsubscribing from ${this.address}`, this.connection).catch(() => undefined);
    await withDeadline(this.device.disconnect(), CALL_MS, `disconnecting ${this.address}`, this.connection).catch(() => undefined);
    this.end({ reason: 'closed by the host', disconnected: false });
    this.connection.destroy();
  }
}
