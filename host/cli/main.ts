// The `synergy` command: picks the command, parses its arguments with the shared parser and
// runs it. Exit codes: 0 ok, 1 failure, 2 usage error.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpText, parseArgs, UsageError } from './args.js';
import { CommandFailure, EXIT, type CommandIO } from './command.js';
import { COMMANDS, findCommand } from './registry.js';
import { repoRoot } from '../link/repo-root.js';

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
  try {
    const args = parseArgs(command.name, rest, command.positionals, command.options);
    if (args.flag('help')) {
      io.out(helpText(command.name, command.summary, command.description, command.positionals, command.options));
      return EXIT.ok;
    }
    return await command.run({ args, json: args.flag('json'), io, env: process.env });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(e.message);
      return EXIT.usage;
    }
    if (e instanceof CommandFailure) {
      io.err(`synergy ${command.name}: ${e.message}`);
      return EXIT.failure;
    }
    io.err(`synergy ${command.name}: ${(e as Error).stack ?? String(e)}`);
    return EXIT.failure;
  }
}

// Runs when this module is the program's entry (bin/synergy.js imports it).
const code = await main(process.argv.slice(2));
process.exitCode = code;
