// What a `synergy` command is. Each command is one file under commands/ and one line in
// registry.ts; the shared parser (args.ts) gives every command --help and --json.

import type { OptionSpec, ParsedArgs, PositionalSpec } from './args.js';

export interface CommandIO {
  /** machine-readable or human output; with --json only JSON goes here */
  out(text: string): void;
  /** progress, warnings, errors */
  err(text: string): void;
}

export interface CommandContext {
  args: ParsedArgs;
  /** --json was given */
  json: boolean;
  io: CommandIO;
  env: NodeJS.ProcessEnv;
  /** aborted when the user stops the command (SIGINT, SIGTERM): stop cleanly, then return */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** one line for the command list */
  summary: string;
  /** more text under the usage line of --help */
  description?: string;
  positionals: PositionalSpec[];
  options: OptionSpec[];
  /** resolves with the exit code: 0 ok, 1 failure (2, usage, comes from the parser) */
  run(ctx: CommandContext): Promise<number>;
}

/** Exit codes of every command (a command stopped by a signal exits 128 + its number: main.ts). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure to report in one line and exit 1 (as opposed to a bug, which gets a stack). */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}
