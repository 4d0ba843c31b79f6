// Where the CNN accelerator's registers and memories sit on each chip (the synthesis tool's
// izer/tornadocnn.py constants and address formulas; ../shared/docs/MAX78000.md section 5).
// Only MAX78000's map is filled in: the generator refuses MAX78002 (see synthesize.ts) until
// its map, which differs in every register offset and in the memory layout, is covered.

import type { ChipName } from '../model/chips.js';

/** Per-layer register numbers (the tool's LREG_*) of MAX78000. */
export const LREG = {
  rcnt: 0, ccnt: 1, oned: 2, prcnt: 3, pccnt: 4, stride: 5, wptrBase: 6, wptrToffs: 7, wptrMoffs: 8,
  wptrChoffs: 9, rptrBase: 10, lctl: 11, mcnt: 12, tptr: 13, ena: 14, post: 15, stream1: 16, stream2: 17,
  fmax: 18, lctl2: 20,
} as const;
export type LayerRegister = keyof typeof LREG;

/** Quadrant control registers (the tool's REG_*). */
export const CTL = { ctrl: 0, sram: 1, lcntMax: 2 } as const;

export interface RegisterMap {
  chip: ChipName;
  /** Hardware layer slots. */
  layerSlots: number;
  /** Bits of the write pointer above the word offset that select the data-memory instance. */
  writePtrShift: number;
  /** 32-bit words of one processor's share of an instance (the tool's INSTANCE_SIZE). */
  instanceWords: number;
  /** The always-on control register the tool's cnn_init clears first. */
  aonCtrl: number;
  /** A quadrant control register. */
  ctl(quadrant: number, reg: number): number;
  /** Per-layer register `reg` of hardware layer `slot` in `quadrant`. */
  layerReg(quadrant: number, reg: number, slot: number): number;
  /** First bias-memory word of a quadrant (one byte per 32-bit word). */
  biasBase(quadrant: number): number;
  /** The kernel-loader address of column `col` of processor `p` (column x 4 past its base). */
  kernelAddr(p: number, col: number): number;
  /** The first byte of the data-memory instance that holds processor p's lane. */
  dataInstance(p: number): number;
}

const APB_BASE = 0x5000_0000;

const MAX78000_MAP: RegisterMap = {
  chip: 'max78000',
  layerSlots: 32,
  writePtrShift: 13,
  instanceWords: 2048,
  aonCtrl: APB_BASE + 0x1000,
  ctl: (q, reg) => APB_BASE + 0x10_0000 + q * 0x40_0000 + reg * 4,
  layerReg: (q, reg, slot) => APB_BASE + 0x10_0000 + q * 0x40_0000 + 0x10 + reg * 4 * 32 + slot * 4,
  biasBase: (q) => APB_BASE + 0x10_8000 + q * 0x40_0000,
  // Each 72-bit kernel word takes 16 bytes of address space; the loader's address encodes the
  // column x 4 (the tool's mexpress addressing).
  kernelAddr: (p, col) => APB_BASE + 0x18_0000 + Math.floor(p / 16) * 0x40_0000 + (p % 16) * 0x4000 + col * 4,
  dataInstance: (p) => APB_BASE + 0x40_0000 + Math.floor(p / 16) * 0x40_0000 + Math.floor((p % 16) / 4) * 0x8000,
};

/** The register map of a chip, or null where the generator does not cover it. */
export function registerMap(chip: ChipName): RegisterMap | null {
  return chip === 'max78000' ? MAX78000_MAP : null;
}
