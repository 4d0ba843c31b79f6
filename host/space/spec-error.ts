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
