// Worker thread of the output checker: computes reference outputs off the main thread, so the
// relays the run measures are not held up by the executor. Messages in: {id, model, input};
// out: {id, output} or {id, error}. Models are loaded once (the zoo's weights, as deployed).

import { parentPort } from 'node:worker_threads';
import type { Model } from '../model/layer.js';
import { loadModel } from '../model/zoo.js';
import { referenceOutput } from './reference.js';

export interface CheckRequest {
  id: number;
  model: string;
  input: Uint8Array;
}

export type CheckAnswer = { id: number; output: Uint8Array; ms: number } | { id: number; error: string };

const models = new Map<string, Model>();

parentPort?.on('message', (req: CheckRequest) => {
  try {
    let model = models.get(req.model);
    if (!model) models.set(req.model, (model = loadModel(req.model).model));
    const t0 = performance.now();
    const input = new Int8Array(req.input.buffer, req.input.byteOffset, req.input.length);
    const output = referenceOutput(model, input);
    parentPort!.postMessage({ id: req.id, output, ms: performance.now() - t0 } satisfies CheckAnswer);
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: (e as Error).message } satisfies CheckAnswer);
  }
});
