// An app: the pipelines it needs, described by kinds only (sensor kind, model, output kind),
// never by device names. YAML format (docs/planner.md):
//
//   app: everyday
//   pipelines:
//     - name: wake-word
//       source: microphone              # or {kind: microphone, role: earbud}
//       model: kws20_v3
//       target: {kind: haptic, role: watch}
//       weight: 1                       # optional, default 1
//
// Checked here: structure, names and numbers. Whether the model is in the zoo and whether a desk
// has the kinds is checked against the zoo and the desk before a run starts (app-check.ts).

import { readSpecText } from './spec-error.js';
import { YamlReader, type YNode } from './yaml-reader.js';

export interface Endpoint {
  kind: string;
  /** Only devices with this role qualify; null = any. */
  role: string | null;
}

export interface PipelineSpec {
  name: string;
  source: Endpoint;
  model: string;
  target: Endpoint;
  /** Relative rate demand (max-min gives each pipeline lambda * weight frames per second). */
  weight: number;
  /** Line in the app file, for messages. */
  line: number;
  /** Lines of its source, model and target in the app file (absent when not read from one). */
  lines?: { source: number; model: number; target: number };
}

export interface AppSpec {
  name: string;
  pipelines: readonly PipelineSpec[];
  source: string;
}

export function readApp(path: string): AppSpec {
  return parseApp(readSpecText(path), path);
}

export function parseApp(text: string, file: string): AppSpec {
  const r = new YamlReader(file, text);
  const top = r.map(r.root, ['app', 'pipelines']);
  const name = top.has('app') ? r.name(top.get('app')!) : file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const list = r.seq(r.required(top, 'pipelines', r.root));
  if (list.length === 0) r.fail(top.get('pipelines')!, 'must list at least one pipeline');
  const seen = new Set<string>();
  const pipelines = list.map((item) => {
    const m = r.map(item, ['name', 'source', 'model', 'target', 'weight']);
    const nameAt = r.required(m, 'name', item);
    const pname = r.name(nameAt);
    if (seen.has(pname)) r.fail(nameAt, `pipeline "${pname}" is defined twice`);
    seen.add(pname);
    const weightAt = m.get('weight');
    const sourceAt = r.required(m, 'source', item);
    const modelAt = r.required(m, 'model', item);
    const targetAt = r.required(m, 'target', item);
    return {
      name: pname,
      source: endpoint(r, sourceAt),
      model: r.name(modelAt),
      target: endpoint(r, targetAt),
      weight: weightAt && weightAt.node !== null ? r.number(weightAt, 0, 1e6, true) : 1,
      line: item.line,
      lines: { source: sourceAt.line, model: modelAt.line, target: targetAt.line },
    };
  });
  return { name, pipelines, source: file };
}

function endpoint(r: YamlReader, at: YNode): Endpoint {
  if (!r.isMap(at)) return { kind: r.kind(at), role: null };
  const m = r.map(at, ['kind', 'role']);
  const roleAt = m.get('role');
  return { kind: r.kind(r.required(m, 'kind', at)), role: roleAt && roleAt.node !== null ? r.name(roleAt) : null };
}
