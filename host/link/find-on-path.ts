// Where an executable is: the first file of that name on PATH that may be run (a name with a
// slash is taken as a path).

import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function executable(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false; // unreadable PATH entry
  }
}

export function findOnPath(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir !== '' && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
