// synergy synth <model> [--layers i..j] [--chip] [--out FILE] [--c DIR] [--json]: the register
// program of a model or one of its segments, as the vendor's synthesis tool would generate it
// (host/synth/, docs/registers.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { choiceValue } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { loadModelArg } from '../model-run.js';
import { CHIP_NAMES, type ChipName } from '../../model/chips.js';
import { cSource } from '../../synth/c-source.js';
import { imageJson, type HwImage, type TensorLayout } from '../../synth/image.js';
import { SynthError } from '../../synth/synth-error.js';
import { synthesize } from '../../synth/synthesize.js';

/** "i..j" or "i": a layer range, inclusive. */
function layerRange(text: string): string {
  if (!/^\d+(\.\.\d+)?$/.test(text)) throw new Error(`"${text}" is not a layer range i..j (or one layer i)`);
  const [a, b] = text.split('..').map(Number) as [number, number | undefined];
  if (b !== undefined && b < a) throw new Error(`"${text}" ends before it starts`);
  return text;
}

function layoutText(kind: string, l: TensorLayout): string {
  const what = l.source === -1 ? 'network input' : `layer ${l.source} output`;
  return `  ${kind} ${what}: [${l.shape.join(', ')}] ${l.width}-bit ${l.format}, processors 0x${l.processors.toString(16).padStart(16, '0')}, `
    + `offset 0x${l.offset.toString(16).padStart(4, '0')}${l.writeGap ? `, write gap ${l.writeGap}` : ''}`;
}

function summary(img: HwImage, weights: string): string[] {
  const kernelWords = img.kernels.reduce((a, r) => a + r.words.length, 0);
  const biasBytes = img.bias.reduce((a, r) => a + r.bytes.length, 0);
  const unloadWords = img.unload.reduce((a, r) => a + r.words, 0);
  return [
    `${img.model} layers ${img.first}..${img.first + img.count - 1} on ${img.chip} (weights ${weights}):`,
    `  ${img.init.length} init, ${img.configure.length} configure and ${img.start.length} start writes`,
    `  kernels: ${img.kernels.length} loader records, ${kernelWords} words; bias: ${biasBytes} bytes in ${img.bias.length} records`,
    `  unload: ${unloadWords} words in ${img.unload.length} runs`,
    ...img.inputs.map((l) => layoutText('input ', l)),
    ...img.outputs.map((l) => layoutText('output', l)),
  ];
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'generate the register program (hardware image) of a model or a segment of it',
  description:
    'MODEL is a zoo name or a model file (a golden model.json with its weights works as it is).\n' +
    'The image holds what Analog Devices\' synthesis tool emits as cnn.c/weights.h (format max78000-hw-image/1,\n' +
    'see docs/registers.md): init, configure and start writes, kernel loader records, bias bytes, unload reads,\n' +
    'and where the input and output tensors live. --layers i..j makes the image of that segment alone.\n' +
    'With --json the image is the last line on stdout; --out FILE writes it; --c DIR writes cnn_program.h/.c.',
  positionals: [{ name: 'model', description: 'zoo name or model file (.json)' }],
  options: [
    { name: 'layers', value: 'I..J', parse: layerRange, description: 'the segment of layers I..J (default: every layer)' },
    { name: 'chip', value: 'CHIP', parse: choiceValue(...CHIP_NAMES), description: `${CHIP_NAMES.join(' or ')} (default max78000)` },
    { name: 'out', value: 'FILE', description: 'write the image (JSON) to FILE' },
    { name: 'c', value: 'DIR', description: 'write the image as C source (cnn_program.h, cnn_program.c) into DIR' },
  ],
  async run({ args, json, io }) {
    const loaded = loadModelArg(args.positionals[0]!);
    const chip = (args.string('chip') ?? 'max78000') as ChipName;
    const range = args.string('layers');
    const [first, last] = range === undefined ? [undefined, undefined] : (() => {
      const [a, b] = range.split('..').map(Number) as [number, number | undefined];
      return [a, b ?? a];
    })();
    let img: HwImage;
    try {
      img = synthesize(loaded.model, { chip, first, last });
    } catch (e) {
      if (e instanceof SynthError) throw new CommandFailure(`${e.limit}: ${e.message}`);
      throw e;
    }
    const doc = JSON.stringify(imageJson(img));
    const written: string[] = [];
    try {
      const out = args.string('out');
      if (out !== undefined) {
        writeFileSync(out, doc + '\n');
        written.push(out);
      }
      const dir = args.string('c');
      if (dir !== undefined) {
        mkdirSync(dir, { recursive: true });
        const { header, source } = cSource(img);
        writeFileSync(join(dir, 'cnn_program.h'), header);
        writeFileSync(join(dir, 'cnn_program.c'), source);
        written.push(join(dir, 'cnn_program.h'), join(dir, 'cnn_program.c'));
      }
    } catch (e) {
      throw new CommandFailure(`cannot write the image: ${(e as Error).message}`);
    }
    if (json) {
      if (written.length) io.err(`wrote ${written.join(', ')}`);
      io.out(doc);
      return EXIT.ok;
    }
    for (const line of summary(img, loaded.weights)) io.out(line);
    if (written.length) io.out(`wrote ${written.join(', ')}`);
    return EXIT.ok;
  },
};
