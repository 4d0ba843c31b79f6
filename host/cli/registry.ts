// Every `synergy` command, one line each. A new command is one file under commands/ and one
// line here.

import type { Command } from './command.js';
import { agentCommand } from './commands/agent.js';
import { boardsCommand } from './commands/boards.js';
import { compareCommand } from './commands/compare.js';
import { emuCommand } from './commands/emu.js';
import { flashCommand } from './commands/flash.js';
import { infoCommand } from './commands/info.js';
import { inferCommand } from './commands/infer.js';
import { latencyCommand } from './commands/latency.js';
import { modelsCommand } from './commands/models.js';
import { pingCommand } from './commands/ping.js';
import { planCommand } from './commands/plan.js';
import { profileCommand } from './commands/profile.js';
import { runCommand } from './commands/run.js';
import { synthCommand } from './commands/synth.js';

export const COMMANDS: readonly Command[] = [
  boardsCommand,
  emuCommand,
  flashCommand,
  pingCommand,
  infoCommand,
  latencyCommand,
  modelsCommand,
  inferCommand,
  profileCommand,
  runCommand,
  compareCommand,
  planCommand,
  synthCommand,
  agentCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
