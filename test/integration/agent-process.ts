// Starts `synergy agent` as a real process (port 0: it picks a free one) and reads the JSON line
// it prints: its URL, boards and transcript directory. A token file is written for it.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { taggedCli, type TaggedCli, type CliProcess } from '../e2e/tagged-cli.js';
import type { AgentBoardFacts } from '../../host/link/agent-wire.js';

export interface AgentProcess extends CliProcess {
  url: string;
  boards: AgentBoardFacts[];
  transcripts: string;
  token: string;
  tokenFile: string;
  /** everything it printed on stderr so far */
  stderr(): string;
}

export async function startAgent(cli: TaggedCli, work: string, extra: string[], name = 'agent'): Promise<AgentProcess> {
  const token = randomBytes(24).toString('base64url');
  const tokenFile = join(work, `${name}.token`);
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const p = cli.start(['agent', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--transcripts', join(work, `${name}-transcripts`), '--json', ...extra]);
  let out = '';
  let err = '';
  p.child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`synergy agent printed no JSON line within 20 s: ${err}`)), 20_000);
    p.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    void p.done.then((r) => reject(new Error(`synergy agent exited ${r.code}: ${r.stderr}`)));
  });
  const doc = JSON.parse(line) as { url: string; boards: AgentBoardFacts[]; transcripts: string };
  return { ...p, ...doc, token, tokenFile, stderr: () => err };
}

/**
 * A test file's work directory and CLI, and the agents it starts, all stopped and removed after
 * the file (vitest's afterAll, registered here).
 */
export function agentHarness(name: string, timeoutMs: number): { cli: TaggedCli; work: string; start(extra: string[], agent: string): Promise<AgentProcess> } {
  const work = mkdtempSync(join(tmpdir(), `${name}-`));
  const cli = taggedCli(name, work, timeoutMs);
  const agents: AgentProcess[] = [];
  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    rmSync(work, { recursive: true, force: true });
  });
  return {
    cli,
    work,
    async start(extra, agent) {
      const a = await startAgent(cli, work, extra, agent);
      agents.push(a);
      return a;
    },
  };
}
