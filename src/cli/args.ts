/**
 * A small, strict argument parser with did-you-mean for options, and the help text renderer.
 * Every command declares its options once; parsing and `--help` both come from that.
 */
import { DEFAULT_MAX_INPUT_BYTES, MAX_INPUT_BYTES_LIMIT, setReaderLimits } from '../ingest/fs.ts';
import { didYouMean } from '../source/suggest.ts';
import { UsageError } from './exit.ts';

export interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly kind: 'flag' | 'value';
  /** Placeholder in help, e.g. `FILE`. */
  readonly metavar?: string;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly default?: string;
  /** May be given several times (`-D A=1 -D B=2`); every value is kept, in order. */
  readonly repeatable?: boolean;
}

export interface Parsed {
  readonly positionals: readonly string[];
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
  /** Every value of a repeatable option, in order. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

export const HELP_OPTION: OptionSpec = {
  name: 'help',
  short: 'h',
  kind: 'flag',
  description: 'show this help and exit',
};

/** Options every command takes: how far the input readers go. */
export const READER_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'max-input-size',
    kind: 'value',
    metavar: 'BYTES',
    default: String(DEFAULT_MAX_INPUT_BYTES),
    description: `largest input file read (catalog, plan, rule file), up to ${MAX_INPUT_BYTES_LIMIT}`,
  },
  {
    name: 'allow-outside',
    kind: 'flag',
    description: "let plans name catalogs and rule files outside the plan's folder",
  },
];

/**
 * Parses `args` against `options`: `--name value`, `--name=value`, `-h`, and `--` to end
 * options. Unknown options, missing values and values outside `choices` are usage errors.
 *
 * @example
 * parseArgs(['plan.yaml', '--format', 'json'], [FORMAT_OPTION]).values.get('format') // 'json'
 */
export function parseArgs(args: readonly string[], options: readonly OptionSpec[]): Parsed {
  const all = [...options, ...READER_OPTIONS, HELP_OPTION];
  const positionals: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const attached = /^-([A-Za-z])(.+)$/.exec(arg);
    const attachedSpec =
      attached === null
        ? undefined
        : all.find((o) => o.kind === 'value' && o.short === attached[1]);
    // `-DX=2`, `-Iinc`: a short value option with its value attached, as compilers take them.
    const eq = attachedSpec !== undefined ? 1 : arg.indexOf('=');
    const word = attachedSpec !== undefined ? arg.slice(0, 2) : eq >= 0 ? arg.slice(0, eq) : arg;
    const spec =
      attachedSpec ??
      (word.startsWith('--')
        ? all.find((o) => `--${o.name}` === word)
        : all.find((o) => o.short !== undefined && `-${o.short}` === word));
    if (spec === undefined) {
      throw new UsageError(
        `unknown option \`${word}\``,
        didYouMean(
          word,
          all.map((o) => `--${o.name}`),
        ) ?? 'see `--help` for the options',
      );
    }
    if (spec.repeatable !== true && (flags.has(spec.name) || values.has(spec.name))) {
      throw new UsageError(
        `option \`--${spec.name}\` is given twice`,
        spec.kind === 'value' && spec.name !== 'initial'
          ? 'give it once'
          : 'give it once; list several values in one, separated by commas',
      );
    }
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`option \`--${spec.name}\` takes no value`);
      flags.add(spec.name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[i + 1];
      i++;
      // `--catalog --format json`: the next word is an option, not the value.
      if (value !== undefined && isOption(value, all)) {
        throw new UsageError(
          `option \`--${spec.name}\` needs a value, found the option \`${value}\``,
          `write \`--${spec.name} ${spec.metavar ?? 'VALUE'}\`, or \`--${spec.name}=${value}\` if that is the value`,
        );
      }
    }
    if (value === undefined) throw new UsageError(`option \`--${spec.name}\` needs a value`);
    if (spec.repeatable === true) {
      lists.set(spec.name, [...(lists.get(spec.name) ?? []), value]);
    }
    if (spec.choices !== undefined && !spec.choices.includes(value)) {
      throw new UsageError(
        `\`${value}\` is not a valid value for \`--${spec.name}\``,
        `expected one of ${spec.choices.map((c) => `\`${c}\``).join(', ')}${formatSuggestion(value, spec.choices)}`,
      );
    }
    values.set(spec.name, value);
  }
  applyReaderOptions(values, flags);
  return { positionals, flags, values, lists };
}

/** Whether `word` names one of `options` (`--name`, `--name=...` or `-x`). */
function isOption(word: string, options: readonly OptionSpec[]): boolean {
  const head = word.split('=')[0] ?? word;
  return options.some(
    (o) => head === `--${o.name}` || (o.short !== undefined && head === `-${o.short}`),
  );
}

/** Sets the readers' limits for this command (every command parses its arguments once). */
function applyReaderOptions(values: ReadonlyMap<string, string>, flags: ReadonlySet<string>): void {
  const text = values.get('max-input-size');
  let maxBytes = DEFAULT_MAX_INPUT_BYTES;
  if (text !== undefined) {
    const n = /^[0-9]{1,10}$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= 1 && n <= MAX_INPUT_BYTES_LIMIT)) {
      throw new UsageError(
        `\`${text}\` is not a valid value for \`--max-input-size\``,
        `give a whole number of bytes from 1 to ${MAX_INPUT_BYTES_LIMIT}`,
      );
    }
    maxBytes = n;
  }
  setReaderLimits({ maxBytes, allowOutside: flags.has('allow-outside') });
}

function formatSuggestion(value: string, choices: readonly string[]): string {
  const dym = didYouMean(value, choices);
  return dym === undefined ? '' : `; ${dym}`;
}

export interface HelpSpec {
  readonly usage: string;
  readonly summary: string;
  readonly description?: string;
  readonly options: readonly OptionSpec[];
  readonly examples?: readonly { readonly command: string; readonly what: string }[];
  readonly exitCodes?: readonly { readonly code: number; readonly meaning: string }[];
}

/** The `--help` text of a command. */
export function renderHelp(spec: HelpSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.summary];
  if (spec.description !== undefined) lines.push('', spec.description);
  const opts = [...spec.options, ...READER_OPTIONS, HELP_OPTION];
  lines.push('', 'options:');
  const heads = opts.map((o) => {
    const short = o.short === undefined ? '    ' : `-${o.short}, `;
    const value = o.kind === 'value' ? ` ${o.metavar ?? 'VALUE'}` : '';
    return `  ${short}--${o.name}${value}`;
  });
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  for (const [i, o] of opts.entries()) {
    const extra: string[] = [];
    if (o.choices !== undefined) extra.push(`one of: ${o.choices.join(', ')}`);
    if (o.default !== undefined) extra.push(`default: ${o.default}`);
    const tail = extra.length > 0 ? ` (${extra.join('; ')})` : '';
    lines.push(`${(heads[i] ?? '').padEnd(width)}${o.description}${tail}`);
  }
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push('', 'examples:');
    for (const e of spec.examples) lines.push(`  ${e.command}`, `      ${e.what}`);
  }
  if (spec.exitCodes !== undefined) {
    lines.push('', 'exit status:');
    for (const e of spec.exitCodes) lines.push(`  ${e.code}  ${e.meaning}`);
  }
  return lines.join('\n');
}
