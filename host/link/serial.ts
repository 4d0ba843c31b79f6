// A ByteLink over a serial port with serialport 13: DAPLink USB CDC ports of real boards and
// the pseudo-terminals of emulated boards take the same code path.

import { SerialPort } from 'serialport';
import { ByteLinkBase, type ByteLink } from './byte-link.js';

export interface SerialLinkOptions {
  /** line rate for real UARTs; pseudo-terminals ignore it. Default 921600. */
  baudRate?: number;
  /** take an exclusive lock on the port (default true) so two hosts never share a board */
  lock?: boolean;
}

export class SerialLink extends ByteLinkBase implements ByteLink {
  readonly description: string;
  private closing = false;

  private constructor(private readonly port: SerialPort) {
    super();
    this.description = port.path;
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
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

  /** Opens `path`; fails with an error naming the port and the reason. */
  static async open(path: string, opts: SerialLinkOptions = {}): Promise<SerialLink> {
    const port = new SerialPort({
      path,
      baudRate: opts.baudRate ?? 921600,
      autoOpen: false,
      lock: opts.lock ?? true,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(new Error(`cannot open serial port ${path}: ${err.message}`)) : resolve()));
    });
    guardWritableWait(port);
    return new SerialLink(port);
  }

  get isOpen(): boolean {
    return this.port.isOpen && this.closeInfo === undefined;
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new Error(`serial port ${this.description} is closed`));
        return;
      }
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.port.write(buf, (err) => (err ? reject(new Error(`write to ${this.description} failed: ${err.message}`)) : resolve()));
    });
  }

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

/** What serialport's Linux binding keeps: a poller that emits 'writable' when a blocked write may go on. */
interface PollerLike {
  once(event: string, listener: (err: Error | null) => void): unknown;
  emit(event: string, err: Error | null): boolean;
  listenerCount(event: string): number;
}

/** How long a write blocked by a full port buffer waits for the kernel's wake-up before it retries. */
export const WRITABLE_RETRY_MS = 10;

/**
 * serialport writes until the kernel says EAGAIN, then waits for the port to become writable.
 * On Linux pseudo-terminals that wake-up can be lost (seen here: the emulator had read every
 * byte and waited for the rest of a frame while the host waited for POLLOUT, forever). So a
 * blocked write also retries on a short timer: a retry that meets EAGAIN again just waits once
 * more, so nothing is written twice and nothing waits for ever.
 */
function guardWritableWait(port: SerialPort): void {
  const poller = (port as unknown as { port?: { poller?: PollerLike } }).port?.poller;
  if (!poller || typeof poller.once !== 'function' || typeof poller.emit !== 'function') return;
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
