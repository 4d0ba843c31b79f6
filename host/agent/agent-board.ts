// One board the agent serves: its facts (from hello at start), its transcript, and its lease.
// A lease opens the board's port for one client and relays bytes both ways; it ends when the
// client leaves (the port is closed) or when its heartbeats stop (the board is reset with the
// protocol's reset request, then the port is closed), so the next client finds a board in a
// known state.

import type { WebSocket } from 'ws';
import { BoardSession } from '../board/session.js';
import type { ByteLink, LinkCloseInfo } from '../link/byte-link.js';
import type { Transcript } from './transcript.js';
import { processActivityMs, processStopped } from '../runtime/host-cpu.js';
import { ACTIVITY_MS, CLOSE, MAX_MESSAGE_BYTES, type AgentBoardFacts, type AgentMessage } from '../link/agent-wire.js';

/** Bytes from the board the agent holds for a client that does not read them, at most. */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** Opens the board's port (a serial port path, a pseudo-terminal). */
export type PortOpener = () => Promise<ByteLink>;

interface Lease {
  socket: WebSocket;
  link: ByteLink;
  client: string;
  lastHeartbeat: number;
  onData: (chunk: Uint8Array) => void;
  onClose: (info: LinkCloseInfo) => void;
  activity: NodeJS.Timeout | null;
}

export class AgentBoard {
  private lease: Lease | null = null;
  /** a lease that expired: the board is being reset */
  private resetting: Promise<void> | null = null;

  constructor(
    readonly facts: AgentBoardFacts,
    private readonly open: PortOpener,
    readonly transcript: Transcript,
    readonly leaseMs: number,
    /** the board's process, when the agent started it (its activity goes to the lease holder) */
    private readonly pid: number | null = null,
  ) {}

  get name(): string {
    return this.facts.name;
  }

  /** Why the board cannot be leased now, or null. */
  busy(): string | null {
    if (this.lease) return `board ${this.name} is leased by another client`;
    if (this.resetting) return `board ${this.name} is being reset after an expired lease`;
    return null;
  }

  /** Leases the board to `socket` and relays; the caller checked busy() first. */
  async take(socket: WebSocket, client: string): Promise<void> {
    const why = this.busy();
    if (why) throw new Error(why);
    const link = await this.open();
    const lease: Lease = {
      socket, link, client, lastHeartbeat: Date.now(),
      onData: (chunk) => {
        this.transcript.bytes('out', chunk);
        // A client that stops reading does not make the agent buffer without bound.
        if (socket.bufferedAmount > MAX_UNSENT_BYTES) {
          socket.close(CLOSE.notReading, `board ${this.name}: the client read nothing while ${MAX_UNSENT_BYTES} bytes waited for it`);
          return;
        }
        for (let at = 0; at < chunk.byteLength; at += MAX_MESSAGE_BYTES) socket.send(chunk.subarray(at, at + MAX_MESSAGE_BYTES), { binary: true });
      },
      onClose: (info) => {
        if (this.lease !== lease) return;
        this.transcript.note(`port closed: ${info.reason}`);
        this.lease = null;
        socket.close(CLOSE.boardGone, truncate(`board ${this.name} disconnected: ${info.reason}`));
      },
      activity: null,
    };
    const pid = this.pid;
    if (pid !== null) {
      lease.activity = setInterval(() => {
        const msg: AgentMessage = { type: 'activity', active_ms: processActivityMs(pid), stopped: processStopped(pid) };
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
      }, ACTIVITY_MS);
    }
    this.lease = lease;
    link.on('data', lease.onData);
    link.on('close', lease.onClose);
    this.transcript.note(`leased to ${client}`);
  }

  /** Bytes from the lease holder to the board. */
  toBoard(socket: WebSocket, bytes: Uint8Array): void {
    const lease = this.lease;
    if (!lease || lease.socket !== socket) return;
    lease.lastHeartbeat = Date.now(); // bytes are a sign of life too
    this.transcript.bytes('in', bytes);
    lease.link.write(bytes).catch((e: Error) => this.transcript.note(`write failed: ${e.message}`));
  }

  heartbeat(socket: WebSocket): void {
    if (this.lease?.socket === socket) this.lease.lastHeartbeat = Date.now();
  }

  /** The client left: the port closes, the board is free. */
  async release(socket: WebSocket, why: string): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.socket !== socket) return;
    this.lease = null;
    this.detach(lease);
    this.transcript.note(`released by ${lease.client}: ${why}`);
    await lease.link.close().catch(() => undefined);
  }

  /** Ends a lease whose heartbeats stopped: the client is told, the board reset, then freed. */
  expireIfDue(now = Date.now()): void {
    const lease = this.lease;
    if (!lease || now - lease.lastHeartbeat <= this.leaseMs) return;
    this.lease = null;
    this.detach(lease);
    this.transcript.note(`lease of ${lease.client} expired (no heartbeat for ${this.leaseMs} ms)`);
    lease.socket.close(CLOSE.leaseExpired, `lease of board ${this.name} expired (no heartbeat for ${this.leaseMs} ms)`);
    this.resetting = this.resetBoard(lease.link).finally(() => {
      this.resetting = null;
    });
  }

  private async resetBoard(link: ByteLink): Promise<void> {
    try {
      const session = await BoardSession.open(link, { helloTimeoutMs: 2000 });
      const hello = await session.reset({ timeoutMs: 5000 });
      this.transcript.note(`reset after the expired lease: new session ${hello.session}`);
      await session.close('reset after an expired lease');
    } catch (e) {
      this.transcript.note(`reset after the expired lease failed: ${(e as Error).message}`);
      await link.close().catch(() => undefined);
    }
  }

  /** The agent stops: the holder is told, the port closed. */
  async stop(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    if (lease) {
      this.detach(lease);
      lease.socket.close(CLOSE.agentStopping, 'agent stopping');
      await lease.link.close().catch(() => undefined);
    }
    await this.resetting;
    await this.transcript.close();
  }

  private detach(lease: Lease): void {
    if (lease.activity) clearInterval(lease.activity);
    lease.link.off('data', lease.onData);
    lease.link.off('close', lease.onClose);
  }
}

/** A close reason fits in 123 bytes (RFC 6455). */
export function truncate(reason: string): string {
  const b = Buffer.from(reason, 'utf8');
  return b.length <= 123 ? reason : `${b.subarray(0, 120).toString('utf8')}...`;
}
