// `synergy synth` as a user runs it: real processes (node bin/synergy.js), the image of a golden
// network equal to the synthesis tool's hw-image.json, the files --out and --c write (the C pair
// compiles), and refusals with their exit codes.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareImages, parseVendorImage } from '../../host/synth/compare.js';
import { requireShared } from '../../host/model/shared-dir.js';
import { expectBuilt, taggedCli } from './tagged-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'synergy-synth-'));
const { synergy } = taggedCli('synergy-synth-e2e', scratch, 60_000);

function goldenModel(name: string): string {
  return requireShared(`golden/${name}/model.json`, 'synergy synth on the golden networks needs it');
}

const lastLine = (text: string): string => text.trimEnd().split('\n').pop()!;

beforeAll(() => expectBuilt(['host/cli', 'host/model', 'host/synth']));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('synergy synth', () => {
  it.each(['mnist', 'kws20_v3', 'cifar100-ressimplenet-synth'])('%s --json equals the tool\'s hw-image.json', async (name) => {
    const model = goldenModel(name);
    const r = await synergy(['synth', model, '--chip', 'max78000', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(lastLine(r.stdout)) as Record<string, unknown>;
    expect(doc['format']).toBe('max78000-hw-image/1');
    expect(doc['chip']).toBe('max78000');
    const vendor = parseVendorImage(JSON.parse(readFileSync(join(model, '..', 'hw-image.json'), 'utf8')));
    expect(compareImages(parseVendorImage(doc), vendor)).toEqual([]);
  });

  it('writes the image with --out and a C pair with --c that compiles', async () => {
    const out = join(scratch, 'mnist.json');
    const dir = join(scratch, 'c');
    const r = await synergy(['synth', goldenModel('mnist'), '--out', out, '--c', dir, '--json']);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim()).toBe(lastLine(r.stdout));
    const source = readFileSync(join(dir, 'cnn_program.c'), 'utf8');
    expect(source).toMatch(/\{ 0x50100010, 0x0001001d \}, \/\* Rows \*\//);
    execFileSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-c', join(dir, 'cnn_program.c'), '-o', join(dir, 'cnn_program.o')]);
    expect(existsSync(join(dir, 'cnn_program.o'))).toBe(true);
  });

  it('describes a segment in words: layers, writes, tensors', async () => {
    const r = await synergy(['synth', goldenModel('cifar100-ressimplenet-synth'), '--layers', '2..3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cifar100-ressimplenet-synth layers 2\.\.3 on max78000/);
    expect(r.stdout).toMatch(/input  layer 1 output: \[20, 32, 32\] 8-bit HWC, processors 0x00000000000fffff, offset 0x0000/);
    expect(r.stdout).toMatch(/output layer 2 output: .* offset 0x2000, write gap 1/);
    expect(r.stdout).toMatch(/output layer 3 output: .* offset 0x2004, write gap 1/);
  });

  it('refuses an unknown chip as a usage error (exit 2)', async () => {
    const r = await synergy(['synth', 'kws20_v3', '--chip', 'max78003']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--chip: "max78003" is not one of max78000, max78002/);
  });

  it('refuses a chip it does not cover, naming it (exit 1)', async () => {
    const r = await synergy(['synth', 'kws20_v3', '--chip', 'max78002']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/chip_not_covered: .*max78002/);
  });

  it('refuses a model that does not fit with fit\'s named limit (exit 1)', async () => {
    const r = await synergy(['synth', 'efficientnetv2_cifar100_max78000', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/kernel_memory: .*Kernel memory exhausted at processor 0/);
  });

  it('refuses a layer range outside the model (exit 1) and a malformed one (exit 2)', async () => {
    const outside = await synergy(['synth', 'kws20_v3', '--layers', '5..9']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/layer_range: kws20_v3: layers 5\.\.9 are not a range of its layers 0\.\.8/);
    const malformed = await synergy(['synth', 'kws20_v3', '--layers', '5-9']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/"5-9" is not a layer range/);
  });
});
