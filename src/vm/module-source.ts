/**
 * C sources of the livepatch modules that stand for a catalog's patches on a real kernel, and of
 * the helper module that holds transitions pending (the technique of the kernel's
 * lib/livepatch/test_klp_callbacks_busy.c: a kernel thread sleeps inside a function of its own
 * module that every livepatch also patches, so no transition can complete while it sleeps).
 *
 * Each patch module carries the patch's name (the module name), `replace`, and its
 * `struct klp_state` array exactly as declared (duplicates included, order kept). A function's
 * body cannot be reproduced, but which patch's code runs can: the catalog's distinct functions
 * are mapped, in catalog order, onto a fixed set of observable vmlinux functions (the static
 * `show` functions behind files in /proc, OBSERVABLE_FUNCTIONS), and each patch replaces the
 * observable functions of the functions it lists with one that prints its own name. Reading the
 * file then tells which patch's code runs (or the original's, whose output is not a patch name).
 * A catalog function with the name of an observable function keeps it; functions beyond the
 * slots are not observed (`functionMappings` says so). A catalog that lists no function at all
 * gets what every module patched before functions were observed: `cmdline_proc_show`. Every
 * module also patches the helper's `klp_verify_hold`; the mapping is reported to the user.
 */
import { catalogFunctions } from '../kernel/func-stack.ts';
import type { Catalog } from '../model/catalog.ts';
import { funcKey, type KlpFunc, type Patch } from '../model/patch.ts';

/** The module name of the helper; livepatches name it as their second `klp_object`. */
export const HELPER_MODULE = 'klp_verify_helper';
/** The vmlinux function every generated livepatch replaces. */
export const SAFE_FUNCTION = 'cmdline_proc_show';
/** The helper's function the holding thread sleeps in. */
export const HOLD_FUNCTION = 'klp_verify_hold';

/** What a generated module does differently from the catalog's declaration. */
export interface FunctionMapping {
  readonly patch: string;
  /** The function as the catalog declares it, `object:name`. */
  readonly declared: string;
  /** The vmlinux function that stands for it, or null: not observed (no slot left). */
  readonly mappedTo: string | null;
}

/**
 * A vmlinux function whose output userspace can read: a `static int NAME(struct seq_file *,
 * void *)` given to `proc_create_single()` (so never inlined, and patchable by name: each is
 * unique in Linux 6.1's kallsyms), and the file that calls it.
 */
export interface ObservableFunction {
  readonly name: string;
  readonly path: string;
}

/**
 * The observable functions, in the order catalog functions take them. None of these files is
 * read by the guest for anything else (`mount -t` does not read /proc/filesystems).
 */
export const OBSERVABLE_FUNCTIONS: readonly ObservableFunction[] = [
  { name: 'cmdline_proc_show', path: '/proc/cmdline' }, // fs/proc/cmdline.c
  { name: 'version_proc_show', path: '/proc/version' }, // fs/proc/version.c
  { name: 'loadavg_proc_show', path: '/proc/loadavg' }, // fs/proc/loadavg.c
  { name: 'uptime_proc_show', path: '/proc/uptime' }, // fs/proc/uptime.c
  { name: 'meminfo_proc_show', path: '/proc/meminfo' }, // fs/proc/meminfo.c
  { name: 'execdomains_proc_show', path: '/proc/execdomains' }, // kernel/exec_domain.c
  { name: 'filesystems_proc_show', path: '/proc/filesystems' }, // fs/filesystems.c
  { name: 'show_softirqs', path: '/proc/softirqs' }, // fs/proc/softirqs.c
];

/** Which observable function stands for each catalog function. */
export interface FunctionSlots {
  /** In catalog order (`catalogFunctions`). */
  readonly mapped: readonly { readonly func: KlpFunc; readonly slot: ObservableFunction }[];
  /** Catalog functions left without a slot. */
  readonly unmapped: readonly KlpFunc[];
}

/**
 * Catalog functions onto observable ones: a function named like an observable vmlinux function
 * keeps it, the others take the free ones in catalog order.
 *
 * @example
 * functionSlots(catalog).mapped.map((m) => m.slot.path) // e.g. ['/proc/cmdline', '/proc/version']
 */
export function functionSlots(catalog: Catalog): FunctionSlots {
  const funcs = catalogFunctions({ catalog });
  const own = (f: KlpFunc) =>
    f.object === 'vmlinux' && f.sympos === 0
      ? OBSERVABLE_FUNCTIONS.find((o) => o.name === f.name)
      : undefined;
  const taken = new Set(funcs.flatMap((f) => own(f)?.name ?? []));
  const free = OBSERVABLE_FUNCTIONS.filter((o) => !taken.has(o.name));
  const mapped: { func: KlpFunc; slot: ObservableFunction }[] = [];
  const unmapped: KlpFunc[] = [];
  for (const func of funcs) {
    const slot = own(func) ?? free.shift();
    if (slot === undefined) unmapped.push(func);
    else mapped.push({ func, slot });
  }
  return { mapped, unmapped };
}

/** The observable functions `p` replaces: those of its functions, or the legacy one. */
function replacedFunctions(p: Patch, slots: FunctionSlots | undefined): string[] {
  if (slots === undefined || slots.mapped.length + slots.unmapped.length === 0)
    return [SAFE_FUNCTION];
  const mine = new Set(p.functions.map(funcKey));
  return slots.mapped.filter((m) => mine.has(funcKey(m.func))).map((m) => m.slot.name);
}

/** Module names the kernel accepts as written (kbuild turns `-` into `_`, so we refuse it). */
export function isModuleName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,54}$/.test(name);
}

/**
 * The livepatch module for `patch`.
 *
 * @example
 * livepatchSource(patch('p', { replace: true, states: [{ id: 1, version: 2 }] }))
 *   .includes('.replace = true') // true
 */
export function livepatchSource(p: Patch, slots?: FunctionSlots): string {
  const replaced = replacedFunctions(p, slots);
  const states = p.states.map((s) => {
    const fields = [`.id = 0x${s.id.toString(16)}UL`, `.version = ${s.version}`];
    if (s.blockDisable) fields.push('.block_disable = true');
    return `\t{ ${fields.join(', ')} },`;
  });
  const patchFields = ['\t.mod = THIS_MODULE,', '\t.objs = objs,'];
  if (states.length > 0) patchFields.push('\t.states = states,');
  patchFields.push(`\t.replace = ${p.replace ? 'true' : 'false'},`);
  if (p.replaceSet !== 0) patchFields.push(`\t.replace_set = ${p.replaceSet},`);
  return [
    `// Generated by klp-verify for the catalog patch \`${p.name}\`.`,
    '#include <linux/module.h>',
    '#include <linux/livepatch.h>',
    '#include <linux/seq_file.h>',
    '#include <linux/delay.h>',
    '',
    ...replaced.flatMap((name) => [
      `static int klp_verify_${name}(struct seq_file *m, void *v)`,
      '{',
      `\tseq_printf(m, "%s\\n", "${p.name}");`,
      '\treturn 0;',
      '}',
      '',
    ]),
    "/* Same behaviour as the helper's own function: a holding thread stays held. */",
    'static void klp_verify_hold_new(int *block, int *inside)',
    '{',
    '\tWRITE_ONCE(*inside, 1);',
    '\twhile (READ_ONCE(*block))',
    '\t\tmsleep(20);',
    '\tWRITE_ONCE(*inside, 0);',
    '}',
    '',
    ...(replaced.length > 0
      ? [
          'static struct klp_func vmlinux_funcs[] = {',
          ...replaced.map((name) => `\t{ .old_name = "${name}", .new_func = klp_verify_${name} },`),
          '\t{}',
          '};',
          '',
        ]
      : []),
    'static struct klp_func helper_funcs[] = {',
    `\t{ .old_name = "${HOLD_FUNCTION}", .new_func = klp_verify_hold_new },`,
    '\t{}',
    '};',
    '',
    'static struct klp_object objs[] = {',
    ...(replaced.length > 0 ? ['\t{ .funcs = vmlinux_funcs },'] : []),
    `\t{ .name = "${HELPER_MODULE}", .funcs = helper_funcs },`,
    '\t{}',
    '};',
    '',
    ...(states.length > 0
      ? ['static struct klp_state states[] = {', ...states, '\t{}', '};', '']
      : []),
    'static struct klp_patch patch = {',
    ...patchFields,
    '};',
    '',
    'static int __init klp_verify_init(void)',
    '{',
    '\treturn klp_enable_patch(&patch);',
    '}',
    '',
    'static void __exit klp_verify_exit(void)',
    '{',
    '}',
    '',
    'module_init(klp_verify_init);',
    'module_exit(klp_verify_exit);',
    'MODULE_LICENSE("GPL");',
    'MODULE_INFO(livepatch, "Y");',
    '',
  ].join('\n');
}

/**
 * The helper module: a kernel thread that sleeps in `klp_verify_hold()` while the module
 * parameter `block` is set; `inside` reads 1 while it is in there. Not a livepatch.
 */
export function helperSource(): string {
  return [
    '// Generated by klp-verify: holds livepatch transitions pending while `block` is set.',
    '#include <linux/module.h>',
    '#include <linux/kthread.h>',
    '#include <linux/delay.h>',
    '#include <linux/err.h>',
    '',
    'static int block = 1;',
    'module_param(block, int, 0644);',
    'static int inside;',
    'module_param(inside, int, 0444);',
    'static struct task_struct *thread;',
    '',
    '/* noinline and noipa: the call must go through ftrace under this very name. */',
    `noinline __attribute__((noipa)) void ${HOLD_FUNCTION}(int *blk, int *in)`,
    '{',
    '\tWRITE_ONCE(*in, 1);',
    '\twhile (READ_ONCE(*blk))',
    '\t\tmsleep(20);',
    '\tWRITE_ONCE(*in, 0);',
    '}',
    '',
    'static int klp_verify_thread(void *data)',
    '{',
    '\twhile (!kthread_should_stop()) {',
    `\t\t${HOLD_FUNCTION}(&block, &inside);`,
    '\t\tmsleep(20);',
    '\t}',
    '\treturn 0;',
    '}',
    '',
    'static int __init klp_verify_helper_init(void)',
    '{',
    '\tthread = kthread_run(klp_verify_thread, NULL, "klp_verify_hold");',
    '\treturn IS_ERR(thread) ? PTR_ERR(thread) : 0;',
    '}',
    '',
    'static void __exit klp_verify_helper_exit(void)',
    '{',
    '\tWRITE_ONCE(block, 0);',
    '\tkthread_stop(thread);',
    '}',
    '',
    'module_init(klp_verify_helper_init);',
    'module_exit(klp_verify_helper_exit);',
    'MODULE_LICENSE("GPL");',
    '',
  ].join('\n');
}

/**
 * How each declared function is represented in the generated modules: by the observable
 * function that stands for it (left out when it is that function), or not at all.
 *
 * @example
 * functionMappings(catalog) // [{ patch: 'p', declared: 'vmlinux:f', mappedTo: 'vmlinux:version_proc_show' }]
 */
export function functionMappings(catalog: Catalog): FunctionMapping[] {
  const slots = functionSlots(catalog);
  const slotOf = new Map(slots.mapped.map((m) => [funcKey(m.func), m.slot.name]));
  return catalog.patches.flatMap((p) =>
    p.functions.flatMap((f) => {
      const slot = slotOf.get(funcKey(f)) ?? null;
      if (f.object === 'vmlinux' && f.name === slot && f.sympos === 0) return [];
      return [
        {
          patch: p.name,
          declared: `${f.object}:${f.name}`,
          mappedTo: slot === null ? null : `vmlinux:${slot}`,
        },
      ];
    }),
  );
}
