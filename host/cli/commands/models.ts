// synergy models [--json]: the zoo, with each model's fit on each chip (the synthesis tool's
// verdict, from host/model/fit.ts: yes, or no and the first limit broken), its weight bytes,
// MACs and the cycle model's CNN time per chip.

import { EXIT, type Command } from '../command.js';
import { table } from '../output.js';
import { CHIP_NAMES, chipSpec, type ChipName } from '../../model/chips.js';
import { cyclesToUs, networkCycles } from '../../model/cycles.js';
import { fit, type FitResult } from '../../model/fit.js';
import { calibrationNote } from '../../model/latency-report.js';
import { modelMacs } from '../../model/macs.js';
import { listZoo, loadTable, type ZooEntry } from '../../model/zoo.js';

interface ChipColumn {
  /** The chip has every operator the model uses (MAX78000 has no depthwise convolution). */
  runs: boolean;
  fit: FitResult;
  /** The whole model as one network: 1 + the layers' cycles (kernel start columns from the fit when it fits). */
  cycles: number;
  us: number;
}

interface ModelRow {
  entry: ZooEntry;
  macs: number;
  chips: Record<ChipName, ChipColumn>;
}

function rowOf(entry: ZooEntry): ModelRow {
  const { model } = loadTable(entry.name);
  const chips = {} as Record<ChipName, ChipColumn>;
  for (const name of CHIP_NAMES) {
    const chip = chipSpec(name);
    const result = fit(chip, [{ model: model.name, layers: model.layers }]);
    const cycles = networkCycles(model.layers, chip, result.ok ? result.perLayer.map((p) => p.kernelStart) : undefined);
    chips[name] = { runs: entry.chips.includes(name), fit: result, cycles, us: Math.round(cyclesToUs(cycles, chip.cnnClockHz) * 1000) / 1000 };
  }
  return { entry, macs: modelMacs(model), chips };
}

const thousands = (n: number): string => n.toLocaleString('en-US');

function fitWord(c: ChipColumn): string {
  return c.fit.ok ? 'yes' : `no (${c.fit.limit})`;
}

function rowJson(r: ModelRow): Record<string, unknown> {
  return {
    name: r.entry.name,
    paper_name: r.entry.paperName,
    variant_of: r.entry.variantOf,
    layers: r.entry.layers,
    weight_bytes: r.entry.weightBytes,
    bias_bytes: r.entry.biasBytes,
    macs: r.macs,
    chips: Object.fromEntries(CHIP_NAMES.map((name) => {
      const c = r.chips[name];
      const f = c.fit;
      return [name, {
        runs: c.runs,
        fits: f.ok,
        ...(f.ok
          ? { max_kernel_columns: f.kernel.maxColumns, kernel_bytes: f.kernel.bytes, bias_bytes_used: f.bias.bytes }
          : { limit: f.limit, layer: f.layer, message: f.message }),
        cycles: c.cycles,
        us: c.us,
        calibrated: chipSpec(name).cyclesCalibrated,
      }];
    })),
  };
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the model zoo: fit on each chip, weight bytes, MACs, estimated CNN time',
  description: 'Fit is the synthesis tool\'s verdict for the whole model on one chip (FIT-RULES.md): yes, or no and the ' +
    'first limit broken. Time is the cycle model for the whole model as one network at the chip\'s CNN clock; a model ' +
    'that does not fit runs split across devices, so its time there is the sum of its parts without transfers. ' +
    'MAX78002 times use Analog Devices\' MAX78000 estimator, an assumption until calibrated on a board.',
  positionals: [],
  options: [],
  async run({ json, io }) {
    const rows = listZoo().map(rowOf);
    if (json) {
      io.out(JSON.stringify({ models: rows.map(rowJson) }));
      return EXIT.ok;
    }
    const headers = ['model', 'layers', 'weight B', 'MACs', ...CHIP_NAMES.flatMap((c) => [`${c} fit`, `${c} us`])];
    const cells = rows.map((r) => [
      r.entry.name,
      String(r.entry.layers),
      thousands(r.entry.weightBytes),
      thousands(r.macs),
      ...CHIP_NAMES.flatMap((c) => {
        const col = r.chips[c];
        return [fitWord(col), col.runs ? thousands(Math.round(col.us)) : '-'];
      }),
    ]);
    const notes = CHIP_NAMES.map((c) => calibrationNote(chipSpec(c))).filter((n): n is string => n !== null);
    io.out([table(headers, cells), '', '"-": the chip lacks an operator the model uses (depthwise convolution).', ...notes].join('\n'));
    return EXIT.ok;
  },
};
