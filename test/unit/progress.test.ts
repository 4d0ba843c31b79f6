// The CLI's progress bar: drawn on a terminal (also one that reports no size, as under
// script(1)), silent on anything else, cleared when done.

import { describe, expect, it } from 'vitest';
import { progressBar } from '../../host/cli/progress.js';

function fakeStream(isTTY: boolean, columns: number): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, columns, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progress bar', () => {
  it('draws a bar with the percentage and label on a terminal, then clears the line', () => {
    const { stream, written } = fakeStream(true, 100);
    const p = progressBar(stream);
    p.update(0.5, 'loading kws20_v3');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\r\[#{15}-{15}\]  50% loading kws20_v3 *$/);
    expect(written[0]!.length).toBe(100);
    p.done();
    expect(written[1]).toBe(`\r${' '.repeat(99)}\r`);
  });

  it('a terminal that reports 0 columns gets 80', () => {
    const { stream, written } = fakeStream(true, 0);
    const p = progressBar(stream);
    p.update(1, 'x'.repeat(200));
    p.done();
    expect(written[0]!.length).toBe(80);
    expect(written[1]).toBe(`\r${' '.repeat(79)}\r`);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { stream, written } = fakeStream(false, 80);
    const p = progressBar(stream);
    p.update(0.3, 'loading');
    p.done();
    expect(written).toEqual([]);
  });
});
