// The parts of remote desks that need no process: ws devices in desk files, the rate a round
// trip leaves a link, the telnet decoder across chunk boundaries, token checks and the limiter
// of failed tokens, the agent's --listen address.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthLimiter } from '../../host/agent/auth-limiter.js';
import { REFERENCE_MESSAGE_BYTES, remoteRate } from '../../host/runtime/remote-desk.js';
import { bearerToken, readTokenFile, tokenMatches } from '../../host/agent/token.js';
import { parseClientMessage } from '../../host/link/agent-wire.js';
import { isLoopback, parseListen } from '../../host/cli/commands/agent.js';
import { escapeIac, IAC, SB, SE, subnegotiation, TelnetDecoder, WILL } from '../../host/link/telnet.js';
import { parseRfc2217 } from '../../host/link/rfc2217-link.js';
import { parseDesk } from '../../host/space/desk-spec.js';

const DESK = (link: string): string => `desk: d\ndevices:\n  - name: far\n    chip: max78000\n    link: ${link}\n`;

describe('ws devices in a desk file', () => {
  it('take a url; the rate stands in until the agent is asked', () => {
    const d = parseDesk(DESK('{kind: ws, url: ws://lab-3:7260/agent-1}'), 'desk.yaml');
    expect('devices' in d && d.devices[0]!.link).toEqual({ kind: 'emulated', rateBps: 921600, location: 'ws://lab-3:7260/agent-1', rateFromLink: true });
  });
  it('refuse a url that names no board, and a url on another kind, by line', () => {
    expect(() => parseDesk(DESK('{kind: ws, url: ws://lab-3:7260}'), 'desk.yaml')).toThrow(/desk\.yaml:5.*is not ws:\/\/HOST:PORT\/BOARD/);
    expect(() => parseDesk(DESK('{kind: ws}'), 'desk.yaml')).toThrow(/url/);
    expect(() => parseDesk(DESK('{kind: usb-serial, rate_bps: 921600, url: ws://a:1/b}'), 'desk.yaml')).toThrow(/a url is for a board an agent serves/);
  });
});

describe('remoteRate', () => {
  it('is the wire rate when the round trip is 0, lower as it grows, finite for an unpaced board', () => {
    expect(remoteRate(921600, 0)).toBe(921600);
    expect(remoteRate(921600, 10)).toBeLessThan(remoteRate(921600, 1));
    // A reference message: its wire time plus half the round trip.
    expect(remoteRate(921600, 20)).toBe(Math.round((REFERENCE_MESSAGE_BYTES * 10) / ((REFERENCE_MESSAGE_BYTES * 10) / 921600 + 0.01)));
    expect(remoteRate(0, 2)).toBe(Math.round((REFERENCE_MESSAGE_BYTES * 10) / 0.001));
  });
});

describe('the telnet decoder', () => {
  it('unescapes IAC IAC and takes commands and subnegotiations split across chunks', () => {
    const data: number[] = [];
    const cmds: string[] = [];
    const subs: number[][] = [];
    const d = new TelnetDecoder({ data: (b) => data.push(...b), negotiate: (c, o) => cmds.push(`${c}:${o}`), subnegotiation: (b) => subs.push([...b]), error: (w) => cmds.push(w) });
    const stream = Uint8Array.of(1, IAC, IAC, 2, IAC, WILL, 44, 3, ...subnegotiation(44, Uint8Array.of(101, 0, 1, 0xc2, 0)), 4, ...escapeIac(Uint8Array.of(IAC, 0)));
    for (const b of stream) d.push(Uint8Array.of(b)); // one byte at a time: every split point
    expect(data).toEqual([1, IAC, 2, 3, 4, IAC, 0]);
    expect(cmds).toEqual([`${WILL}:44`]);
    expect(subs).toEqual([[44, 101, 0, 1, 0xc2, 0]]);
  });
  it('escapes 255 in subnegotiation values', () => {
    expect([...subnegotiation(44, Uint8Array.of(1, 0, 0, 0xff, 0xff))]).toEqual([IAC, SB, 44, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, IAC, SE]);
  });
  it('refuses an endless subnegotiation instead of growing', () => {
    const errors: string[] = [];
    const d = new TelnetDecoder({ data: () => undefined, negotiate: () => undefined, subnegotiation: () => undefined, error: (w) => errors.push(w) });
    d.push(Uint8Array.of(IAC, SB, ...new Uint8Array(300)));
    expect(errors[0]).toMatch(/longer than 256 bytes/);
  });
});

describe('tokens', () => {
  it('match only the same string; a bearer header gives the token', () => {
    expect(tokenMatches('a'.repeat(20), 'a'.repeat(20))).toBe(true);
    expect(tokenMatches('a'.repeat(20), 'a'.repeat(21))).toBe(false);
    expect(tokenMatches('', 'a'.repeat(20))).toBe(false);
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(parseClientMessage('{"type":"auth","token":"x"}')).toEqual({ type: 'auth', token: 'x' });
    expect(parseClientMessage('[1]')).toBeNull();
  });
  it('come from a file; errors name the file, never its content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synergy-token-'));
    try {
      writeFileSync(join(dir, 'ok'), 'a-long-enough-secret-token\n');
      expect(readTokenFile(join(dir, 'ok'))).toBe('a-long-enough-secret-token');
      writeFileSync(join(dir, 'short'), 'tiny');
      expect(() => readTokenFile(join(dir, 'short'))).toThrow(/short: the token must be at least 16 characters/);
      expect(() => readTokenFile(join(dir, 'short'))).not.toThrow(/tiny/);
      expect(() => readTokenFile(join(dir, 'none'))).toThrow(/none: cannot read: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('failures block an address after five in the window, for the block time, others untouched', () => {
    const l = new AuthLimiter({ maxFailures: 5, windowMs: 1000, blockMs: 5000 });
    for (let i = 0; i < 4; i++) l.failed('10.0.0.1', 100 * i);
    expect(l.blockedFor('10.0.0.1', 400)).toBe(0);
    l.failed('10.0.0.1', 450);
    expect(l.blockedFor('10.0.0.1', 500)).toBe(4950);
    expect(l.blockedFor('10.0.0.2', 500)).toBe(0);
    expect(l.blockedFor('10.0.0.1', 5451)).toBe(0);
  });
  it('the limiter remembers a bounded number of addresses', () => {
    const l = new AuthLimiter({ maxFailures: 1, maxAddresses: 3 });
    for (const a of ['a', 'b', 'c', 'd']) l.failed(a, 0);
    expect(l.blockedFor('a', 1)).toBe(0); // forgotten: the oldest went first
    expect(l.blockedFor('d', 1)).toBeGreaterThan(0);
  });
});

describe('locations and addresses', () => {
  it('--listen takes HOST:PORT and [V6]:PORT; loopback is 127/8, ::1 and localhost', () => {
    expect(parseListen('127.0.0.1:7260')).toEqual({ host: '127.0.0.1', port: 7260 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('7260')).toThrow(/expected HOST:PORT/);
    expect(() => parseListen('a:70000')).toThrow(/expected HOST:PORT/);
    expect(['127.0.0.2', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.1.2.3', '::', 'lab-3'].some(isLoopback)).toBe(false);
  });
  it('rfc2217:// gives host, port and an optional baud', () => {
    expect(parseRfc2217('rfc2217://lab-3:2000')).toEqual({ host: 'lab-3', port: 2000, baud: null });
    expect(parseRfc2217('rfc2217://[::1]:2000?baud=115200')).toEqual({ host: '::1', port: 2000, baud: 115200 });
    expect(() => parseRfc2217('rfc2217://lab-3:2000?baud=fast')).toThrow(/baud must be a whole number/);
  });
});
