// Which policies share a run in `synergy compare`: those whose plans are identical (segments on
// the same devices, routes, shares, pipelines left out), and only those.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../host/repo-root.js';
import { planSignature } from '../../host/runtime/compare-policies.js';
import { planRun } from '../../host/runtime/planning.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import type { DeskSpec } from '../../host/space/device.js';

const examples = join(repoRoot(), 'examples');
const desk = readDesk(join(examples, 'desk-2-earbuds.yaml')) as DeskSpec;
const app = readApp(join(examples, 'app-1-keywords.yaml'));

describe('plan signatures', () => {
  it('are equal for policies that place keyword spotting alike, and differ for a different plan', async () => {
    const synergy = (await planRun({ desk, app, policy: 'synergy' })).object;
    const standalone = (await planRun({ desk, app, policy: 'standalone' })).object;
    const random = (await planRun({ desk, app, policy: 'random-feasible' })).object;
    expect(planSignature(standalone)).toBe(planSignature(synergy));
    expect(random.throughput).toBeLessThan(synergy.throughput);
    expect(planSignature(random)).not.toBe(planSignature(synergy));
  });

  it('tell apart the same routes with other shares, and ignore what does not change the run', async () => {
    const a = (await planRun({ desk, app, policy: 'synergy' })).object;
    const b = structuredClone(a);
    b.planning_ms += 100;
    b.policy = 'best-single';
    expect(planSignature(b)).toBe(planSignature(a));
    const c = structuredClone(a);
    c.pipelines[0]!.routes[0]!.share *= 0.5;
    expect(planSignature(c)).not.toBe(planSignature(a));
  });
});
