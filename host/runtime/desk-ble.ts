// An emulated desk over BLE: every device's board (synergy-emu, as desk-emulators.ts configures
// it) sits behind the BlueZ stand-in, and the host reaches it as a real BLE board - node-ble,
// BlueZ's D-Bus API, the GATT byte pipe, the air paced by the BLE link model. Its location is
// ble:ADDRESS (routed to the stand-in's private bus), so the runtime opens, watches and reopens
// it through the link registry like any board.
//
// Faults: a killed board leaves radio range (the host sees the disconnect after the supervision
// timeout; the board keeps its state), a restarted one comes back in range (the runtime's join
// path reconnects it); a hung board's emulator is stopped with SIGSTOP (connected, silent).

import { startBlueZStandin } from '../bluez-standin/standin.js';
import type { EmulatorRegistry } from '../link/emulator-registry.js';
import { BLE_FAST, bleModelRateBps, type BleLinkParams } from '../link/ble-model.js';
import type { EmulatedBoard, EmulatorOptions } from '../link/emulator.js';
import { routeBleAddress } from '../link/registry.js';
import type { DeskSpec, DeviceSpec } from '../space/device.js';
import { hangBoard, type DeskEmulators, type EmulatedDevice, type SensorStream } from './desk-emulators.js';

export interface BleDeskParts {
  desk: DeskSpec;
  streams: readonly SensorStream[];
  registry: EmulatorRegistry;
  /** each device's emulator options (a BLE board's UART is unpaced: the air paces it) */
  optionsOf: (d: DeviceSpec) => EmulatorOptions;
  /** the link every board gets (default BLE_FAST) */
  link?: BleLinkParams;
  /** removes what the desk made besides its boards (scratch files) */
  cleanup: () => void;
}

export async function startBleDesk(parts: BleDeskParts): Promise<DeskEmulators> {
  const { desk, registry } = parts;
  const params = parts.link ?? BLE_FAST;
  const options = new Map(desk.devices.map((d) => {
    const { baud: _unpaced, ...o } = parts.optionsOf(d);
    return [d.name, o];
  }));
  const standin = await startBlueZStandin({
    link: params,
    boards: desk.devices.map((d) => {
      const o = options.get(d.name)!;
      return {
        id: d.name,
        chip: o.chip ?? 'max78000',
        sensors: o.sensors ?? [],
        outputs: o.outputs ?? [],
        emulator: { ...(o.engine ? { engine: o.engine } : {}), ...(o.extraArgs ? { extraArgs: o.extraArgs } : {}), ...(o.binary ? { binary: o.binary } : {}) },
      };
    }),
  });
  const boards = new Map<string, EmulatedDevice>();
  const all = new Map<string, EmulatedDevice>();
  const addressOf = new Map<string, string>();
  desk.devices.forEach((d, i) => {
    const b = standin.boards[i]!;
    const e = standin.emulatorOf(b.address);
    const emulator: EmulatedBoard = {
      path: `ble:${b.address}`, pid: e.pid, options: options.get(d.name)!, process: e.process, exited: e.exited,
      stderrTail: () => e.stderrTail(), stop: (graceMs) => e.stop(graceMs),
    };
    addressOf.set(d.name, b.address);
    all.set(d.name, { device: d.name, path: emulator.path, emulator, options: emulator.options });
    routeBleAddress(b.address, standin.busAddress);
  });
  const enter = (device: string): EmulatedDevice => {
    const dev = all.get(device)!;
    boards.set(device, dev);
    registry.register({
      id: device, chip: dev.options.chip ?? 'max78000', path: dev.path, pid: dev.emulator.pid, ownerPid: process.pid, startedAt: new Date().toISOString(),
    });
    return dev;
  };
  for (const d of desk.devices) enter(d.name);
  const hung = new Set<string>();
  const known = (device: string): string => {
    const address = addressOf.get(device);
    if (address === undefined) throw new Error(`device ${device} is not on desk ${desk.name}`);
    return address;
  };
  const killNow = (): void => {
    for (const b of all.values()) if (b.emulator.process.exitCode === null) b.emulator.process.kill('SIGKILL');
    if (standin.daemonPid !== undefined) {
      try {
        process.kill(standin.daemonPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    parts.cleanup();
  };
  process.on('exit', killNow);
  const rate = bleModelRateBps(params);
  return {
    desk: { ...desk, devices: desk.devices.map((d) => ({ ...d, link: { kind: 'ble', rateBps: rate } })), source: `${desk.source} (emulated, over BLE)` },
    streams: parts.streams,
    registry,
    boards,
    async kill(device) {
      const address = known(device);
      if (!boards.has(device)) throw new Error(`device ${device}'s board is out of range already`);
      standin.dropLink(address);
      boards.delete(device);
      registry.unregister(device);
    },
    hang: (device) => hangBoard(boards, hung, device),
    async restart(device) {
      const address = known(device);
      if (hung.delete(device)) all.get(device)!.emulator.process.kill('SIGCONT');
      standin.restoreLink(address);
      return enter(device);
    },
    async stop() {
      for (const d of hung) all.get(d)?.emulator.process.kill('SIGCONT');
      hung.clear();
      for (const [d, address] of addressOf) {
        registry.unregister(d);
        routeBleAddress(address, null);
      }
      boards.clear();
      await standin.stop();
      parts.cleanup();
      process.off('exit', killNow);
    },
    killNow,
  };
}
