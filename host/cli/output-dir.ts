// Output directories (`--report DIR`, `--out DIR`) are made and tried before a command starts
// its work, so a path it cannot write is refused at once (exit 2) instead of after a run. They
// are made one level at a time: Node's recursive mkdir never returns on some paths (under /proc
// it loops forever), and each level's error names the level.

import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
}

/** Makes `dir` and its missing parents, one level at a time; errors name the level that failed. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new Error(`${at} is not a directory`);
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (e) {
      throw new Error(`cannot create ${level}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}

/**
 * Makes the directory an option names and writes (then removes) a file in it: the command will
 * be able to write its output there. Throws OutputPathError naming the option and the reason.
 */
export function prepareOutputDir(dir: string, option: string): string {
  try {
    makeDirs(dir);
    const probe = join(dir, `.synergy-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    throw new OutputPathError(`${option} ${dir}: cannot write there: ${(e as Error).message}`);
  }
  return dir;
}
