// Why the generator refuses: either fit()'s named limit (the segment, or the union with the
// segments already resident, does not fit the chip) or a form the generator does not program.

import type { FitLimit } from '../model/fit-types.js';

/** Forms and requests the generator refuses although fit() may accept them. */
export const SYNTH_LIMITS = [
  /** The chip's register map is not covered (MAX78002). */
  'chip_not_covered',
  /** The model has no weights and biases to program. */
  'no_weights',
  /** --layers names no layer range of the model. */
  'layer_range',
  /** Output processors with uneven gaps in a quadrant (or any gap in a passthrough layer): the
   * tool's local-output write mode, which it marks untested. */
  'local_output',
  /** 32-bit output on a group of 4 processors that does not start at its first lane. */
  'wide_output_gaps',
  /** Streaming layers (need the input FIFOs). */
  'streaming',
  /** An element-wise layer whose operands include the network input. */
  'network_input_operands',
  /** Adding the segment moves a resident segment's kernels or biases (fit's union is not prefix-stable). */
  'resident_moved',
] as const;
export type SynthLimit = (typeof SYNTH_LIMITS)[number];

export class SynthError extends Error {
  override readonly name = 'SynthError';
  constructor(
    /** fit()'s limit name, or one of SYNTH_LIMITS. */
    readonly limit: FitLimit | SynthLimit,
    /** The model layer at fault, or null for the whole request. */
    readonly layer: number | null,
    message: string,
  ) {
    super(message);
  }
}
