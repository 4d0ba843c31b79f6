// A one-line progress bar on stderr, drawn only when stderr is a terminal (quiet otherwise, so
// logs and pipes stay clean), redrawn at most every 100 ms.

export interface Progress {
  /** fraction 0..1 and what is going on */
  update(fraction: number, label: string): void;
  /** clears the bar */
  done(): void;
}

const WIDTH = 30;

export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  // A terminal that reports no size (0 columns, e.g. under script(1)) gets 80.
  const width = (): number => Math.max(40, stream.columns || 80);
  let last = 0;
  let shown = false;
  const draw = (fraction: number, label: string): void => {
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * WIDTH);
    const columns = width();
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.round(f * 100)).padStart(3)}% `;
    stream.write(`\r${(bar + label).slice(0, columns - 1).padEnd(columns - 1)}`);
    shown = true;
  };
  return {
    update(fraction, label) {
      const now = Date.now();
      if (now - last < 100 && fraction < 1) return;
      last = now;
      draw(fraction, label);
    },
    done() {
      if (shown) stream.write(`\r${' '.repeat(width() - 1)}\r`);
      shown = false;
    },
  };
}
