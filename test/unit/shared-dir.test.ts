// The shared data is found relative to the repository, SYNERGY_SHARED overrides it, and a missing
// piece is an error naming its path and what needs it.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { goldenSets, requireShared, sharedDir, SharedDataMissing } from '../../host/model/shared-dir.js';
import { repoRoot } from '../../host/repo-root.js';

describe('the shared directory', () => {
  const saved = process.env['SYNERGY_SHARED'];
  const scratch: string[] = [];
  afterEach(() => {
    if (saved === undefined) delete process.env['SYNERGY_SHARED'];
    else process.env['SYNERGY_SHARED'] = saved;
    for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is ../shared beside the repository unless SYNERGY_SHARED says otherwise (an empty value does not)', () => {
    delete process.env['SYNERGY_SHARED'];
    expect(sharedDir()).toBe(join(dirname(repoRoot()), 'shared'));
    process.env['SYNERGY_SHARED'] = '';
    expect(sharedDir()).toBe(join(dirname(repoRoot()), 'shared'));
    process.env['SYNERGY_SHARED'] = '/elsewhere/shared';
    expect(sharedDir()).toBe('/elsewhere/shared');
  });

  it('names the missing path and the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synergy-shared-'));
    scratch.push(dir);
    process.env['SYNERGY_SHARED'] = join(dir, 'absent');
    let err: unknown;
    try {
      requireShared('golden/mnist/model.json', 'the MNIST check needs it');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SharedDataMissing);
    expect((err as Error).message).toBe(
      `${join(dir, 'absent', 'golden', 'mnist', 'model.json')} is absent: the MNIST check needs it; ` +
        'it is looked for in ../shared beside the repository, or where SYNERGY_SHARED points',
    );
  });

  it('lists the golden networks: folders holding a model.json, sorted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synergy-shared-'));
    scratch.push(dir);
    for (const name of ['zeta', 'alpha', 'empty']) mkdirSync(join(dir, 'golden', name), { recursive: true });
    writeFileSync(join(dir, 'golden', 'zeta', 'model.json'), '{}');
    writeFileSync(join(dir, 'golden', 'alpha', 'model.json'), '{}');
    process.env['SYNERGY_SHARED'] = dir;
    expect(goldenSets('a test')).toEqual({ dir: join(dir, 'golden'), names: ['alpha', 'zeta'] });
  });
});
