// `synergy agent` as a separate process serving two emulated boards: tokens (none, wrong,
// right; header or first message), exclusive leases, an expired lease resetting the board, the
// message size limit, transcripts, and a killed agent seen by its client at once.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openBoard } from '../../host/board/open.js';
import { listAgent } from '../../host/link/agent-client.js';
import { WsLink } from '../../host/link/ws-link.js';
import { rememberAgentToken } from '../../host/link/agent-tokens.js';
import { BoardSession } from '../../host/board/session.js';
import { ACTIVITY_MS, MAX_MESSAGE_BYTES } from '../../host/link/agent-wire.js';
import { taggedCli } from '../e2e/tagged-cli.js';
import { startAgent, type AgentProcess } from './agent-process.js';

const work = mkdtempSync(join(tmpdir(), 'synergy-agent-test-'));
const cli = taggedCli('synergy-agent-test', work, 30_000);
let agent: AgentProcess;

beforeAll(async () => {
  agent = await startAgent(cli, work, ['--emulated', '2', '--lease-ms', '600']);
}, 30_000);

afterAll(async () => {
  agent?.child.kill('SIGTERM');
  await agent?.done;
  rmSync(work, { recursive: true, force: true });
});

/** The close code and reason a raw client gets (or the HTTP status it is refused with); `hangUp`: it leaves after the first message. */
function rawClient(url: string, headers: Record<string, string>, first?: string | Uint8Array, hangUp = false): Promise<{ status?: number; code?: number; reason?: string; messages: string[] }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    const messages: string[] = [];
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode!, messages }));
    ws.on('error', () => undefined);
    ws.on('open', () => {
      if (first !== undefined) ws.send(first);
    });
    ws.on('message', (d, bin) => {
      messages.push(bin ? `binary ${(d as Buffer).length}` : d.toString());
      if (hangUp) ws.close();
    });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), messages }));
  });
}

const leaseLines = (): string => readdirSync(agent.transcripts).map((f) => readFileSync(join(agent.transcripts, f), 'utf8')).join('');

describe('synergy agent', () => {
  it('refuses to listen off loopback without a token (usage error, exit 2)', async () => {
    const r = await cli.synergy(['agent', '--listen', '0.0.0.0:0', '--emulated', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0\.0\.0\.0:0 is not a loopback address; give --token-file/);
    expect(cli.leftovers().filter((l) => l.includes('synergy-emu')).length).toBeLessThanOrEqual(2); // only the agent's own two
  });

  it('refuses clients without the token or with a wrong one before any board is touched', async () => {
    const board = `${agent.url}/${agent.boards[0]!.name}`;
    expect((await rawClient(board, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    const noToken = await rawClient(board, {});
    expect(noToken.code).toBe(4001);
    expect(noToken.reason).toMatch(/unauthorized: no token/);
    const wrongFirst = await rawClient(board, {}, JSON.stringify({ type: 'auth', token: 'x'.repeat(32) }));
    expect(wrongFirst.code).toBe(4001);
    expect(wrongFirst.reason).toBe('unauthorized: wrong token');
    await expect(WsLink.open(board, { token: 'y'.repeat(32) })).rejects.toThrow(/refused the token \(401 Unauthorized\)/);
    // Nothing reached a board: no lease, no bytes in any transcript.
    expect(leaseLines()).not.toMatch(/leased to| in \d/);
    // The right token as the first message works too (and lists the boards).
    const listed = await rawClient(`${agent.url}/`, {}, JSON.stringify({ type: 'auth', token: agent.token }), true);
    expect(JSON.parse(listed.messages[0]!)).toMatchObject({ type: 'boards' });
  }, 20_000);

  it('lists the boards with their hello facts and the round trip', async () => {
    rememberAgentToken(agent.url, agent.token);
    const l = await listAgent(agent.url);
    expect(l.boards.map((b) => b.name)).toEqual(['agent-1', 'agent-2']);
    expect(l.boards[0]).toMatchObject({ chip: 'max78000', transport: 'emulated', link_baud: 921600 });
    expect(l.boards[0]!.sensors.map((s) => s.kind)).toEqual(['camera', 'microphone']);
    expect(l.rttMs).toBeGreaterThan(0);
  });

  it('leases a board exclusively: a second client is refused by name; released, it is free again', async () => {
    rememberAgentToken(agent.url, agent.token);
    const url = `${agent.url}/agent-1`;
    const s = await openBoard(url);
    expect(s.hello.boardId).toBe('agent-1');
    expect((await s.ping(300)).body.length).toBe(300);
    await expect(openBoard(url)).rejects.toThrow(/board agent-1 is leased by another client/);
    // The lease holder hears how the board's process is doing (the run's board monitor uses it).
    await new Promise((r) => setTimeout(r, 3 * ACTIVITY_MS));
    const activity = (s.link as WsLink).boardActivity;
    expect(activity?.stopped).toBe(false);
    expect(activity?.activeMs).toBeGreaterThan(0);
    await s.close();
    const again = await openBoard(url);
    await again.close();
    expect(readFileSync(join(agent.transcripts, 'agent-1.log'), 'utf8')).toMatch(/note leased to 127\.0\.0\.1[\s\S]* in \d+ [0-9a-f]+[\s\S]* out \d+ [0-9a-f]+[\s\S]*note released/);
  });

  it('expires a lease whose heartbeats stop and resets the board', async () => {
    const url = `${agent.url}/agent-2`;
    const link = await WsLink.open(url, { token: agent.token, heartbeatMs: 0 });
    const s = await BoardSession.open(link);
    const before = s.hello.session;
    const closed = await new Promise<string>((resolve) => s.once('close', resolve));
    expect(closed).toMatch(/lease of board agent-2 expired \(no heartbeat for 600 ms\)/);
    // The reset takes a moment; then the board is free and in a new session.
    let after: BoardSession | null = null;
    for (let i = 0; i < 50 && after === null; i++) {
      after = await openBoard(url).catch(() => null);
      if (after === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).not.toBeNull();
    expect(after!.hello.session).not.toBe(before);
    await after!.close();
    expect(readFileSync(join(agent.transcripts, 'agent-2.log'), 'utf8')).toMatch(/expired[\s\S]*reset after the expired lease: new session/);
  }, 20_000);

  it('closes a connection whose message is over the size limit, naming the reason', async () => {
    const r = await rawClient(`${agent.url}/agent-1`, { authorization: `Bearer ${agent.token}` }, new Uint8Array(MAX_MESSAGE_BYTES + 1));
    expect(r.code).toBe(1009);
  });

  it('never writes the token to its output or transcripts', () => {
    expect(agent.stderr()).not.toContain(agent.token);
    expect(leaseLines()).not.toContain(agent.token);
    expect(leaseLines()).not.toContain(Buffer.from(agent.token).toString('hex'));
  });

  it('rate-limits an address after repeated wrong tokens', async () => {
    const board = `${agent.url}/agent-1`;
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await rawClient(board, { authorization: 'Bearer wrong-token-wrong-token' })).status);
    expect(statuses.at(-1)).toBe(429);
    // Even the right token waits now.
    expect((await rawClient(board, { authorization: `Bearer ${agent.token}` })).status).toBe(429);
  });
});

describe('a killed agent', () => {
  it('is seen by its client within 1 s (SIGKILL)', async () => {
    const victim = await startAgent(cli, work, ['--emulated', '1'], 'victim');
    const link = await WsLink.open(`${victim.url}/${victim.boards[0]!.name}`, { token: victim.token });
    const s = await BoardSession.open(link);
    const closed = new Promise<number>((resolve) => s.once('close', () => resolve(performance.now())));
    const t0 = performance.now();
    victim.child.kill('SIGKILL');
    const at = await closed;
    expect(at - t0).toBeLessThan(1000);
    await victim.done;
    expect(cli.leftovers().filter((l) => l.includes(victim.tokenFile))).toEqual([]);
  }, 30_000);
});
