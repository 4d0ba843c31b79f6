// Reading and writing tensors as JSON files, in the golden `input.json` format as it is:
// {"shape": [C, H, W] (or [C, L] / [C]), "data": [int8 values, CHW order], "dtype": "int8"
// (optional), ...other keys}.

import { readFileSync } from 'node:fs';
import { checkModelInput } from '../board/deploy-model.js';
import type { Model, Shape3 } from '../model/layer.js';
import type { Tensor } from '../model/tensor.js';

export class TensorFileError extends Error {
  override readonly name = 'TensorFileError';
}

/** Reads an int8 tensor file; every mistake names the file and the place. */
export function readTensorFile(path: string): Tensor {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TensorFileError(`${path}: cannot read a JSON tensor: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new TensorFileError(`${path}: expected an object with "shape" and "data"`);
  const o = doc as Record<string, unknown>;
  // The golden files say "dtype": "int8"; a file that says another type holds other values.
  const dtype = o['dtype'];
  if (dtype !== undefined && dtype !== 'int8') throw new TensorFileError(`${path}: "dtype" is ${JSON.stringify(dtype)}; the boards take int8 tensors`);
  const shape = o['shape'];
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 3 || !shape.every((d) => Number.isInteger(d) && (d as number) >= 1)) {
    throw new TensorFileError(`${path}: "shape" must be 1 to 3 positive integers ([C, H, W], [C, L] or [C]); got ${JSON.stringify(shape)}`);
  }
  const s = shape as number[];
  const shape3: Shape3 = [s[0]!, s[1] ?? 1, s[2] ?? 1];
  const n = shape3[0] * shape3[1] * shape3[2];
  const data = o['data'];
  if (!Array.isArray(data)) throw new TensorFileError(`${path}: "data" must be a list of ${n} int8 values`);
  if (data.length !== n) throw new TensorFileError(`${path}: "data" has ${data.length} values; shape ${JSON.stringify(s)} needs ${n}`);
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || (v as number) < -128 || (v as number) > 127) {
      throw new TensorFileError(`${path}: data[${i}] is ${JSON.stringify(v)}; int8 values are integers in -128..127`);
    }
    out[i] = v as number;
  }
  return { shape: shape3, data: out };
}

/** The `--input` tensor of a command, checked against the model's input: bad input (exit 2) names the file and the reason. */
export function inputArg(path: string, model: Model): Tensor {
  const input = readTensorFile(path);
  try {
    checkModelInput(model, input);
  } catch (e) {
    throw new TensorFileError(`${path}: ${(e as Error).message}`);
  }
  return input;
}

/** A tensor as the JSON the CLI prints: shape and values (int8 or int32). */
export function tensorJson(t: Tensor): { shape: number[]; data: number[] } {
  return { shape: [...t.shape], data: Array.from(t.data) };
}
