// What `synergy run` shows while it runs: a progress bar per board while segments load, then a
// live status block (per pipeline: rate over the last 2 s against the plan, latency p50,
// frames delivered and failed), redrawn in place on a terminal; and the final table. Quiet on
// a non-terminal except for one line per event.

import type { DeployProgress } from '../runtime/deploy.js';
import type { LiveStatus } from '../runtime/runner.js';
import type { RunDocument } from './run-report.js';

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

/** Redraws a block of lines in place on a terminal (cursor up, clear to the end). */
export class LiveBlock {
  private lines = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  draw(text: string): void {
    if (!this.enabled) return;
    const cols = Math.max(20, (this.stream.columns ?? 100) - 1);
    const out = text.split('\n').map((l) => l.slice(0, cols));
    this.stream.write(`${this.lines > 0 ? `\x1b[${this.lines}F` : ''}\x1b[0J${out.join('\n')}\n`);
    this.lines = out.length;
  }

  /** Leaves what is drawn in place; the next draw starts below it. */
  keep(): void {
    this.lines = 0;
  }

  clear(): void {
    if (this.enabled && this.lines > 0) this.stream.write(`\x1b[${this.lines}F\x1b[0J`);
    this.lines = 0;
  }
}

const BAR = 24;

export function deployBars(progress: ReadonlyMap<string, DeployProgress>): string {
  return [...progress.values()]
    .map((p) => {
      const f = p.total > 0 ? p.acked / p.total : 1;
      const filled = Math.round(f * BAR);
      return `  ${p.device.padEnd(14)} [${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${String(Math.round(f * 100)).padStart(3)}%  ` +
        `${p.segmentsDone}/${p.segments} segments, ${(p.acked / 1024).toFixed(0)}/${(p.total / 1024).toFixed(0)} KiB`;
    })
    .join('\n');
}

export function statusText(s: LiveStatus): string {
  const rows = s.pipelines.map((p) => [p.name, p.rate.toFixed(1), p.planned.toFixed(1), p.p50Ms.toFixed(1), String(p.delivered), String(p.failed)]);
  const lost = s.boards.filter((b) => b.lost).map((b) => b.device);
  return `${s.elapsedS.toFixed(1)} s, plan ${s.epoch}, ${s.phase}${lost.length ? `; lost: ${lost.join(', ')}` : ''}\n` +
    table(['PIPELINE', 'RATE /s', 'PLAN /s', 'P50 ms', 'DELIVERED', 'FAILED'], rows);
}

export function finalTable(doc: RunDocument): string {
  const rows = doc.pipelines.map((p) => [
    p.name,
    p.model ?? '-',
    p.planned_rate.toFixed(2),
    p.measured_rate === null ? '-' : p.measured_rate.toFixed(2),
    p.latency_p50_ms.toFixed(1),
    p.latency_p99_ms.toFixed(1),
    String(p.started),
    String(p.delivered),
    String(p.failed),
    `${p.checked}/${p.wrong}`,
  ]);
  const unit = doc.objective === 'maxmin' ? 'per unit weight (max-min)' : '(sum)';
  const lines = [
    table(['PIPELINE', 'MODEL', 'PLAN /s', 'MEASURED /s', 'P50 ms', 'P99 ms', 'STARTED', 'DELIVERED', 'FAILED', 'CHECKED/WRONG'], rows),
    `throughput ${unit}: measured ${doc.measured_throughput.toFixed(2)}, estimated ${doc.estimated_throughput.toFixed(2)}` +
      `${doc.ratio !== null ? `, ratio ${doc.ratio.toFixed(3)}` : ''}`,
  ];
  if (doc.host_bound) lines.push(`HOST-BOUND: ${doc.host_bound.reason}; the measurement shows this machine, not the plan`);
  for (const r of doc.recoveries) {
    lines.push(`board ${r.device} ${r.kind} at ${r.at_s.toFixed(2)} s: ${r.detection_ms !== null ? `detected ${r.detection_ms.toFixed(0)} ms after the fault, ` : ''}` +
      `every placed pipeline delivering again ${r.recovery_ms === null ? 'never (within the run)' : `after ${r.recovery_ms.toFixed(0)} ms`}` +
      `${r.unplaced.length ? `; ${r.unplaced.join(', ')} cannot run on the boards left` : ''}`);
    if (r.quick) {
      lines.push(`  quick stage: plan chosen after ${r.quick.plan_ms.toFixed(0)} ms, deploy estimated ${r.quick.deploy_estimate_ms.toFixed(0)} ms ` +
        `(budget ${r.quick.deploy_budget_ms}), measured ${r.quick.deploy_ms.toFixed(0)} ms for ${Math.round(r.quick.bytes / 1024)} KB; estimate ${r.quick.estimate.toFixed(2)}`);
    }
    if (r.upgrade) {
      lines.push(`  upgrade stage: ${r.upgrade.status}: ${r.upgrade.reason}` +
        `${r.upgrade.done_ms !== null ? `; done ${r.upgrade.done_ms.toFixed(0)} ms after detection` : ''}` +
        `${Object.keys(r.upgrade.paused_ms).length ? `; paused ${Object.entries(r.upgrade.paused_ms).map(([k, v]) => `${k} ${v === null ? '-' : v.toFixed(0)} ms`).join(', ')}` : ''}`);
    }
  }
  const reasons = doc.pipelines.flatMap((p) => Object.entries(p.failures).map(([k, n]) => `${p.name}: ${n} ${k}`));
  if (reasons.length) lines.push(`failed frames: ${reasons.join('; ')}`);
  if (doc.totals.wrong > 0) lines.push(`WRONG OUTPUTS: ${doc.totals.wrong} (${doc.wrong_outputs.slice(0, 3).map((w) => `${w.pipeline} frame ${w.frame}: ${w.detail}`).join('; ')})`);
  return lines.join('\n');
}
