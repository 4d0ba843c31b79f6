// synergy infer <model | model.json> --input <tensor.json> [--board ...] [--json]: one inference
// through the protocol, on emulated boards unless boards are named (split across several when
// one cannot hold the model), printing the output tensor and per-layer cycles.

import { EXIT, type Command } from '../command.js';
import { UsageError } from '../args.js';
import { BOARDS_HELP } from '../desk-arg.js';
import { EMULATED_OPTIONS, loadModelArg, withDeployment } from '../model-run.js';
import { table } from '../output.js';
import { inputArg, tensorJson } from '../tensor-file.js';
import { showShape, tensorWidth, type Tensor } from '../../model/tensor.js';

const SHOWN_VALUES = 256;

function valuesText(t: Tensor): string {
  const values = Array.from(t.data.subarray(0, SHOWN_VALUES) as ArrayLike<number>);
  const more = t.data.length - values.length;
  return values.join(' ') + (more > 0 ? ` ... (${more} more)` : '');
}

export const inferCommand: Command = {
  name: 'infer',
  summary: 'run one inference of a model on boards and print the output tensor and per-layer cycles',
  description:
    'MODEL is a zoo name or a model file (a golden model.json with its weights works as it is).\n' +
    'INPUT is a JSON tensor {"shape": [C, H, W], "data": [int8 ...]} (the golden input.json format).\n' +
    'Without --board the command starts emulated boards (as many as the model needs) and stops them after.\n' +
    'BOARD is a board id (synergy boards), a port path, emulated:N[:CHIP] or qemu:N[:CHIP]; several boards\n' +
    'split the model. --qemu N starts N QEMU boards (firmware/build/qemu-an386 under qemu-system-arm).\n' +
    'With --json: {"shape", "data", "layers": [{"name", "cycles"}]} on stdout.',
  positionals: [{ name: 'model', description: 'zoo name or model file (.json)' }],
  options: [
    { name: 'input', value: 'FILE', description: 'input tensor JSON (required)' },
    { name: 'board', value: 'BOARD', repeatable: true, description: BOARDS_HELP },
    ...EMULATED_OPTIONS,
  ],
  async run({ args, json, io, signal }) {
    const inputPath = args.string('input');
    if (inputPath === undefined) throw new UsageError('synergy infer: --input FILE is required (a JSON tensor {"shape", "data"})');
    const loaded = loadModelArg(args.positionals[0]!);
    const input = inputArg(inputPath, loaded.model);
    return withDeployment('infer', args.list('board'), args, loaded, signal, async ({ deployment, progress }) => {
      progress.update(1, `running ${loaded.model.name}`);
      const run = await deployment.run(input);
      progress.done();
      if (json) {
        io.out(JSON.stringify({ ...tensorJson(run.output), layers: run.layers.map((l) => ({ name: l.name, cycles: l.cycles })) }));
        return EXIT.ok;
      }
      const where = [...new Set(deployment.segments.map((s) => `${s.session.boardId} (${s.session.hello.chip})`))].join(', ');
      io.out(`${loaded.model.name} on ${where}; weights ${loaded.weights}`);
      io.out(`output ${showShape(run.output.shape)} int${tensorWidth(run.output)}:`);
      io.out(valuesText(run.output));
      io.out('');
      io.out(
        table(
          ['LAYER', 'NAME', 'BOARD', 'CYCLES', 'US'],
          run.layers.map((l) => [String(l.index), l.name, l.board, l.cycles.toLocaleString('en-US'), l.us.toFixed(2)]),
        ),
      );
      io.out(`total ${run.totalCycles.toLocaleString('en-US')} cycles, ${run.totalUs.toFixed(1)} us on the device (leading cycle of each segment included)`);
      return EXIT.ok;
    });
  },
};
