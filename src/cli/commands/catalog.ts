/**
 * `klp-verify catalog build PATH...`: a catalog from compiled livepatch modules and C sources,
 * with where every fact came from. A thin shell over `buildCatalog`
 * (src/ingest/artifacts/build.ts) and the renderers of src/report/catalog-build.ts.
 */
import { writeFileSync } from 'node:fs';
import { buildCatalog } from '../../ingest/artifacts/build.ts';
import { catalogJson, catalogYaml } from '../../report/catalog-build.ts';
import { stringify } from '../../report/json.ts';
import { wrap } from '../../report/wrap.ts';
import { type Diagnostic, hasErrors, renderDiagnostic } from '../../source/diagnostic.ts';
import { type HelpSpec, type OptionSpec, parseArgs, renderHelp } from '../args.ts';
import { EXIT, UsageError } from '../exit.ts';
import type { Io } from '../io.ts';
import type { Command } from './common.ts';

const BUILD_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'output',
    short: 'o',
    kind: 'value',
    metavar: 'FILE',
    description: 'write the catalog to FILE instead of stdout',
  },
  {
    name: 'format',
    short: 'f',
    kind: 'value',
    metavar: 'FORMAT',
    choices: ['yaml', 'json'],
    default: 'yaml',
    description: 'yaml: a catalog file for --catalog and plans; json: one document for scripts',
  },
];

/** Repeatable options, taken out before the strict parser sees the rest. */
const REPEATED: readonly OptionSpec[] = [
  {
    name: 'define',
    short: 'D',
    kind: 'value',
    metavar: 'NAME=VALUE',
    description:
      'define a macro for C sources, as the compiler option (repeatable; VALUE 1 if left out)',
  },
  {
    name: 'include',
    short: 'I',
    kind: 'value',
    metavar: 'DIR',
    description: 'search DIR for `#include "..."` after the source\'s folder (repeatable)',
  },
  {
    name: 'replace',
    kind: 'value',
    metavar: 'MODULE=BOOL',
    description:
      'supply `replace` where the artifact sets it at run time, e.g. from a module parameter (repeatable)',
  },
];

const BUILD_HELP: HelpSpec = {
  usage:
    'klp-verify catalog build PATH... [--output FILE] [--format yaml|json] [-D NAME=VALUE] [-I DIR] [--replace MODULE=BOOL]',
  summary: 'Build a catalog from compiled livepatch modules (.ko) and their C sources.',
  description: [
    'Reads every `struct klp_patch`: its `replace` flag, its `struct klp_state` array (and states',
    'in `.kpatch.system_states`), and the functions it patches, one patch per module. A folder',
    'stands for its .ko and .c files. Each fact says where it was read: `test_klp_state2.c:166`,',
    '`klp_r2.ko: .data+0xe0`; `check` and `prove` cite those places in their explanations.',
    'Modules: ELF64 little-endian, x86_64 or AArch64, Linux 5.1 and later (layout from',
    '`vermagic`). C: the preprocessor subset livepatches use (#define, local #include, #if).',
    'A fact set at run time (`patch.replace = replace;`) is refused with exit status 2 and the',
    'option that supplies it; it is never guessed. docs/diagnostics.md explains every KV04xx code.',
  ].join('\n'),
  options: [...BUILD_OPTIONS, ...REPEATED],
  examples: [
    {
      command: 'klp-verify catalog build examples/artifact-stream/ko -o stream.yaml',
      what: 'a catalog from a folder of modules, ready for `check` and `prove --catalog`',
    },
    {
      command: 'klp-verify catalog build test_klp_state.c test_klp_state2.c --format json',
      what: 'the same from C sources, as data with file and line of every fact',
    },
    {
      command:
        'klp-verify catalog build test_klp_atomic_replace.c --replace test_klp_atomic_replace=true',
      what: 'a patch whose `replace` comes from a module parameter, as `insmod ... replace=1` sets it',
    },
    {
      command: 'klp-verify catalog build src/ -D KLP_STREAM_RELEASE=3 -I include',
      what: 'C sources whose states depend on a macro the build defines',
    },
  ],
  exitCodes: [
    { code: EXIT.ok, meaning: 'the catalog was built (warnings may be printed)' },
    {
      code: EXIT.badInput,
      meaning: 'an artifact is unreadable, not a livepatch, or has an unresolved fact',
    },
  ],
};

const HELP = [
  'usage: klp-verify catalog build PATH... [options]',
  '',
  'Catalogs are the livepatch modules a plan or a proof ranges over. `catalog build` makes',
  'one from the real artifacts, so that nothing is retyped by hand.',
  '',
  'subcommands:',
  `  build  ${BUILD_HELP.summary}`,
].join('\n');

/** What the repeatable options gave. */
export interface BuildArgs {
  readonly rest: readonly string[];
  readonly defines: Map<string, string>;
  readonly includeDirs: string[];
  readonly replace: Map<string, boolean>;
}

/**
 * Takes `-D NAME[=VALUE]`, `-DNAME`, `-I DIR`, `-IDIR`, `--replace MODULE=BOOL` out of `args`.
 *
 * @example
 * takeRepeated(['x.c', '-DX=2', '-I', 'inc']).defines.get('X') // '2'
 */
export function takeRepeated(args: readonly string[]): BuildArgs {
  const rest: string[] = [];
  const defines = new Map<string, string>();
  const includeDirs: string[] = [];
  const replace = new Map<string, boolean>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const m = /^(-D|-I|--define|--include|--replace)(?:=(.*))?$|^(-D|-I)(.+)$/.exec(arg);
    if (m === null) {
      rest.push(arg);
      if (arg === '--') rest.push(...args.slice(i + 1));
      if (arg === '--') break;
      continue;
    }
    const flag = m[1] ?? m[3] ?? '';
    let value = m[2] ?? m[4];
    if (value === undefined) {
      value = args[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`option \`${flag}\` needs a value`);
    if (flag === '-D' || flag === '--define') {
      const eq = value.indexOf('=');
      const name = eq < 0 ? value : value.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new UsageError(`\`${value}\` is not a macro definition`, 'write `-D NAME=VALUE`');
      }
      defines.set(name, eq < 0 ? '1' : value.slice(eq + 1));
    } else if (flag === '-I' || flag === '--include') {
      includeDirs.push(value);
    } else {
      const r = /^([A-Za-z0-9_-]+)=(true|false|1|0)$/.exec(value);
      if (r === null) {
        throw new UsageError(
          `\`${value}\` is not a value for \`--replace\``,
          'write `--replace MODULE=true` or `--replace MODULE=false`',
        );
      }
      replace.set((r[1] ?? '').replaceAll('-', '_'), r[2] === 'true' || r[2] === '1');
    }
  }
  return { rest, defines, includeDirs, replace };
}

async function runBuild(args: readonly string[], io: Io): Promise<number> {
  const repeated = takeRepeated(args);
  const parsed = parseArgs(repeated.rest, BUILD_OPTIONS);
  if (parsed.flags.has('help')) {
    io.out(renderHelp(BUILD_HELP));
    return EXIT.ok;
  }
  if (parsed.positionals.length === 0) {
    throw new UsageError('missing PATH', `usage: ${BUILD_HELP.usage}`);
  }
  const format = parsed.values.get('format') ?? 'yaml';
  const built = buildCatalog(parsed.positionals, {
    defines: repeated.defines,
    includeDirs: repeated.includeDirs,
    replace: repeated.replace,
  });
  const failed = hasErrors(built.diagnostics);
  const output = parsed.values.get('output');
  if (format === 'json') {
    const doc = stringify(catalogJson(built, built.diagnostics), 2);
    if (output !== undefined && !failed) writeFileSync(output, `${doc}\n`);
    else io.out(doc);
    return failed ? EXIT.badInput : EXIT.ok;
  }
  printDiagnosticList(io, built.diagnostics);
  if (failed) return EXIT.badInput;
  const yaml = catalogYaml(built);
  if (output === undefined) io.out(yaml);
  else {
    writeFileSync(output, `${yaml}\n`);
    io.err(
      wrap(
        `wrote ${built.patches.length} patch${built.patches.length === 1 ? '' : 'es'} from ${built.files.length} artifact${built.files.length === 1 ? '' : 's'} to ${output}`,
        io.columns,
        '',
      ).join('\n'),
    );
  }
  return EXIT.ok;
}

function printDiagnosticList(io: Io, diags: readonly Diagnostic[]): void {
  if (diags.length === 0) return;
  io.err(diags.map(renderDiagnostic).join('\n\n'));
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  const parts = [
    errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : '',
    warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
  ].filter((p) => p !== '');
  io.err(`catalog build: ${parts.join(', ')}`);
}

export const catalogCommand: Command = {
  name: 'catalog',
  summary: 'Build a catalog from compiled livepatch modules and C sources.',
  help: () => HELP,
  run: async (args, io) => {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(HELP);
      return sub === undefined ? EXIT.badInput : EXIT.ok;
    }
    if (sub === 'build') return runBuild(rest, io);
    throw new UsageError(`unknown subcommand \`catalog ${sub}\``, 'the subcommand is `build`');
  },
};
