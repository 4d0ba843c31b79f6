// The first broken limit stops the fit, as the synthesis tool stops at its first error. Rules
// throw a FitStop; fit() turns it into a FitRefusal.

import type { FitLayer } from './fit-layer.js';
import type { FitLimit } from './fit-types.js';

export class FitStop extends Error {
  constructor(
    readonly limit: FitLimit,
    /** The layer the limit is about, or null for a network-wide limit. */
    readonly at: FitLayer | null,
    /** The tool-like text without the "Layer N: " prefix (added when `at` is given and prefixed). */
    readonly text: string,
    readonly numbers: Record<string, number>,
    /** The segment of a network-wide limit that belongs to one segment. */
    readonly segment: number | null = null,
    /** False for the tool's messages that name no layer although one is at fault. */
    readonly prefixed = true,
  ) {
    super(text);
  }

  /** The message as the tool prints it (without "ERROR: "). */
  get fullMessage(): string {
    return this.at && this.prefixed ? `Layer ${this.at.u}: ${this.text}` : this.text;
  }
}

/** Throws the refusal of a layer's limit. */
export function stop(limit: FitLimit, at: FitLayer, text: string, numbers: Record<string, number>): never {
  throw new FitStop(limit, at, text, numbers);
}
