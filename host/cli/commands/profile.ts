// synergy profile <model> [--boards ...] [--runs N] [--out dir]: loads the model (split across
// boards when one cannot hold it), times every segment on the device (warm-up, then N runs;
// per-layer min, median, max) and writes profile.json, profile.csv and profile.html (SVG charts
// of per-layer latency and each chip's memory use).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intValue } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { BOARDS_HELP } from '../desk-arg.js';
import { EMULATED_OPTIONS, loadModelArg, withDeployment } from '../model-run.js';
import { makeDirs, prepareOutputDir } from '../output-dir.js';
import { table } from '../output.js';
import { PROFILE_MAX_RUNS, PROFILE_MAX_WARMUP } from '../../proto/index.js';
import { inputArg } from '../tensor-file.js';
import { seededTensor } from '../../model/exec-cases.js';
import type { Tensor } from '../../model/tensor.js';
import { profileCsv, profileDocument, profileHtml } from '../../report/profile-report.js';

export const profileCommand: Command = {
  name: 'profile',
  summary: 'load a model on boards, time every layer on the device and write a report (JSON, CSV, HTML)',
  description:
    'MODEL is a zoo name or a model file. BOARDS are board ids (synergy boards), port paths or\n' +
    'emulated:N[:CHIP] (N emulated boards started for this run) or qemu:N[:CHIP] (QEMU boards;\n' +
    '--qemu N too); without --boards the command starts as many emulated boards as the model\n' +
    'needs and stops them after. The model is split at\n' +
    'contiguous layer boundaries when one board cannot hold it. Each segment runs WARMUP times\n' +
    'untimed and N times timed on the board; times are the board\'s cycles at its CNN clock.\n' +
    'Writes DIR/profile.json, DIR/profile.csv and DIR/profile.html; --json prints profile.json.',
  positionals: [{ name: 'model', description: 'zoo name or model file (.json)' }],
  options: [
    { name: 'boards', value: 'BOARDS', repeatable: true, description: BOARDS_HELP },
    { name: 'runs', value: 'N', parse: intValue(1, PROFILE_MAX_RUNS), description: `timed runs per segment, 1..${PROFILE_MAX_RUNS} (default 10)` },
    { name: 'warmup', value: 'N', parse: intValue(0, PROFILE_MAX_WARMUP), description: `untimed runs first, 0..${PROFILE_MAX_WARMUP} (default 2)` },
    { name: 'input', value: 'FILE', description: 'input tensor JSON (default: a seeded random input)' },
    { name: 'out', value: 'DIR', description: 'where to write the report (default profile-<model>)' },
    ...EMULATED_OPTIONS,
  ],
  async run({ args, json, io, signal }) {
    const loaded = loadModelArg(args.positionals[0]!);
    const model = loaded.model;
    const inputPath = args.string('input');
    const input: Tensor = inputPath !== undefined ? inputArg(inputPath, model) : seededTensor(model.inputShape, 1);
    const outDir = prepareOutputDir(args.string('out') ?? `profile-${model.name}`, '--out');
    const runs = args.number('runs') ?? 10;
    const warmup = args.number('warmup') ?? 2;
    return withDeployment('profile', args.list('boards'), args, loaded, signal, async ({ deployment, progress }) => {
      const n = deployment.segments.length;
      progress.update(0, `profiling ${model.name}: segment 1 of ${n}`);
      const prof = await deployment.profile(input, {
        warmup,
        runs,
        onSegment: (done, of) => progress.update(done / of, `profiling ${model.name}: segment ${Math.min(done + 1, of)} of ${of}`),
      });
      progress.done();
      const doc = profileDocument(model, loaded.weights, deployment, prof);
      try {
        makeDirs(outDir);
        writeFileSync(join(outDir, 'profile.json'), JSON.stringify(doc, null, 2) + '\n');
        writeFileSync(join(outDir, 'profile.csv'), profileCsv(doc));
        writeFileSync(join(outDir, 'profile.html'), profileHtml(doc));
      } catch (e) {
        throw new CommandFailure(`cannot write the report to ${outDir}: ${(e as Error).message}`);
      }
      if (json) {
        io.out(JSON.stringify(doc));
        return EXIT.ok;
      }
      io.out(`${model.name} on ${doc.boards.map((b) => `${b.id} (${b.chip})`).join(', ')}; ${warmup} warm-up + ${runs} timed runs per segment`);
      io.out(
        table(
          ['LAYER', 'NAME', 'BOARD', 'MIN', 'MEDIAN', 'MAX', 'MEDIAN US', 'MODEL'],
          doc.layers.map((l) => [String(l.index), l.name, l.board, String(l.min), String(l.median), String(l.max), l.median_us.toFixed(2), String(l.model_cycles)]),
        ),
      );
      const t = doc.total;
      io.out(
        `total ${t.cycles.toLocaleString('en-US')} cycles (${t.us.toFixed(1)} us); cycle model ${t.model_cycles.toLocaleString('en-US')} cycles ` +
          `(${t.model_us.toFixed(1)} us), ${t.difference_pct >= 0 ? '+' : ''}${t.difference_pct.toFixed(2)}%`,
      );
      io.out(`wrote ${join(outDir, 'profile.json')}, profile.csv, profile.html`);
      return EXIT.ok;
    });
  },
};
