// `synergy latency`: the cycle model (cycles.ts) over a whole model, per layer and in total, at
// a chip's CNN clock. The JSON shape is fixed: {"chip", "clock_hz", "layers": [{"name",
// "cycles", "us"}], "total_cycles", "total_us"}, where total_cycles includes the network's
// leading cycle.

import type { ChipSpec } from './chips.js';
import { cyclesToUs, layerCycles } from './cycles.js';
import type { Model } from './layer.js';

export interface LatencyLayer {
  index: number;
  name: string;
  cycles: number;
  us: number;
}

export interface LatencyReport {
  model: string;
  chip: ChipSpec;
  clockHz: number;
  layers: LatencyLayer[];
  /** 1 + the sum of the layers' cycles. */
  totalCycles: number;
  totalUs: number;
}

/** Microseconds to the nanosecond. */
const us = (cycles: number, clockHz: number): number => Math.round(cyclesToUs(cycles, clockHz) * 1000) / 1000;

/**
 * The report for a model on a chip. kernelStarts (per layer, from kernel allocation) only
 * matter for MAX78000's pool-after-element-wise layers; they default to 0.
 */
export function latencyReport(model: Model, chip: ChipSpec, opts: { clockHz?: number; kernelStarts?: readonly number[] } = {}): LatencyReport {
  const clockHz = opts.clockHz ?? chip.cnnClockHz;
  const layers = model.layers.map((l, i) => {
    const cycles = layerCycles(l, chip, opts.kernelStarts?.[i] ?? 0);
    return { index: l.index, name: l.name, cycles, us: us(cycles, clockHz) };
  });
  const totalCycles = layers.reduce((a, l) => a + l.cycles, 1);
  return { model: model.name, chip, clockHz, layers, totalCycles, totalUs: us(totalCycles, clockHz) };
}

/** The --json form, exactly the documented keys. */
export function latencyJson(r: LatencyReport): Record<string, unknown> {
  return {
    chip: r.chip.name,
    clock_hz: r.clockHz,
    layers: r.layers.map((l) => ({ name: l.name, cycles: l.cycles, us: l.us })),
    total_cycles: r.totalCycles,
    total_us: r.totalUs,
  };
}

/** Why the numbers of an uncalibrated chip are an assumption, or null for a calibrated one. */
export function calibrationNote(chip: ChipSpec): string | null {
  if (chip.cyclesCalibrated) return null;
  return `note: Analog Devices publishes this cycle estimator for MAX78000 only; the ${chip.name.toUpperCase()} numbers use the same formula at its ${chip.cnnClockHz / 1e6} MHz CNN clock, an assumption until calibrated on a board`;
}

/** The human form: a table of layers and the total. */
export function latencyText(r: LatencyReport): string {
  const rows = r.layers.map((l) => [String(l.index), l.name, String(l.cycles), l.us.toFixed(3)]);
  rows.push(['', 'total (with the leading cycle)', String(r.totalCycles), r.totalUs.toFixed(3)]);
  const headers = ['layer', 'name', 'cycles', 'us'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  // Names left-aligned, numbers right-aligned.
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const title = `${r.model} on ${r.chip.name} at ${r.clockHz / 1e6} MHz (CNN only: loading weights and input is not included)`;
  const note = calibrationNote(r.chip);
  return [title, line(headers), ...rows.map(line), ...(note ? [note] : [])].join('\n');
}
