// The quadrant control writes of cnn_init and cnn_start (izer/backend/max7800x.py): the
// always-on control, then per used quadrant "stop" (clocks on, packed kernel loader), SRAM
// control and the last layer to run; at start the other quadrants first (external sync, enabled),
// then the first quadrant as master.

import { CTL, type RegisterMap } from './chip-map.js';
import type { RegisterWrite } from './image.js';

/** CTRL bits: clk_en and mexpress (the packed kernel loader the image's records use). */
const CTRL_CLOCKS = 1 << 3;
const CTRL_MEXPRESS = 1 << 20;
const CTRL_ENABLE = 1 << 0;
const CTRL_EXT_SYNC = 1 << 11;
const SRAM_DEFAULT = 0x40e;

/** The always-on control is written even as 0; other zero values are not written, as the tool
 * does (an unwritten LCNT_MAX of a one-layer image relies on the reset state). */
export function initWrites(map: RegisterMap, groups: readonly number[], lastSlot: number): RegisterWrite[] {
  const writes: RegisterWrite[] = [];
  for (const q of groups) {
    writes.push([map.ctl(q, CTL.ctrl), CTRL_CLOCKS | CTRL_MEXPRESS, 'Stop SM']);
    writes.push([map.ctl(q, CTL.sram), SRAM_DEFAULT, 'SRAM control']);
    writes.push([map.ctl(q, CTL.lcntMax), lastSlot, 'Layer count']);
  }
  return [[map.aonCtrl, 0, 'AON control'], ...writes.filter((w) => w[1] !== 0)];
}

export function startWrites(map: RegisterMap, groups: readonly number[]): RegisterWrite[] {
  const master = groups[0]!;
  const base = CTRL_CLOCKS | CTRL_MEXPRESS;
  const writes: RegisterWrite[] = groups.map((q) => [
    map.ctl(q, CTL.ctrl), (base | (q !== master ? CTRL_ENABLE : 0) | CTRL_EXT_SYNC | (master << 9)) >>> 0, `Enable quadrant ${q}`,
  ]);
  writes.push([map.ctl(master, CTL.ctrl), base | CTRL_ENABLE, `Master enable quadrant ${master}`]);
  return writes;
}
