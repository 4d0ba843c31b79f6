// Runs the `synergy` CLI as a user does (a real process) with a tag in its environment that the
// emulators it starts inherit, so a test can find every process a command left behind; and
// checks that the built JavaScript the CLI runs is not older than the sources.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../../host/repo-root.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from start to exit */
  ms: number;
}

export interface CliProcess {
  child: ChildProcess;
  /** resolves when it exited: its exit code (null when a signal ended it) and output */
  done: Promise<CliRun>;
}

export interface TaggedCli {
  /** Runs `synergy args...` in `cwd`; never rejects (a failure is its exit code and stderr). */
  synergy(args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv): Promise<CliRun>;
  /**
   * Starts `synergy args...` and hands back the process (to signal it) and its end; `detached`
   * gives it its own process group, so a test can stop it and everything it started at once.
   */
  start(args: string[], env?: NodeJS.ProcessEnv, opts?: { detached?: boolean }): CliProcess;
  /** Processes still alive that carry the tag ("pid cmdline"): what a command left behind. */
  leftovers(): string[];
}

const CLI = join(repoRoot(), 'bin/synergy.js');

export function taggedCli(name: string, cwd: string, defaultTimeoutMs: number): TaggedCli {
  const tag = `${name}-${process.pid}-${Date.now()}`;
  const envOf = (env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv => ({ ...process.env, ...env, SYNERGY_E2E_TAG: tag });
  return {
    synergy: (args, timeoutMs = defaultTimeoutMs, env) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        execFile(process.execPath, [CLI, ...args], { env: envOf(env), timeout: timeoutMs, cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
          const code = err ? (err as unknown as { code?: unknown }).code : 0;
          resolve({ code: typeof code === 'number' ? code : null, stdout, stderr, ms: performance.now() - t0 });
        });
      }),
    start: (args, env, opts) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, [CLI, ...args], { env: envOf(env), cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: opts?.detached ?? false });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const done = new Promise<CliRun>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 })));
      return { child, done };
    },
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

/** The CLI runs the built JavaScript: throws when dist/ is missing or older than the sources under `dirs` (repo-relative). */
export function expectBuilt(dirs: readonly string[]): void {
  const root = repoRoot();
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) {
        const js = join(root, 'dist', relative(root, p)).replace(/\.ts$/, '.js');
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(p).mtimeMs) stale.push(relative(root, p));
      }
    }
  };
  for (const d of dirs) walk(join(root, d));
  if (stale.length > 0) throw new Error(`dist/ is missing or older than ${stale.join(', ')}: run npx tsc -p tsconfig.json`);
}
