// A private D-Bus daemon: a permissive policy on a unix socket in a fresh temporary directory.
// It stands in for the system bus (DBUS_SYSTEM_BUS_ADDRESS names it to node-ble) so tests and
// emulated BLE desks need neither root nor a running bluetoothd. A watchdog shell between this
// process and the daemon ends the daemon when this process's end of its stdin closes, so the
// daemon goes even when this process is killed without a chance to clean up.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { processAlive } from '../link/emulator-registry.js';

export interface PrivateBus {
  /** the address to give dbus-next or DBUS_SYSTEM_BUS_ADDRESS */
  readonly address: string;
  /** the dbus-daemon process */
  readonly pid: number;
  /** stops the daemon and removes its directory; resolves once it is gone */
  stop(): Promise<void>;
}

export class DbusDaemonMissingError extends Error {
  override readonly name = 'DbusDaemonMissingError';
}

/** The dbus-daemon on PATH; a clear error naming the fix when there is none. */
export function dbusDaemonBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v dbus-daemon'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new DbusDaemonMissingError('dbus-daemon not found on PATH: run tools/setup.sh (it installs Debian\'s dbus package)');
  }
  return path;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function config(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=${xmlEscape(socket)}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;
}

/** The watchdog: prints the daemon's pid, then waits for end of input and stops it. */
const WATCHDOG = [
  'dbus-daemon --nofork --nopidfile --config-file="$1" --print-address=1 </dev/null &',
  'd=$!',
  'echo "PID $d"',
  'read -r _',
  'kill "$d" 2>/dev/null',
  'wait "$d"',
].join('\n');

/** Starts a private bus; resolves when the daemon announced its address. */
export async function startPrivateBus(readyTimeoutMs = 5000): Promise<PrivateBus> {
  dbusDaemonBinary();
  const dir = mkdtempSync(join(tmpdir(), 'synergy-dbus-'));
  const socket = join(dir, 'bus');
  const configPath = join(dir, 'bus.conf');
  writeFileSync(configPath, config(socket));
  const shell = spawn('sh', ['-c', WATCHDOG, 'sh', configPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  shell.on('error', () => undefined); // reported as the missing address below
  let stderr = '';
  shell.stderr!.setEncoding('utf8');
  shell.stderr!.on('data', (s: string) => {
    stderr = (stderr + s).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));
  let daemonPid = 0;
  const lines = createInterface({ input: shell.stdout! });
  const address = new Promise<string>((resolve, reject) => {
    let announced = '';
    lines.on('line', (line) => {
      const pid = /^PID (\d+)$/.exec(line);
      if (pid) daemonPid = Number(pid[1]);
      else if (line.startsWith('unix:')) announced = line.trim();
      if (announced !== '' && daemonPid > 0) resolve(announced);
    });
    void exited.then(() => reject(new Error(`dbus-daemon exited before announcing its address${stderr ? `: ${stderr.trim()}` : ''}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`dbus-daemon did not announce its address within ${readyTimeoutMs} ms${stderr ? `: ${stderr.trim()}` : ''}`)), readyTimeoutMs);
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      shell.stdin!.end();
      const grace = setTimeout(() => {
        if (daemonPid > 0 && processAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
        shell.kill('SIGKILL');
      }, 2000);
      await exited;
      clearTimeout(grace);
      if (daemonPid > 0 && processAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
      lines.close();
      rmSync(dir, { recursive: true, force: true });
    })());

  try {
    const addr = await Promise.race([address, timeout]);
    return { address: addr, pid: daemonPid, stop };
  } catch (e) {
    await stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
