// make demo: the main job, as a user runs it. An emulated desk of four wearables from examples/
// (two earbuds, glasses, a watch; one synergy-emu each, links paced at their BLE rates) and a
// paper-style app mix (keywords, object classes, a scene, a residual classifier):
//   1. synergy plan: where Synergy puts every layer, and its estimate;
//   2. synergy compare: every policy runs the app on the same desk for the same time; the
//      measured table, and synergy's throughput over each baseline's;
//   3. synergy run with a fault: one earbud's board is killed mid-run and started again; the
//      app is re-planned around it both times, every frame accounted for;
// then the reports' paths. Every emulator is the commands' own and dies with them; the demo
// checks that nothing is left running.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../host/repo-root.js';

const root = repoRoot();
const cli = join(root, 'bin/synergy.js');
const DESK = 'examples/desk-4-earbuds-glasses-watch.yaml';
const APP = 'examples/app-4-everyday.yaml';
const REPORTS = 'reports/demo';
const SECONDS = process.env['SYNERGY_DEMO_SECONDS'] ?? '8';
// Every process the demo starts carries this tag, so leftovers can be found.
const TAG = `synergy-demo-${process.pid}-${Date.now()}`;
const env = { ...process.env, SYNERGY_DEMO_TAG: TAG, SYNERGY_USB: '0' };

function say(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

/** Runs a synergy command with its output shown as it comes; resolves with its exit code. */
function synergy(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`$ synergy ${args.join(' ')}\n`);
    const child = spawn(process.execPath, [cli, ...args], { env, cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Processes still alive that carry the demo's tag. */
function leftovers(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`SYNERGY_DEMO_TAG=${TAG}`)) {
        out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim()}`);
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function main(): Promise<number> {
  say(`the desk (${DESK}) and the app (${APP})`);
  process.stdout.write(readFileSync(join(root, APP), 'utf8').replace(/^#.*\n/gm, ''));

  say("Synergy's plan: every layer's place, and what the planner expects");
  if ((await synergy(['plan', APP, '--desk', DESK])) !== 0) throw new Error('synergy plan failed');

  say(`every policy on the same emulated desk, ${SECONDS} s each: measured against estimated`);
  if ((await synergy(['compare', APP, '--desk', DESK, '--duration', SECONDS, '--report', REPORTS])) !== 0) throw new Error('synergy compare failed');

  say('a board lost mid-run and back: right-earbud killed at 4 s, started again at 9 s');
  const adapt = await synergy(['run', APP, '--desk', DESK, '--duration', '14', '--kill', 'right-earbud@4', '--restart', 'right-earbud@9', '--report', join(REPORTS, 'adapt')]);
  if (adapt !== 0) throw new Error('synergy run with a lost board failed');

  say('reports');
  process.stdout.write(`every policy:      ${join(root, REPORTS)}/run-<policy>.html (run-synergy.html first)\n`);
  process.stdout.write(`lost and rejoined: ${join(root, REPORTS, 'adapt', 'run.html')}\n`);
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (e) {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
}
const left = leftovers();
if (left.length > 0) {
  process.stderr.write(`demo: processes left running:\n  ${left.join('\n  ')}\n`);
  for (const l of left) {
    try {
      process.kill(Number(l.split(' ')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  exitCode = 1;
} else {
  process.stdout.write('no process left running\n');
}
process.exitCode = exitCode;
