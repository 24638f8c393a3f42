/**
 * `audit log`: reconstructs the livepatch operations a kernel log implies and replays them on
 * the simulator, boot by boot, starting each boot from the empty system.
 *
 * The simulator drives the explanation: each reconstructed operation is performed by `step()`
 * (manual transitions, as the kernel completes a transition only when its completion line is
 * printed), and the kernel lines it prints are what the log must show next; `pr_debug` lines
 * (`initializing`, `completing`, `reversing`) may be absent. A line that starts something new
 * is read as the operation that prints it: `enabling patch` an insmod, `not compatible` a
 * refused insmod, `starting unpatching transition` a disable (or, during patching, a reversal),
 * `patching complete` a completion (with the replacements the catalog's replace flags imply),
 * `forcing remaining tasks` a force. Operations that print nothing (rmmod, failed writes) are
 * implied only where the log needs them (an insmod of a module the replay still has loaded).
 *
 * Guarantees: every event is a simulator step, except where a line is unexplained: then the
 * line says why, and the replay follows the kernel (the log is the truth, the catalog or the
 * rules are what disagree) so the rest of the log is still audited.
 */
import type { LogRecord } from '../../ingest/kernel-log.ts';
import { type KernelRules, type StepOutcome, step, type Violation } from '../../kernel/index.ts';
import type { Catalog } from '../../model/catalog.ts';
import type { Errno, Op } from '../../model/op.ts';
import { EMPTY_SYSTEM, type System } from '../../model/system.ts';

/** One reconstructed operation. */
export interface LogEvent {
  readonly file: string;
  readonly line: number;
  readonly time: string | null;
  readonly op: Op['kind'];
  readonly patch: string | null;
  /** `failed`: the kernel started enabling the patch and gave up (a callback or setup error). */
  readonly result: 'ok' | Errno | 'failed';
  /** An operation that prints nothing, implied by a later line. */
  readonly implied: boolean;
  /** The rules' reasons for a refusal. */
  readonly reasons: readonly Violation[];
  /** Patches an atomic replace removed from klp_patches on completion. */
  readonly replaced: readonly string[];
}

export interface Unexplained {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

export interface BootResult {
  readonly bootId: string | null;
  /** Where the boot starts. */
  readonly file: string;
  readonly line: number;
  /** From the `Linux version` line, when the log has it. */
  readonly kernel: string | null;
  readonly events: readonly LogEvent[];
  readonly final: System;
  readonly unexplained: readonly Unexplained[];
  /** Livepatch lines of the boot. */
  readonly lines: number;
}

export interface LogAuditOptions {
  readonly catalog: Catalog;
  readonly rules: KernelRules;
}

const ENABLING = /^enabling patch '([^']+)'$/;
const PATCH_LINE = /^'([^']+)': (.*)$/;
const NOT_COMPATIBLE =
  /^Livepatch patch \(([^)]+)\) is not compatible with the already installed livepatches\.?$/;
const NO_DISABLE = /^The livepatch '([^']+)' does not support disable$/;
const FORCING = 'forcing remaining tasks to the patched state';
const INFO =
  /^(?:signaling remaining tasks|tainting kernel with TAINT_LIVEPATCH|applying patch '[^']+' to loading module '[^']+'|reverting patch '[^']+' on unloading module '[^']+')$/;
/** pr_debug lines: printed only with dynamic debug on. */
const DEBUG =
  /^'[^']+': (?:initializing|completing) \S+ transition$|^'[^']+': reversing transition/;

const PREFIX = 'livepatch: ';

interface Boot {
  bootId: string | null;
  file: string;
  line: number;
  kernel: string | null;
  events: LogEvent[];
  sys: System;
  unexplained: Unexplained[];
  lines: number;
  /** Kernel lines the last operation printed that the log has not shown yet. */
  expected: string[];
  /** The insmod whose patching transition has not started yet. */
  enabling: { patch: string; before: System; event: number } | null;
}

function newBoot(file: string, line: number, bootId: string | null): Boot {
  return {
    bootId,
    file,
    line,
    kernel: null,
    events: [],
    sys: EMPTY_SYSTEM,
    unexplained: [],
    lines: 0,
    expected: [],
    enabling: null,
  };
}

/**
 * The streaming log audit: feed it the records of one host's log, in order.
 *
 * @example
 * const audit = new LogAudit({ catalog: cat, rules: upstream });
 * await readKernelLog('dmesg.txt', { record: (r) => audit.add(r), diagnostic: report });
 * audit.finish()[0]?.final.klpPatches // ['klp_r3']
 */
export class LogAudit {
  readonly opts: LogAuditOptions;
  readonly #boots: BootResult[] = [];
  #boot: Boot = newBoot('', 1, null);
  #file = '';

  constructor(opts: LogAuditOptions) {
    this.opts = opts;
  }

  /** Records that follow come from `file` (rotated parts of one log, oldest first). */
  setFile(file: string): void {
    this.#file = file;
    if (this.#boot.file === '') this.#boot.file = file;
  }

  add(r: LogRecord): void {
    if (r.kind === 'boot') {
      const b = this.#boot;
      // Nothing seen of the current boot yet: the record only names it.
      if (b.lines === 0 && b.events.length === 0 && b.kernel === null) {
        b.bootId = r.bootId ?? b.bootId;
        return;
      }
      this.#close();
      this.#boot = newBoot(this.#file, r.line, r.bootId);
      return;
    }
    const b = this.#boot;
    if (r.message.startsWith('Linux version ')) {
      b.kernel = r.message.slice('Linux version '.length).split(' ')[0] ?? null;
      return;
    }
    b.lines++;
    this.#message(b, r.line, r.time, r.message.slice(PREFIX.length), r.text);
  }

  /** Every boot, in log order. */
  finish(): BootResult[] {
    this.#close();
    this.#boot = newBoot(this.#file, 0, null);
    return this.#boots;
  }

  #close(): void {
    const b = this.#boot;
    if (b.lines === 0 && b.events.length === 0 && b.kernel === null) return;
    this.#boots.push({
      bootId: b.bootId,
      file: b.file,
      line: b.line,
      kernel: b.kernel,
      events: b.events,
      final: b.sys,
      unexplained: b.unexplained,
      lines: b.lines,
    });
  }

  #step(sys: System, op: Op, permissive = false): StepOutcome {
    const { catalog, rules } = this.opts;
    // Following the kernel where the rules disagree with it: nothing is refused.
    const r: KernelRules = permissive
      ? {
          name: rules.name,
          enable: () => ({ ok: true }),
          disable: () => ({ ok: true }),
          replaces: (s, c, i, o) => rules.replaces(s, c, i, o),
        }
      : rules;
    return step(sys, op, { rules: r, catalog, transitions: 'manual' });
  }

  /** Applies an operation's outcome: the event, the new system, the lines still to come. */
  #apply(
    b: Boot,
    out: StepOutcome,
    line: number,
    time: string | null,
    message: string,
    implied = false,
  ): void {
    const before = b.sys;
    b.sys = out.system;
    const replaced =
      out.op.kind === 'complete' || out.op.kind === 'force'
        ? before.klpPatches.filter(
            (p) => !out.system.klpPatches.includes(p) && p !== before.transition?.patch,
          )
        : [];
    b.events.push({
      file: this.#file,
      line,
      time,
      op: out.op.kind,
      patch: out.op.kind === 'complete' ? (before.transition?.patch ?? null) : out.op.patch,
      result: out.result,
      implied,
      reasons: out.verdict !== null && !out.verdict.ok ? out.verdict.violations : [],
      replaced,
    });
    if (implied) return;
    b.expected = out.log.filter((l) => l.startsWith(PREFIX)).map((l) => l.slice(PREFIX.length));
    this.#consume(b, message);
  }

  /** Consumes `message` from the expected lines; false when it is not the next one. */
  #consume(b: Boot, message: string): boolean {
    while (b.expected.length > 0) {
      const head = b.expected[0] ?? '';
      if (head === message) {
        b.expected.shift();
        if (
          b.enabling !== null &&
          message === `'${b.enabling.patch}': starting patching transition`
        ) {
          b.enabling = null;
        }
        return true;
      }
      if (!DEBUG.test(head)) break;
      b.expected.shift();
    }
    return false;
  }

  #unexplained(b: Boot, line: number, text: string, why: string): void {
    b.unexplained.push({ file: this.#file, line, text, why });
  }

  #message(b: Boot, line: number, time: string | null, m: string, text: string): void {
    if (this.#consume(b, m)) return;
    b.expected = [];
    const { catalog: cat } = this.opts;
    const notInCatalog = (p: string): boolean => {
      if (cat.byName.has(p)) return false;
      this.#unexplained(
        b,
        line,
        text,
        `\`${p}\` is not in the catalog: the catalog does not match the modules that ran`,
      );
      return true;
    };
    if (INFO.test(m)) return;
    let match = ENABLING.exec(m);
    if (match !== null) {
      const p = match[1] ?? '';
      if (notInCatalog(p)) return;
      this.#insmod(b, p, line, time, m, text, 'ok');
      return;
    }
    match = NOT_COMPATIBLE.exec(m);
    if (match !== null) {
      const p = match[1] ?? '';
      if (notInCatalog(p)) return;
      this.#insmod(b, p, line, time, m, text, 'EINVAL');
      return;
    }
    match = NO_DISABLE.exec(m);
    if (match !== null) {
      const p = match[1] ?? '';
      if (notInCatalog(p)) return;
      const out = this.#step(b.sys, { kind: 'disable', patch: p });
      if (out.result === 'EINVAL' && out.verdict !== null && !out.verdict.ok) {
        this.#apply(b, out, line, time, m);
      } else {
        this.#unexplained(
          b,
          line,
          text,
          `the kernel refused to disable \`${p}\`, but under rules \`${this.opts.rules.name}\` the replay ${out.result === 'ok' ? 'disables it' : `fails with ${out.result}`}`,
        );
      }
      return;
    }
    if (m === FORCING) {
      const t = b.sys.transition;
      if (t === null) {
        this.#unexplained(
          b,
          line,
          text,
          'a transition is forced, but none is pending in the replay',
        );
        return;
      }
      this.#apply(b, this.#step(b.sys, { kind: 'force', patch: t.patch }), line, time, m);
      return;
    }
    match = PATCH_LINE.exec(m);
    if (match === null) {
      this.#unexplained(b, line, text, 'not a livepatch line the model knows');
      return;
    }
    const p = match[1] ?? '';
    const what = match[2] ?? '';
    if (notInCatalog(p)) return;
    this.#transitionLine(b, p, what, line, time, m, text);
  }

  /** `enabling patch` (admitted) or `not compatible` (refused): an insmod. */
  #insmod(
    b: Boot,
    p: string,
    line: number,
    time: string | null,
    m: string,
    text: string,
    logged: 'ok' | 'EINVAL',
  ): void {
    // rmmod prints nothing: a module the replay still has loaded off klp_patches was removed.
    if (b.sys.loaded.includes(p) && !b.sys.klpPatches.includes(p)) {
      const rm = this.#step(b.sys, { kind: 'rmmod', patch: p });
      if (rm.result === 'ok') this.#apply(b, rm, line, time, m, true);
    }
    const out = this.#step(b.sys, { kind: 'insmod', patch: p });
    if (logged === 'EINVAL') {
      if (out.result === 'EINVAL') {
        this.#apply(b, out, line, time, m);
        return;
      }
      this.#unexplained(
        b,
        line,
        text,
        out.result === 'ok'
          ? `\`${p}\` was refused although the catalog says it is compatible with klp_patches [${b.sys.klpPatches.join(', ')}] under rules \`${this.opts.rules.name}\`: the catalog does not match the modules that ran`
          : `\`${p}\` was refused as not compatible, but the replay's insmod fails with ${out.result} first`,
      );
      return;
    }
    if (out.result === 'ok') {
      const before = b.sys;
      this.#apply(b, out, line, time, m);
      b.enabling = { patch: p, before, event: b.events.length - 1 };
      return;
    }
    let why: string;
    if (out.result === 'EINVAL' && out.verdict !== null && !out.verdict.ok) {
      const v = out.verdict.violations[0];
      const over = v?.installedBy === null || v === undefined ? '' : ` over \`${v.installedBy}\``;
      why = `\`${p}\` was enabled although the catalog says it is refused${over} (rule ${v?.rule ?? 'unknown'}): the catalog does not match the modules that ran`;
    } else if (out.result === 'EBUSY') {
      why = `\`${p}\` was enabled while the replay has \`${b.sys.transition?.patch}\` in transition: its completion line is missing from the log`;
    } else if (out.result === 'EEXIST') {
      why = `\`${p}\` was enabled while it is still on klp_patches in the replay: a line is missing from the log`;
    } else {
      why = `\`${p}\` was enabled, but the replay's insmod fails with ${out.result}`;
    }
    this.#unexplained(b, line, text, why);
    if (out.result === 'EEXIST') return;
    // Follow the kernel: complete what the log did not show, then enable regardless of rules.
    let sys = b.sys;
    if (sys.transition !== null) sys = this.#step(sys, { kind: 'complete' }).system;
    b.sys = sys;
    const forced = this.#step(sys, { kind: 'insmod', patch: p }, true);
    if (forced.result === 'ok') {
      this.#apply(b, forced, line, time, m);
      b.enabling = { patch: p, before: sys, event: b.events.length - 1 };
    }
  }

  /** `'P': ...` lines: transitions starting, reversing, completing. */
  #transitionLine(
    b: Boot,
    p: string,
    what: string,
    line: number,
    time: string | null,
    m: string,
    text: string,
  ): void {
    const t = b.sys.transition;
    const op = (kind: 'disable' | 'enable' | 'complete'): void => {
      const out = this.#step(b.sys, kind === 'complete' ? { kind } : { kind, patch: p });
      if (out.result === 'ok') {
        this.#apply(b, out, line, time, m);
        return;
      }
      this.#unexplained(
        b,
        line,
        text,
        `the log implies \`${kind} ${p}\`, but the replay's ${kind} fails with ${out.result}${out.verdict !== null && !out.verdict.ok ? ` (rule ${out.verdict.violations[0]?.rule})` : ''}`,
      );
    };
    // A failed enable: `unpatching complete` with no `starting patching transition`.
    if (
      b.enabling?.patch === p &&
      (what === 'unpatching complete' || what === 'completing unpatching transition')
    ) {
      const { before, event } = b.enabling;
      const e = b.events[event];
      if (e !== undefined) b.events[event] = { ...e, result: 'failed' };
      b.sys = before;
      b.enabling = null;
      b.expected =
        what === 'completing unpatching transition' ? [`'${p}': unpatching complete`] : [];
      return;
    }
    switch (what) {
      case 'starting unpatching transition':
      case 'initializing unpatching transition':
      case 'reversing transition from patching to unpatching':
        op('disable');
        return;
      case 'starting patching transition':
      case 'reversing transition from unpatching to patching':
        if (t?.patch === p && t.target === 'unpatched') op('enable');
        else
          this.#unexplained(
            b,
            line,
            text,
            `\`${p}\` starts patching with no \`enabling patch '${p}'\` line before it in this boot`,
          );
        return;
      case 'patching complete':
      case 'unpatching complete':
      case 'completing patching transition':
      case 'completing unpatching transition': {
        const target = what.includes('unpatching') ? 'unpatched' : 'patched';
        if (t?.patch === p && t.target === target) {
          op('complete');
          return;
        }
        this.#unexplained(
          b,
          line,
          text,
          t === null
            ? `\`${p}\` completes ${target === 'patched' ? 'patching' : 'unpatching'}, but no transition is pending in the replay (the log may start after it began)`
            : `\`${p}\` completes ${target === 'patched' ? 'patching' : 'unpatching'}, but the replay has \`${t.patch}\` being ${t.target}`,
        );
        return;
      }
      default:
        this.#unexplained(b, line, text, 'not a livepatch line the model knows');
    }
  }
}
