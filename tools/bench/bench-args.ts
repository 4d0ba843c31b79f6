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

/** Runs `cleanup` on SIGINT or SIGTERM, then exits 130 or 143: a stopped benchmark leaves no board running. */
export function cleanUpOnStop(cleanup: () => Promise<void>): void {
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));
}
