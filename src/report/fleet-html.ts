/**
 * `klp-verify audit fleet --format html`: the fleet audit (src/query/fleet/audit.ts) as one
 * self-contained HTML file, like the catalog audit's (src/report/html.ts): inline CSS, no script,
 * no font, no image, no link to anything outside the file, so it opens offline and can be
 * attached to a change request. Sections: the summary with a bar of hosts per verdict, the
 * groups largest first (verdict, cause, the fewest operations that would admit the rollout,
 * counts and sample hosts), the consistency findings, and the configurations. The words are
 * those of the text report (src/report/fleet.ts).
 */
import { assertNever, formatOp } from '../model/op.ts';
import type { ConfigurationResult, FleetResult, Group } from '../query/fleet/audit.ts';
import type { ConfigVerdict, Fix, Outcome } from '../query/fleet/decide.ts';
import { findingText, fixText, groupIds, outcomeHead } from './fleet.ts';
import { escapeHtml } from './html.ts';

const e = escapeHtml;

/** Text with `code` spans (the wording's backticks) as <code>. */
function withCode(text: string): string {
  return e(text).replace(/`([^`]*)`/g, '<code>$1</code>');
}

/** Configurations listed in full; the rest are counted (they are all in `--format json`). */
export const MAX_HTML_CONFIGURATIONS = 500;

const VERDICT_COLOURS: Readonly<Record<ConfigVerdict['kind'], string>> = {
  admitted: '#1a7f37',
  consistent: '#1a7f37',
  refused: '#cf222e',
  inconsistent: '#8250df',
  unknown: '#9a6700',
};

/** The order of the verdict counts and of the bar. */
const VERDICT_ORDER: readonly ConfigVerdict['kind'][] = [
  'admitted',
  'consistent',
  'refused',
  'inconsistent',
  'unknown',
];

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.badge{display:inline-block;padding:1px 9px;border-radius:12px;font-weight:600;color:#fff;white-space:nowrap}
.v-admitted,.v-consistent{background:${VERDICT_COLOURS.admitted}}.v-refused{background:${VERDICT_COLOURS.refused}}
.v-inconsistent{background:${VERDICT_COLOURS.inconsistent}}.v-unknown{background:${VERDICT_COLOURS.unknown}}
.bar{display:flex;height:18px;border:1px solid #d0d7de;border-radius:4px;overflow:hidden;margin:8px 0;max-width:900px}
.bar span{display:block;height:100%}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
ul{margin:2px 0;padding-left:18px}code{font:12px ui-monospace,monospace;background:#f6f8fa;padding:0 3px;border-radius:3px}
.fix{color:#0550ae}
`;

const n = (x: number) => x.toLocaleString('en-US');
const plural = (x: number, w: string) => `${n(x)} ${w}${x === 1 ? '' : 's'}`;

function badge(kind: ConfigVerdict['kind']): string {
  return `<span class="badge v-${kind}">${kind}</span>`;
}

function fixHtml(fix: Fix): string {
  return `<div class="fix">${withCode(fixText(fix))}</div>`;
}

/** The cause of an outcome: its head line, every rule that refuses it, the way out. */
function outcomeHtml(o: Outcome): string {
  const parts = [`<div>${withCode(outcomeHead(o))}</div>`];
  if (o.kind === 'refused') {
    if (o.errno === 'EBUSY')
      parts.push('<div>another patch is in transition; retry when it completes</div>');
    if (o.reasons.length > 0) {
      parts.push(
        `<ul>${o.reasons.map((v) => `<li>rule <code>${e(v.rule)}</code>: ${withCode(v.message)}</li>`).join('')}</ul>`,
      );
    }
    parts.push(fixHtml(o.fix));
  }
  return parts.join('');
}

function verdictHtml(v: ConfigVerdict, g: Pick<Group, 'blocking'>): string {
  switch (v.kind) {
    case 'admitted':
      return v.stacks.length > 1
        ? `<div>admitted in every order sysfs allows; klp_patches becomes one of:</div><ul>${v.stacks.map((s) => `<li>[${e(s.join(', '))}]</li>`).join('')}</ul>`
        : outcomeHtml(v);
    case 'refused':
      return outcomeHtml(v);
    case 'consistent':
      return '<div>consistent with the catalog under these rules</div>';
    case 'inconsistent':
      return `<div>the rules and the catalog could not have produced this configuration</div><ul>${g.blocking.map((f) => `<li>${withCode(findingText(f))}</li>`).join('')}</ul>`;
    case 'unknown':
      if (v.why === 'too-many-orders') {
        return '<div>too many patches without <code>stack_order</code> to try every order (kernel before 6.14)</div>';
      }
      return `<div>the answer depends on the order of klp_patches, which sysfs does not show before 6.14</div><ul>${v.answers.map((a) => `<li>if klp_patches is [${e(a.order.join(', '))}]: ${outcomeHtml(a.outcome)}</li>`).join('')}</ul>`;
    default:
      return assertNever(v, 'verdict');
  }
}

function stackHtml(c: ConfigurationResult): string {
  const lp = c.configuration.livepatch;
  if (lp.length === 0) return '<span class="meta">none</span>';
  return lp
    .map((p) => {
      const flags = [
        p.enabled === false ? 'disabled' : null,
        p.transition === true ? 'in transition' : null,
        p.stackOrder === null ? null : `stack_order ${p.stackOrder}`,
      ].filter((x) => x !== null);
      return `<code>${e(p.name)}</code>${flags.length === 0 ? '' : ` <span class="meta">(${e(flags.join(', '))})</span>`}`;
    })
    .join(', ');
}

/**
 * The HTML report. `inputs` are the snapshot files as given, for the title.
 *
 * @example
 * writeFileSync('fleet.html', fleetHtml(result, ['fleet.ndjson']));
 */
export function fleetHtml(r: FleetResult, inputs: readonly string[], malformedLines = 0): string {
  const what =
    r.rollout.length === 0
      ? 'consistency only (no rollout)'
      : `rollout ${r.rollout.map((p) => `insmod ${p}`).join(', then ')}`;
  const title = `klp-verify audit fleet: ${inputs.join(', ')}`;
  const parts: string[] = [];
  parts.push(
    `<h1>${e(title)}</h1>`,
    `<p class="meta">${plural(r.hosts, 'host')} in ${plural(r.configurations.length, 'configuration')} · ${e(what)} · rules ${e(r.rules)}${malformedLines > 0 ? ` · ${plural(malformedLines, 'malformed line')} (not audited)` : ''}</p>`,
  );
  const counts = VERDICT_ORDER.map((k): [ConfigVerdict['kind'], number] => [
    k,
    r.byVerdict[k],
  ]).filter(([, x]) => x > 0);
  parts.push(
    `<p id="verdicts">${counts.map(([k, x]) => `${badge(k)} ${n(x)}`).join(' &nbsp; ') || 'no hosts'}</p>`,
  );
  if (r.hosts > 0) {
    parts.push(
      `<div class="bar" aria-hidden="true">${counts
        .map(
          ([k, x]) =>
            `<span style="width:${((100 * x) / r.hosts).toFixed(3)}%;background:${VERDICT_COLOURS[k]}" title="${e(`${k}: ${n(x)} hosts`)}"></span>`,
        )
        .join('')}</div>`,
    );
  }

  parts.push('<h2>Groups, largest first</h2>');
  if (r.groups.length === 0) parts.push('<p>No hosts.</p>');
  else {
    parts.push(
      '<table id="groups"><thead><tr><th>#</th><th>hosts</th><th>configurations</th><th>verdict</th><th>cause, and the fewest operations that would admit it</th><th>sample hosts</th></tr></thead><tbody>',
    );
    const ids = groupIds(r);
    for (const g of r.groups) {
      const orders =
        g.verdict.orders > 1 && g.verdict.kind !== 'unknown'
          ? `<div class="meta">same answer in each of ${g.verdict.orders} orders sysfs allows</div>`
          : '';
      parts.push(
        `<tr class="group"><td class="n">${ids.get(g.key) ?? ''}</td><td class="n">${n(g.hosts)}</td><td class="n">${n(g.configurations.length)}</td><td>${badge(g.verdict.kind)}</td><td>${verdictHtml(g.verdict, g)}${orders}</td><td>${g.sampleHosts.map((h) => `<code>${e(h)}</code>`).join(', ')}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  parts.push('<h2>Consistency findings, largest first</h2>');
  if (r.findings.length === 0) parts.push('<p>None.</p>');
  else {
    parts.push(
      '<table id="findings"><thead><tr><th>hosts</th><th>kind</th><th>finding</th><th>sample hosts</th></tr></thead><tbody>',
    );
    for (const f of r.findings) {
      parts.push(
        `<tr class="finding"><td class="n">${n(f.hosts)}</td><td><code>${e(f.finding.kind)}</code></td><td>${withCode(findingText(f.finding))}</td><td>${f.sampleHosts.map((h) => `<code>${e(h)}</code>`).join(', ')}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  parts.push('<h2>Configurations</h2>');
  const shown = r.configurations.slice(0, MAX_HTML_CONFIGURATIONS);
  parts.push(
    '<table id="configurations"><thead><tr><th>id</th><th>hosts</th><th>kernel</th><th>klp_patches (sysfs)</th><th>loaded modules</th><th>verdict</th><th>group</th></tr></thead><tbody>',
  );
  const ids = groupIds(r);
  for (const c of shown) {
    const v = c.decision.verdict;
    const fix =
      v.kind === 'refused' && v.fix.kind === 'found' && v.fix.ops.length > 0
        ? `<div class="fix">${e(v.fix.ops.map(formatOp).join(', '))}</div>`
        : '';
    parts.push(
      `<tr><td class="n">${c.id}</td><td class="n">${n(c.hosts)}</td><td>${e(c.configuration.kernel ?? '?')}</td><td>${stackHtml(c)}</td><td>${c.configuration.modules.map((m) => `<code>${e(m)}</code>`).join(', ')}</td><td>${badge(v.kind)}${v.kind === 'refused' ? ` ${e(v.errno)}` : ''}${fix}</td><td class="n">${ids.get(c.group) ?? ''}</td></tr>`,
    );
  }
  parts.push('</tbody></table>');
  if (r.configurations.length > shown.length) {
    parts.push(
      `<p class="meta">${plural(r.configurations.length - shown.length, 'more configuration')} not listed; <code>--format json</code> has them all.</p>`,
    );
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${e(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    ...parts,
    '</body></html>',
    '',
  ].join('\n');
}
