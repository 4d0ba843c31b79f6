// The one argument parser of every command: `--name value`, `--name=value`, `-n value`,
// boolean flags, repeatable options, positionals, `--` to end options. Everything it refuses
// is a UsageError (exit 2) that says what was wrong and shows the usage line.

export type OptionValue = string | number | boolean | string[];

export interface OptionSpec {
  /** key in the parsed result and the long flag: `count` is `--count` */
  name: string;
  /** one-letter short flag, e.g. `n` for `-n` */
  short?: string;
  /** the value's name in help (`N`); absent for a boolean flag */
  value?: string;
  /** parses and checks a value; throws Error with the reason for a bad one */
  parse?: (text: string) => string | number;
  /**
   * the value may be left out (the option then holds ""): the next argument is its value only
   * when this accepts it (`--live 127.0.0.1:0` but not `--live app.yaml`)
   */
  valueOptional?: (next: string) => boolean;
  /** may be given more than once; values are collected in a list */
  repeatable?: boolean;
  description: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class ParsedArgs {
  constructor(
    private readonly values: Map<string, OptionValue>,
    readonly positionals: string[],
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  number(name: string): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw new Error(`option --${name} holds ${typeof v}, not a number`);
    return v;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new Error(`option --${name} holds ${typeof v}, not text`);
    return v;
  }

  list(name: string): string[] {
    const v = this.values.get(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new Error(`option --${name} is not repeatable`);
    return v;
  }
}

/** Options every command has. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'help', short: 'h', description: 'show this help and exit' },
  { name: 'json', description: 'machine-readable output on stdout (JSON), nothing else there' },
];

/** An integer option value within [min, max]. */
export function intValue(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    if (!/^-?\d+$/.test(text)) throw new Error(`"${text}" is not an integer`);
    const n = Number(text);
    if (n < min || n > max) throw new Error(`${n} is outside ${min}..${max}`);
    return n;
  };
}

/** A link rate in baud: `min`..`max`, or 0 when `unpaced` (no pacing). */
export function baudValue(min: number, max: number, unpaced: boolean): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a whole number of baud`);
    const n = Number(text);
    if (n === 0 && unpaced) return 0;
    if (n < min || n > max) throw new Error(`${n} baud is outside ${unpaced ? '0 (unpaced) or ' : ''}${min}..${max}`);
    return n;
  };
}

/** A value from a fixed set. */
export function choiceValue(...choices: string[]): (text: string) => string {
  return (text) => {
    if (!choices.includes(text)) throw new Error(`"${text}" is not one of ${choices.join(', ')}`);
    return text;
  };
}

export function usageLine(command: string, positionals: PositionalSpec[], options: OptionSpec[]): string {
  const parts = [`synergy ${command}`];
  for (const p of positionals) parts.push(p.optional ? `[<${p.name}>]` : `<${p.name}>`);
  for (const o of options) {
    const flag = o.short ? `-${o.short}` : `--${o.name}`;
    parts.push(o.value ? `[${flag} ${o.value}]` : `[${flag}]`);
  }
  return parts.join(' ');
}

export function parseArgs(command: string, argv: string[], positionals: PositionalSpec[], options: OptionSpec[]): ParsedArgs {
  const all = [...options, ...COMMON_OPTIONS];
  const byLong = new Map(all.map((o) => [o.name, o]));
  const byShort = new Map(all.filter((o) => o.short).map((o) => [o.short!, o]));
  const values = new Map<string, OptionValue>();
  const rest: string[] = [];
  const usage = usageLine(command, positionals, options);
  const fail = (msg: string): never => {
    throw new UsageError(`synergy ${command}: ${msg}\nusage: ${usage}\n(see synergy ${command} --help)`);
  };

  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      rest.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      spec = byLong.get(name);
      shown = `--${name}`;
    } else {
      shown = arg.slice(0, 2);
      spec = byShort.get(arg.slice(1, 2));
      if (arg.length > 2) inline = arg.slice(2);
    }
    if (spec === undefined) fail(`unknown option ${shown}`);
    const s = spec!;
    let value: OptionValue;
    if (s.value === undefined) {
      if (inline !== undefined) fail(`option ${shown} takes no value`);
      value = true;
    } else {
      let text = inline;
      if (text === undefined && s.valueOptional && !(i + 1 < argv.length && s.valueOptional(argv[i + 1]!))) text = '';
      if (text === undefined) {
        if (i + 1 >= argv.length) fail(`option ${shown} needs a value (${s.value})`);
        text = argv[++i]!;
      }
      try {
        value = s.parse ? s.parse(text!) : text!;
      } catch (e) {
        fail(`option ${shown}: ${(e as Error).message}`);
      }
    }
    if (s.repeatable) {
      const list = (values.get(s.name) as string[] | undefined) ?? [];
      list.push(String(value!));
      values.set(s.name, list);
    } else {
      if (values.has(s.name) && s.value !== undefined) fail(`option ${shown} given twice`);
      values.set(s.name, value!);
    }
  }

  if (values.get('help') === true) return new ParsedArgs(values, rest);
  const required = positionals.filter((p) => !p.optional).length;
  if (rest.length < required) fail(`missing <${positionals[rest.length]!.name}>`);
  if (rest.length > positionals.length) fail(`unexpected argument "${rest[positionals.length]}"`);
  return new ParsedArgs(values, rest);
}

/** The --help text of a command. */
export function helpText(command: string, summary: string, description: string | undefined, positionals: PositionalSpec[], options: OptionSpec[]): string {
  const lines = [`usage: ${usageLine(command, positionals, options)}`, '', summary];
  if (description) lines.push('', description);
  if (positionals.length > 0) {
    lines.push('', 'arguments:');
    for (const p of positionals) lines.push(`  <${p.name}>`.padEnd(24) + p.description);
  }
  lines.push('', 'options:');
  const all = [...options, ...COMMON_OPTIONS];
  const flagsOf = (o: OptionSpec): string => `  ${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
  // The descriptions start in one column, past the longest flag (at least column 24).
  const column = Math.max(24, ...all.map((o) => flagsOf(o).length + 2));
  for (const o of all) lines.push(flagsOf(o).padEnd(column) + o.description);
  lines.push('', 'exit codes: 0 ok, 1 failure, 2 usage error (bad input), 130 stopped by SIGINT (Ctrl-C), 143 by SIGTERM');
  return lines.join('\n');
}
