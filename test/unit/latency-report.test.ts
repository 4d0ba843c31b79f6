// The latency report behind `synergy latency`: per-layer cycles and microseconds from the cycle
// model, totals with the leading cycle, the fixed JSON shape, and the MAX78002 caveat.

import { describe, expect, it } from 'vitest';
import { CHIPS } from '../../host/model/chips.js';
import { layerCycles, networkCycles } from '../../host/model/cycles.js';
import { calibrationNote, latencyJson, latencyReport, latencyText } from '../../host/model/latency-report.js';
import { loadTable } from '../../host/model/zoo.js';

describe('latency report', () => {
  const kws = loadTable('kws20_v3').model;

  it('has the documented JSON shape, totals including the leading cycle', () => {
    const j = latencyJson(latencyReport(kws, CHIPS.max78000));
    expect(Object.keys(j)).toEqual(['chip', 'clock_hz', 'layers', 'total_cycles', 'total_us']);
    expect(j['chip']).toBe('max78000');
    expect(j['clock_hz']).toBe(50_000_000);
    const layers = j['layers'] as { name: string; cycles: number; us: number }[];
    expect(layers.map((l) => Object.keys(l))).toEqual(kws.layers.map(() => ['name', 'cycles', 'us']));
    expect(layers.map((l) => l.cycles)).toEqual(kws.layers.map((l) => layerCycles(l, CHIPS.max78000)));
    expect(layers[0]).toEqual({ name: 'voice_conv1', cycles: 27_136, us: 542.72 });
    expect(j['total_cycles']).toBe(networkCycles(kws.layers, CHIPS.max78000));
    expect(j['total_cycles']).toBe(1 + layers.reduce((a, l) => a + l.cycles, 0));
    expect(j['total_us']).toBe(1435.64);
  });

  it('runs MAX78002 at its own clock and says the numbers are an assumption', () => {
    const r = latencyReport(kws, CHIPS.max78002);
    expect(r.clockHz).toBe(200_000_000);
    expect(r.totalUs).toBe(Math.round((r.totalCycles / 200) * 1000) / 1000);
    expect(calibrationNote(CHIPS.max78000)).toBeNull();
    expect(calibrationNote(CHIPS.max78002)).toMatch(/MAX78000 only.*assumption until calibrated/);
    expect(latencyText(r)).toMatch(/assumption until calibrated on a board$/);
  });

  it('prints a table with every layer and the total', () => {
    const text = latencyText(latencyReport(kws, CHIPS.max78000)).split('\n');
    expect(text[0]).toBe('kws20_v3 on max78000 at 50 MHz (CNN only: loading weights and input is not included)');
    expect(text[1]).toMatch(/^layer\s+name\s+cycles\s+us$/);
    expect(text).toHaveLength(2 + kws.layers.length + 1);
    expect(text[2]).toMatch(/^\s+0\s+voice_conv1\s+27136\s+542\.720$/);
    expect(text.at(-1)).toMatch(/total \(with the leading cycle\)\s+71782\s+1435\.640$/);
  });
});
