// Which engine a board drives its accelerator with. The register engine (a register program, as
// the silicon is driven) needs the generator and the board's register model to cover the chip:
// MAX78000 today. Elsewhere (MAX78002) a board computes from layer descriptions.

import type { ChipName } from '../model/chips.js';
import type { Engine } from '../proto/index.js';
import { registerMap } from './chip-map.js';

export { ENGINES, type Engine } from '../proto/index.js';

/** Whether the register engine covers this chip. */
export function registerEngineCovers(chip: ChipName): boolean {
  return registerMap(chip) !== null;
}

/** The engine an emulated board of `chip` runs when `asked` is wanted: register where covered. */
export function engineFor(chip: ChipName, asked: Engine): Engine {
  return asked === 'register' && registerEngineCovers(chip) ? 'register' : 'layer';
}
