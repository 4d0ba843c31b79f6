// Input checked before a command starts: an app against the zoo and a desk (app-check.ts), and
// output directories made and tried (output-dir.ts), on real files.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs, OutputPathError, prepareOutputDir } from '../../host/cli/output-dir.js';
import { checkAppOnDesk } from '../../host/space/app-check.js';
import { parseApp } from '../../host/space/app-spec.js';
import { parseDesk } from '../../host/space/desk-spec.js';
import type { DeskSpec } from '../../host/space/device.js';

const work = mkdtempSync(join(tmpdir(), 'synergy-input-checks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const desk = parseDesk(
  [
    'desk: two',
    'devices:',
    '  - {name: ear, role: earbud, chip: max78000, sensors: [{kind: microphone, shape: [128, 128, 1]}], outputs: [speaker], link: {kind: ble, rate_bps: 1000000}}',
    '  - {name: glasses, role: glasses, chip: max78000, sensors: [{kind: camera, shape: [3, 32, 32], rate: 30}], outputs: [display], link: {kind: ble, rate_bps: 1000000}}',
  ].join('\n'),
  'desk.yaml',
) as DeskSpec;

describe('an app checked against the zoo and the desk', () => {
  const app = parseApp(
    [
      'app: a',
      'pipelines:',
      '  - {name: ok, source: microphone, model: kws20_v3, target: host}',
      '  - name: roles',
      '    source: {kind: camera, role: earbud}',
      '    model: kws20_v3',
      '    target: {kind: display, role: glasses}',
      '  - name: typo',
      '    source: camera',
      '    model: kws20_v4',
      '    target: hologram',
    ].join('\n'),
    'app.yaml',
  );
  const problems = checkAppOnDesk(app, desk).map((e) => e.message);

  it('names every problem at its line and field, and nothing for a pipeline that can run', () => {
    expect(problems).toEqual([
      'app.yaml:5: pipelines[1].source: no device on desk two has a "camera" sensor on a device with role "earbud" (its sensors: camera, microphone; devices with a "camera" have the roles glasses)',
      'app.yaml:10: pipelines[2].model: no model "kws20_v4" in the zoo: did you mean kws20_v3? (synergy models lists the zoo)',
      'app.yaml:11: pipelines[2].target: no device on desk two has a "hologram" output (its outputs: display, host, speaker)',
    ]);
  });
});

describe('output directories', () => {
  it('are made with their missing parents, and tried', () => {
    const dir = join(work, 'a', 'b', 'c');
    expect(prepareOutputDir(dir, '--report')).toBe(dir);
    expect(readdirSync(dir)).toEqual([]); // the trial file is gone
  });

  it('under /proc are refused at once, naming the level that cannot be made', () => {
    expect(() => makeDirs('/proc/synergy-x/y')).toThrow('cannot create /proc/synergy-x: ENOENT');
    expect(() => prepareOutputDir('/proc/synergy-x', '--out')).toThrow(OutputPathError);
  });

  it('through a file are refused, naming the file', () => {
    const file = join(work, 'file');
    writeFileSync(file, '');
    expect(() => prepareOutputDir(join(file, 'sub'), '--out')).toThrow(`--out ${join(file, 'sub')}: cannot write there: ${file} is not a directory`);
  });
});
