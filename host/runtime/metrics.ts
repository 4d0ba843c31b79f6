// What a run measures, in bounded memory (a 10-minute soak must keep the host flat):
//   - per pipeline, deliveries and failures over time (fixed buckets), latency as a log-scale
//     histogram (2% resolution, fixed size) for p50/p99;
//   - per measurement window (one per plan epoch, after a warm-up), each pipeline's rate and
//     each resource's busy fraction, named like the planner's resources: DEVICE.cnn and
//     DEVICE.cpu from the busy times the boards report (infer cpu_us and cnn_us; sensing at the
//     chip's ns per byte), DEVICE.tx and DEVICE.rx from the bytes on each link at its wire rate,
//     PIPELINE.sensor from the frames sensed at the sensor's period;
//   - the busy spans of every resource during one window of TIMELINE_MS, for the report.
// Times are performance.now() milliseconds.

export const BUCKET_MS = 500;
export const TIMELINE_MS = 1000;
const HIST_MIN_MS = 0.01;
const HIST_RATIO = 1.02;
const HIST_BUCKETS = 900;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(HIST_BUCKETS);
  count = 0;
  max = 0;

  add(ms: number): void {
    const v = Math.max(ms, HIST_MIN_MS);
    const i = Math.min(HIST_BUCKETS - 1, Math.floor(Math.log(v / HIST_MIN_MS) / Math.log(HIST_RATIO)));
    this.counts[i]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The q-quantile (0..1), as the upper edge of its bucket (within 2%); 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < HIST_BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, HIST_MIN_MS * HIST_RATIO ** (i + 1));
    }
    return this.max;
  }
}

export interface RunEvent {
  at: number;
  kind: 'plan' | 'deployed' | 'lost' | 'joined' | 'resumed' | 'upgrade' | 'note';
  text: string;
}

export interface Span {
  resource: string;
  start: number;
  end: number;
  pipeline: string;
  label: string;
}

/** Deliveries in a window: how many, the first and the last. */
interface Arrivals {
  delivered: number;
  first: number;
  last: number;
}

interface PipelineWindow extends Arrivals {
  latency: LatencyHistogram;
  /** the same per route (a pipeline whose frames split over several routes) */
  routes: Map<string, Arrivals>;
}

/**
 * A delivery rate from arrivals in a window of `span` ms: the inter-delivery rate when there are
 * enough deliveries (it leaves out the time before the first, when frames were still on their
 * way: less quantisation at low rates), else deliveries over the window.
 */
function arrivalRate(a: Arrivals, span: number): number {
  return a.delivered >= 3 && a.last > a.first ? ((a.delivered - 1) * 1000) / (a.last - a.first) : (a.delivered * 1000) / span;
}

function arrive(a: Arrivals, at: number): void {
  if (a.delivered === 0) a.first = at;
  a.delivered++;
  a.last = at;
}

export interface WindowResult {
  start: number;
  end: number;
  /** frames per second per pipeline */
  rates: Record<string, number>;
  /** frames per second per route (run-plan.ts routeKey) of each pipeline split over routes */
  routeRates: Record<string, Record<string, number>>;
  latencyMs: Record<string, { p50: number; p99: number; count: number }>;
  /** busy fraction per resource id */
  utilisation: Record<string, number>;
}

export class Metrics {
  readonly events: RunEvent[] = [];
  readonly spans: Span[] = [];
  /** deliveries and failures per pipeline per BUCKET_MS since t0 */
  readonly series = new Map<string, { delivered: number[]; failed: number[] }>();
  readonly latency = new Map<string, LatencyHistogram>();
  private readonly busy = new Map<string, number>(); // resource -> busy ms, cumulative
  private window: { start: number; busy0: Map<string, number>; pipelines: Map<string, PipelineWindow> } | null = null;
  readonly windows: WindowResult[] = [];
  private timeline: { start: number; end: number } | null = null;

  constructor(
    readonly t0: number,
    pipelines: readonly string[],
  ) {
    for (const p of pipelines) {
      this.series.set(p, { delivered: [], failed: [] });
      this.latency.set(p, new LatencyHistogram());
    }
  }

  private bucket(at: number): number {
    return Math.max(0, Math.floor((at - this.t0) / BUCKET_MS));
  }

  private bump(list: number[], at: number): void {
    const b = this.bucket(at);
    while (list.length <= b) list.push(0);
    list[b]!++;
  }

  /** A frame delivered; `route` names the route it took when its pipeline has several. */
  delivered(pipeline: string, at: number, latencyMs: number, route?: string): void {
    const s = this.series.get(pipeline);
    if (!s) return;
    this.bump(s.delivered, at);
    this.latency.get(pipeline)!.add(latencyMs);
    const w = this.window?.pipelines.get(pipeline);
    if (w && this.window && at >= this.window.start) {
      arrive(w, at);
      w.latency.add(latencyMs);
      if (route !== undefined) {
        let r = w.routes.get(route);
        if (!r) w.routes.set(route, (r = { delivered: 0, first: 0, last: 0 }));
        arrive(r, at);
      }
    }
  }

  failed(pipeline: string, at: number): void {
    const s = this.series.get(pipeline);
    if (s) this.bump(s.failed, at);
  }

  /** Adds busy time to a resource (counted in the window where it ends). */
  addBusy(resource: string, ms: number): void {
    if (ms > 0) this.busy.set(resource, (this.busy.get(resource) ?? 0) + ms);
  }

  /** Busy ms per resource since the run began. */
  busyTotals(): Record<string, number> {
    return Object.fromEntries(this.busy);
  }

  event(kind: RunEvent['kind'], text: string, at = performance.now()): void {
    this.events.push({ at, kind, text });
    if (this.events.length > 1000) this.events.splice(0, this.events.length - 1000);
  }

  /** Starts recording busy spans for TIMELINE_MS from `at` (once per run). */
  startTimeline(at: number): void {
    if (this.timeline === null) this.timeline = { start: at, end: at + TIMELINE_MS };
  }

  get timelineWindow(): { start: number; end: number } | null {
    return this.timeline;
  }

  wantsSpan(start: number, end: number): boolean {
    return this.timeline !== null && end >= this.timeline.start && start <= this.timeline.end;
  }

  span(resource: string, start: number, end: number, pipeline: string, label: string): void {
    if (this.wantsSpan(start, end) && end > start && this.spans.length < 20_000) this.spans.push({ resource, start, end, pipeline, label });
  }

  openWindow(at: number, pipelines: readonly string[]): void {
    this.window = {
      start: at,
      busy0: new Map(this.busy),
      pipelines: new Map(pipelines.map((p) => [p, { delivered: 0, first: 0, last: 0, latency: new LatencyHistogram(), routes: new Map() }])),
    };
  }

  get windowOpen(): boolean {
    return this.window !== null;
  }

  /** Closes the window: rates from the deliveries in it, utilisation from the busy time added. */
  closeWindow(at: number): WindowResult | null {
    const w = this.window;
    this.window = null;
    if (!w || at <= w.start) return null;
    const span = at - w.start;
    const rates: Record<string, number> = {};
    const routeRates: Record<string, Record<string, number>> = {};
    const latencyMs: WindowResult['latencyMs'] = {};
    for (const [p, pw] of w.pipelines) {
      // A pipeline split over routes: the sum of its routes' rates, each from its own first
      // delivery. Routes differ in latency (a UNet frame takes 3 s on one route and 9 s on
      // another), so the pipeline's first delivery comes long before its slow routes deliver,
      // and one rate over all its deliveries counts the slow routes' fill as lost time.
      if (pw.routes.size > 0) routeRates[p] = Object.fromEntries([...pw.routes].map(([k, r]) => [k, arrivalRate(r, span)]));
      rates[p] = pw.routes.size > 1 ? Object.values(routeRates[p]!).reduce((a, r) => a + r, 0) : arrivalRate(pw, span);
      latencyMs[p] = { p50: pw.latency.quantile(0.5), p99: pw.latency.quantile(0.99), count: pw.latency.count };
    }
    const utilisation: Record<string, number> = {};
    for (const [r, total] of this.busy) {
      const delta = total - (w.busy0.get(r) ?? 0);
      if (delta > 0) utilisation[r] = delta / span;
    }
    const result = { start: w.start, end: at, rates, routeRates, latencyMs, utilisation };
    this.windows.push(result);
    return result;
  }
}
