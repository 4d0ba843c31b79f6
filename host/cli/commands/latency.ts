// synergy latency <zoo name | layer-table file> [--chip] [--json]: the cycle model per layer
// and in total (host/model/latency-report.ts).

import { choiceValue } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { CHIP_NAMES, chipSpec } from '../../model/chips.js';
import { calibrationNote, latencyJson, latencyReport, latencyText } from '../../model/latency-report.js';
import { ModelError } from '../../model/model-error.js';
import { loadTable, zooNames } from '../../model/zoo.js';

export const latencyCommand: Command = {
  name: 'latency',
  summary: 'estimate per-layer and total CNN cycles and microseconds of a model (cycle model)',
  description: 'MODEL is a zoo name (models/*.json) or a layer-table file. The estimate is Analog Devices\' ' +
    'cycle model for MAX78000; for MAX78002 it is an assumption until calibrated on a board.',
  positionals: [{ name: 'model', description: 'zoo name or layer-table file (.json)' }],
  options: [
    { name: 'chip', value: 'CHIP', parse: choiceValue(...CHIP_NAMES), description: `${CHIP_NAMES.join(' or ')} (default max78000)` },
  ],
  async run({ args, json, io }) {
    const chip = chipSpec(args.string('chip') ?? 'max78000');
    let table;
    try {
      table = loadTable(args.positionals[0]!);
    } catch (e) {
      if (e instanceof ModelError) throw new CommandFailure(e.message);
      throw e;
    }
    if (!table.chips.includes(chip.name)) {
      const variant = `${table.model.name}_max78000`;
      const hint = table.entry && zooNames().includes(variant) ? `; the zoo has ${variant} for it` : '';
      throw new CommandFailure(`${table.model.name} runs on ${table.chips.join(' or ')} only (${chip.name} cannot run some of its layers, e.g. depthwise)${hint}`);
    }
    const report = latencyReport(table.model, chip);
    if (json) {
      io.out(JSON.stringify(latencyJson(report)));
      const note = calibrationNote(chip);
      if (note) io.err(note);
    } else {
      io.out(latencyText(report));
    }
    return EXIT.ok;
  },
};
