// Dependencies run one way: cli -> report -> runtime -> plan -> space -> board -> synth ->
// model -> link -> proto, each layer importing only the ones below it (board reaches both
// synth/model and link; model never reaches link; live and agent sit between cli and runtime), with the
// leaves every layer may use below them all: host/common/ and the files directly in host/. The runtime
// reaches the planner only through plan/planner.ts. Every import under host/ is read from the
// source and checked against these rules.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HOST = resolve(dirname(fileURLToPath(import.meta.url)), '../../host');

/** What each layer (a directory under host/) may import besides itself and host/common. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  common: [],
  proto: [],
  link: ['proto'],
  model: ['proto'],
  synth: ['model', 'proto'],
  board: ['synth', 'model', 'link', 'proto'],
  space: ['board', 'synth', 'model', 'link', 'proto'],
  plan: ['space', 'synth', 'model', 'proto'],
  // bluez-standin: an emulated desk over BLE starts the stand-in, as it starts emulators
  runtime: ['plan', 'space', 'board', 'synth', 'model', 'link', 'proto', 'bluez-standin'],
  // agent: serves this machine's boards, started as a run's desk starts them (remote boards
  // join a desk through the link layer's ws:// opener and runtime/remote-*.ts)
  agent: ['runtime', 'plan', 'space', 'board', 'synth', 'model', 'link', 'proto', 'bluez-standin'],
  report: ['runtime', 'plan', 'space', 'board', 'synth', 'model', 'link', 'proto'],
  live: ['report', 'runtime', 'plan', 'space', 'board', 'synth', 'model', 'link', 'proto'],
  'bluez-standin': ['link', 'model', 'proto'],
  cli: ['live', 'report', 'runtime', 'agent', 'plan', 'space', 'board', 'synth', 'model', 'link', 'proto', 'bluez-standin'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The relative imports of a file (static, re-exports and dynamic), as paths under host/. */
function importsOf(file: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/g)) {
      out.push({ line: i + 1, target: relative(HOST, resolve(dirname(file), m[1]!)) });
    }
  });
  return out;
}

/** A path's layer: its directory under host/, or `common` for the leaves (host/common/ and the files directly in host/). */
const layerOf = (pathUnderHost: string): string => (pathUnderHost.includes('/') ? pathUnderHost.split('/')[0]! : 'common');

/** Every import that runs the wrong way, as `file:line: imports target (why)`. */
export function wrongWayImports(): string[] {
  const wrong: string[] = [];
  for (const file of sources(HOST)) {
    const from = relative(HOST, file);
    const layer = layerOf(from);
    const allowed = MAY_IMPORT[layer];
    for (const { line, target } of importsOf(file)) {
      const to = layerOf(target);
      const where = `host/${from}:${line}: imports host/${target}`;
      if (target.startsWith('..')) wrong.push(`${where} (outside host/)`);
      else if (allowed === undefined) wrong.push(`${where} (host/${layer} is no known layer)`);
      else if (to !== layer && to !== 'common' && !allowed.includes(to)) wrong.push(`${where} (${layer} may import ${allowed.join(', ') || 'nothing'} and common)`);
      else if (layer === 'runtime' && to === 'plan' && target !== 'plan/planner.js') wrong.push(`${where} (the runtime reaches the planner through plan/planner.ts only)`);
    }
  }
  return wrong;
}

describe('dependency direction', () => {
  it('finds the imports of the host sources', () => {
    // A parser that found nothing would pass any rule: it must see the runtime's planner import.
    const runtimeImports = sources(join(HOST, 'runtime')).flatMap(importsOf).map((i) => i.target);
    expect(runtimeImports).toContain('plan/planner.js');
    expect(Object.keys(MAY_IMPORT).sort()).toEqual([...new Set(['common', ...readdirSync(HOST).filter((d) => !d.includes('.'))])].sort());
  });

  it('has no import running the wrong way', () => {
    expect(wrongWayImports()).toEqual([]);
  });
});
