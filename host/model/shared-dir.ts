// The shared data beside the repository (../shared: the layer tables of the published models and
// the golden networks with their trained weights), found relative to the repository so that a
// checkout works wherever it lies; SYNERGY_SHARED names another place.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';

/** The shared directory: SYNERGY_SHARED when set, else `<repo>/../shared`. */
export function sharedDir(): string {
  const override = process.env['SYNERGY_SHARED'];
  return override !== undefined && override !== '' ? override : join(repoRoot(), '..', 'shared');
}

/** A path inside the shared directory (not checked). */
export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}

/** The shared data is absent where it is needed: names the path and what needs it. */
export class SharedDataMissing extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path} is absent: ${reason}; it is looked for in ../shared beside the repository, or where SYNERGY_SHARED points`);
    this.name = 'SharedDataMissing';
  }
}

/** A path inside the shared directory that must exist; `reason` says what needs it. */
export function requireShared(relative: string, reason: string): string {
  const path = join(sharedDir(), relative);
  if (!existsSync(path)) throw new SharedDataMissing(path, reason);
  return path;
}

/** The golden networks (folders of <shared>/golden holding a model.json), sorted; throws when absent. */
export function goldenSets(reason: string): { dir: string; names: string[] } {
  const dir = requireShared('golden', reason);
  const names = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'model.json'))).sort();
  return { dir, names };
}
