// make demo: starts an emulated desk of four boards the way a user does (`synergy emu` in the
// background), shows them as `synergy boards` does, pings each, stops the desk and checks
// nothing is left behind. (A later issue grows this into the full main job.)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../host/link/repo-root.js';

const root = repoRoot();
const cli = join(root, 'bin/synergy.js');
// A private registry, so the demo sees its own desk and no one else's.
const runtime = mkdtempSync(join(tmpdir(), 'synergy-demo-'));
const env = { ...process.env, SYNERGY_RUNTIME_DIR: runtime };

let desk: ChildProcess | undefined;

function say(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

/** Runs a synergy command with its output shown as it comes; resolves with its exit code. */
function synergy(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`$ synergy ${args.join(' ')}\n`);
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function startDesk(): Promise<Array<{ id: string; chip: string; port: string }>> {
  process.stdout.write('$ synergy emu --boards 4 --chip mixed --json &\n');
  desk = spawn(process.execPath, [cli, 'emu', '--boards', '4', '--chip', 'mixed', '--json'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true, // its own process group: the demo can stop it and its emulators together
  });
  const child = desk;
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { boards: Array<{ id: string; chip: string; port: string }> }).boards);
      } catch (e) {
        reject(new Error(`synergy emu printed something other than JSON: ${line}`, { cause: e }));
      }
    });
    child.once('exit', (code) => reject(new Error(`synergy emu exited with code ${code} before the desk was up`)));
  });
}

async function stopDesk(): Promise<number | null> {
  const child = desk;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function main(): Promise<number> {
  say('an emulated desk of four boards (the firmware core, each on its own pseudo-terminal)');
  const boards = await startDesk();
  for (const b of boards) process.stdout.write(`  ${b.id}  ${b.chip}  ${b.port}\n`);

  say('the boards, as synergy boards shows them');
  if ((await synergy(['boards'])) !== 0) throw new Error('synergy boards failed');

  say('a round trip to each board');
  for (const b of boards) {
    if ((await synergy(['ping', b.id, '-n', '20', '--size', '64'])) !== 0) throw new Error(`synergy ping ${b.id} failed`);
  }

  say('stopping the desk');
  const code = await stopDesk();
  if (code !== 0) throw new Error(`synergy emu exited with code ${code} on SIGTERM`);
  const left = readdirSync(runtime);
  if (left.length > 0) throw new Error(`registry not cleaned: ${left.join(', ')}`);
  process.stdout.write('desk stopped, registry clean\n');
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (e) {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
} finally {
  await stopDesk();
  if (desk?.pid !== undefined) {
    try {
      process.kill(-desk.pid, 'SIGKILL'); // anything of the desk's group still around
    } catch {
      // nothing left: the normal case
    }
  }
  rmSync(runtime, { recursive: true, force: true });
}
process.exitCode = exitCode;
