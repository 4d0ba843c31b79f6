// The D-Bus objects of the BlueZ stand-in, with BlueZ's interface names, properties, method
// signatures and error names (as bluetoothd 5.6x exports them and node-ble 1.13 reads them):
// ObjectManager at /, AgentManager1 at /org/bluez, Adapter1 per adapter, Device1 per device,
// GattService1 and GattCharacteristic1 per connected device. The objects hold state and check
// arguments; what connecting, discovering and writing do is the stand-in's (standin.ts), reached
// through the small `*Behaviour` interfaces.

import * as dbus from 'dbus-next';

const { Interface } = dbus.interface;
type DbusInterface = InstanceType<typeof Interface>;

/** BlueZ's error names (doc/*-api.txt in BlueZ). */
export const BLUEZ_ERROR = {
  failed: 'org.bluez.Error.Failed',
  inProgress: 'org.bluez.Error.InProgress',
  notPermitted: 'org.bluez.Error.NotPermitted',
  notSupported: 'org.bluez.Error.NotSupported',
  invalidArguments: 'org.bluez.Error.InvalidArguments',
  invalidValueLength: 'org.bluez.Error.InvalidValueLength',
  notConnected: 'org.bluez.Error.NotConnected',
  doesNotExist: 'org.bluez.Error.DoesNotExist',
} as const;

export function bluezError(name: string, text: string): dbus.DBusError {
  return new dbus.DBusError(name, text);
}

interface PropertyTable {
  [key: string]: { signature: string; name?: string };
}

/**
 * A D-Bus property table: each name with its signature, in the order given (the order
 * GetManagedObjects lists them in); read-only except the names in `readwrite`.
 */
function dbusProperties(
  signatures: Record<string, string>,
  readwrite: readonly string[] = [],
): Record<string, dbus.interface.PropertyOptions> {
  const writable = new Set(readwrite);
  const out: Record<string, dbus.interface.PropertyOptions> = {};
  for (const [name, signature] of Object.entries(signatures)) {
    out[name] = { signature, access: writable.has(name) ? 'readwrite' : 'read' };
  }
  return out;
}

/** Every property of an exported interface as variants (GetManagedObjects, InterfacesAdded). */
export function propertiesOf(iface: DbusInterface): Record<string, dbus.Variant> {
  const table = (iface as unknown as { $properties?: PropertyTable }).$properties ?? {};
  const out: Record<string, dbus.Variant> = {};
  for (const [key, prop] of Object.entries(table)) {
    const value = (iface as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    out[prop.name ?? key] = new dbus.Variant(prop.signature, value);
  }
  return out;
}

export function interfaceName(iface: DbusInterface): string {
  return (iface as unknown as { $name: string }).$name;
}

/** Announces changed properties (org.freedesktop.DBus.Properties.PropertiesChanged). */
export function changed(iface: DbusInterface, props: Record<string, unknown>): void {
  Interface.emitPropertiesChanged(iface, props, []);
}

// ---- ObjectManager -------------------------------------------------------------------------

export type ManagedObjects = Record<string, Record<string, Record<string, dbus.Variant>>>;

export class ObjectManager1 extends Interface {
  constructor(private readonly objects: () => ManagedObjects) {
    super('org.freedesktop.DBus.ObjectManager');
  }
  GetManagedObjects(): ManagedObjects {
    return this.objects();
  }
  InterfacesAdded(path: string, interfaces: Record<string, Record<string, dbus.Variant>>): unknown[] {
    return [path, interfaces];
  }
  InterfacesRemoved(path: string, interfaces: string[]): unknown[] {
    return [path, interfaces];
  }
}
ObjectManager1.configureMembers({
  methods: { GetManagedObjects: { outSignature: 'a{oa{sa{sv}}}' } },
  signals: { InterfacesAdded: { signature: 'oa{sa{sv}}' }, InterfacesRemoved: { signature: 'oas' } },
});

// ---- AgentManager1 -------------------------------------------------------------------------

/** Pairing agents register here; the stand-in keeps them but has nothing to pair. */
export class AgentManager1 extends Interface {
  readonly agents = new Set<string>();
  constructor() {
    super('org.bluez.AgentManager1');
  }
  RegisterAgent(agent: string, _capability: string): void {
    if (this.agents.has(agent)) throw bluezError('org.bluez.Error.AlreadyExists', `agent ${agent} is already registered`);
    this.agents.add(agent);
  }
  UnregisterAgent(agent: string): void {
    if (!this.agents.delete(agent)) throw bluezError(BLUEZ_ERROR.doesNotExist, `agent ${agent} is not registered`);
  }
  RequestDefaultAgent(agent: string): void {
    if (!this.agents.has(agent)) throw bluezError(BLUEZ_ERROR.doesNotExist, `agent ${agent} is not registered`);
  }
}
AgentManager1.configureMembers({
  methods: {
    RegisterAgent: { inSignature: 'os' },
    UnregisterAgent: { inSignature: 'o' },
    RequestDefaultAgent: { inSignature: 'o' },
  },
});

// ---- Adapter1 ------------------------------------------------------------------------------

export interface AdapterBehaviour {
  startDiscovery(): void;
  stopDiscovery(): void;
  removeDevice(path: string): Promise<void>;
}

export class Adapter1 extends Interface {
  Address: string;
  AddressType = 'public';
  Name: string;
  Alias: string;
  Class = 0;
  Powered = true;
  Discoverable = false;
  Pairable = false;
  Discovering = false;
  UUIDs: string[] = [];
  Modalias = 'usb:v1D6Bp0246d0540';
  private filterTransport = 'auto';

  constructor(
    address: string,
    name: string,
    private readonly behaviour: AdapterBehaviour,
  ) {
    super('org.bluez.Adapter1');
    this.Address = address;
    this.Name = name;
    this.Alias = name;
  }

  SetDiscoveryFilter(filter: Record<string, dbus.Variant>): void {
    for (const [key, v] of Object.entries(filter)) {
      if (key === 'Transport') {
        const t = String(v.value);
        if (!['auto', 'bredr', 'le'].includes(t)) throw bluezError(BLUEZ_ERROR.invalidArguments, `Transport ${t} is not auto, bredr or le`);
        this.filterTransport = t;
      } else if (!['UUIDs', 'RSSI', 'Pathloss', 'DuplicateData', 'Discoverable', 'Pattern'].includes(key)) {
        throw bluezError(BLUEZ_ERROR.invalidArguments, `unknown discovery filter ${key}`);
      }
    }
  }
  GetDiscoveryFilters(): string[] {
    return ['UUIDs', 'RSSI', 'Pathloss', 'Transport', 'DuplicateData', 'Discoverable', 'Pattern'];
  }
  StartDiscovery(): void {
    if (this.filterTransport === 'bredr') return; // BLE boards only: a BR/EDR scan finds none
    this.behaviour.startDiscovery();
  }
  StopDiscovery(): void {
    if (!this.Discovering) throw bluezError(BLUEZ_ERROR.failed, 'No discovery started');
    this.behaviour.stopDiscovery();
  }
  async RemoveDevice(device: string): Promise<void> {
    await this.behaviour.removeDevice(device);
  }
}
Adapter1.configureMembers({
  properties: dbusProperties(
    {
      Address: 's', AddressType: 's', Name: 's', Alias: 's', Class: 'u', Powered: 'b',
      Discoverable: 'b', Pairable: 'b', Discovering: 'b', UUIDs: 'as', Modalias: 's',
    },
    ['Alias', 'Powered', 'Discoverable', 'Pairable'],
  ),
  methods: {
    SetDiscoveryFilter: { inSignature: 'a{sv}' },
    GetDiscoveryFilters: { outSignature: 'as' },
    StartDiscovery: {},
    StopDiscovery: {},
    RemoveDevice: { inSignature: 'o' },
  },
});

// ---- Device1 -------------------------------------------------------------------------------

export interface DeviceBehaviour {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export class Device1 extends Interface {
  Address: string;
  AddressType = 'random';
  Name: string;
  Alias: string;
  Adapter: string;
  Paired = false;
  Bonded = false;
  Trusted = false;
  Blocked = false;
  LegacyPairing = false;
  Connected = false;
  ServicesResolved = false;
  RSSI: number;
  UUIDs: string[];

  constructor(
    init: { address: string; name: string; adapterPath: string; rssi: number; uuids: string[] },
    private readonly behaviour: DeviceBehaviour,
  ) {
    super('org.bluez.Device1');
    this.Address = init.address;
    this.Name = init.name;
    this.Alias = init.name;
    this.Adapter = init.adapterPath;
    this.RSSI = init.rssi;
    this.UUIDs = init.uuids;
  }

  async Connect(): Promise<void> {
    await this.behaviour.connect();
  }
  async Disconnect(): Promise<void> {
    await this.behaviour.disconnect();
  }
  Pair(): void {
    throw bluezError(BLUEZ_ERROR.notSupported, 'the BlueZ stand-in does not pair: the Synergy service needs no bonding');
  }
  CancelPairing(): void {
    throw bluezError(BLUEZ_ERROR.doesNotExist, 'no pairing in progress');
  }
}
Device1.configureMembers({
  properties: dbusProperties(
    {
      Address: 's', AddressType: 's', Name: 's', Alias: 's', Adapter: 'o', Paired: 'b', Bonded: 'b',
      Trusted: 'b', Blocked: 'b', LegacyPairing: 'b', Connected: 'b', ServicesResolved: 'b', RSSI: 'n', UUIDs: 'as',
    },
    ['Alias', 'Trusted', 'Blocked'],
  ),
  methods: {
    Connect: {},
    Disconnect: {},
    Pair: {},
    CancelPairing: {},
  },
});

// ---- GattService1 --------------------------------------------------------------------------

export class GattService1 extends Interface {
  UUID: string;
  Primary = true;
  Device: string;
  Includes: string[] = [];
  constructor(uuid: string, devicePath: string) {
    super('org.bluez.GattService1');
    this.UUID = uuid;
    this.Device = devicePath;
  }
}
GattService1.configureMembers({
  properties: dbusProperties({ UUID: 's', Primary: 'b', Device: 'o', Includes: 'ao' }),
});

// ---- GattCharacteristic1 -------------------------------------------------------------------

export interface CharacteristicBehaviour {
  /** a write command's bytes; resolves when the controller took them */
  write(bytes: Uint8Array): Promise<void>;
  /** notifications were switched on or off */
  notifying(on: boolean): void;
}

export type CharacteristicRole = 'rx' | 'tx';

export class GattCharacteristic1 extends Interface {
  UUID: string;
  Service: string;
  Value: Buffer = Buffer.alloc(0);
  Notifying = false;
  Flags: string[];
  MTU: number;

  constructor(
    init: { uuid: string; servicePath: string; role: CharacteristicRole; mtu: number; address: string },
    private readonly behaviour: CharacteristicBehaviour,
  ) {
    super('org.bluez.GattCharacteristic1');
    this.UUID = init.uuid;
    this.Service = init.servicePath;
    this.Flags = init.role === 'rx' ? ['write-without-response'] : ['notify'];
    this.MTU = init.mtu;
    this.role = init.role;
    this.address = init.address;
  }
  private readonly role: CharacteristicRole;
  private readonly address: string;

  ReadValue(_options: Record<string, dbus.Variant>): Buffer {
    throw bluezError(BLUEZ_ERROR.notPermitted, `Read not permitted: the ${this.role.toUpperCase()} characteristic of ${this.address} is not readable`);
  }

  async WriteValue(value: Buffer, options: Record<string, dbus.Variant>): Promise<void> {
    if (this.role !== 'rx') throw bluezError(BLUEZ_ERROR.notPermitted, `Write not permitted: the TX characteristic of ${this.address} only notifies`);
    // Without a type BlueZ picks what the flags allow: here only write without response.
    const type = options['type'] === undefined ? 'command' : String(options['type'].value);
    if (type !== 'command') {
      throw bluezError(
        BLUEZ_ERROR.notSupported,
        `Operation is not supported: the RX characteristic of ${this.address} takes write without response (type "command"), not "${type}"`,
      );
    }
    const offset = options['offset'] === undefined ? 0 : Number(options['offset'].value);
    if (offset !== 0) throw bluezError(BLUEZ_ERROR.invalidArguments, `a write command has no offset (got ${offset})`);
    if (value.length > this.MTU - 3) {
      throw bluezError(BLUEZ_ERROR.invalidValueLength, `a write command carries at most MTU - 3 = ${this.MTU - 3} bytes, got ${value.length}`);
    }
    await this.behaviour.write(value);
  }

  StartNotify(): void {
    if (this.role !== 'tx') throw bluezError(BLUEZ_ERROR.notSupported, `Notify not supported: the RX characteristic of ${this.address} does not notify`);
    if (this.Notifying) return;
    this.Notifying = true;
    changed(this, { Notifying: true });
    this.behaviour.notifying(true);
  }

  StopNotify(): void {
    if (this.role !== 'tx') throw bluezError(BLUEZ_ERROR.notSupported, `Notify not supported: the RX characteristic of ${this.address} does not notify`);
    if (!this.Notifying) return;
    this.Notifying = false;
    this.behaviour.notifying(false);
    changed(this, { Notifying: false });
  }

  /** A notification: the new Value, announced with PropertiesChanged. */
  notify(bytes: Uint8Array): void {
    this.Value = Buffer.from(bytes);
    changed(this, { Value: this.Value });
  }
}
GattCharacteristic1.configureMembers({
  properties: dbusProperties({ UUID: 's', Service: 'o', Value: 'ay', Notifying: 'b', Flags: 'as', MTU: 'q' }),
  methods: {
    ReadValue: { inSignature: 'a{sv}', outSignature: 'ay' },
    WriteValue: { inSignature: 'aya{sv}' },
    StartNotify: {},
    StopNotify: {},
  },
});
