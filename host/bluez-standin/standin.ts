// The BlueZ stand-in: a dbus-next service that owns org.bluez on a (private) bus and serves one
// adapter with N BLE boards, each an emulated board (synergy-emu --stdio) behind the GATT
// contract of proto/PROTOCOL.md section 11, its bytes paced by the BLE link model (air.ts).
// node-ble runs against it unmodified: it scans, connects, resolves services, writes without
// response and gets notifications exactly as from bluetoothd. For tests and emulated BLE desks.
//
// What a real board does that this models: it advertises while discovery runs (and stays listed
// afterwards, as BlueZ keeps devices); a connection takes a few connection intervals; a board
// that refuses connections makes Connect fail after `connectTimeoutMs` with BlueZ's
// "le-connection-abort-by-local"; a board that goes out of range or dies is reported
// disconnected after the supervision timeout; the board (its segments, its staging area) lives
// on across connections, and bytes it sends while no host is subscribed are lost.

import * as dbus from 'dbus-next';
import { bluezDevicePath, normalizeBleAddress, SYNERGY_RX_UUID, SYNERGY_SERVICE_UUID, SYNERGY_TX_UUID } from '../link/ble-contract.js';
import { BLE_FAST, checkBleParams, type BleLinkParams } from '../link/ble-model.js';
import { startEmulatorStdio, type EmulatedChip, type EmulatorOptions, type StdioEmulatedBoard } from '../link/emulator.js';
import { BleAir, NO_FAULTS, type AirFaults, type AirStats, type FaultKind } from './air.js';
import {
  Adapter1,
  AgentManager1,
  BLUEZ_ERROR,
  bluezError,
  changed,
  Device1,
  GattCharacteristic1,
  GattService1,
  interfaceName,
  ObjectManager1,
  propertiesOf,
  type ManagedObjects,
} from './bluez-objects.js';
import { startPrivateBus, type PrivateBus } from './private-bus.js';

type DbusInterface = InstanceType<typeof dbus.interface.Interface>;

export interface StandinBoardSpec {
  /** default C0:DE:5E:00:00:NN (a random static address), NN = 1, 2, ... */
  address?: string;
  /** advertised name; default synergy-<board id> */
  name?: string;
  /** RSSI reported while scanning, dBm; default -40 - 4 x index */
  rssi?: number;
  chip?: EmulatedChip;
  /** the emulated board's id (hello's board_id); default ble-N */
  id?: string;
  sensors?: string[];
  outputs?: string[];
  /** the emulated board's engine, further arguments and binary (startEmulatorStdio) */
  emulator?: Pick<EmulatorOptions, 'engine' | 'extraArgs' | 'binary'>;
  /** false: powered and running but never advertising (a board no scan finds); default true */
  advertises?: boolean;
  /** advertises but never completes a connection (a board that does not answer connect) */
  refusesConnections?: boolean;
  /** this board's notification faults (default: the stand-in's) */
  faults?: Partial<AirFaults>;
}

export interface StandinOptions {
  boards: number | StandinBoardSpec[];
  /** the link every board gets (default BLE_FAST) */
  link?: BleLinkParams;
  /** notification faults (default none) */
  faults?: Partial<AirFaults>;
  /** adapter name (default hci0) */
  adapter?: string;
  /** how long Connect keeps trying a board that does not answer, ms (default 2000) */
  connectTimeoutMs?: number;
  /** serve on this bus instead of a private dbus-daemon the stand-in starts and stops */
  busAddress?: string;
  /** how long to wait for each emulated board's boot announcement, ms (default 10 s) */
  readyTimeoutMs?: number;
}

export interface StandinBoard {
  readonly address: string;
  readonly name: string;
  readonly boardId: string;
  readonly chip: EmulatedChip;
  readonly pid: number;
}

export interface BlueZStandin {
  /** the bus org.bluez is on: DBUS_SYSTEM_BUS_ADDRESS for node-ble, busAddress for BleLink */
  readonly busAddress: string;
  /** the private dbus-daemon's pid, when the stand-in started one */
  readonly daemonPid: number | undefined;
  readonly adapter: string;
  readonly link: Readonly<BleLinkParams>;
  readonly boards: readonly StandinBoard[];
  /** forces a duplicated or lost notification, `after` notifications from now on that board's link */
  injectFault(address: string, kind: FaultKind, after?: number): void;
  /** the board leaves radio range: the host sees a disconnect after the supervision timeout */
  dropLink(address: string): void;
  /** the board is in range again (a new connection can be made) */
  restoreLink(address: string): void;
  /** the board's emulator dies (power loss): disconnect after the supervision timeout, no reconnect */
  killBoard(address: string): Promise<void>;
  /** the emulated board behind the address (its process: stopped to hang it, watched for exit) */
  emulatorOf(address: string): StdioEmulatedBoard;
  /** air counters of the board's current (or last) connection */
  airStats(address: string): AirStats | undefined;
  /** whether a host is connected to the board */
  isConnected(address: string): boolean;
  /** disconnects everything, stops the emulated boards, leaves the bus and stops a private daemon */
  stop(): Promise<void>;
}

const ROOT = '/';
const BLUEZ = '/org/bluez';

export function standinAddress(index: number): string {
  const n = index + 1;
  return `C0:DE:5E:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
}

/** The exported objects and the ObjectManager's signals about them. */
class ObjectTree {
  private readonly objects = new Map<string, DbusInterface[]>();
  readonly manager = new ObjectManager1(() => this.managed());

  constructor(private readonly bus: dbus.MessageBus) {
    bus.export(ROOT, this.manager);
  }

  add(path: string, ...interfaces: DbusInterface[]): void {
    const list = this.objects.get(path) ?? [];
    const added: Record<string, Record<string, dbus.Variant>> = {};
    for (const iface of interfaces) {
      this.bus.export(path, iface);
      list.push(iface);
      added[interfaceName(iface)] = propertiesOf(iface);
    }
    this.objects.set(path, list);
    this.manager.InterfacesAdded(path, added);
  }

  remove(path: string): void {
    const list = this.objects.get(path);
    if (list === undefined) return;
    for (const iface of list) this.bus.unexport(path, iface);
    this.objects.delete(path);
    this.manager.InterfacesRemoved(path, list.map(interfaceName));
  }

  has(path: string): boolean {
    return this.objects.has(path);
  }

  private managed(): ManagedObjects {
    const out: ManagedObjects = {};
    for (const [path, list] of this.objects) {
      out[path] = Object.fromEntries(list.map((i) => [interfaceName(i), propertiesOf(i)]));
    }
    return out;
  }
}

class StandinDevice {
  readonly path: string;
  readonly device: Device1;
  private readonly servicePath: string;
  private readonly service: GattService1;
  private readonly rx: GattCharacteristic1;
  private readonly tx: GattCharacteristic1;
  private air: BleAir | undefined;
  private lastStats: AirStats | undefined;
  private connections = 0;
  private inRange = true;
  private alive = true;
  private connecting: { cancel: (why: string) => void } | undefined;
  private lossTimer: NodeJS.Timeout | undefined;
  private discoveryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly index: number,
    readonly spec: ResolvedSpec,
    readonly emulator: StdioEmulatedBoard,
    private readonly tree: ObjectTree,
    adapterPath: string,
    private readonly params: BleLinkParams,
    private readonly faults: AirFaults,
    private readonly connectTimeoutMs: number,
  ) {
    this.path = bluezDevicePath(adapterPath.split('/').pop()!, spec.address);
    this.device = new Device1(
      { address: spec.address, name: spec.name, adapterPath, rssi: spec.rssi, uuids: [SYNERGY_SERVICE_UUID] },
      { connect: () => this.connect(), disconnect: () => this.disconnect() },
    );
    this.servicePath = `${this.path}/service000a`;
    this.service = new GattService1(SYNERGY_SERVICE_UUID, this.path);
    const behaviour = {
      write: (bytes: Uint8Array) => this.write(bytes),
      notifying: () => undefined,
    };
    this.rx = new GattCharacteristic1({ uuid: SYNERGY_RX_UUID, servicePath: this.servicePath, role: 'rx', mtu: params.attMtu, address: spec.address }, behaviour);
    this.tx = new GattCharacteristic1({ uuid: SYNERGY_TX_UUID, servicePath: this.servicePath, role: 'tx', mtu: params.attMtu, address: spec.address }, behaviour);
    emulator.link.on('data', (bytes) => {
      // The companion notifies what the board's UART delivers; with no subscriber it is lost.
      if (this.air !== undefined && this.tx.Notifying) this.air.fromBoard(bytes);
    });
    emulator.link.on('close', () => {
      this.alive = false;
      this.lose();
    });
  }

  get connected(): boolean {
    return this.device.Connected;
  }

  get reachable(): boolean {
    return this.inRange && this.alive && this.spec.refusesConnections !== true;
  }

  get stats(): AirStats | undefined {
    return this.air?.stats ?? this.lastStats;
  }

  /** Starts advertising to a running discovery: the device appears after an advertising delay. */
  advertise(): void {
    if (this.tree.has(this.path) || !this.inRange || !this.alive || this.spec.advertises === false || this.discoveryTimer !== undefined) return;
    this.discoveryTimer = setTimeout(() => {
      this.discoveryTimer = undefined;
      if (!this.tree.has(this.path)) this.tree.add(this.path, this.device);
    }, 20 + 10 * this.index);
  }

  stopAdvertising(): void {
    clearTimeout(this.discoveryTimer);
    this.discoveryTimer = undefined;
  }

  injectFault(kind: FaultKind, after: number): void {
    if (this.air === undefined) throw new Error(`BLE board ${this.spec.address} is not connected: no notification to ${kind}`);
    this.air.inject(kind, after);
  }

  private async connect(): Promise<void> {
    if (this.connected) return;
    if (this.connecting !== undefined) throw bluezError(BLUEZ_ERROR.inProgress, 'Operation already in progress');
    // Establishing takes a few connection intervals (connection request, MTU and length exchange).
    const setupMs = this.reachable ? 3 * this.params.intervalMs + 5 : this.connectTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.connecting = undefined;
        if (this.reachable) resolve();
        else reject(bluezError(BLUEZ_ERROR.failed, 'le-connection-abort-by-local'));
      }, setupMs);
      this.connecting = {
        cancel: (why) => {
          clearTimeout(timer);
          this.connecting = undefined;
          reject(bluezError(BLUEZ_ERROR.failed, why));
        },
      };
    });
    this.establish();
  }

  private establish(): void {
    this.connections++;
    const seed = (this.faults.seed + this.index * 7919 + this.connections * 104_729) >>> 0;
    this.air = new BleAir(this.params, { ...this.faults, seed }, {
      toBoard: (bytes) => void this.emulator.link.write(bytes).catch(() => undefined),
      notify: (bytes) => {
        if (this.tx.Notifying) this.tx.notify(bytes);
      },
    });
    this.air.start();
    this.tree.add(this.servicePath, this.service);
    this.tree.add(`${this.servicePath}/char000b`, this.rx);
    this.tree.add(`${this.servicePath}/char000d`, this.tx);
    this.device.Connected = true;
    changed(this.device, { Connected: true });
    this.device.ServicesResolved = true;
    changed(this.device, { ServicesResolved: true });
  }

  private write(bytes: Uint8Array): Promise<void> {
    if (this.air === undefined || !this.air.isRunning) return Promise.reject(bluezError(BLUEZ_ERROR.failed, 'Not connected'));
    return this.air.write(bytes);
  }

  async disconnect(): Promise<void> {
    if (this.connecting !== undefined) {
      this.connecting.cancel('Operation cancelled');
      return;
    }
    if (!this.connected) throw bluezError(BLUEZ_ERROR.notConnected, 'Not Connected');
    this.teardown();
  }

  /** The board went silent (out of range, dead): the host hears of it after the supervision timeout. */
  lose(): void {
    if (!this.connected || this.lossTimer !== undefined) return;
    this.air?.silence();
    this.lossTimer = setTimeout(() => {
      this.lossTimer = undefined;
      if (this.connected) this.teardown();
    }, this.params.supervisionTimeoutMs);
  }

  dropLink(): void {
    this.inRange = false;
    this.lose();
  }

  restoreLink(): void {
    this.inRange = true;
  }

  private teardown(): void {
    clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
    if (this.air !== undefined) {
      this.air.stop(bluezError(BLUEZ_ERROR.failed, 'Not connected'));
      this.lastStats = this.air.stats;
      this.air = undefined;
    }
    if (this.tx.Notifying) {
      this.tx.Notifying = false;
      changed(this.tx, { Notifying: false });
    }
    this.tree.remove(`${this.servicePath}/char000d`);
    this.tree.remove(`${this.servicePath}/char000b`);
    this.tree.remove(this.servicePath);
    this.device.ServicesResolved = false;
    changed(this.device, { ServicesResolved: false });
    this.device.Connected = false;
    changed(this.device, { Connected: false });
  }

  /** Disconnects without waiting (stand-in stopping, device removed). */
  shutdown(): void {
    this.stopAdvertising();
    this.connecting?.cancel('Operation cancelled');
    if (this.connected) this.teardown();
  }
}

type ResolvedSpec = StandinBoardSpec & Required<Pick<StandinBoardSpec, 'address' | 'name' | 'rssi' | 'id'>>;

function boardSpec(spec: StandinBoardSpec, index: number): ResolvedSpec {
  const id = spec.id ?? `ble-${index + 1}`;
  return {
    ...spec,
    id,
    address: normalizeBleAddress(spec.address ?? standinAddress(index)),
    name: spec.name ?? `synergy-${id}`,
    rssi: spec.rssi ?? -40 - 4 * index,
  };
}

function checkFaults(f: AirFaults): void {
  for (const [name, rate] of [['duplicate', f.duplicateRate], ['loss', f.lossRate]] as const) {
    if (!(rate >= 0 && rate < 1)) throw new Error(`BLE stand-in: ${name} rate ${rate} is not in 0..1`);
  }
  if (f.duplicateRate + f.lossRate >= 1) throw new Error(`BLE stand-in: duplicate and loss rates add up to ${f.duplicateRate + f.lossRate}, not below 1`);
}

/** Waits for the board's first bytes (its boot announcement): it runs and its UART works. */
function bootAnnounced(emulator: StdioEmulatedBoard, timeoutMs: number, id: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulated board ${id} sent no boot announcement within ${timeoutMs} ms`)), timeoutMs);
    emulator.link.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    void emulator.exited.then((exit) => {
      clearTimeout(timer);
      const tail = emulator.stderrTail().trim();
      reject(new Error(`emulated board ${id} exited (${exit.signal ?? `code ${exit.code}`}) before it booted${tail ? `: ${tail}` : ''}`));
    });
  });
}

/** Starts the stand-in: a private bus (unless one is given), org.bluez, the boards. */
export async function startBlueZStandin(opts: StandinOptions): Promise<BlueZStandin> {
  const params = checkBleParams({ ...(opts.link ?? BLE_FAST) }, 'BLE stand-in link');
  const faults: AirFaults = { ...NO_FAULTS, ...opts.faults };
  const specs = (typeof opts.boards === 'number' ? Array.from({ length: opts.boards }, () => ({})) : opts.boards).map(boardSpec);
  for (const f of [faults, ...specs.map((s) => ({ ...faults, ...s.faults }))]) checkFaults(f);
  const addresses = new Set(specs.map((s) => s.address));
  if (addresses.size !== specs.length) throw new Error('BLE stand-in: two boards have the same address');
  const adapterName = opts.adapter ?? 'hci0';
  const adapterPath = `${BLUEZ}/${adapterName}`;

  let privateBus: PrivateBus | undefined;
  let bus: dbus.MessageBus | undefined;
  const emulators: StdioEmulatedBoard[] = [];
  const devices: StandinDevice[] = [];
  const cleanup = async (): Promise<void> => {
    for (const d of devices) d.shutdown();
    await Promise.allSettled(emulators.map((e) => e.stop()));
    bus?.disconnect();
    await privateBus?.stop();
  };

  try {
    if (opts.busAddress === undefined) privateBus = await startPrivateBus();
    const busAddress = opts.busAddress ?? privateBus!.address;
    bus = dbus.sessionBus({ busAddress });
    let busFailure: Error | undefined;
    bus.on('error', (e: Error) => {
      busFailure = e;
    });
    const reply = await bus.requestName('org.bluez', dbus.NameFlag.DO_NOT_QUEUE);
    if (reply !== dbus.RequestNameReply.PRIMARY_OWNER) {
      throw new Error(`BLE stand-in: org.bluez is already owned on ${busAddress} (a bluetoothd or another stand-in)`);
    }
    if (busFailure) throw busFailure;

    const tree = new ObjectTree(bus);
    tree.add(BLUEZ, new AgentManager1());
    const adapter: Adapter1 = new Adapter1('00:5E:00:00:00:01', 'synergy-standin', {
      startDiscovery: () => {
        if (!adapter.Discovering) {
          adapter.Discovering = true;
          changed(adapter, { Discovering: true });
        }
        for (const d of devices) d.advertise();
      },
      stopDiscovery: () => {
        adapter.Discovering = false;
        changed(adapter, { Discovering: false });
        for (const d of devices) d.stopAdvertising();
      },
      removeDevice: async (path) => {
        const d = devices.find((x) => x.path === path);
        if (d === undefined || !tree.has(path)) throw bluezError(BLUEZ_ERROR.doesNotExist, `no device ${path}`);
        d.shutdown();
        tree.remove(path);
      },
    });
    tree.add(adapterPath, adapter);

    for (const spec of specs) {
      emulators.push(startEmulatorStdio({ ...spec.emulator, id: spec.id, ...(spec.chip ? { chip: spec.chip } : {}), sensors: spec.sensors ?? [], outputs: spec.outputs ?? [] }));
    }
    await Promise.all(emulators.map((e, i) => bootAnnounced(e, opts.readyTimeoutMs ?? 10_000, specs[i]!.id)));
    specs.forEach((spec, i) => {
      const own: AirFaults = { ...faults, ...spec.faults };
      devices.push(new StandinDevice(i, spec, emulators[i]!, tree, adapterPath, params, own, opts.connectTimeoutMs ?? 2000));
    });

    const byAddress = (address: string): StandinDevice => {
      const want = normalizeBleAddress(address);
      const d = devices.find((x) => x.spec.address === want);
      if (d === undefined) throw new Error(`the BLE stand-in has no board ${want}`);
      return d;
    };
    let stopped: Promise<void> | undefined;
    return {
      busAddress,
      daemonPid: privateBus?.pid,
      adapter: adapterName,
      link: params,
      boards: devices.map((d) => ({
        address: d.spec.address,
        name: d.spec.name,
        boardId: d.spec.id,
        chip: d.spec.chip ?? 'max78000',
        pid: d.emulator.pid,
      })),
      injectFault: (address, kind, after = 0) => byAddress(address).injectFault(kind, after),
      dropLink: (address) => byAddress(address).dropLink(),
      restoreLink: (address) => byAddress(address).restoreLink(),
      killBoard: async (address) => {
        await byAddress(address).emulator.stop();
      },
      emulatorOf: (address) => byAddress(address).emulator,
      airStats: (address) => byAddress(address).stats,
      isConnected: (address) => byAddress(address).connected,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
