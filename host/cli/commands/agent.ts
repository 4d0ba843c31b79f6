// synergy agent --listen HOST:PORT [--token-file F] [--emulated N | --qemu N | --board LOC...]:
// serves this machine's boards over WebSocket (docs/remote.md) until Ctrl-C or SIGTERM. Clients
// list the boards at ws://HOST:PORT/ and lease one at ws://HOST:PORT/<board>. Loopback needs no
// token; any other address refuses to start without one. Prints the URL, the boards and where
// their transcripts go (with --json: one JSON line {url, boards, transcripts}).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { startAgentServer } from '../../agent/server.js';
import { serveBoards, type BoardSource } from '../../agent/served-boards.js';
import { readTokenFile, TokenFileError } from '../../agent/token.js';
import { DEFAULT_LEASE_MS } from '../../link/agent-wire.js';
import { EMULATOR_MAX_BAUD, EMULATOR_MIN_BAUD } from '../../link/emulator.js';
import { EMULATED_DEFAULT_BAUD } from '../../space/emulated-desk.js';
import { baudValue, intValue, UsageError } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { table } from '../output.js';

const DEFAULT_LISTEN = '127.0.0.1:7260';

/** HOST:PORT or [V6]:PORT; a usage error names what is wrong. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`synergy agent: --listen "${text}": expected HOST:PORT (e.g. 127.0.0.1:7260, [::1]:7260), PORT 0..65535`);
  return { host: m[1] ?? m[2]!, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'serve this machine\'s boards to other hosts over WebSocket (leases, tokens, transcripts)',
  description:
    'Clients list the boards at ws://HOST:PORT/ and lease one at ws://HOST:PORT/<board> (a link\n' +
    'location for --boards, desk files and --remote). A lease is exclusive and kept by heartbeats;\n' +
    'one whose heartbeats stop expires and the board is reset. Each board\'s transcript (bytes\n' +
    'in and out, lease events, with times) goes to DIR/<board>.log. Loopback addresses need no\n' +
    'token; any other needs --token-file (the token file holds one line of at least 16\n' +
    'characters; clients give the same file).',
  positionals: [],
  options: [
    { name: 'listen', value: 'HOST:PORT', description: `where to listen (default ${DEFAULT_LISTEN}; port 0 picks a free one)` },
    { name: 'token-file', value: 'FILE', description: 'the token clients must present (required off loopback)' },
    { name: 'emulated', value: 'N', parse: intValue(1, 64), description: 'start and serve N emulated boards' },
    { name: 'qemu', value: 'N', parse: intValue(1, 64), description: 'start and serve N QEMU boards' },
    { name: 'board', value: 'LOC', repeatable: true, description: 'serve a board this machine reaches: an id (synergy boards) or a port path (repeatable)' },
    {
      name: 'baud', value: 'N', parse: baudValue(EMULATOR_MIN_BAUD, EMULATOR_MAX_BAUD, true),
      description: `pace started boards at N baud (0 = unpaced; default ${EMULATED_DEFAULT_BAUD}, as an emulated desk's)`,
    },
    { name: 'lease-ms', value: 'MS', parse: intValue(200, 600_000), description: `a lease expires this long after its last heartbeat (default ${DEFAULT_LEASE_MS})` },
    { name: 'transcripts', value: 'DIR', description: 'where board transcripts go (default a new directory under the system\'s temp dir)' },
  ],
  async run({ args, json, io, signal }) {
    const { host, port } = parseListen(args.string('listen') ?? DEFAULT_LISTEN);
    let token: string | null = null;
    if (args.has('token-file')) {
      try {
        token = readTokenFile(args.string('token-file')!);
      } catch (e) {
        if (e instanceof TokenFileError) throw new UsageError(`synergy agent: ${e.message}`);
        throw e;
      }
    }
    if (token === null && !isLoopback(host)) {
      throw new UsageError(`synergy agent: --listen ${host}:${port} is not a loopback address; give --token-file FILE so that only clients with the token reach the boards`);
    }
    const baud = args.number('baud') ?? EMULATED_DEFAULT_BAUD;
    const sources: BoardSource[] = [];
    if (args.has('emulated')) sources.push({ kind: 'start', count: args.number('emulated')!, process: 'emulator', baud });
    if (args.has('qemu')) sources.push({ kind: 'start', count: args.number('qemu')!, process: 'qemu', baud });
    for (const loc of args.list('board')) sources.push({ kind: 'board', location: loc });
    if (sources.length === 0) throw new UsageError('synergy agent: no boards to serve: give --emulated N, --qemu N or --board LOC');
    const transcripts = args.has('transcripts') ? resolve(args.string('transcripts')!) : mkdtempSync(join(tmpdir(), 'synergy-agent-'));
    const leaseMs = args.number('lease-ms') ?? DEFAULT_LEASE_MS;
    let served;
    try {
      served = await serveBoards(sources, transcripts, leaseMs);
    } catch (e) {
      throw new CommandFailure(`cannot start the agent's boards: ${(e as Error).message}`);
    }
    const onExit = (): void => served.killNow();
    process.on('exit', onExit);
    try {
      let server;
      try {
        server = await startAgentServer({ host, port, token, boards: served.boards, log: (line) => io.err(`synergy agent: ${new Date().toISOString()} ${line}`) });
      } catch (e) {
        throw new CommandFailure((e as Error).message);
      }
      const facts = served.boards.map((b) => b.facts);
      if (json) {
        io.out(JSON.stringify({ url: server.url, boards: facts, transcripts }));
      } else {
        io.out(`agent listening on ${server.url} (${token === null ? 'no token: loopback only' : 'token required'})`);
        io.out(table(['BOARD', 'URL', 'CHIP', 'BAUD', 'SENSORS'], facts.map((f) => [
          f.name, `${server.url}/${f.name}`, f.chip, f.link_baud ? String(f.link_baud) : 'unpaced', f.sensors.map((s) => `${s.kind}:${s.shape.join('x')}`).join(' '),
        ])));
        io.out(`transcripts in ${transcripts}`);
      }
      await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
      await server.close();
      return EXIT.ok;
    } finally {
      await served.stop();
      process.off('exit', onExit);
    }
  },
};
