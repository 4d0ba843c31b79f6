import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLayerTable, parseLayerTable } from '../../host/model/import-table.js';
import { ModelError } from '../../host/model/model-error.js';
import { weightBytes } from '../../host/model/layer.js';
import { goldenSets, requireShared } from '../../host/model/shared-dir.js';

const WHY = 'the import tests need the shared layer tables and golden networks';

describe('import format', () => {
  const tables = requireShared('models', WHY);
  const files = readdirSync(tables).filter((f) => f.endsWith('.json'));
  it.each(files)('reads %s, its shapes chain and weight bytes match its totals', (file) => {
    const model = readLayerTable(join(tables, file));
    expect(model.layers.length).toBeGreaterThan(0);
    const raw = JSON.parse(readFileSync(join(tables, file), 'utf8')) as { totals: { weight_bytes: number } };
    expect(model.layers.reduce((a, l) => a + weightBytes(l), 0)).toBe(raw.totals.weight_bytes);
  });

  const golden = goldenSets(WHY);
  it.each(golden.names)('reads golden %s with its weights', (dir) => {
    const model = readLayerTable(join(golden.dir, dir, 'model.json'));
    expect(model.params).not.toBeNull();
    model.layers.forEach((l, i) => {
      const p = model.params![i]!;
      expect(p.weights?.length ?? 0).toBe(l.weightsShape ? l.weightsShape.reduce((a, b) => a * b, 1) : 0);
    });
  });
});

describe('bad tables', () => {
  const base = {
    input_shape: [3, 8, 8],
    layers: [{ op: 'conv2d', kernel: [3, 3], pad: [1, 1], input_sources: [-1], input_shape: [3, 8, 8], pooled_shape: [3, 8, 8],
      output_shape: [4, 8, 8], weight_bits: 8, weights_shape: [4, 3, 3, 3] }],
  };
  const variant = (patch: Record<string, unknown>) => ({ ...base, layers: [{ ...base.layers[0], ...patch }] });

  it('accepts the base table', () => {
    expect(parseLayerTable(base, 'base.json').layers[0]!.outputShape).toEqual([4, 8, 8]);
  });
  it.each([
    ['op', { op: 'conv3d' }, /layer 0 \(layer0\)\.op: "conv3d" is not one of/],
    ['output shape', { output_shape: [4, 9, 8] }, /output_shape: is \[4, 9, 8\], conv2d gives \[4, 8, 8\]/],
    ['weights shape', { weights_shape: [4, 2, 3, 3] }, /weights_shape: is \[4, 2, 3, 3\].*needs \[4, 3, 3, 3\]/],
    ['bits', { weight_bits: 3 }, /weight_bits: 3 is not one of 1, 2, 4, 8/],
    ['sources', { input_sources: [0] }, /input_sources: source 0 is not the network input/],
    ['weights length', { weights: [1, 2, 3] }, /weights: has 3 values, the shape needs 108/],
    ['weights range', { weight_bits: 2, weights: Array(108).fill(2) }, /value 0 is 2, outside the 2-bit range -2..1/],
  ])('refuses a bad %s with file, layer and reason', (_what, patch, message) => {
    expect(() => parseLayerTable(variant(patch), 'bad.json')).toThrow(ModelError);
    expect(() => parseLayerTable(variant(patch), 'bad.json')).toThrow(message);
  });
});
