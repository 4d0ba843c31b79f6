// npm run bench:exec [-- --json]: speed of the two bit-exact executors.
//   1. every zoo model (host/model/zoo.ts weights) on a seeded input, whole: the TypeScript reference
//      executor (host/model/exec.ts) and the C simulator (synergy-accel run, one process per
//      model, encoding and spawn included), plus the simulator's planned arena peak;
//   2. the differential set: N random single layers in TypeScript and in C (one process).
// Both must agree (hash of every layer); a disagreement aborts the benchmark.
// Prints a table; with --json it ends with one JSON line of the numbers.

import { accelToolBuilt, accelToolPath } from '../../host/model/accel-tool.js';
import { layerCase, seededTensor } from '../../host/model/exec-cases.js';
import { runLayer, runModel } from '../../host/model/exec.js';
import { runOnSimulator } from '../../host/model/exec-sim.js';
import { segmentOf } from '../../host/model/segment-codec.js';
import { tensorHash } from '../../host/model/tensor.js';
import { listZoo, loadModel } from '../../host/model/zoo.js';
import { json, log } from './bench-args.js';

const CASES = 3000;

function fail(msg: string): never {
  process.stderr.write(`bench:exec: ${msg}\n`);
  process.exit(1);
}

if (!accelToolBuilt()) fail(`${accelToolPath()} is missing: run \`make firmware\` first`);

interface ModelRow { model: string; weights: string; layers: number; chip: string; ts_ms: number; c_ms: number; peak_bytes: number }
const rows: ModelRow[] = [];
log('model                              weights    layers  chip      TS ms    C ms   sim arena peak');
for (const { name: file } of listZoo()) {
  const { model, chips, weights } = loadModel(file);
  const input = seededTensor(model.inputShape, 0x57117);
  const chip = chips.includes('max78000') && model.layers.length <= 32 ? 'max78000' : 'max78002';
  const t0 = performance.now();
  const outs = runModel(model, model.params!, input);
  const t1 = performance.now();
  const [r] = runOnSimulator([{ chip, segments: [segmentOf(model, 0, model.layers.length)], inputs: new Map([[-1, input]]) }]);
  const t2 = performance.now();
  if (!r!.ok) fail(`${file}: the simulator refused: ${r!.error}`);
  const bad = r!.segments[0]!.layers.find((l) => l.hash !== tensorHash(outs[l.id]!));
  if (bad) fail(`${file}: layer ${bad.id} differs between TypeScript and C`);
  const row = { model: model.name, weights, layers: model.layers.length, chip, ts_ms: Math.round(t1 - t0), c_ms: Math.round(t2 - t1), peak_bytes: r!.segments[0]!.peakBytes };
  rows.push(row);
  log(`${row.model.padEnd(34)} ${weights.padEnd(9)} ${String(row.layers).padStart(6)}  ${chip}  ${String(row.ts_ms).padStart(6)}  ${String(row.c_ms).padStart(6)}   ${row.peak_bytes.toLocaleString('en-US')} B`);
}

const cases = Array.from({ length: CASES }, (_, k) => layerCase(0x5eed0000 + k));
const d0 = performance.now();
const expected = cases.map((c) => {
  const l = c.model.layers[c.layer]!;
  return runLayer(l, c.model.params![c.layer]!, l.inputSources.map((s) => c.inputs.get(s)!));
});
const d1 = performance.now();
const results = runOnSimulator(cases.map((c) => ({ chip: c.chip, segments: [segmentOf(c.model, c.layer, 1)], inputs: c.inputs })));
const d2 = performance.now();
const differ = results.filter((r, k) => !r.ok || r.segments[0]!.layers[0]!.hash !== tensorHash(expected[k]!)).length;
if (differ > 0) fail(`${differ} of ${CASES} random layers differ between TypeScript and C`);
const differential = { cases: CASES, ts_ms: Math.round(d1 - d0), c_ms: Math.round(d2 - d1) };
log(`differential: ${CASES} random layers, TypeScript ${differential.ts_ms} ms, C ${differential.c_ms} ms (one process), all equal`);

if (json) process.stdout.write(JSON.stringify({ bench: 'exec', models: rows, differential }) + '\n');
