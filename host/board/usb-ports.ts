// USB serial ports and their USB identity (vendor, product, serial number). On Linux they are
// read from sysfs, which needs nothing else; serialport's SerialPort.list() spawns udevadm
// there and crashes the process with an unhandled spawn error when udevadm is missing, so it
// is only asked where udevadm exists (and on other systems, where it does not need it).

import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findOnPath } from '../link/find-on-path.js';
import { SerialPort } from 'serialport';

export interface UsbSerialPort {
  /** device path, e.g. /dev/ttyACM0 */
  path: string;
  /** USB vendor id, 4 lower-case hex digits */
  vendorId: string;
  /** USB product id, 4 lower-case hex digits */
  productId: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
}

/** DAPLink (MAX32625PICO on the MAX78000FTHR): the USB identity of a real board. */
export const DAPLINK_VID = '0d28';
export const DAPLINK_PID = '0204';

/**
 * The rate a real board's UART runs at unless the firmware was built for another
 * (firmware/max78000.mk FTHR_UART_BAUD): the DAPLink's default. $SYNERGY_BAUD overrides it for
 * every real board.
 */
export const FTHR_DEFAULT_BAUD = 115_200;

export function realBoardBaud(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env['SYNERGY_BAUD']);
  return Number.isInteger(v) && v > 0 ? v : FTHR_DEFAULT_BAUD;
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
}

/** USB serial ports found in sysfs (`/sys/class/tty/<name>/device` up to the USB device). */
export function usbPortsFromSysfs(sysRoot = '/sys', devRoot = '/dev'): UsbSerialPort[] {
  const classDir = join(sysRoot, 'class/tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const ports: UsbSerialPort[] = [];
  for (const name of names.sort()) {
    let dir: string;
    try {
      dir = realpathSync(join(classDir, name, 'device'));
    } catch {
      continue; // virtual terminals have no device
    }
    // ttyACM: device is the USB interface, its parent the USB device. ttyUSB: one level more.
    for (let up = 0; up < 4 && dir.length > 1; up++, dir = dirname(dir)) {
      const vendorId = readAttr(dir, 'idVendor');
      const productId = readAttr(dir, 'idProduct');
      if (vendorId === undefined || productId === undefined) continue;
      const port: UsbSerialPort = { path: join(devRoot, name), vendorId: vendorId.toLowerCase(), productId: productId.toLowerCase() };
      const serialNumber = readAttr(dir, 'serial');
      const manufacturer = readAttr(dir, 'manufacturer');
      const product = readAttr(dir, 'product');
      if (serialNumber !== undefined) port.serialNumber = serialNumber;
      if (manufacturer !== undefined) port.manufacturer = manufacturer;
      if (product !== undefined) port.product = product;
      ports.push(port);
      break;
    }
  }
  return ports;
}

/** True when an executable called `name` is on PATH. */
export function onPath(name: string, path = process.env['PATH'] ?? ''): boolean {
  return findOnPath(name, path) !== undefined;
}

async function portsFromSerialPortList(): Promise<UsbSerialPort[]> {
  try {
    const list = await SerialPort.list();
    return list
      .filter((p) => p.vendorId !== undefined && p.productId !== undefined)
      .map((p) => {
        const port: UsbSerialPort = { path: p.path, vendorId: p.vendorId!.toLowerCase(), productId: p.productId!.toLowerCase() };
        if (p.serialNumber !== undefined) port.serialNumber = p.serialNumber;
        if (p.manufacturer !== undefined) port.manufacturer = p.manufacturer;
        return port;
      });
  } catch {
    return [];
  }
}

/** Every USB serial port this machine shows, sysfs first. */
export async function listUsbSerialPorts(opts: { sysRoot?: string } = {}): Promise<UsbSerialPort[]> {
  if (process.platform !== 'linux') return portsFromSerialPortList();
  const ports = usbPortsFromSysfs(opts.sysRoot);
  if (opts.sysRoot === undefined && onPath('udevadm')) {
    const known = new Set(ports.map((p) => p.path));
    for (const p of await portsFromSerialPortList()) if (!known.has(p.path)) ports.push(p);
  }
  return ports;
}

/** The DAPLink ports among them: real MAX78000FTHR boards. */
export function isDapLink(p: UsbSerialPort): boolean {
  return p.vendorId === DAPLINK_VID && p.productId === DAPLINK_PID;
}
