// Where the live view listens: `--live` alone is 127.0.0.1 on a free port; `--live HOST:PORT`
// names both. Only loopback addresses are accepted: the page and its WebSocket have no
// authentication, so the view stays on this machine (an SSH tunnel shows it elsewhere).

import { isIP } from 'node:net';

export interface LiveAddress {
  host: string;
  port: number;
}

export const DEFAULT_LIVE_ADDRESS: LiveAddress = { host: '127.0.0.1', port: 0 };

export class LiveAddressError extends Error {
  override readonly name = 'LiveAddressError';
}

/** Whether a host name or address is this machine's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.split('.')[0] === '127';
}

/** Whether `text` looks like HOST:PORT (so `--live 127.0.0.1:0` takes it and `--live app.yaml` does not). */
export function looksLikeAddress(text: string): boolean {
  return /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d+$/.test(text);
}

/** Parses `--live`'s value ("" = the default); a LiveAddressError names what is wrong. */
export function parseLiveAddress(text: string): LiveAddress {
  if (text === '') return DEFAULT_LIVE_ADDRESS;
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d+)$/.exec(text);
  if (!m) throw new LiveAddressError(`"${text}" is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:0)`);
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port > 65_535) throw new LiveAddressError(`"${text}": port ${m[3]} is not in 0..65535`);
  if (!isLoopback(host)) {
    throw new LiveAddressError(`"${text}": ${host} is not a loopback address; the live view has no authentication, so it listens on this machine only (127.0.0.1, ::1 or localhost)`);
  }
  return { host, port };
}

/** The page's URL for an address the server is bound to. */
export function liveUrl(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`;
}
