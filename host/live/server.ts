// The live view's server, in the run's own process: plain HTTP for the static page
// (host/live/page) and a WebSocket at /ws that pushes the run's messages to every page open.
// It only sends: what a page sends is ignored (and bounded). Requests must name a loopback host,
// so a web page elsewhere cannot reach it through a rebound DNS name.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { repoRoot } from '../link/repo-root.js';
import { isLoopback, liveUrl, type LiveAddress } from './address.js';
import type { LiveMessage } from './messages.js';
import { ReplayLog } from './replay.js';

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/live.js': { file: 'live.js', type: 'text/javascript; charset=utf-8' },
  '/live.css': { file: 'live.css', type: 'text/css; charset=utf-8' },
};
const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
};
/** a page that cannot keep up is dropped rather than buffered without bound */
const MAX_BUFFERED = 4 * 1024 * 1024;
const CLOSE_WAIT_MS = 1000;

export class LiveServerError extends Error {
  override readonly name = 'LiveServerError';
}

export function pageDir(): string {
  return join(repoRoot(), 'host/live/page');
}

/** The hostname of a Host header (`127.0.0.1:8080`, `[::1]:8080`, `localhost`). */
function hostOf(header: string | undefined): string {
  if (!header) return '';
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  return m ? m[1]! : header.replace(/:\d+$/, '');
}

export class LiveServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  private readonly log = new ReplayLog();

  private constructor(
    private readonly http: Server,
    readonly url: string,
  ) {}

  /** Listens on `addr` (port 0: a free one); a LiveServerError says why it cannot. */
  static async start(addr: LiveAddress, dir = pageDir()): Promise<LiveServer> {
    const files = new Map<string, { body: Buffer; type: string }>();
    for (const [path, f] of Object.entries(PAGE_FILES)) {
      try {
        files.set(path, { body: readFileSync(join(dir, f.file)), type: f.type });
      } catch (e) {
        throw new LiveServerError(`the live page's ${f.file} cannot be read from ${dir}: ${(e as Error).message}`);
      }
    }
    const http = createServer((req, res) => serveFile(files, req, res));
    await new Promise<void>((resolve, reject) => {
      http.once('error', (e: NodeJS.ErrnoException) =>
        reject(new LiveServerError(`cannot listen on ${addr.host}:${addr.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`)));
      http.listen(addr.port, addr.host, () => resolve());
    });
    const bound = http.address();
    const port = bound !== null && typeof bound === 'object' ? bound.port : addr.port;
    const server = new LiveServer(http, liveUrl(addr.host, port));
    http.on('upgrade', (req, socket, head) => server.upgrade(req, socket, head));
    return server;
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  /** Sends a message to every page open and keeps it for pages that open later. */
  publish(m: LiveMessage): void {
    const frame = JSON.stringify(m);
    this.log.add(m.type, frame);
    for (const ws of this.wss.clients) this.send(ws, frame);
  }

  /** Closes the pages' sockets (they keep what they show) and stops listening. */
  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.close(1001, 'the run ended');
    // A page that does not answer the closing handshake soon is cut off: the run's exit waits for none.
    const closed = new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const late = setTimeout(() => {
      for (const ws of this.wss.clients) ws.terminate();
    }, CLOSE_WAIT_MS);
    await closed;
    clearTimeout(late);
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private send(ws: WebSocket, frame: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.terminate();
      return;
    }
    ws.send(frame);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const host = req.headers.host;
    const origin = req.headers.origin;
    const refuse = (code: number, why: string): void => {
      socket.end(`HTTP/1.1 ${code} ${why}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ws') return refuse(404, 'Not Found');
    if (!isLoopback(hostOf(host))) return refuse(403, 'Forbidden');
    // A browser names the page that opens the socket: only this server's own page may.
    if (origin !== undefined && origin !== `http://${host}`) return refuse(403, 'Forbidden');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      ws.on('message', () => undefined); // the view only listens
      for (const frame of this.log.frames()) this.send(ws, frame);
    });
  }
}

function serveFile(files: ReadonlyMap<string, { body: Buffer; type: string }>, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const f = files.get(path);
  const status = !isLoopback(hostOf(req.headers.host)) ? 403 : req.method !== 'GET' && req.method !== 'HEAD' ? 405 : f ? 200 : 404;
  if (status !== 200) {
    res.writeHead(status, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end(`${status}\n`);
    return;
  }
  res.writeHead(200, { ...HEADERS, 'content-type': f!.type, 'content-length': f!.body.length });
  res.end(req.method === 'HEAD' ? undefined : f!.body);
}
