// synergy plan <app.yaml>: plans an app's pipelines on a desk (a desk file, N emulated boards, or
// the boards found on this machine) and prints, per pipeline, where it senses, which layers run
// where, where it delivers, its estimated throughput and latency and its bottleneck.

import { discoverBoards } from '../../board/discovery.js';
import { openBoard } from '../../board/open.js';
import { writePlanReport } from '../../plan/report-html.js';
import { plan } from '../../plan/planner.js';
import { ONE_SHOT_BUDGET_SCALE } from '../../plan/synergy.js';
import { isPolicy, OPTIMAL_TIME_LIMIT_SEC, POLICIES, type PolicyName } from '../../plan/policies.js';
import { readApp } from '../../space/app-spec.js';
import { readDesk } from '../../space/desk-spec.js';
import type { DeskSpec, MeasuredProfile } from '../../space/device.js';
import { deskFromBoards, emulatedDesk, EMULATED_DEFAULT_BAUD } from '../../space/emulated-desk.js';
import { choiceValue, intValue, UsageError } from '../args.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { prepareOutputDir } from '../output-dir.js';
import { table } from '../output.js';

async function discoveredDesk(name: string, profiles: readonly MeasuredProfile[]): Promise<DeskSpec> {
  const found = await discoverBoards();
  if (found.length === 0) {
    throw new CommandFailure('no desk given (--desk FILE or --emulated N) and no board found (start emulated ones with "synergy emu", or plug boards in)');
  }
  const boards = [];
  for (const loc of found) {
    const session = await openBoard(loc);
    try {
      const h = session.hello;
      boards.push({
        boardId: h.boardId, chip: h.chip, cnnClockHz: h.cnnClockHz,
        sensors: h.sensors.map((s) => ({ kind: s.kind, shape: s.shape, rateMilliHz: s.rateMhz })),
        outputs: h.outputs, linkBaud: h.linkBaud,
        transport: loc.transport === 'emulated' || loc.transport === 'qemu' ? 'emulated' as const : 'usb-serial' as const,
      });
    } finally {
      await session.close('described');
    }
  }
  return { ...deskFromBoards(boards), name, profiles };
}

export const planCommand: Command = {
  name: 'plan',
  summary: "plan an app's pipelines on a desk and show where each layer runs, with estimated throughput",
  description:
    'The desk is a desk file (--desk), N emulated MAX78000 boards (--emulated N, nothing started),\n' +
    'or, with neither, the boards found on this machine. Policies: ' + POLICIES.join(', ') + '.\n' +
    'Throughput follows docs/planner.md: max-min gives every pipeline lambda x its weight frames/s.',
  positionals: [{ name: 'app.yaml', description: 'the app: its pipelines by sensor kind, model and output kind' }],
  options: [
    { name: 'desk', value: 'FILE', description: 'a desk file (YAML)' },
    { name: 'emulated', value: 'N', parse: intValue(1, 64), description: 'a desk of N emulated boards' },
    { name: 'baud', value: 'N', parse: intValue(0, 100_000_000), description: `link rate of the emulated boards (default ${EMULATED_DEFAULT_BAUD})` },
    { name: 'policy', value: 'NAME', parse: choiceValue(...POLICIES), description: 'planning policy (default synergy)' },
    { name: 'objective', value: 'maxmin|sum', parse: choiceValue('maxmin', 'sum'), description: 'throughput objective (default maxmin)' },
    { name: 'explain', description: "say why: each pipeline's bottleneck and the best alternatives rejected" },
    { name: 'report', value: 'DIR', description: 'write plan.html (table, SVG diagram), plan.svg and plan.json into DIR' },
    { name: 'time-limit', value: 'S', parse: intValue(1, 86_400), description: `--policy optimal: stop the exact search after S seconds with the best plan found, its proven bound and gap (default ${OPTIMAL_TIME_LIMIT_SEC})` },
    { name: 'budget-ms', value: 'MS', parse: intValue(1, 600_000), description: `Synergy's planning time budget (default: ${ONE_SHOT_BUDGET_SCALE}x the size-scaled budget of docs/planner.md, so that a fresh process ends its search on its work bounds)` },
  ],
  async run({ args, json, io }) {
    let desk: DeskSpec;
    // A bad app or desk file is a SpecError: exit 2 with its file and line (main.ts).
    const app = readApp(args.positionals[0]!);
    if (args.has('desk') && args.has('emulated')) throw new CommandFailure('give --desk or --emulated, not both');
    if (args.has('emulated')) {
      desk = emulatedDesk(args.number('emulated')!, args.number('baud') ?? EMULATED_DEFAULT_BAUD);
    } else if (args.has('desk')) {
      const d = readDesk(args.string('desk')!);
      desk = 'discovered' in d ? await discoveredDesk(d.name, d.profiles) : d;
    } else {
      desk = await discoveredDesk('discovered', []);
    }
    if (args.has('report')) prepareOutputDir(args.string('report')!, '--report');
    const policyName = args.string('policy') ?? 'synergy';
    if (!isPolicy(policyName)) throw new CommandFailure(`unknown policy ${policyName}`);
    if (args.has('time-limit') && policyName !== 'optimal') throw new UsageError('--time-limit applies to --policy optimal only');
    // The exact search can take minutes: a line a second on stderr says where it stands.
    const progress = policyName === 'optimal' && !json
      ? (p: { elapsedSec: number; incumbent: number; bound: number; gap: number }): void => {
        io.err(`optimal: ${p.elapsedSec.toFixed(0)} s, best plan ${p.incumbent.toPrecision(5)}, bound ${Number.isFinite(p.bound) ? p.bound.toPrecision(5) : '-'}, gap ${Number.isFinite(p.gap) ? (p.gap * 100).toFixed(2) + '%' : '-'}`);
      } : undefined;
    const result = await plan(desk, app, {
      ...(args.has('time-limit') ? { optimalTimeLimitSec: args.number('time-limit')! } : {}),
      ...(progress ? { optimalProgress: progress } : {}),
      policy: policyName as PolicyName,
      objective: (args.string('objective') ?? 'maxmin') as 'maxmin' | 'sum',
      explain: args.flag('explain'),
      ...(args.has('budget-ms') ? { budgetMs: args.number('budget-ms')! } : { budgetScale: ONE_SHOT_BUDGET_SCALE }),
    });
    const p = result.plan;
    let reportPath: string | null = null;
    if (args.has('report')) reportPath = writePlanReport(args.string('report')!, p, result.explanation);
    if (json) {
      io.out(JSON.stringify(result.explanation ? { ...p, explain: result.explanation } : p));
    } else {
      io.out(`${p.app} on ${p.desk} (${desk.devices.length} devices), policy ${p.policy}, objective ${p.objective}`);
      io.out(`throughput ${p.throughput.toPrecision(4)}${p.objective === 'maxmin' ? ' frames/s per unit of weight' : ' weighted frames/s'}, bottleneck ${p.bottleneck ?? 'none'}, planned in ${p.planning_ms.toFixed(1)} ms${p.solver ? '' : '\n'}`);
      if (p.solver) {
        const s = p.solver;
        io.out(`solver ${s.status}${s.status === 'time-limit' ? ` (${s.time_limit_s} s): best plan found kept` : ''}, proven bound ${s.bound === null ? 'none' : s.bound.toPrecision(5)}, gap ${s.gap === null ? 'unknown' : `${(s.gap * 100).toFixed(2)}%`}\n`);
      }
      const rows = p.pipelines.flatMap((x) => x.routes.map((r, i) => [
        i === 0 ? x.name : '', i === 0 ? x.source.device : '',
        `${p.pipelines.length && x.routes.length > 1 ? `${(r.share * 100).toFixed(0)}% ` : ''}${r.segments.map((id) => id.slice(id.indexOf('/') + 1)).join(' > ')}`,
        i === 0 ? (x.target.device ?? 'host') : '', i === 0 ? x.rate_fps.toPrecision(4) : '', r.latency_ms.toPrecision(4), i === 0 ? (x.bottleneck ?? '') : '',
      ]));
      io.out(table(['pipeline', 'source', 'segments (layers@device)', 'target', 'frames/s', 'latency ms', 'bottleneck'], rows));
      for (const e of p.errors) io.out(`\ncannot run ${e.pipeline}: ${e.reason}`);
      for (const x of result.explanation ?? []) {
        io.out(`\n${x.pipeline}: bottleneck ${x.bottleneck ?? 'none'} (${x.why})`);
        for (const a of x.rejected) io.out(`  ${a.route}: ${a.verdict}`);
      }
      if (reportPath) io.out(`\nreport: ${reportPath}`);
    }
    return p.pipelines.length === 0 && p.errors.length > 0 ? EXIT.failure : EXIT.ok;
  },
};
