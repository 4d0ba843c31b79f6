import { readFileSync } from 'node:fs';

/** A desk or app spec that cannot be used: names the file, the line and the reason. */
export class SpecError extends Error {
  constructor(
    readonly file: string,
    /** 1-based line, or 0 when the problem is not at one place (an empty file). */
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'SpecError';
  }
}

/** The text of a spec file; one that cannot be read is a SpecError naming it. */
export function readSpecText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SpecError(path, 0, `cannot read: ${(err as Error).message}`);
  }
}
