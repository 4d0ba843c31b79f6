// A ByteLink over a serial port with serialport 13: DAPLink USB CDC ports of real boards and
// the pseudo-terminals of emulated boards take the same code path.

import { readSync, writeSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { ByteLinkBase, type ByteLink } from './byte-link.js';
import { heldHere, holdersText, portHolders } from './port-holders.js';

/** One direct read takes at most this much; a turn of the event loop reads at most READS_PER_TURN of them before it lets others run. */
const READ_CHUNK = 65536;
const READS_PER_TURN = 8;

/** How often, and how far apart, an open waits for this process's own closing link to let go. */
const HERE_ATTEMPTS = 20;
const HERE_RETRY_MS = 100;

/** The port is held by another process (its lock, or the device says busy). */
export class PortBusyError extends Error {
  override readonly name = 'PortBusyError';
}

/** What the serialport library and the kernel say when another process holds the port. */
const BUSY = /cannot lock port|resource temporarily unavailable|device or resource busy|EBUSY|EAGAIN/i;

export interface SerialLinkOptions {
  /** line rate for real UARTs; pseudo-terminals ignore it. Default 921600. */
  baudRate?: number;
  /** take an exclusive lock on the port (default true) so two hosts never share a board */
  lock?: boolean;
}

export class SerialLink extends ByteLinkBase implements ByteLink {
  readonly description: string;
  private closing = false;

  /** Where the binding gives a descriptor and its poller (Linux, macOS), reads go straight to it. */
  private readonly direct: { fd: number; poller: PollerLike } | null;
  private readonly readBuf = Buffer.allocUnsafe(READ_CHUNK);

  private constructor(private readonly port: SerialPort) {
    super();
    this.description = port.path;
    const fd = portFd(port);
    const poller = portPoller(port);
    this.direct = fd !== null && poller !== null ? { fd, poller } : null;
    if (this.direct) setImmediate(this.readReady);
    else port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    port.on('error', (err: Error) => {
      // Errors after open (read failures, a vanished device) end the link.
      this.reportClose({ reason: `serial port ${port.path} failed: ${err.message}`, disconnected: true, error: err });
      if (port.isOpen) port.close(() => undefined);
    });
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (this.closing) {
        this.reportClose({ reason: 'closed by the host', disconnected: false });
      } else {
        const why = err?.message ?? 'closed';
        this.reportClose({ reason: `serial port ${port.path} disconnected: ${why}`, disconnected: true, ...(err ? { error: err } : {}) });
      }
    });
  }

  /** Opens `path`; fails with an error naming the port and the reason (PortBusyError naming the process that holds it, where the system says). */
  static async open(path: string, opts: SerialLinkOptions = {}): Promise<SerialLink> {
    for (let attempt = 1; ; attempt++) {
      const port = new SerialPort({
        path,
        baudRate: opts.baudRate ?? 921600,
        autoOpen: false,
        lock: opts.lock ?? true,
      });
      const err = await new Promise<Error | null>((resolve) => port.open((e) => resolve(e ?? null)));
      if (!err) {
        guardPoller(port);
        return new SerialLink(port);
      }
      if (!BUSY.test(err.message)) throw new Error(`cannot open serial port ${path}: ${err.message}`);
      // A link of this process that is still closing holds the lock for a moment (a run that
      // ends as the next opens its boards): that one is waited for, another process's is not.
      if (attempt < HERE_ATTEMPTS && heldHere(path)) {
        await new Promise((r) => setTimeout(r, HERE_RETRY_MS));
        continue;
      }
      const holders = portHolders(path);
      if (holders.length === 0 && heldHere(path)) {
        throw new PortBusyError(`serial port ${path} is still held by a link of this process after ${(HERE_ATTEMPTS * HERE_RETRY_MS) / 1000} s`);
      }
      throw new PortBusyError(`serial port ${path} is in use by another process: ${holdersText(holders)}`);
    }
  }

  /**
   * Reads what the port holds without a trip through libuv's thread pool: serialport's own
   * reader sends every read there and back (a promise and a stream push per chunk), which was
   * the largest part of the host's CPU per message. The descriptor is non-blocking, so a read
   * takes what is there and EAGAIN means wait for the poller's next readable.
   */
  private readonly readReady = (err?: Error | null): void => {
    const d = this.direct;
    if (!d || !this.isOpen) return;
    if (err) {
      // The poller is cancelled when the port closes; any other error ends the link.
      if ((err as Error & { canceled?: boolean }).canceled) return;
      this.readFailed(err);
      return;
    }
    for (let i = 0; i < READS_PER_TURN; i++) {
      let n: number;
      try {
        n = readSync(d.fd, this.readBuf, 0, READ_CHUNK, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EINTR') continue;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') break;
        this.readFailed(e as Error);
        return;
      }
      if (n === 0) break;
      // The chunk is the listener's to keep; the read buffer is not.
      this.emit('data', Buffer.from(this.readBuf.subarray(0, n)));
      if (!this.isOpen) return;
      if (n < READ_CHUNK) break;
    }
    d.poller.once('readable', this.readReady);
  };

  /** A read that fails (EIO when an emulator's side of the pseudo-terminal closes, ENXIO when a USB board goes) ends the link. */
  private readFailed(err: Error): void {
    this.reportClose({ reason: `serial port ${this.port.path} disconnected: ${err.message}`, disconnected: true, error: err });
    if (this.port.isOpen) this.port.close(() => undefined);
  }

  get isOpen(): boolean {
    return this.port.isOpen && this.closeInfo === undefined;
  }

  /**
   * Queues bytes; the writes of one turn of the event loop go to the port as one write (each
   * port write is a system call through libuv's thread pool, the host's largest cost per
   * message): every promise of the batch settles with it.
   */
  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(new Error(`serial port ${this.description} is closed`));
    return new Promise((resolve, reject) => {
      const first = this.batch.length === 0;
      this.batch.push({ bytes, resolve, reject });
      if (first) setImmediate(this.flush);
    });
  }

  private batch: { bytes: Uint8Array; resolve: () => void; reject: (e: Error) => void }[] = [];

  /** port writes still under way: a direct write must not overtake them */
  private queuedWrites = 0;

  private readonly flush = (): void => {
    const batch = this.batch;
    this.batch = [];
    const fail = (why: string): void => {
      for (const w of batch) w.reject(new Error(`write to ${this.description} failed: ${why}`));
    };
    if (!this.isOpen) {
      for (const w of batch) w.reject(new Error(`serial port ${this.description} is closed`));
      return;
    }
    const one = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((w) => w.bytes));
    let rest = Buffer.from(one.buffer, one.byteOffset, one.byteLength);
    // The port is non-blocking: a direct write takes what the kernel's buffer has room for at
    // once, with no trip through libuv's thread pool; what does not fit goes the port's way.
    const fd = this.queuedWrites === 0 ? portFd(this.port) : null;
    if (fd !== null) {
      try {
        rest = rest.subarray(writeSync(fd, rest));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') {
          fail((e as Error).message);
          return;
        }
      }
      if (rest.length === 0) {
        for (const w of batch) w.resolve();
        return;
      }
    }
    this.queuedWrites++;
    this.port.write(rest, (err) => {
      this.queuedWrites--;
      if (err) fail(err.message);
      else for (const w of batch) w.resolve();
    });
  };

  close(): Promise<void> {
    if (this.closeInfo !== undefined || !this.port.isOpen) {
      this.reportClose({ reason: 'closed by the host', disconnected: false });
      return Promise.resolve();
    }
    this.closing = true;
    return new Promise((resolve) => {
      this.port.close(() => {
        this.reportClose({ reason: 'closed by the host', disconnected: false });
        resolve();
      });
    });
  }
}

/** What serialport's Linux binding keeps: one poller per port for readable, writable and disconnect. */
interface PollerLike {
  once(event: string, listener: (err: Error | null) => void): unknown;
  emit(event: string, err: Error | null): boolean;
  listenerCount(event: string): number;
  poll(flag?: number): void;
}

/** The binding's event flags (libuv's UV_READABLE, UV_WRITABLE, UV_DISCONNECT). */
const POLL_FLAGS: ReadonlyArray<[event: string, flag: number]> = [
  ['readable', 1],
  ['writable', 2],
  ['disconnect', 4],
];

/** How long a write blocked by a full port buffer waits for the kernel's wake-up before it retries. */
export const WRITABLE_RETRY_MS = 10;

/**
 * Two repairs to serialport 13's Linux poller, both needed for a link busy in both directions:
 *
 * - The native poller restarts libuv's poll with only the event just asked for, so a write
 *   that meets a full buffer while a read waits drops the read's wait (and a read waiting
 *   drops a blocked write's). The host then stops reading while the board, whose transmit
 *   buffer the host no longer empties, stops reading too: both wait for ever. Seen here as an
 *   emulated earbud streaming segmentation maps that went silent for 11 s and was declared
 *   lost. So every poll asks for the events someone still waits for as well.
 * - A blocked write also retries on a short timer (a retry that meets EAGAIN just waits once
 *   more, so nothing is written twice and nothing waits for ever).
 */
function guardPoller(port: SerialPort): void {
  const poller = portPoller(port);
  if (!poller || typeof poller.emit !== 'function' || typeof poller.poll !== 'function') return;
  const poll = poller.poll.bind(poller);
  poller.poll = (flag = 0): void => {
    let want = flag;
    for (const [event, bit] of POLL_FLAGS) if (poller.listenerCount(event) > 0) want |= bit;
    poll(want);
  };
  const once = poller.once.bind(poller);
  poller.once = (event: string, listener: (err: Error | null) => void): unknown => {
    const result = once(event, listener);
    if (event === 'writable') {
      const timer = setTimeout(() => {
        if (poller.listenerCount('writable') > 0) poller.emit('writable', null);
      }, WRITABLE_RETRY_MS);
      timer.unref();
    }
    return result;
  };
}

/** The binding's poller where it has one (Linux, macOS), else null. */
function portPoller(port: SerialPort): PollerLike | null {
  const poller = (port as unknown as { port?: { poller?: PollerLike } }).port?.poller;
  return poller && typeof poller.once === 'function' ? poller : null;
}

/** The port's file descriptor where serialport's binding has one (Linux, macOS), else null. */
function portFd(port: SerialPort): number | null {
  const fd = (port as unknown as { port?: { fd?: unknown } }).port?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
