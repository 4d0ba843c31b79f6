// An app checked against the model zoo and the desk it is to run on, before anything starts: a
// pipeline naming a model the zoo does not have, a sensor no device of the desk has, or an
// output no device has (with the role asked for) cannot run at all, and a run of it would only
// report it "not placed" at the end. Each problem is a SpecError at the app's line and field.
// (Whether a model fits the desk's chips is the planner's judgement: it may leave a pipeline
// out, saying why.)

import { zooNames } from '../model/zoo.js';
import type { AppSpec, Endpoint } from './app-spec.js';
import { HOST_OUTPUT, type DeskSpec } from './device.js';
import { SpecError } from './spec-error.js';

/** Every problem of `app` on `desk` (empty when it can be planned). */
export function checkAppOnDesk(app: AppSpec, desk: DeskSpec, models: readonly string[] = zooNames()): SpecError[] {
  const out: SpecError[] = [];
  app.pipelines.forEach((p, i) => {
    const at = (field: 'source' | 'model' | 'target'): number => p.lines?.[field] ?? p.line;
    const fail = (field: 'source' | 'model' | 'target', reason: string): void => {
      out.push(new SpecError(app.source, at(field), `pipelines[${i}].${field}: ${reason}`));
    };
    if (!models.includes(p.model)) fail('model', `no model "${p.model}" in the zoo${nearest(p.model, models)}`);
    const sensors = desk.devices.flatMap((d) => d.sensors.map((s) => s.kind));
    if (!qualifies(p.source, desk, (d) => d.sensors.some((s) => s.kind === p.source.kind))) {
      fail('source', `no device on desk ${desk.name} has a "${p.source.kind}" sensor${roleText(p.source)} (${have('sensors', sensors, desk, p.source)})`);
    }
    if (p.target.kind !== HOST_OUTPUT && !qualifies(p.target, desk, (d) => d.outputs.includes(p.target.kind))) {
      const outputs = [HOST_OUTPUT, ...desk.devices.flatMap((d) => d.outputs)];
      fail('target', `no device on desk ${desk.name} has a "${p.target.kind}" output${roleText(p.target)} (${have('outputs', outputs, desk, p.target)})`);
    }
  });
  return out;
}

function qualifies(e: Endpoint, desk: DeskSpec, has: (d: DeskSpec['devices'][number]) => boolean): boolean {
  return desk.devices.some((d) => (e.role === null || d.role === e.role) && has(d));
}

function roleText(e: Endpoint): string {
  return e.role === null ? '' : ` on a device with role "${e.role}"`;
}

/** What the desk offers instead: its kinds, and the roles of the devices with the kind asked for. */
function have(what: string, kinds: readonly string[], desk: DeskSpec, e: Endpoint): string {
  const list = [...new Set(kinds)].sort();
  const text = `its ${what}: ${list.length ? list.join(', ') : 'none'}`;
  if (e.role === null || !kinds.includes(e.kind)) return text;
  const roles = [...new Set(desk.devices.filter((d) => d.sensors.some((s) => s.kind === e.kind) || d.outputs.includes(e.kind)).map((d) => d.role))].sort();
  return `${text}; devices with a "${e.kind}" have the roles ${roles.join(', ')}`;
}

/** A hint: the zoo names closest to a mistyped one (sharing its longest start), and where the zoo is listed. */
function nearest(name: string, models: readonly string[]): string {
  const common = (a: string): number => {
    let n = 0;
    while (n < a.length && n < name.length && a[n] === name[n]) n++;
    return n;
  };
  const best = Math.max(0, ...models.map(common));
  const close = best >= 3 ? models.filter((m) => common(m) === best).slice(0, 4) : [];
  return close.length ? `: did you mean ${close.join(', ')}? (synergy models lists the zoo)` : ` (synergy models lists its ${models.length} models)`;
}
