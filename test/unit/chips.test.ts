// Chip specs: the TypeScript table (host/model/chips.ts) and the C table (firmware/core/chip.c,
// printed by synergy-accel chips) agree field by field, and both hold the documented facts.

import { describe, expect, it } from 'vitest';
import { runAccelToolRaw } from '../../host/model/accel-tool.js';
import { CHIPS, CHIP_NAMES, chipSpec, chipSpecJson, kernelWordsOf } from '../../host/model/chips.js';


describe('chip specs', () => {
  it('derive the memories from their parts (MAX78000.md section 1, FIT-RULES.md section 0)', () => {
    for (const c of Object.values(CHIPS)) {
      expect(c.processors).toBe(c.quadrants * c.processorsPerQuadrant);
      const words = Array.from({ length: c.processors }, (_, p) => kernelWordsOf(c, p)).reduce((a, b) => a + b, 0);
      expect(words * c.kernelWordBytes, c.name).toBe(c.weightMem);
      expect(c.biasPerQuadrant * c.quadrants, c.name).toBe(c.biasMem);
      expect(c.instanceBytes * c.dataInstances, c.name).toBe(c.dataMem);
      expect(c.hwcPixels, c.name).toBe(c.instanceBytes / 4);
      expect(c.pingpongOffset, c.name).toBe(c.instanceBytes / 2);
    }
    expect([CHIPS.max78000.weightMem, CHIPS.max78002.weightMem]).toEqual([442_368, 2_396_160]);
    expect([CHIPS.max78000.cnnClockHz, CHIPS.max78002.cnnClockHz]).toEqual([50_000_000, 200_000_000]);
  });

  it('CPU costs are the documented cycles per byte at each board CPU clock (load 4, unload 3.5, sense 2)', () => {
    for (const c of Object.values(CHIPS)) {
      const ns = (cycles: number) => Math.round((cycles * 1e9) / c.cpuClockHz);
      expect([c.cpuLoadNsPerByte, c.cpuUnloadNsPerByte, c.cpuSenseNsPerByte], c.name).toEqual([ns(4), ns(3.5), ns(2)]);
    }
    expect([CHIPS.max78000.cpuClockHz, CHIPS.max78002.cpuClockHz]).toEqual([100_000_000, 120_000_000]);
  });

  it('find a chip by name, refusing an unknown one with the known names', () => {
    expect(chipSpec('MAX78002').maxLayers).toBe(128);
    expect(() => chipSpec('max78001')).toThrow('unknown chip "max78001" (known: max78000, max78002)');
  });

  it('are the same in C and TypeScript, field by field', () => {
    const [answer] = runAccelToolRaw('chips', new Uint8Array());
    const c = (answer!['chips'] as Record<string, unknown>[]);
    expect(c.map((x) => x['name'])).toEqual([...CHIP_NAMES]);
    for (const name of CHIP_NAMES) {
      const fromC = c.find((x) => x['name'] === name)!;
      const fromTs = chipSpecJson(CHIPS[name]);
      expect(Object.keys(fromC).sort(), name).toEqual(Object.keys(fromTs).sort());
      for (const key of Object.keys(fromTs)) expect(fromC[key], `${name}.${key}`).toBe(fromTs[key]);
    }
  });
});
