// The register generator against Analog Devices' own programs: for the golden networks whose
// hw-image.json the synthesis tool generated, synthesize() must give the same program (issue 12
// point 2: init and start in order, configure as a set, kernels, bias, unload). Also the tensor
// layouts on every golden network: each layer's recorded output placed by its layout and gathered
// back is itself, and the unload words of the tool's image are exactly the words gather reads.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGolden } from '../../host/model/exec-golden.js';
import { compareImages, parseVendorImage } from '../../host/synth/compare.js';
import { imageJson, parseHwImage } from '../../host/synth/image.js';
import { gatherTensor, inputLayout, layoutWords, outputLayout, placeTensor } from '../../host/synth/layout.js';
import { synthesize } from '../../host/synth/synthesize.js';
import { requireShared } from '../../host/model/shared-dir.js';

const WITH_IMAGE = ['mnist', 'kws20_v3', 'cifar100-ressimplenet-synth'];
const ALL = ['mnist', 'mnist-actvariant', 'kws20_v3', 'kws20_v3-pre2023', 'cifar100-simple-synth',
  'cifar100-ressimplenet-synth', 'cifar100-simplewide2x-synth'];

function needGolden(name: string): string {
  return dirname(requireShared(`golden/${name}/model.json`, "the register generator's golden comparisons need it"));
}

describe('synthesize() equals the synthesis tool\'s image', () => {
  it.each(WITH_IMAGE)('%s', (name) => {
    const dir = needGolden(name);
    const set = loadGolden(dir, name);
    const vendor = parseVendorImage(JSON.parse(readFileSync(join(dir, 'hw-image.json'), 'utf8')));
    const img = synthesize(set.model, { chip: 'max78000' });
    expect(compareImages(img, vendor)).toEqual([]);
    // The JSON form carries the same image, extension fields included.
    expect(parseHwImage(JSON.parse(JSON.stringify(imageJson(img))))).toEqual(img);
  });

  it('notices a program that differs (one configure value, one kernel word)', () => {
    const dir = needGolden('mnist');
    const set = loadGolden(dir, 'mnist');
    const vendor = parseVendorImage(JSON.parse(readFileSync(join(dir, 'hw-image.json'), 'utf8')));
    const img = synthesize(set.model, { chip: 'max78000' });
    const bent = { ...img, configure: img.configure.map((w, i) => (i === 7 ? ([w[0], w[1] ^ 1, w[2]] as const) : w)) };
    expect(compareImages(bent, vendor).join('\n')).toMatch(/configure: 1 writes only in the first/);
    const k = img.kernels[3]!;
    const badKernel = { ...img, kernels: img.kernels.map((r) => (r === k ? { addr: r.addr, words: [r.words[0]! ^ 0x100, ...r.words.slice(1)] } : r)) };
    expect(compareImages(badKernel, vendor).join('\n')).toMatch(/kernels\[3\] at 0x[0-9a-f]{8}: item 0/);
  });
});

describe('image documents', () => {
  it('refuse a bad field by name', () => {
    const set = loadGolden(needGolden('mnist'), 'mnist');
    const doc = imageJson(synthesize(set.model, { chip: 'max78000' }));
    const bad = (patch: Record<string, unknown>): (() => unknown) => () => parseHwImage({ ...JSON.parse(JSON.stringify(doc)), ...patch });
    expect(bad({ chip: 'max78003' })).toThrow(/chip "max78003" is neither/);
    expect(bad({ format: 'other/1' })).toThrow(/format "other\/1"/);
    expect(bad({ outputs: [{ ...(doc['outputs'] as object[])[0], processors: '0x3ff' }] })).toThrow(/outputs\[0\]\.processors: "0x3ff" is not/);
    expect(bad({ configure: [[0x5010_0010, -1, 'Rows']] })).toThrow(/configure\[0\]\[1\]: -1 is not a 32-bit/);
  });
});

describe('tensor layouts place and gather the golden tensors', () => {
  it.each(ALL)('%s: every layer output and the input round-trip; unload reads exactly the output words', (name) => {
    const dir = needGolden(name);
    const set = loadGolden(dir, name);
    const memory = new Map<number, number>();
    const read = (addr: number): number => {
      const w = memory.get(addr);
      if (w === undefined) throw new Error(`read of unwritten word ${addr.toString(16)}`);
      return w;
    };
    const tensors = [{ layout: inputLayout(set.model), data: set.input.data }, ...set.layers.map((g) => ({ layout: outputLayout(set.model, g.layer), data: g.output.data }))];
    for (const { layout, data } of tensors) {
      memory.clear();
      const words = placeTensor(layout, 'max78000', data);
      let twice = 0;
      for (const w of words) {
        if (memory.has(w.addr)) twice++;
        memory.set(w.addr, w.word);
      }
      expect(twice, `${name} tensor ${layout.source}: words placed twice`).toBe(0);
      const back = gatherTensor(layout, 'max78000', read);
      const bad = back.findIndex((v, k) => v !== data[k]);
      expect(bad, `${name} tensor ${layout.source}: value ${bad} differs`).toBe(-1);
      expect(back.length).toBe(data.length);
    }
    const img = synthesize(set.model, { chip: 'max78000' });
    const last = set.model.layers.length - 1;
    const gathered: number[] = [];
    gatherTensor(outputLayout(set.model, last), 'max78000', (addr) => {
      gathered.push(addr);
      return 0;
    });
    const unloaded = img.unload.flatMap((r) => Array.from({ length: r.words }, (_, k) => r.addr + 4 * k));
    expect(unloaded).toEqual(gathered);
    if (WITH_IMAGE.includes(name)) {
      const vendor = parseVendorImage(JSON.parse(readFileSync(join(dir, 'hw-image.json'), 'utf8')));
      expect(vendor.unload.flatMap((r) => Array.from({ length: r.words }, (_, k) => r.addr + 4 * k))).toEqual(gathered);
    }
    expect(layoutWords(outputLayout(set.model, last), 'max78000').length).toBe(gathered.length);
  });

  it('places 8-bit channels in the lanes of their processors (mnist layer 0: 60 channels from processor 4)', () => {
    const set = loadGolden(needGolden('mnist'), 'mnist');
    const layout = outputLayout(set.model, 0);
    const words = placeTensor(layout, 'max78000', set.layers[0]!.output.data);
    // Processors 4..7 share instance 1 of quadrant 0: channels 0..3 of pixel 0 in its first word.
    const first = words.find((w) => w.addr === 0x5040_8000 + layout.offset)!;
    const out = set.layers[0]!.output;
    const px = out.shape[1] * out.shape[2];
    const expected = [0, 1, 2, 3].reduce((a, c) => a | ((out.data[c * px]! & 0xff) << (8 * c)), 0) >>> 0;
    expect(first.word).toBe(expected);
    expect(first.mask).toBe(0xffff_ffff);
  });
});
