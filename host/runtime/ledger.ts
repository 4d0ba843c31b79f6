// The frame ledger: every frame a pipeline starts ends exactly once, as delivered or as failed
// with a reason (ARCHITECTURE.md: nothing lost, nothing silent). Counts per pipeline and per
// reason; a frame settled twice, or a run that ends with frames still open, is a bug reported
// as such. Sampled frames checked against the reference executor are counted here too, and a
// delivered output that differs from the reference is a "wrong output".

export interface PipelineCounts {
  started: number;
  delivered: number;
  failed: number;
  /** failed frames by reason (e.g. "board glasses lost") */
  reasons: Record<string, number>;
  /** frames whose output was compared with the reference executor, and how many differed */
  checked: number;
  wrong: number;
}

export interface WrongOutput {
  pipeline: string;
  frame: number;
  detail: string;
}

/** One frame's entry; settle it once with `delivered` or `failed`. */
export interface FrameEntry {
  readonly pipeline: string;
  /** 0, 1, 2, ... per pipeline, in start order */
  readonly seq: number;
  readonly startedAt: number;
  readonly settled: boolean;
  /** `route` names the route the frame took (for per-route rates) */
  delivered(at: number, route?: string): void;
  failed(reason: string, at: number): void;
}

export interface SettleEvent {
  pipeline: string;
  kind: 'delivered' | 'failed';
  at: number;
  latencyMs: number;
  reason?: string;
  route?: string;
}

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
}

export class Ledger {
  private readonly counts = new Map<string, PipelineCounts>();
  private readonly open = new Set<FrameEntry>();
  readonly wrongOutputs: WrongOutput[] = [];
  private readonly listeners: ((e: SettleEvent) => void)[] = [];

  constructor(pipelines: readonly string[]) {
    for (const p of pipelines) this.counts.set(p, { started: 0, delivered: 0, failed: 0, reasons: {}, checked: 0, wrong: 0 });
  }

  onSettle(f: (e: SettleEvent) => void): void {
    this.listeners.push(f);
  }

  private of(pipeline: string): PipelineCounts {
    const c = this.counts.get(pipeline);
    if (!c) throw new LedgerError(`the ledger has no pipeline "${pipeline}"`);
    return c;
  }

  start(pipeline: string, at: number): FrameEntry {
    const c = this.of(pipeline);
    const seq = c.started++;
    let settled = false;
    const settle = (how: string): void => {
      if (settled) throw new LedgerError(`frame ${seq} of ${pipeline} settled twice (again as ${how})`);
      settled = true;
      this.open.delete(entry);
    };
    const entry: FrameEntry = {
      pipeline,
      seq,
      startedAt: at,
      get settled() {
        return settled;
      },
      delivered: (when: number, route?: string) => {
        settle('delivered');
        c.delivered++;
        for (const f of this.listeners) f({ pipeline, kind: 'delivered', at: when, latencyMs: when - at, ...(route !== undefined ? { route } : {}) });
      },
      failed: (reason: string, when: number) => {
        settle(`failed: ${reason}`);
        c.failed++;
        c.reasons[reason] = (c.reasons[reason] ?? 0) + 1;
        for (const f of this.listeners) f({ pipeline, kind: 'failed', at: when, latencyMs: when - at, reason });
      },
    };
    this.open.add(entry);
    return entry;
  }

  checked(pipeline: string, frame: number, mismatch: string | null): void {
    const c = this.of(pipeline);
    c.checked++;
    if (mismatch !== null) {
      c.wrong++;
      this.wrongOutputs.push({ pipeline, frame, detail: mismatch });
    }
  }

  get openFrames(): number {
    return this.open.size;
  }

  /** Frames still open (for failing them when the run must stop). */
  openEntries(): FrameEntry[] {
    return [...this.open];
  }

  pipeline(name: string): Readonly<PipelineCounts> {
    const c = this.of(name);
    return { ...c, reasons: { ...c.reasons } };
  }

  all(): Record<string, PipelineCounts> {
    return Object.fromEntries([...this.counts].map(([k, c]) => [k, { ...c, reasons: { ...c.reasons } }]));
  }

  totals(): PipelineCounts {
    const t: PipelineCounts = { started: 0, delivered: 0, failed: 0, reasons: {}, checked: 0, wrong: 0 };
    for (const c of this.counts.values()) {
      t.started += c.started;
      t.delivered += c.delivered;
      t.failed += c.failed;
      t.checked += c.checked;
      t.wrong += c.wrong;
      for (const [r, n] of Object.entries(c.reasons)) t.reasons[r] = (t.reasons[r] ?? 0) + n;
    }
    return t;
  }

  /** Throws unless every frame is settled and delivered + failed = started for every pipeline. */
  assertBalanced(): void {
    if (this.open.size > 0) throw new LedgerError(`${this.open.size} frames are still open`);
    for (const [p, c] of this.counts) {
      const reasons = Object.values(c.reasons).reduce((a, b) => a + b, 0);
      if (c.delivered + c.failed !== c.started || reasons !== c.failed) {
        throw new LedgerError(`${p}: started ${c.started}, delivered ${c.delivered}, failed ${c.failed} (${reasons} by reason)`);
      }
    }
  }
}
