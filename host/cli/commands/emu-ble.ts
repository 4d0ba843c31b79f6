// synergy emu --ble N: N emulated boards reached over BLE through the BlueZ stand-in (a private
// D-Bus daemon, org.bluez served by this process, each board's bytes paced by the BLE link
// model). Other processes reach the boards with node-ble once DBUS_SYSTEM_BUS_ADDRESS names the
// printed bus. Up until Ctrl-C or SIGTERM; then every board, the service and the daemon stop.

import { chipFor, type DeskChips } from '../../board/emulated-desk.js';
import { startBlueZStandin } from '../../bluez-standin/standin.js';
import { BLE_SETTINGS, describeBle, type BleSettingName } from '../../link/ble-model.js';
import { CommandFailure, EXIT, type CommandIO } from '../command.js';
import { table } from '../output.js';
import { EmulatorRegistry } from '../../link/emulator-registry.js';

export interface BleDeskOptions {
  boards: number;
  chip: DeskChips;
  link: BleSettingName;
  sensors: string[];
  outputs: string[];
}

export async function runBleDesk(opts: BleDeskOptions, json: boolean, io: CommandIO): Promise<number> {
  let standin;
  try {
    standin = await startBlueZStandin({
      boards: Array.from({ length: opts.boards }, (_, i) => ({ chip: chipFor(opts.chip, i), sensors: opts.sensors, outputs: opts.outputs })),
      link: BLE_SETTINGS[opts.link],
    });
  } catch (e) {
    throw new CommandFailure(`cannot start the emulated BLE desk: ${(e as Error).message}`);
  }
  // Registered, so other processes find them (synergy boards, --board ble-1) on the stand-in's bus.
  const registry = new EmulatorRegistry();
  const registered: string[] = [];
  try {
    for (const b of standin.boards) {
      registry.register({ id: b.boardId, chip: b.chip, path: `ble:${b.address}`, pid: b.pid, ownerPid: process.pid, startedAt: new Date().toISOString(), bus: standin.busAddress });
      registered.push(b.boardId);
    }
  } catch (e) {
    registered.forEach((id) => registry.unregister(id));
    await standin.stop();
    throw new CommandFailure(`cannot register the emulated BLE boards: ${(e as Error).message}`);
  }
  const rows = standin.boards.map((b) => ({ id: b.boardId, address: b.address, name: b.name, chip: b.chip, pid: b.pid }));
  if (json) {
    io.out(
      JSON.stringify({
        ble: { bus_address: standin.busAddress, bus_pid: standin.daemonPid ?? null, adapter: standin.adapter, link: opts.link },
        boards: rows,
      }),
    );
  } else {
    io.out(table(['ID', 'ADDRESS', 'NAME', 'CHIP', 'PID'], rows.map((r) => [r.id, r.address, r.name, r.chip, String(r.pid)])));
    io.out(`${rows.length} emulated BLE board${rows.length === 1 ? '' : 's'} up behind a BlueZ stand-in on adapter ${standin.adapter}, link ${opts.link}: ${describeBle(standin.link)}`);
    io.out(`reach them with node-ble after: export DBUS_SYSTEM_BUS_ADDRESS='${standin.busAddress}'`);
    io.out('Ctrl-C to stop');
  }
  const code = await new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      io.err(`synergy emu: ${signal}: stopping ${rows.length} emulated BLE boards and the BlueZ stand-in`);
      resolve(EXIT.ok);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('SIGHUP', onSignal);
  });
  registered.forEach((id) => registry.unregister(id));
  await standin.stop();
  return code;
}
