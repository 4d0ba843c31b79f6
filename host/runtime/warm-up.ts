// Comparing policies on one desk: the first run on a fresh desk measures low (the host's code
// is still being compiled, the emulators' memos are cold), so whichever policy runs first is
// penalised: keyword spotting on two earbuds measured 665 frames/s as the first run and 694 as
// the second, with the same plan. `synergy compare` and `bench:compare` therefore run the desk
// for a few seconds first, unmeasured.

import { Run, type RunConfig } from './runner.js';

/** Seconds of the unmeasured run before the policies are compared. */
export const COMPARE_WARMUP_S = 3;

/** Runs `cfg` for `seconds`, unchecked, and forgets the result. */
export async function warmUp(cfg: RunConfig, seconds = COMPARE_WARMUP_S): Promise<void> {
  if (seconds <= 0) return;
  await new Run({ ...cfg, durationS: seconds, checkEvery: 0 }).execute();
}
