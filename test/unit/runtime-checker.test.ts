// The output checker keeps the reference output of an input it has checked (host/runtime/
// checker.ts): with a sensor cycle the same inputs recur, and the reference is not recomputed
// for them; every delivered output is still compared byte for byte, so a wrong one for a
// recurring input is caught, and an input with other bytes is never given a kept reference.

import { afterEach, describe, expect, it } from 'vitest';
import { seededTensor } from '../../host/model/exec-cases.js';
import { loadModel } from '../../host/model/zoo.js';
import { OutputChecker } from '../../host/runtime/checker.js';
import { Ledger } from '../../host/runtime/ledger.js';
import { referenceOutput } from '../../host/runtime/reference.js';

let checker: OutputChecker | null = null;

afterEach(async () => {
  await checker?.close();
  checker = null;
});

describe('the output checker', () => {
  it('reuses the reference of a recurring input and still catches a wrong output for it', async () => {
    const model = loadModel('convnet5_mnist').model;
    const a = seededTensor(model.inputShape, 41).data as Int8Array;
    const b = seededTensor(model.inputShape, 42).data as Int8Array;
    const refA = referenceOutput(model, a);
    const refB = referenceOutput(model, b);
    expect(Buffer.from(refA).equals(Buffer.from(refB)), 'the two inputs must give different outputs').toBe(false);
    const ledger = new Ledger(['p']);
    checker = new OutputChecker(ledger, { every: 1, model: () => model });
    const check = async (seq: number, input: Int8Array, delivered: Uint8Array): Promise<void> => {
      checker!.submit('p', seq, 'convnet5_mnist', input, delivered);
      expect(await checker!.drain(60_000)).toBe(0);
    };
    await check(0, a, refA);
    expect(checker.reused).toBe(0);
    await check(1, Int8Array.from(a), refA);   // the same bytes in another array
    expect(checker.reused).toBe(1);
    const wrong = Uint8Array.from(refA);
    wrong[3] = (wrong[3]! + 1) & 0xff;
    await check(2, a, wrong);
    expect(checker.reused).toBe(2);
    await check(3, b, refB);                   // other bytes: computed
    expect(checker.reused).toBe(2);
    await check(4, b, refA);                   // B's kept reference, A's output: wrong
    expect(checker.reused).toBe(3);
    const oneOff = Int8Array.from(a);
    oneOff[oneOff.length - 1] = oneOff[oneOff.length - 1]! ^ 1;
    await check(5, oneOff, referenceOutput(model, oneOff));
    expect(checker.reused).toBe(3);
    expect(ledger.totals().checked).toBe(6);
    expect(ledger.totals().wrong).toBe(2);
    expect(ledger.wrongOutputs.map((w) => w.frame)).toEqual([2, 4]);
    expect(ledger.wrongOutputs[0]!.detail).toMatch(/byte 3/);
  });
});
