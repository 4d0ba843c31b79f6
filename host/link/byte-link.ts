// The one thing the protocol sees of a transport: a byte stream with write, data and close.
// Serial ports, pseudo-terminals to emulated boards, BLE characteristic pairs and WebSocket
// agents all implement it; framing, CRCs and requests are the session's business.

import { EventEmitter } from 'node:events';

export interface LinkCloseInfo {
  /** why the link closed, in words ("closed by the host", "device disconnected: ...") */
  reason: string;
  /** true when the other end went away (unplugged, process died) rather than close() */
  disconnected: boolean;
  error?: Error;
}

export interface ByteLinkEvents {
  /** bytes as they arrived; the chunk is the listener's to keep */
  data: [chunk: Uint8Array];
  /** the link closed, once */
  close: [info: LinkCloseInfo];
}

/**
 * What a link carries, as measured when it was opened (host/board/link-profile.ts): the rate the
 * session's deadlines and the planner's link costs use instead of the hello's UART baud.
 */
export interface LinkProfile {
  /** wire bytes per second: each way (full duplex) or both ways together (half duplex) */
  bytesPerSec: number;
  /** a small request's round trip, ms (the board's time included) */
  latencyMs: number;
  duplex: 'full' | 'half';
  /** measured by a ping burst, or the hello's baud (a UART the host sets) with a measured latency */
  source: 'measured' | 'hello';
}

export interface ByteLink {
  /** a human name for error messages and listings: a port path, a BLE address, a URL */
  readonly description: string;
  /** set once the link's rate and latency were measured (openBoard with a profile) */
  profile?: LinkProfile;
  readonly isOpen: boolean;
  /** queues bytes in order; resolves when the transport took them, rejects if it cannot */
  write(bytes: Uint8Array): Promise<void>;
  on<E extends keyof ByteLinkEvents>(event: E, listener: (...args: ByteLinkEvents[E]) => void): this;
  off<E extends keyof ByteLinkEvents>(event: E, listener: (...args: ByteLinkEvents[E]) => void): this;
  /** closes the link; resolves once it is closed (and 'close' was emitted) */
  close(): Promise<void>;
}

/** Base for links: typed events and a close that is reported exactly once. */
export abstract class ByteLinkBase extends EventEmitter<ByteLinkEvents> {
  private closedInfo: LinkCloseInfo | undefined;

  protected reportClose(info: LinkCloseInfo): void {
    if (this.closedInfo !== undefined) return;
    this.closedInfo = info;
    this.emit('close', info);
  }

  /** how the link closed, or undefined while open */
  get closeInfo(): LinkCloseInfo | undefined {
    return this.closedInfo;
  }
}
