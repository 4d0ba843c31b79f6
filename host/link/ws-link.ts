// A ByteLink to a board an agent serves (`ws://host:port/<board>`, docs/remote.md): binary
// WebSocket messages carry the link bytes both ways; text messages renew the lease (a heartbeat
// every HEARTBEAT_MS) and measure the round trip. The agent's close reason (a wrong token, a
// board leased by someone else) becomes the error of open() or the link's close reason.

import WebSocket from 'ws';
import { ByteLinkBase, type ByteLink } from './byte-link.js';
import { HEARTBEAT_MS, MAX_MESSAGE_BYTES, parseAgentMessage, type AgentMessage } from './agent-wire.js';
import { agentToken } from './agent-tokens.js';

export interface WsLinkOptions {
  /** the agent's token (default: the one remembered for the agent's origin) */
  token?: string | null;
  /** ms between heartbeats (0: none, and the lease expires; tests use it) */
  heartbeatMs?: number;
  /** how long to wait for the lease, ms (default 5000) */
  openTimeoutMs?: number;
}

/** Opens a WebSocket to an agent with its token and waits for the first agent message. */
export function connectAgent(url: string, token: string | null, timeoutMs: number): Promise<{ socket: WebSocket; first: AgentMessage }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      ...(token !== null ? { headers: { authorization: `Bearer ${token}` } } : {}),
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    const fail = (why: string): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      reject(new Error(`agent ${url}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('unexpected-response', (_req, res) => {
      const why: Record<number, string> = { 401: 'refused the token (401 Unauthorized)', 429: 'refused: too many failed tokens from this address (429), try later', 404: 'no such path (404)' };
      fail(why[res.statusCode ?? 0] ?? `refused the connection (HTTP ${res.statusCode})`);
    });
    socket.on('error', (e) => fail(e.message));
    socket.on('close', (code, reason) => fail(reason.length > 0 ? reason.toString() : `closed the connection (${code})`));
    socket.once('message', (data, isBinary) => {
      const msg = isBinary ? null : parseAgentMessage(data.toString());
      if (!msg) return fail('sent something that is not an agent message');
      clearTimeout(timer);
      socket.removeAllListeners();
      resolve({ socket, first: msg });
    });
  });
}

/** What the agent last said about the board's process (AgentMessage 'activity'). */
export interface RemoteActivity {
  activeMs: number | null;
  stopped: boolean | null;
}

export class WsLink extends ByteLinkBase implements ByteLink {
  private closing = false;
  private activity: RemoteActivity | null = null;
  private readonly heartbeat: NodeJS.Timeout | null;

  private constructor(
    readonly description: string,
    private readonly socket: WebSocket,
    heartbeatMs: number,
  ) {
    super();
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        // The link carries bytes only; of the text messages it keeps the board's activity.
        const msg = parseAgentMessage(data.toString());
        if (msg?.type === 'activity') this.activity = { activeMs: msg.active_ms, stopped: msg.stopped };
        return;
      }
      const chunk = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
      this.emit('data', new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on('error', () => undefined); // 'close' follows and says why
    socket.on('close', (code, reason) => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      if (this.closing) this.reportClose({ reason: 'closed by the host', disconnected: false });
      else this.reportClose({ reason: `agent link ${description} closed: ${reason.length > 0 ? reason.toString() : `code ${code}`}`, disconnected: true });
    });
    this.heartbeat = heartbeatMs > 0 ? setInterval(() => this.sendText('{"type":"heartbeat"}'), heartbeatMs) : null;
    this.heartbeat?.unref();
  }

  /** Leases the board at `url` (ws://host:port/<board>); the error names the agent and why. */
  static async open(url: string, opts: WsLinkOptions = {}): Promise<WsLink> {
    const token = opts.token === undefined ? agentToken(url) : opts.token;
    const { socket, first } = await connectAgent(url, token, opts.openTimeoutMs ?? 5000);
    if (first.type !== 'leased') {
      socket.terminate();
      throw new Error(`agent ${url}: answered ${first.type} where a lease was expected (is ${url} a board's URL?)`);
    }
    return new WsLink(url, socket, opts.heartbeatMs ?? HEARTBEAT_MS);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN && this.closeInfo === undefined;
  }

  /** The board's process as the agent last reported it; null until it reported (a board it did not start never does). */
  get boardActivity(): RemoteActivity | null {
    return this.activity;
  }

  private sendText(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(new Error(`agent link ${this.description} is closed`));
    const sends: Promise<void>[] = [];
    for (let at = 0; at < bytes.byteLength; at += MAX_MESSAGE_BYTES) {
      const part = bytes.subarray(at, at + MAX_MESSAGE_BYTES);
      sends.push(new Promise((resolve, reject) => {
        this.socket.send(part, { binary: true }, (err) => (err ? reject(new Error(`write to ${this.description} failed: ${err.message}`)) : resolve()));
      }));
    }
    return Promise.all(sends).then(() => undefined);
  }

  close(): Promise<void> {
    if (this.closeInfo !== undefined) return Promise.resolve();
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    return new Promise((resolve) => {
      this.once('close', () => resolve());
      this.socket.close(1000, 'released');
      // An agent that does not answer the close handshake is cut off.
      setTimeout(() => this.socket.terminate(), 1000).unref();
    });
  }
}
