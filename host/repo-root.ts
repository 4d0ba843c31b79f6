// Finds the repository root (the directory whose package.json is named "synergy") from this
// module's location, so paths work from host/ under vitest and from dist/host/ when built. It
// depends on nothing else in host/, so every layer may use it.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function repoRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'synergy') return (cached = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the synergy repository above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
