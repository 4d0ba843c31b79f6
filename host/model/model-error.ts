/** A layer table that cannot be used: names the file, the layer and the field, and says why. */
export class ModelError extends Error {
  constructor(
    readonly source: string,
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${source}: ${where}: ${reason}`);
    this.name = 'ModelError';
  }
}
