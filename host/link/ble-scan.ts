// Scanning for BLE boards through BlueZ: one discovery per bus and adapter in this process, held
// while anyone waits for a device and stopped when the last one is done. (node-ble refuses to
// start discovery while it is on - "Discovery already in progress" - so links opened together
// share one scan, and a scan another process runs is simply used.)

import { normalizeBleAddress } from './ble-contract.js';
import { connectBluez, openAdapter, systemBusAddress, withDeadline, type BleAdapter, type BluezConnection } from './ble-bluez.js';

export interface BleScanOptions {
  /** D-Bus address of the bus BlueZ is on (default DBUS_SYSTEM_BUS_ADDRESS, else the system bus) */
  busAddress?: string;
  /** adapter name, e.g. hci0 (default: the first) */
  adapter?: string;
}

export interface BleAdvertisement {
  address: string;
  /** the advertised name, when there is one */
  name?: string;
  /** signal strength of the last advertisement, dBm */
  rssi?: number;
}

/** How often BlueZ's device list is looked at while waiting (node-ble polls too). */
const POLL_MS = 100;
/** Deadline of single D-Bus calls to BlueZ. */
const CALL_MS = 5000;

class Discovery {
  private static readonly shared = new Map<string, Promise<Discovery>>();
  /** discoveries being stopped: a new one waits, or it would find the old one still on and not own it */
  private static readonly stopping = new Map<string, Promise<void>>();
  private holders = 0;

  private constructor(
    private readonly key: string,
    private readonly connection: BluezConnection,
    readonly adapter: BleAdapter,
    readonly adapterName: string,
    /** this process started the discovery (and stops it) */
    private readonly owned: boolean,
  ) {}

  static async hold(opts: BleScanOptions): Promise<Discovery> {
    const key = `${systemBusAddress(opts.busAddress)} ${opts.adapter ?? ''}`;
    let entry = Discovery.shared.get(key);
    if (entry === undefined) {
      const previous = Discovery.stopping.get(key);
      entry = (previous ?? Promise.resolve()).then(() => Discovery.start(key, opts));
      Discovery.shared.set(key, entry);
      entry.catch(() => Discovery.shared.delete(key));
    }
    const discovery = await entry;
    discovery.holders++;
    return discovery;
  }

  private static async start(key: string, opts: BleScanOptions): Promise<Discovery> {
    const connection = connectBluez(opts.busAddress);
    try {
      const { adapter, name } = await openAdapter(connection, opts.adapter, CALL_MS);
      let owned = false;
      if (!(await withDeadline(adapter.isDiscovering(), CALL_MS, `discovery state of ${name}`, connection))) {
        try {
          await withDeadline(adapter.startDiscovery(), CALL_MS, `starting discovery on ${name}`, connection);
          owned = true;
        } catch (e) {
          // Another process started a scan meanwhile: its results serve as well.
          if (!/already in progress/i.test((e as Error).message)) throw e;
        }
      }
      return new Discovery(key, connection, adapter, name, owned);
    } catch (e) {
      connection.destroy();
      throw e;
    }
  }

  /** Resolves once BlueZ lists `address`; false when `timeoutMs` passed first. */
  async waitFor(address: string, timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const known = await withDeadline(this.adapter.devices(), CALL_MS, `device list of ${this.adapterName}`, this.connection);
      if (known.includes(address)) return true;
      const left = end - performance.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
    }
  }

  async list(): Promise<BleAdvertisement[]> {
    const out: BleAdvertisement[] = [];
    for (const address of await withDeadline(this.adapter.devices(), CALL_MS, `device list of ${this.adapterName}`, this.connection)) {
      const device = await this.adapter.getDevice(address);
      const ad: BleAdvertisement = { address };
      // Name and RSSI are optional in BlueZ (no name advertised; RSSI only from a recent scan).
      const name = await withDeadline(device.getName(), CALL_MS, `name of ${address}`, this.connection).catch(() => undefined);
      const rssi = await withDeadline(device.getRSSI(), CALL_MS, `RSSI of ${address}`, this.connection).catch(() => undefined);
      if (typeof name === 'string') ad.name = name;
      if (rssi !== undefined && Number.isFinite(Number(rssi))) ad.rssi = Number(rssi);
      out.push(ad);
    }
    return out;
  }

  async release(): Promise<void> {
    if (--this.holders > 0) return;
    Discovery.shared.delete(this.key);
    const stopped = (async () => {
      if (this.owned) {
        await withDeadline(this.adapter.stopDiscovery(), CALL_MS, `stopping discovery on ${this.adapterName}`, this.connection).catch(() => undefined);
      }
      this.connection.destroy();
    })();
    Discovery.stopping.set(this.key, stopped);
    try {
      await stopped;
    } finally {
      if (Discovery.stopping.get(this.key) === stopped) Discovery.stopping.delete(this.key);
    }
  }
}

/** Whether BlueZ lists `address` already, or finds it by scanning within `timeoutMs`. */
export async function findBleDevice(address: string, timeoutMs: number, opts: BleScanOptions = {}): Promise<{ found: boolean; adapter: string }> {
  const want = normalizeBleAddress(address);
  const discovery = await Discovery.hold(opts);
  try {
    return { found: await discovery.waitFor(want, timeoutMs), adapter: discovery.adapterName };
  } finally {
    await discovery.release();
  }
}

/** Scans for `durationMs` and lists every device BlueZ knows then: address, name, RSSI. */
export async function scanBle(durationMs: number, opts: BleScanOptions = {}): Promise<BleAdvertisement[]> {
  const discovery = await Discovery.hold(opts);
  try {
    await new Promise((r) => setTimeout(r, durationMs));
    return await discovery.list();
  } finally {
    await discovery.release();
  }
}
