// Runs the `synergy` CLI as a user does (a real process) with a tag in its environment that the
// emulators it starts inherit, so a test can find every process a command left behind.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../host/link/repo-root.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TaggedCli {
  /** Runs `synergy args...` in `cwd`; never rejects (a failure is its exit code and stderr). */
  synergy(args: string[], timeoutMs?: number): Promise<CliRun>;
  /** Starts a long-running `synergy args...` (stdin ignored, stdout and stderr piped). */
  start(args: string[]): ChildProcess;
  /** Processes still alive that carry the tag ("pid cmdline"): what a command left behind. */
  leftovers(): string[];
}

export function taggedCli(name: string, cwd: string, defaultTimeoutMs: number): TaggedCli {
  const cli = join(repoRoot(), 'bin/synergy.js');
  const tag = `${name}-${process.pid}-${Date.now()}`;
  return {
    synergy: (args, timeoutMs = defaultTimeoutMs) =>
      new Promise((resolve) => {
        execFile(process.execPath, [cli, ...args], { env: { ...process.env, SYNERGY_E2E_TAG: tag }, timeout: timeoutMs, cwd }, (err, stdout, stderr) => {
          const code = err ? (err as unknown as { code?: unknown }).code : 0;
          resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
        });
      }),
    start: (args) => spawn(process.execPath, [cli, ...args], { env: { ...process.env, SYNERGY_E2E_TAG: tag }, cwd, stdio: ['ignore', 'pipe', 'pipe'] }),
    leftovers: () => {
      const out: string[] = [];
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`SYNERGY_E2E_TAG=${tag}`)) {
            out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ')}`);
          }
        } catch {
          // gone meanwhile, or not ours to read
        }
      }
      return out;
    },
  };
}
