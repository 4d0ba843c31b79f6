// What every benchmark reads from its command line: `--json` (the table goes to stderr and one
// JSON line ends stdout) and `--name value` / `--name=value` options.

const argv = process.argv.slice(2);

export const json = argv.includes('--json');

/** The value of `--name value` or `--name=value`, if given. */
export function opt(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** A line of the human-readable report (stderr under --json, so stdout holds only the JSON). */
export function log(line: string): void {
  (json ? process.stderr : process.stdout).write(line + '\n');
}

/** What a benchmark holds while it runs: sessions to close, then boards to stop. */
export interface BenchHeld {
  sessions: { close(): Promise<void> }[];
  boards: { stop(): Promise<unknown> }[];
}

/**
 * Runs a benchmark's body and closes what it holds at the end, on failure (the reason on stderr,
 * exit code 1) and on SIGINT or SIGTERM (exit 130 or 143): a benchmark never leaves a board running.
 */
export async function runBench(name: string, held: BenchHeld, body: () => Promise<void>): Promise<void> {
  const release = async (): Promise<void> => {
    await Promise.allSettled(held.sessions.map((s) => s.close()));
    await Promise.allSettled(held.boards.map((b) => b.stop()));
  };
  process.once('SIGINT', () => void release().then(() => process.exit(130)));
  process.once('SIGTERM', () => void release().then(() => process.exit(143)));
  try {
    await body();
  } catch (e) {
    process.stderr.write(`bench:${name} failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await release();
  }
}
