// A ByteLink to a serial port a terminal server exports with RFC 2217 (ser2net's
// `telnet(rfc2217)` accepter, what labgrid's exporters run): `rfc2217://host:port[?baud=N]`.
// Telnet binary mode both ways (frames are binary: a CR must not become CR NUL), the
// COM-PORT-OPTION for the line rate (SET-BAUDRATE) and BREAK (SET-CONTROL 5/6); the server's
// answers (code + 100) confirm each command.

import { connect, type Socket } from 'node:net';
import { ByteLinkBase, type ByteLink } from './byte-link.js';
import { DO, DONT, escapeIac, IAC, subnegotiation, TelnetDecoder, WILL, WONT } from './telnet.js';

/** Telnet options we take both ways (binary, suppress-go-ahead, COM-PORT-OPTION); anything else is refused. */
const OPTION = { binary: 0, sga: 3, comPort: 44 } as const;
const OURS = new Set<number>(Object.values(OPTION));
/** COM-PORT-OPTION commands (client to server) and SET-CONTROL values; the server answers a command with code + 100. */
const COM_PORT = { setBaudrate: 1, setControl: 5, breakOn: 5, breakOff: 6 } as const;

export const RFC2217_DEFAULT_BAUD = 921_600;

export interface Rfc2217Options {
  baud?: number;
  /** ms to wait for the server's answers (default 3000) */
  timeoutMs?: number;
}

/** `rfc2217://host:port[?baud=N]` as host, port and baud; errors name the location. */
export function parseRfc2217(location: string): { host: string; port: number; baud: number | null } {
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    throw new Error(`${location}: not a location (expected rfc2217://HOST:PORT)`);
  }
  const port = Number(u.port);
  if (u.protocol !== 'rfc2217:' || u.hostname === '' || !Number.isInteger(port) || port < 1) {
    throw new Error(`${location}: expected rfc2217://HOST:PORT[?baud=N]`);
  }
  const b = u.searchParams.get('baud');
  const baud = b === null ? null : Number(b);
  if (baud !== null && (!Number.isInteger(baud) || baud < 1 || baud > 0xffff_ffff)) throw new Error(`${location}: baud must be a whole number of bits per second`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, baud };
}

interface Pending {
  code: number;
  resolve(value: Uint8Array): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class Rfc2217Link extends ByteLinkBase implements ByteLink {
  private closing = false;
  private readonly pending: Pending[] = [];
  private readonly sent = new Set<string>();
  private comPortAccepted = false;
  private readonly decoder: TelnetDecoder;

  private constructor(
    readonly description: string,
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    super();
    this.decoder = new TelnetDecoder({
      data: (bytes) => this.emit('data', bytes),
      negotiate: (command, option) => this.negotiate(command, option),
      subnegotiation: (bytes) => this.answer(bytes),
      error: (why) => this.socket.destroy(new Error(why)),
    });
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', (hadError) => {
      for (const p of this.pending.splice(0)) {
        clearTimeout(p.timer);
        p.reject(new Error(`${description} closed while waiting for the server's answer`));
      }
      if (this.closing) this.reportClose({ reason: 'closed by the host', disconnected: false });
      else this.reportClose({ reason: `${description} disconnected${hadError ? ' (socket error)' : ' (the server closed the connection)'}`, disconnected: true });
    });
    for (const o of OURS) {
      this.option(WILL, o);
      if (o !== OPTION.comPort) this.option(DO, o);
    }
  }

  /** Connects, negotiates, sets the line rate; resolves once the server confirmed it. */
  static async open(location: string, opts: Rfc2217Options = {}): Promise<Rfc2217Link> {
    const { host, port, baud } = parseRfc2217(location);
    const timeoutMs = opts.timeoutMs ?? 3000;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`${location}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(`${location}: cannot connect: ${e.code ?? e.message}`));
      });
    });
    const link = new Rfc2217Link(location, socket, timeoutMs);
    try {
      await link.setBaud(opts.baud ?? baud ?? RFC2217_DEFAULT_BAUD);
    } catch (e) {
      await link.close();
      throw e;
    }
    return link;
  }

  get isOpen(): boolean {
    return !this.socket.destroyed && this.closeInfo === undefined;
  }

  /** Whether the server agreed to COM-PORT-OPTION (its DO or WILL 44). */
  get comPortControl(): boolean {
    return this.comPortAccepted;
  }

  private option(command: number, option: number): void {
    const key = `${command}:${option}`;
    if (this.sent.has(key)) return; // answer each request once: no negotiation loops
    this.sent.add(key);
    this.socket.write(Uint8Array.of(IAC, command, option));
  }

  private negotiate(command: number, option: number): void {
    if (option === OPTION.comPort && (command === DO || command === WILL)) this.comPortAccepted = true;
    if (command === DO) this.option(OURS.has(option) ? WILL : WONT, option);
    else if (command === WILL) this.option(OURS.has(option) && option !== OPTION.comPort ? DO : DONT, option);
  }

  /** A COM-PORT-OPTION answer: the oldest request waiting for that code takes it. */
  private answer(bytes: Uint8Array): void {
    if (bytes[0] !== OPTION.comPort || bytes.length < 2) return;
    const i = this.pending.findIndex((p) => p.code === bytes[1]);
    if (i < 0) return; // NOTIFY-LINESTATE, NOTIFY-MODEMSTATE, SIGNATURE: nothing waits for them
    const [p] = this.pending.splice(i, 1);
    clearTimeout(p!.timer);
    p!.resolve(bytes.subarray(2));
  }

  private command(code: number, value: Uint8Array, what: string): Promise<Uint8Array> {
    if (!this.isOpen) return Promise.reject(new Error(`${this.description} is closed`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.pending.indexOf(p);
        if (i >= 0) this.pending.splice(i, 1);
        reject(new Error(`${this.description}: the server did not confirm ${what} within ${this.timeoutMs} ms (does it export the port with RFC 2217?)`));
      }, this.timeoutMs);
      const p: Pending = { code: code + 100, resolve, reject, timer };
      this.pending.push(p);
      this.socket.write(subnegotiation(OPTION.comPort, Uint8Array.of(code, ...value)));
    });
  }

  /** SET-BAUDRATE; resolves with the rate the server reports it set. */
  async setBaud(baud: number): Promise<number> {
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, baud);
    const got = await this.command(COM_PORT.setBaudrate, v, `baud rate ${baud}`);
    if (got.length !== 4) throw new Error(`${this.description}: the server's baud rate answer has ${got.length} bytes, not 4`);
    return new DataView(got.buffer, got.byteOffset, 4).getUint32(0);
  }

  /**
   * BREAK on for `ms`, then off (SET-CONTROL 5, 6); each waits for the server's answer, and the
   * states it reports are returned (ser2net reports the state it reads back, which a port that
   * cannot hold a break, such as a pseudo-terminal, may not change).
   */
  async sendBreak(ms = 100): Promise<{ on: number; off: number }> {
    const on = await this.command(COM_PORT.setControl, Uint8Array.of(COM_PORT.breakOn), 'BREAK on');
    await new Promise((r) => setTimeout(r, ms));
    const off = await this.command(COM_PORT.setControl, Uint8Array.of(COM_PORT.breakOff), 'BREAK off');
    if (on.length !== 1 || off.length !== 1) throw new Error(`${this.description}: the server's SET-CONTROL answer is not one byte`);
    return { on: on[0]!, off: off[0]! };
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(new Error(`${this.description} is closed`));
    return new Promise((resolve, reject) => {
      this.socket.write(escapeIac(bytes), (err) => (err ? reject(new Error(`write to ${this.description} failed: ${err.message}`)) : resolve()));
    });
  }

  close(): Promise<void> {
    if (this.closeInfo !== undefined) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      this.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }
}
