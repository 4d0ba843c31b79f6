// The chip facts the fit rules read come from the project's one chip table (chips.ts); this
// module adds the few rule constants of the synthesis tool that are the same on every chip.

import type { ChipSpec } from './chips.js';

export type FitChip = ChipSpec;
export { chipSpec as fitChip, kernelWordsOf as kernelColumns } from './chips.js';

/** Rule constants of the synthesis tool, the same on MAX78000 and MAX78002. */
export const FIT = {
  /** Padding of 3 or more is rejected. */
  maxPadExclusive: 3,
  /** "Pool last" element-wise operand limit. */
  poolLastOperands: 2,
  /** Longest Conv1d kernel that dilation may move to 3x3 hardware. */
  maxDilation1dKernel: 3,
} as const;
