// Checks delivered outputs against the reference executor: the first frame of every pipeline
// and then one in `every`, each re-run whole through exec.ts on the same input (rebuilt on the
// host from the sensor's frame number, sensor-data.ts) and compared byte for byte. A mismatch is
// a wrong output, counted in the ledger and reported loudly. The executor runs in a worker
// thread (dist/host/runtime/check-worker.js) with a CPU budget, so checking never holds up the
// relays being measured: a sample that comes while the budget is spent is skipped (counted).
// The reference output of an input already checked is kept (model and exact input bytes, up to
// EXPECTED_CACHE_BYTES, oldest dropped first): with a sensor cycle the same inputs recur, and
// the same bytes through the same model give the same reference; the comparison with the
// delivered bytes is made for every checked frame all the same.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoRoot } from '../repo-root.js';
import type { Model } from '../model/layer.js';
import type { CheckAnswer, CheckRequest } from './check-worker.js';
import type { Ledger } from './ledger.js';
import { outputDifference, referenceOutput } from './reference.js';

export interface CheckerOptions {
  /** check one frame in this many (the first always); 0 = no checks */
  every: number;
  /** share of one core the checker may use on average (default 0.25) */
  budget?: number;
  /** a model with weights by zoo name (for checking in this thread when no worker exists) */
  model: (name: string) => Model;
}

interface Pending {
  pipeline: string;
  seq: number;
  delivered: Uint8Array;
  /** the expected-output cache's key and the input, to keep the reference the worker computes */
  key: string;
  input: Int8Array;
  /** answered from the cache (nothing new to keep) */
  reused: boolean;
}

/** Bytes of inputs and reference outputs the checker keeps for inputs that recur. */
export const EXPECTED_CACHE_BYTES = 64 * 1024 * 1024;

interface Expected {
  input: Int8Array;
  output: Uint8Array;
}

export class OutputChecker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private busyMs = 0;
  private readonly started = performance.now();
  private idle: (() => void)[] = [];
  /** reference outputs by model and SHA-256 of the input (insertion order: oldest first) */
  private readonly expected = new Map<string, Expected>();
  private expectedBytes = 0;
  skipped = 0;
  /** checks answered from a reference kept for the same model and input bytes */
  reused = 0;
  readonly usesWorker: boolean;

  constructor(
    private readonly ledger: Ledger,
    private readonly opts: CheckerOptions,
  ) {
    const file = join(repoRoot(), 'dist/host/runtime/check-worker.js');
    this.usesWorker = opts.every > 0 && existsSync(file);
    if (this.usesWorker) {
      this.worker = new Worker(file);
      this.worker.unref();
      this.worker.on('message', (a: CheckAnswer) => this.answer(a));
      this.worker.on('error', (e) => {
        for (const [id, p] of this.pending) this.settle(id, p, `the checker failed: ${e.message}`);
      });
    }
  }

  /**
   * Whether frame `seq` of a pipeline is one to check (and the budget allows it now).
   * `affordable`, asked last, says whether the run can spare what fetching this frame's output
   * costs (engine.ts: a link's bytes); a frame it refuses is skipped too.
   */
  wants(seq: number, affordable: () => boolean = () => true): boolean {
    if (this.opts.every <= 0) return false;
    if (seq !== 0) {
      if (seq % this.opts.every !== 0) return false;
      const elapsed = performance.now() - this.started;
      if (this.pending.size >= 2 || this.busyMs > (this.opts.budget ?? 0.25) * elapsed) {
        this.skipped++;
        return false;
      }
    }
    if (!affordable()) {
      this.skipped++;
      return false;
    }
    return true;
  }

  /** Checks a delivered output of `model` for `input` (async; the ledger hears the verdict). */
  submit(pipeline: string, seq: number, model: string, input: Int8Array, delivered: Uint8Array): void {
    const id = this.nextId++;
    const key = `${model}\0${createHash('sha256').update(input).digest('hex')}`;
    const p: Pending = { pipeline, seq, delivered, key, input, reused: false };
    this.pending.set(id, p);
    const kept = this.expected.get(key);
    if (kept && sameBytes(kept.input, input)) {
      this.reused++;
      p.reused = true;
      setImmediate(() => this.answer({ id, output: kept.output, ms: 0 }));
      return;
    }
    if (this.worker) {
      const req: CheckRequest = { id, model, input: new Uint8Array(input.buffer, input.byteOffset, input.length) };
      this.worker.postMessage(req);
      return;
    }
    // No built worker (tests on sources): check here, after this turn of the event loop.
    setImmediate(() => {
      const t0 = performance.now();
      try {
        const output = referenceOutput(this.opts.model(model), input);
        this.answer({ id, output, ms: performance.now() - t0 });
      } catch (e) {
        this.answer({ id, error: (e as Error).message });
      }
    });
  }

  private answer(a: CheckAnswer): void {
    const p = this.pending.get(a.id);
    if (!p) return;
    if ('error' in a) {
      this.settle(a.id, p, `the reference executor failed: ${a.error}`);
      return;
    }
    this.busyMs += a.ms;
    if (!p.reused) this.keep(p.key, p.input, a.output);
    this.settle(a.id, p, outputDifference(a.output, p.delivered));
  }

  private keep(key: string, input: Int8Array, output: Uint8Array): void {
    const size = input.length + output.length;
    if (size > EXPECTED_CACHE_BYTES || this.expected.has(key)) return;
    while (this.expectedBytes + size > EXPECTED_CACHE_BYTES) {
      const [oldest, e] = this.expected.entries().next().value as [string, Expected];
      this.expected.delete(oldest);
      this.expectedBytes -= e.input.length + e.output.length;
    }
    this.expected.set(key, { input, output });
    this.expectedBytes += size;
  }

  private settle(id: number, p: Pending, mismatch: string | null): void {
    this.pending.delete(id);
    this.ledger.checked(p.pipeline, p.seq, mismatch);
    if (this.pending.size === 0) for (const f of this.idle.splice(0)) f();
  }

  /** Waits for the checks in flight (at most `ms`); unfinished ones are dropped uncounted. */
  async drain(ms: number): Promise<number> {
    if (this.pending.size > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        this.idle.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const dropped = this.pending.size;
    this.pending.clear();
    return dropped;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}

function sameBytes(a: Int8Array, b: Int8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
