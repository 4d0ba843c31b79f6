// `--remote URL` (an agent whose boards all join) and `--token-file F` (the token agents are
// asked with: for --remote and for ws:// locations in --boards and desk files). The token is
// read from the file and kept in this process only; it never appears in argv or output.

import { agentOrigin, listAgent } from '../link/agent-client.js';
import type { BoardLocation } from '../board/discovery.js';
import '../link/remote-kinds.js';
import { CommandFailure } from './command.js';
import { readTokenFile, TokenFileError } from '../agent/token.js';
import { setDefaultAgentToken } from '../link/agent-tokens.js';
import { UsageError, type OptionSpec, type ParsedArgs } from './args.js';

export const REMOTE_OPTIONS: OptionSpec[] = [
  { name: 'remote', value: 'URL', repeatable: true, description: 'ws://HOST:PORT of a synergy agent: all its boards join the desk (repeatable)' },
  { name: 'token-file', value: 'FILE', description: 'the token for agents (--remote, ws:// locations); the file the agent was given' },
];

/** The agents of --remote (checked: ws://HOST:PORT), with --token-file's token made the default. */
export function remoteArg(args: ParsedArgs, command: string): string[] {
  if (args.has('token-file')) {
    try {
      setDefaultAgentToken(readTokenFile(args.string('token-file')!));
    } catch (e) {
      if (e instanceof TokenFileError) throw new UsageError(`synergy ${command}: ${e.message}`);
      throw e;
    }
  }
  return args.list('remote').map((url) => {
    try {
      return agentOrigin(url);
    } catch (e) {
      throw new UsageError(`synergy ${command}: --remote ${(e as Error).message}`);
    }
  });
}

/** Every board of the agents, as locations (their ws:// URLs); an agent that cannot be asked fails the command. */
export async function remoteLocations(agents: readonly string[]): Promise<BoardLocation[]> {
  const out: BoardLocation[] = [];
  for (const a of agents) {
    let listed;
    try {
      listed = await listAgent(a);
    } catch (e) {
      throw new CommandFailure((e as Error).message);
    }
    for (const b of listed.boards) {
      const at = `${listed.url}/${b.name}`;
      out.push({ id: b.name, transport: 'link', path: at, location: at, chip: b.chip });
    }
  }
  return out;
}
