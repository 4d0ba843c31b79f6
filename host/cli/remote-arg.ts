// `--remote URL` (an agent whose boards all join) and `--token-file F` (the token agents are
// asked with: for --remote and for ws:// locations in --boards and desk files). The token is
// read from the file and kept in this process only; it never appears in argv or output.

import { agentOrigin } from '../agent/client.js';
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
