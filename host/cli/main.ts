// The `synergy` command: picks the command, parses its arguments with the shared parser and
// runs it. Exit codes: 0 ok, 1 failure, 2 usage error (bad input), 128 + N when stopped by
// signal N (SIGINT 130, SIGTERM 143: stop-signals.ts). Errors are one line (user-errors.ts);
// SYNERGY_DEBUG=1 adds the stack.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpText, parseArgs } from './args.js';
import { EXIT, type CommandIO } from './command.js';
import { COMMANDS, findCommand } from './registry.js';
import { signalExitCode, watchStopSignals } from './stop-signals.js';
import { explainError } from './user-errors.js';
import { repoRoot } from '../repo-root.js';

const io: CommandIO = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: synergy <command> [options]',
    '',
    'Run CNN pipelines across a desk of MAX78000/MAX78002 boards.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'synergy <command> --help shows a command\'s options; every command takes --json.',
    'exit codes: 0 ok, 1 failure, 2 usage error (bad input), 130 stopped by SIGINT (Ctrl-C), 143 by SIGTERM',
  ].join('\n');
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return EXIT.ok;
  }
  if (name === '--version') {
    io.out(version());
    return EXIT.ok;
  }
  const command = findCommand(name);
  if (command === undefined) {
    io.err(`synergy: unknown command "${name}"; commands are ${COMMANDS.map((c) => c.name).join(', ')} (see synergy --help)`);
    return EXIT.usage;
  }
  const debug = process.env['SYNERGY_DEBUG'] === '1';
  const stop = watchStopSignals((text) => io.err(`synergy ${command.name}: ${text}`));
  // An error outside the command's own promise (a callback's) is reported the same way.
  const onUncaught = (e: unknown): void => {
    io.err(explainError(command.name, e, debug).text);
    process.exit(EXIT.failure);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  try {
    const args = parseArgs(command.name, rest, command.positionals, command.options);
    if (args.flag('help')) {
      io.out(helpText(command.name, command.summary, command.description, command.positionals, command.options));
      return EXIT.ok;
    }
    const code = await command.run({ args, json: args.flag('json'), io, env: process.env, signal: stop.signal });
    const by = stop.received();
    return by === null ? code : signalExitCode(by);
  } catch (e) {
    const by = stop.received();
    // Stopped: what failed is the stop's doing (a session closed under a request), not news.
    if (by !== null) {
      io.err(`synergy ${command.name}: stopped by ${by}${debug ? `: ${(e as Error).stack ?? String(e)}` : ''}`);
      return signalExitCode(by);
    }
    const { code, text } = explainError(command.name, e, debug);
    io.err(text);
    return code;
  } finally {
    stop.dispose();
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
}

// Runs when this module is the program's entry (bin/synergy.js imports it).
const code = await main(process.argv.slice(2));
process.exitCode = code;
