// The agent's WebSocket server (docs/remote.md): `/` lists the boards, `/<board>` leases one
// and carries its link bytes. Every connection is authenticated before anything else happens
// (an `Authorization: Bearer` header at the upgrade, or an `auth` message first); failures are
// counted per client address and an address with too many waits. Messages above
// MAX_MESSAGE_BYTES close the connection (1009, "Max payload size exceeded").

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { AuthLimiter, type AuthLimiterOptions } from './auth-limiter.js';
import { truncate, type AgentBoard } from './agent-board.js';
import { bearerToken, tokenMatches } from './token.js';
import { AUTH_TIMEOUT_MS, BOARD_NAME, CLOSE, MAX_MESSAGE_BYTES, parseClientMessage, type AgentMessage } from '../link/agent-wire.js';

export interface AgentServerOptions {
  host: string;
  port: number;
  /** null: no token (loopback only; the caller checks) */
  token: string | null;
  boards: readonly AgentBoard[];
  /** what happens, for the operator (never a token) */
  log: (line: string) => void;
  limiter?: AuthLimiterOptions;
}

export interface AgentServer {
  /** ws://host:port */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(socket: WebSocket, msg: AgentMessage): void {
  socket.send(JSON.stringify(msg));
}

function refuseUpgrade(socket: Duplex, status: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const limiter = new AuthLimiter(opts.limiter);
  const boards = new Map(opts.boards.map((b) => [b.name, b]));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const http: Server = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' }).end('a synergy agent: connect with a WebSocket client\n');
  });

  const serveControl = (socket: WebSocket): void => {
    send(socket, { type: 'boards', boards: opts.boards.map((b) => b.facts) });
    socket.on('message', (data, isBinary) => {
      const msg = isBinary ? null : parseClientMessage(data.toString());
      if (msg?.type === 'ping') send(socket, { type: 'pong', t: msg.t });
      else if (msg?.type !== 'heartbeat') socket.close(CLOSE.badMessage, 'the board list takes ping and heartbeat messages only');
    });
  };

  const serveBoard = async (socket: WebSocket, name: string, client: string): Promise<void> => {
    const board = boards.get(name);
    if (!board) {
      socket.close(CLOSE.noSuchBoard, truncate(`no board ${name} on this agent (boards: ${[...boards.keys()].join(', ')})`));
      return;
    }
    const busy = board.busy();
    if (busy) {
      opts.log(`client ${client}: ${busy}`);
      socket.close(CLOSE.leased, truncate(busy));
      return;
    }
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        board.toBoard(socket, bytesOf(data));
        return;
      }
      const msg = parseClientMessage(data.toString());
      if (msg?.type === 'heartbeat') board.heartbeat(socket);
      else if (msg?.type === 'ping') send(socket, { type: 'pong', t: msg.t });
      else socket.close(CLOSE.badMessage, 'text messages on a board are heartbeat or ping');
    });
    socket.on('close', (code) => void board.release(socket, `connection closed (${code})`));
    try {
      await board.take(socket, client);
    } catch (e) {
      socket.close(CLOSE.cannotOpen, truncate(`cannot open board ${name}: ${(e as Error).message}`));
      return;
    }
    if (socket.readyState !== socket.OPEN) {
      await board.release(socket, 'the client left while the board opened');
      return;
    }
    opts.log(`client ${client}: leased ${name}`);
    send(socket, { type: 'leased', board: name, lease_ms: board.leaseMs });
  };

  const authenticated = (socket: WebSocket, path: string, client: string): void => {
    if (path === '/') serveControl(socket);
    else void serveBoard(socket, decodeURIComponent(path.slice(1)), client);
  };

  /** No header: the first message must be the token, within AUTH_TIMEOUT_MS. */
  const awaitAuthMessage = (socket: WebSocket, path: string, client: string): void => {
    const timer = setTimeout(() => {
      limiter.failed(client);
      opts.log(`client ${client} refused: no token within ${AUTH_TIMEOUT_MS} ms`);
      socket.close(CLOSE.unauthorized, `unauthorized: no token within ${AUTH_TIMEOUT_MS} ms`);
    }, AUTH_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer)); // a client that leaves has not failed
    socket.once('message', (data, isBinary) => {
      clearTimeout(timer);
      const msg = isBinary ? null : parseClientMessage(data.toString());
      if (msg?.type === 'auth' && opts.token !== null && tokenMatches(msg.token, opts.token)) {
        limiter.succeeded(client);
        authenticated(socket, path, client);
        return;
      }
      limiter.failed(client);
      opts.log(`client ${client} refused: wrong token`);
      socket.close(CLOSE.unauthorized, 'unauthorized: wrong token');
    });
  };

  http.on('upgrade', (req: IncomingMessage, sock: Duplex, head: Buffer) => {
    const client = req.socket.remoteAddress ?? 'unknown';
    sock.on('error', () => undefined);
    const wait = limiter.blockedFor(client);
    if (wait > 0) {
      opts.log(`client ${client} refused: too many failed tokens (retry in ${Math.ceil(wait / 1000)} s)`);
      refuseUpgrade(sock, '429 Too Many Requests', `Retry-After: ${Math.ceil(wait / 1000)}\r\n`);
      return;
    }
    const path = new URL(req.url ?? '/', 'ws://agent').pathname;
    if (path !== '/' && !BOARD_NAME.test(decodeURIComponent(path.slice(1)))) {
      refuseUpgrade(sock, '404 Not Found');
      return;
    }
    const given = bearerToken(req.headers.authorization);
    let ok = opts.token === null;
    if (!ok && given !== null) {
      if (!tokenMatches(given, opts.token!)) {
        limiter.failed(client);
        opts.log(`client ${client} refused: wrong token`);
        refuseUpgrade(sock, '401 Unauthorized');
        return;
      }
      limiter.succeeded(client);
      ok = true;
    }
    wss.handleUpgrade(req, sock, head, (socket) => {
      socket.on('error', (e) => opts.log(`client ${client}: ${e.message}`));
      if (ok) authenticated(socket, path, client);
      else awaitAuthMessage(socket, path, client);
    });
  });

  const sweepMs = 100;
  const sweep = setInterval(() => opts.boards.forEach((b) => b.expireIfDue()), sweepMs);
  await new Promise<void>((resolve, reject) => {
    http.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${opts.host}:${opts.port}: ${e.code ?? e.message}`)));
    http.listen(opts.port, opts.host, () => resolve());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const hostText = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `ws://${hostText}:${port}`,
    port,
    async close() {
      clearInterval(sweep);
      await Promise.allSettled(opts.boards.map((b) => b.stop()));
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
