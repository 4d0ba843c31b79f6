// Dependencies run one way: cli -> report -> runtime -> plan -> space -> board -> synth ->
// model -> link -> proto, each layer importing only the ones below it (board reaches both
// synth/model and link; model never reaches link; live sits between cli and report), with the
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
  // bluez-standin: an emulated desk over BLE starts the stand-in, as it starts emulators; agent:
  // remote boards an agent serves join a desk
  runtime: ['plan', 'space', 'board', 'synth', 'model', 'link', 'proto', 'bluez-standin', 'agent'],
  agent: ['space', 'board', 'synth', 'model', 'link', 'proto'],
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

/**
 * Wrong-way imports known and yet to be moved; each must still exist (one fixed is taken off the
 * list), and no other may appear.
 */
const KNOWN: readonly string[] = [
  // The link registry lists the emulated boards a process started (board/emulator-registry.ts):
  // the listing belongs below the link layer or the registry above it.
  'host/link/registry.ts: imports host/board/emulator-registry.js',
  // The agent (remote boards) takes the runtime's process probes, board-process type and emulator
  // constants, and the WebSocket link the agent's wire format: both belong below the runtime.
  'host/agent/agent-board.ts: imports host/runtime/host-cpu.js',
  'host/agent/remote-process.ts: imports host/runtime/boards.js',
  'host/agent/served-boards.ts: imports host/runtime/desk-emulators.js',
  'host/link/ws-link.ts: imports host/agent/wire.js',
];

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

  it('has no import running the wrong way but the known ones, each still there', () => {
    const wrong = wrongWayImports();
    const known = (w: string): string | undefined => KNOWN.find((k) => w.replace(/:\d+: /, ': ').startsWith(k));
    expect(wrong.filter((w) => known(w) === undefined)).toEqual([]);
    expect(KNOWN.filter((k) => !wrong.some((w) => known(w) === k)), 'known wrong-way imports that are gone: take them off KNOWN').toEqual([]);
  });
});
