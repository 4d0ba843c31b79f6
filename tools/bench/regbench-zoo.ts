// The inputs of `make bench-regmodel-zoo` (firmware/port/host/regbench.c --zoo DIR): for every zoo
// model that fits one MAX78000 whole, the same network twice, with the same weights: as a format 1
// segment for the layer engine (host/model/segment-codec.ts) and as the hardware image the
// register generator makes of it (host/synth/), plus a seeded input. The C benchmark runs both
// engines on it, demands equal outputs and times them.
//
//   node dist/tools/bench/regbench-zoo.js DIR
//
// Writes DIR/<model>.seg, DIR/<model>.image.json and DIR/<model>.input.bin; lists the models.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chipSpec } from '../../host/model/chips.js';
import { seededTensor } from '../../host/model/exec-cases.js';
import { fit } from '../../host/model/fit.js';
import { encodeSegment, segmentOf } from '../../host/model/segment-codec.js';
import { loadModel, zooNames } from '../../host/model/zoo.js';
import { imageJson } from '../../host/synth/image.js';
import { hardwareLayers, synthesize } from '../../host/synth/synthesize.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: regbench-zoo DIR\n');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const chip = chipSpec('max78000');
for (const name of zooNames()) {
  const { model } = loadModel(name);
  const verdict = fit(chip, [{ model: model.name, layers: hardwareLayers(model) }]);
  if (!verdict.ok) {
    process.stdout.write(`${name}: does not fit one MAX78000 (${verdict.limit}), left out\n`);
    continue;
  }
  const image = synthesize(model, { chip: 'max78000' });
  writeFileSync(join(dir, `${name}.seg`), encodeSegment(segmentOf(model, 0, model.layers.length)));
  writeFileSync(join(dir, `${name}.image.json`), JSON.stringify(imageJson(image)));
  const input = seededTensor(model.inputShape, 0x5eed);
  writeFileSync(join(dir, `${name}.input.bin`), new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength));
  process.stdout.write(`${name}: ${model.layers.length} layers\n`);
}
