// The runtime's bookkeeping: the frame ledger (every frame settles exactly once; the sums
// balance), the semaphores and slot pools stages use, the output checker's verdicts (a wrong
// output is caught and counted), segment ids and the measured throughput's definition.

import { describe, expect, it } from 'vitest';
import { loadModel } from '../../host/model/zoo.js';
import { OutputChecker } from '../../host/runtime/checker.js';
import { Ledger, LedgerError } from '../../host/runtime/ledger.js';
import { LatencyHistogram, Metrics } from '../../host/runtime/metrics.js';
import { outputDifference, referenceOutput } from '../../host/runtime/reference.js';
import { segmentId, throughputOf } from '../../host/runtime/run-plan.js';
import { ClosedError, Pool, RankedLane, Semaphore } from '../../host/runtime/semaphore.js';
import { synthesizeFrame } from '../../host/runtime/sensor-data.js';

describe('the frame ledger', () => {
  it('counts started, delivered and failed frames per pipeline and reason, and balances', () => {
    const l = new Ledger(['a', 'b']);
    const f1 = l.start('a', 0);
    const f2 = l.start('a', 1);
    const f3 = l.start('b', 2);
    expect(() => l.assertBalanced()).toThrow(LedgerError);
    f1.delivered(10);
    f2.failed('board x lost', 11);
    f3.failed('board x lost', 12);
    l.assertBalanced();
    expect(l.pipeline('a')).toMatchObject({ started: 2, delivered: 1, failed: 1, reasons: { 'board x lost': 1 } });
    expect(l.totals()).toMatchObject({ started: 3, delivered: 1, failed: 2, reasons: { 'board x lost': 2 } });
  });

  it('refuses to settle a frame twice and an unknown pipeline', () => {
    const l = new Ledger(['a']);
    const f = l.start('a', 0);
    f.delivered(1);
    expect(() => f.failed('late', 2)).toThrow(/settled twice/);
    expect(() => l.start('zz', 0)).toThrow(/no pipeline "zz"/);
  });
});

describe('semaphores and slot pools', () => {
  it('serve waiters in order, all units of a request at once', async () => {
    const s = new Semaphore(3);
    await s.acquire(2);
    const order: string[] = [];
    const big = s.acquire(2).then(() => order.push('big'));
    const small = s.acquire(1).then(() => order.push('small'));
    await Promise.resolve();
    expect(order).toEqual([]); // the small one does not overtake the big one at the head
    s.release(2);
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
  });

  it('fail waiters when closed (a board lost)', async () => {
    const pool = new Pool([0, 1]);
    const held = await pool.take(2);
    expect(held.sort()).toEqual([0, 1]);
    const waiting = pool.take(1);
    pool.close(new ClosedError('board x lost'));
    await expect(waiting).rejects.toThrow('board x lost');
  });

  it('a link lane passes to the waiting transfer with the fewest bytes left, ties in arrival order', async () => {
    const lane = new RankedLane();
    await lane.acquire(500_000);
    const order: string[] = [];
    const waits = [
      lane.acquire(400_000).then(() => order.push('map rest')),
      lane.acquire(116_000).then(() => order.push('tensor a')),
      lane.acquire(116_000).then(() => order.push('tensor b')),
    ];
    await Promise.resolve();
    expect(order).toEqual([]); // held
    for (let k = 0; k < 3; k++) {
      lane.release();
      await Promise.resolve();
    }
    await Promise.all(waits);
    expect(order).toEqual(['tensor a', 'tensor b', 'map rest']);
    lane.release();
    const again = lane.acquire(1);
    await again; // free again: taken at once
    const late = lane.acquire(2);
    lane.close(new ClosedError('board x lost'));
    await expect(late).rejects.toThrow('board x lost');
    await expect(lane.acquire(3)).rejects.toThrow('board x lost');
  });

  it('a link lane asks a changing rank again each time it passes on', async () => {
    const lane = new RankedLane();
    await lane.acquire(0);
    let aged = 1000;
    const order: string[] = [];
    const a = lane.acquire(() => aged).then(() => order.push('aged'));
    const b = lane.acquire(500).then(() => order.push('short'));
    aged = 100; // it waited long enough to go first
    lane.release();
    lane.release();
    await Promise.all([a, b]);
    expect(order).toEqual(['aged', 'short']);
  });
});

describe('the output checker', () => {
  const { model } = loadModel('convnet5_mnist');
  const input = synthesizeFrame([1, 28, 28], 'cam', 0, 7);

  it('counts a right output as checked and a wrong one as wrong, naming the byte', async () => {
    const ledger = new Ledger(['digits']);
    const checker = new OutputChecker(ledger, { every: 1, model: () => model });
    const right = referenceOutput(model, input);
    const wrong = right.slice();
    wrong[5] = wrong[5]! ^ 1;
    checker.submit('digits', 0, 'convnet5_mnist', input, right);
    checker.submit('digits', 1, 'convnet5_mnist', input, wrong);
    expect(await checker.drain(20_000)).toBe(0);
    await checker.close();
    expect(ledger.pipeline('digits')).toMatchObject({ checked: 2, wrong: 1 });
    expect(ledger.wrongOutputs[0]).toMatchObject({ pipeline: 'digits', frame: 1 });
    expect(ledger.wrongOutputs[0]!.detail).toMatch(/^byte 5 is /);
  });

  it('samples the first frame and then one in N', () => {
    const checker = new OutputChecker(new Ledger(['p']), { every: 10, model: () => model });
    expect([0, 1, 9, 10, 20, 25].map((k) => checker.wants(k))).toEqual([true, false, false, true, true, false]);
    void checker.close();
  });

  it('skips a sampled frame the run cannot afford to fetch, and counts it skipped', () => {
    const checker = new OutputChecker(new Ledger(['p']), { every: 10, model: () => model });
    let asked = 0;
    const never = (): boolean => (asked++, false);
    expect([0, 5, 10].map((k) => checker.wants(k, never))).toEqual([false, false, false]);
    expect(asked).toBe(2); // frame 5 is not a sample: nothing to afford
    expect(checker.skipped).toBe(2);
    void checker.close();
  });

  it('tells how two outputs differ', () => {
    expect(outputDifference(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBeNull();
    expect(outputDifference(Uint8Array.of(1, 2), Uint8Array.of(1))).toMatch(/1 bytes delivered, the reference has 2/);
  });
});

describe('run plans and measurements', () => {
  it('segment ids stay within 64 bytes and stay distinct', () => {
    expect(segmentId('objects', 'simplenet_cifar100', 0, 10)).toBe('objects/simplenet_cifar100:0-9');
    const long = 'p'.repeat(80);
    const a = segmentId(long, 'm', 0, 5);
    const b = segmentId(long, 'm', 5, 5);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
  });

  it('measured throughput follows the objective: max-min of rate/weight, or the weighted sum', () => {
    const rates = new Map([['a', 10], ['b', 30]]);
    const weights = new Map([['a', 1], ['b', 2]]);
    expect(throughputOf('maxmin', rates, weights)).toBe(10);
    expect(throughputOf('sum', rates, weights)).toBe(70);
  });

  it('latency quantiles are within 2% of the values added', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.add(i);
    expect(h.quantile(0.5)).toBeGreaterThanOrEqual(500);
    expect(h.quantile(0.5)).toBeLessThanOrEqual(510);
    expect(h.quantile(0.99)).toBeGreaterThanOrEqual(990);
    expect(h.quantile(0.99)).toBeLessThanOrEqual(1000);
  });

  it('a pipeline split over routes measures the sum of its routes, each from its own first delivery', () => {
    const m = new Metrics(0, ['seg', 'one']);
    m.openWindow(0, ['seg', 'one']);
    // A fast route delivers 1 frame/s from t=2 s; a slow one 0.5 frame/s, first at t=10 s.
    for (let t = 2000; t <= 30000; t += 1000) m.delivered('seg', t, 2000, 'fast');
    for (let t = 10000; t <= 30000; t += 2000) m.delivered('seg', t, 10000, 'slow');
    // A single-route pipeline: its deliveries as one stream.
    for (let t = 5000; t <= 30000; t += 250) m.delivered('one', t, 100);
    const w = m.closeWindow(30000)!;
    expect(w.rates['seg']).toBeCloseTo(1.5, 6);
    expect(w.rates['one']).toBeCloseTo(4, 6);
    // The whole pipeline's deliveries as one stream would read the slow route's fill as lost time.
    const all = 29 + 11;
    expect(((all - 1) * 1000) / (30000 - 2000)).toBeLessThan(1.4);
  });

  it('a route with fewer than three deliveries counts them over the whole window', () => {
    const m = new Metrics(0, ['seg']);
    m.openWindow(0, ['seg']);
    for (let t = 1000; t <= 10000; t += 1000) m.delivered('seg', t, 500, 'fast');
    m.delivered('seg', 9000, 8000, 'rare');
    const w = m.closeWindow(10000)!;
    expect(w.rates['seg']).toBeCloseTo(1 + 0.1, 6);
  });
});
