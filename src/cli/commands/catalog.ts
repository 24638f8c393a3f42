/**
 * `klp-verify catalog build PATH...`: a catalog from compiled livepatch modules and C sources,
 * with where every fact came from. A thin shell over `buildCatalog`
 * (src/ingest/artifacts/build.ts) and the renderers of src/report/catalog-build.ts.
 */
import { buildCatalog } from '../../ingest/artifacts/build.ts';
import { catalogJson, catalogYaml } from '../../report/catalog-build.ts';
import { stringify } from '../../report/json.ts';
import { hasErrors } from '../../source/diagnostic.ts';
import type { OptionSpec } from '../args.ts';
import { badInput, type CommandGroup, type CommandSpec, result } from '../command.ts';
import { EXIT, UsageError } from '../exit.ts';
import { checkOutputFile, writeFileAtomic } from '../files.ts';

const BUILD_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'output',
    short: 'o',
    kind: 'value',
    metavar: 'FILE',
    description: 'write the catalog to FILE instead of stdout',
  },
  {
    name: 'define',
    short: 'D',
    kind: 'value',
    metavar: 'NAME=VALUE',
    repeatable: true,
    description:
      'define a macro for C sources, as the compiler option (repeatable; VALUE 1 if left out)',
  },
  {
    name: 'include',
    short: 'I',
    kind: 'value',
    metavar: 'DIR',
    repeatable: true,
    description: 'search DIR for `#include "..."` after the source\'s folder (repeatable)',
  },
  {
    name: 'replace',
    kind: 'value',
    metavar: 'MODULE=BOOL',
    repeatable: true,
    description:
      'supply `replace` where the artifact sets it at run time, e.g. from a module parameter (repeatable)',
  },
];

const BUILD_HELP = {
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
  options: BUILD_OPTIONS,
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
  exits: { ok: 'the catalog was built (warnings may be printed)' },
};

/** What the repeatable options gave. */
export interface BuildArgs {
  readonly defines: Map<string, string>;
  readonly includeDirs: string[];
  readonly replace: Map<string, boolean>;
}

/**
 * Reads `-D NAME[=VALUE]`, `-I DIR` and `--replace MODULE=BOOL` (each repeatable).
 *
 * @example
 * buildArgs(new Map([['define', ['X=2']]])).defines.get('X') // '2'
 */
export function buildArgs(lists: ReadonlyMap<string, readonly string[]>): BuildArgs {
  const defines = new Map<string, string>();
  for (const value of lists.get('define') ?? []) {
    const eq = value.indexOf('=');
    const name = eq < 0 ? value : value.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(`\`${value}\` is not a macro definition`, 'write `-D NAME=VALUE`');
    }
    defines.set(name, eq < 0 ? '1' : value.slice(eq + 1));
  }
  const replace = new Map<string, boolean>();
  for (const value of lists.get('replace') ?? []) {
    const r = /^([A-Za-z0-9_-]+)=(true|false|1|0)$/.exec(value);
    if (r === null) {
      throw new UsageError(
        `\`${value}\` is not a value for \`--replace\``,
        'write `--replace MODULE=true` or `--replace MODULE=false`',
      );
    }
    replace.set((r[1] ?? '').replaceAll('-', '_'), r[2] === 'true' || r[2] === '1');
  }
  return { defines, includeDirs: [...(lists.get('include') ?? [])], replace };
}

export const catalogBuildCommand: CommandSpec = {
  ...BUILD_HELP,
  name: 'catalog build',
  formats: ['yaml', 'json'],
  run: async (ctx) => {
    const parsed = ctx.args;
    if (parsed.positionals.length === 0) {
      throw new UsageError('missing PATH', `usage: ${BUILD_HELP.usage}`);
    }
    const output = parsed.values.get('output');
    if (output !== undefined) checkOutputFile(output, '-o');
    const built = buildCatalog(parsed.positionals, buildArgs(parsed.lists));
    ctx.report(built.diagnostics, 'catalog build');
    if (hasErrors(built.diagnostics)) return badInput;
    const summary = `${built.patches.length} patch${built.patches.length === 1 ? '' : 'es'} from ${built.files.length} artifact${built.files.length === 1 ? '' : 's'}`;
    if (output !== undefined) {
      const text =
        ctx.format === 'json' ? `${stringify(catalogJson(built), 2)}\n` : `${catalogYaml(built)}\n`;
      writeFileAtomic(output, text, '-o');
      const line = `wrote ${summary} to ${output}`;
      return result(
        EXIT.ok,
        line,
        () => line,
        () => ({ output, patches: built.patches.length }),
      );
    }
    return result(
      EXIT.ok,
      `built ${summary}`,
      () => catalogYaml(built),
      () => catalogJson(built),
    );
  },
};

export const catalogGroup: CommandGroup = {
  name: 'catalog',
  summary: 'Build a catalog from compiled livepatch modules and C sources.',
  description:
    'Catalogs are the livepatch modules a plan or a proof ranges over. `catalog build` makes one from the real artifacts, so that nothing is retyped by hand.',
  commands: [catalogBuildCommand],
};
