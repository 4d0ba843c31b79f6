// node-ble and dbus-next connections to BlueZ, with what they lack: a chosen bus address (node-ble
// always takes the system bus named by DBUS_SYSTEM_BUS_ADDRESS), a failure when the bus cannot
// be reached (dbus-next then emits 'error' and leaves calls pending for ever), deadlines, and
// BlueZ's read-only MTU property (node-ble has no call for it).

import { EventEmitter } from 'node:events';
import { sessionBus, type MessageBus, type Variant } from 'dbus-next';
import nodeBle from 'node-ble';

export type BleBluetooth = nodeBle.Bluetooth;
export type BleAdapter = nodeBle.Adapter;
export type BleDevice = nodeBle.Device;
export type BleCharacteristic = nodeBle.GattCharacteristic;

export const DEFAULT_SYSTEM_BUS = 'unix:path=/var/run/dbus/system_bus_socket';

/** The bus BlueZ is on: the argument, else DBUS_SYSTEM_BUS_ADDRESS, else the system bus. */
export function systemBusAddress(busAddress?: string): string {
  return busAddress ?? process.env['DBUS_SYSTEM_BUS_ADDRESS'] ?? DEFAULT_SYSTEM_BUS;
}

export interface BluezConnection {
  readonly bluetooth: BleBluetooth;
  readonly busAddress: string;
  /** rejects once the bus connection fails or ends, or BlueZ leaves the bus (after watchBluez); never resolves */
  readonly failure: Promise<never>;
  /** makes `failure` also reject when org.bluez loses its owner (bluetoothd stopped) */
  watchBluez(): Promise<void>;
  /** closes the bus connection (idempotent) */
  destroy(): void;
}

/** node-ble's createBluetooth() on `busAddress` (default: the system bus). */
export function connectBluez(busAddress?: string): BluezConnection {
  const address = systemBusAddress(busAddress);
  // dbus-next reads DBUS_SYSTEM_BUS_ADDRESS synchronously inside createBluetooth().
  const before = process.env['DBUS_SYSTEM_BUS_ADDRESS'];
  process.env['DBUS_SYSTEM_BUS_ADDRESS'] = address;
  let made: ReturnType<typeof nodeBle.createBluetooth>;
  try {
    made = nodeBle.createBluetooth();
  } finally {
    if (before === undefined) delete process.env['DBUS_SYSTEM_BUS_ADDRESS'];
    else process.env['DBUS_SYSTEM_BUS_ADDRESS'] = before;
  }
  let fail: (e: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failure.catch(() => undefined);
  // node-ble keeps its dbus-next MessageBus as `dbus`, and dbus-next its socket stream as
  // `_connection`. Without an 'error' listener a bus that cannot be reached would throw from an
  // event emitter and end the process; the stream's 'end' is the only sign the bus went away.
  const bus = (made.bluetooth as unknown as { dbus?: unknown }).dbus;
  let destroyed = false;
  if (bus instanceof EventEmitter) {
    bus.on('error', (e: Error) => fail(new Error(`D-Bus system bus at ${address} failed: ${e.message}`)));
    const stream = (bus as unknown as { _connection?: unknown })._connection;
    if (stream instanceof EventEmitter) {
      stream.on('end', () => {
        if (!destroyed) fail(new Error(`the D-Bus system bus at ${address} went away`));
      });
    }
  }
  const watchBluez = async (): Promise<void> => {
    if (!(bus instanceof EventEmitter)) return;
    const daemon = await (bus as unknown as MessageBus).getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus');
    daemon.getInterface('org.freedesktop.DBus').on('NameOwnerChanged', (name: string, _old: string, owner: string) => {
      if (name === 'org.bluez' && owner === '') fail(new Error(`BlueZ (org.bluez) left the D-Bus system bus at ${address}`));
    });
  };
  return {
    bluetooth: made.bluetooth,
    busAddress: address,
    failure,
    watchBluez,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        made.destroy();
      } catch {
        // already closed
      }
    },
  };
}

export class BleTimeoutError extends Error {
  override readonly name = 'BleTimeoutError';
}

/** `work`, or a BleTimeoutError saying `what` after `ms`; also fails with the connection. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string, connection?: BluezConnection): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BleTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race(connection ? [work, deadline, connection.failure] : [work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The adapter named (e.g. hci0) or the first one; a clear error when BlueZ is not there. */
export async function openAdapter(connection: BluezConnection, name: string | undefined, timeoutMs: number): Promise<{ adapter: BleAdapter; name: string }> {
  let names: string[];
  try {
    names = await withDeadline(connection.bluetooth.adapters(), timeoutMs, `BlueZ on ${connection.busAddress}`, connection);
  } catch (e) {
    throw new Error(`cannot reach BlueZ (org.bluez) on the D-Bus system bus ${connection.busAddress}: ${(e as Error).message}`, { cause: e });
  }
  const chosen = name ?? names[0];
  if (chosen === undefined) throw new Error(`BlueZ on ${connection.busAddress} has no Bluetooth adapter`);
  if (!names.includes(chosen)) throw new Error(`BlueZ on ${connection.busAddress} has no adapter ${chosen} (adapters: ${names.join(', ') || 'none'})`);
  return { adapter: await connection.bluetooth.getAdapter(chosen), name: chosen };
}

type ManagedObjects = Record<string, Record<string, Record<string, Variant>>>;

/**
 * The ATT MTU BlueZ negotiated for the characteristic `uuid` of the device at `devicePath`
 * (GattCharacteristic1.MTU, BlueZ 5.62 and later), read over the ObjectManager; undefined when
 * BlueZ does not report it.
 */
export async function readCharacteristicMtu(busAddress: string, devicePath: string, uuid: string, timeoutMs: number): Promise<number | undefined> {
  const bus: MessageBus = sessionBus({ busAddress });
  let failed: (e: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  failure.catch(() => undefined);
  bus.on('error', (e: Error) => failed(e));
  try {
    const read = (async () => {
      const root = await bus.getProxyObject('org.bluez', '/');
      const manager = root.getInterface('org.freedesktop.DBus.ObjectManager');
      const objects = (await manager['GetManagedObjects']!()) as ManagedObjects;
      for (const [path, interfaces] of Object.entries(objects)) {
        if (!path.startsWith(`${devicePath}/`)) continue;
        const ch = interfaces['org.bluez.GattCharacteristic1'];
        if (ch?.['UUID']?.value !== uuid) continue;
        const mtu = ch['MTU']?.value as unknown;
        return typeof mtu === 'number' ? mtu : undefined;
      }
      return undefined;
    })();
    return await withDeadline(Promise.race([read, failure]), timeoutMs, `MTU of ${devicePath}`);
  } finally {
    bus.disconnect();
  }
}
