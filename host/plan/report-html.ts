// `synergy plan --report DIR`: the plan as a self-contained HTML page (table, diagram, the
// explanation when asked for) beside plan.svg and plan.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { esc } from '../common/svg.js';
import { planSvg } from './diagram-svg.js';
import type { PipelineExplanation } from './explain.js';
import type { PlanObject } from './plan-object.js';

export function planHtml(plan: PlanObject, explanation: PipelineExplanation[] | null): string {
  const rows = plan.pipelines.map((p) => `<tr><td>${esc(p.name)}</td><td>${esc(p.model)}</td><td>${esc(p.source.device)}</td>
<td>${p.routes.map((r) => `${(r.share * 100).toFixed(0)}%: ${r.segments.map(esc).join(' &rarr; ')}`).join('<br>')}</td>
<td>${esc(p.target.device ?? 'host')} (${esc(p.target.kind)})</td><td>${p.rate_fps.toPrecision(4)}</td><td>${p.latency_ms.toPrecision(4)}</td><td>${esc(p.bottleneck ?? '')}</td></tr>`);
  const errors = plan.errors.map((e) => `<li><b>${esc(e.pipeline)}</b>: ${esc(e.reason)}</li>`).join('');
  const why = (explanation ?? []).map((x) => `<li><b>${esc(x.pipeline)}</b>: bottleneck ${esc(x.bottleneck ?? 'none')}: ${esc(x.why)}<ul>${
    x.rejected.map((a) => `<li>${esc(a.route)}: ${esc(a.verdict)}</li>`).join('')}</ul></li>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Plan: ${esc(plan.app)} on ${esc(plan.desk)}</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}</style></head><body>
<h1>${esc(plan.app)} on ${esc(plan.desk)}</h1>
<p>Policy <b>${esc(plan.policy)}</b>, objective ${esc(plan.objective)}: throughput <b>${plan.throughput.toPrecision(4)}</b>
(frames/s per unit of weight${plan.objective === 'sum' ? ', summed' : ''}), bottleneck ${esc(plan.bottleneck ?? 'none')}, planned in ${plan.planning_ms.toFixed(1)} ms.</p>
<table><tr><th>pipeline</th><th>model</th><th>source</th><th>routes (share: segments)</th><th>target</th><th>frames/s</th><th>latency ms</th><th>bottleneck</th></tr>
${rows.join('\n')}</table>
${errors ? `<h2>Pipelines that cannot run</h2><ul>${errors}</ul>` : ''}
<h2>Diagram</h2>
${planSvg(plan)}
${why ? `<h2>Why</h2><ul>${why}</ul>` : ''}
<h2>Plan object</h2><pre>${esc(JSON.stringify(plan, null, 2))}</pre>
</body></html>
`;
}

export function writePlanReport(dir: string, plan: PlanObject, explanation: PipelineExplanation[] | null): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');
  writeFileSync(join(dir, 'plan.svg'), planSvg(plan) + '\n');
  const html = join(dir, 'plan.html');
  writeFileSync(html, planHtml(plan, explanation));
  return html;
}
