/**
 * An audit as one self-contained HTML file: inline CSS, no script, no font, no image, no link to
 * anything outside the file, so it opens offline and can be attached to a release. Sections: the
 * verdict, the findings, the upgrade matrix as a coloured table (cell: the number of operations,
 * or why unreachable), every counterexample as the kernel transcript, conflicts and policies.
 */
import { assertNever } from '../model/op.ts';
import type { AuditResult } from '../query/audit/audit.ts';
import type { UpgradeCell } from '../query/audit/upgrades.ts';
import {
  auditVerdict,
  cellMark,
  findingMessage,
  locationWords,
  stackWords,
  transcriptLines,
} from './audit.ts';

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * escapeHtml('<a & "b">') // '&lt;a &amp; &quot;b&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const e = escapeHtml;

/** Text with `code` spans (the findings' backticks) as <code>. */
function withCode(text: string): string {
  return e(text).replace(/`([^`]*)`/g, '<code>$1</code>');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff}
.v-errors{background:#cf222e}.v-clean{background:#1a7f37}.v-unknown{background:#9a6700}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.kind,td.where{white-space:nowrap}.sev{font-weight:600;text-transform:uppercase;font-size:12px}
.sev-error{color:#cf222e}.sev-warning{color:#9a6700}.sev-note{color:#57606a}
table.matrix td{text-align:center;min-width:28px;font-family:ui-monospace,monospace}
td.c-0{background:#eaeef2}td.c-1{background:#aceebb}td.c-2{background:#dafbe1}td.c-3{background:#fff8c5}
td.c-many{background:#ffe8b3}td.c-x{background:#ffcecb;color:#82071e;font-weight:600}td.c-q{background:#eaeef2;color:#57606a}
.matrix th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:500}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow-x:auto;font:12px/1.4 ui-monospace,monospace}
code{font:12px ui-monospace,monospace;background:#f6f8fa;padding:0 3px;border-radius:3px}
.verdict-loadable{color:#1a7f37}.verdict-refuted,.verdict-dead{color:#cf222e;font-weight:600}.verdict-unknown{color:#9a6700}
.legend span{display:inline-block;padding:0 6px;margin-right:6px;border:1px solid #d0d7de}
`;

function cellClass(c: UpgradeCell): string {
  switch (c.verdict) {
    case 'reachable': {
      const n = c.steps?.length ?? 0;
      return n <= 3 ? `c-${n}` : 'c-many';
    }
    case 'unreachable':
      return 'c-x';
    case 'unknown':
      return 'c-q';
    default:
      return assertNever(c.verdict, 'upgrade verdict');
  }
}

function cellTitle(c: UpgradeCell): string {
  const head = `[${c.from.join(',')}] -> [${c.to.join(',')}]: `;
  switch (c.verdict) {
    case 'reachable':
      return (
        head +
        (c.steps
          ?.map((s) => (s.kind === 'complete' ? s.kind : `${s.kind} ${s.patch}`))
          .join('; ') || 'already there')
      );
    case 'unreachable':
      return head + (c.reason?.message ?? 'unreachable');
    case 'unknown':
      return `${head}not decided in time (no path of at most ${c.depth} operations)`;
    default:
      return assertNever(c.verdict, 'upgrade verdict');
  }
}

/**
 * The HTML report.
 *
 * @example
 * writeFileSync('audit.html', auditHtml(result, 'stream.catalog.yaml'));
 */
export function auditHtml(r: AuditResult, catalogFile: string): string {
  const v = auditVerdict(r);
  const verdictWords =
    v === 'errors' ? 'error findings' : v === 'clean' ? 'no error findings' : 'undecided parts';
  const count = (s: string) => r.findings.filter((f) => f.severity === s).length;
  const parts: string[] = [];
  parts.push(
    `<h1>klp-verify audit: ${e(catalogFile)}</h1>`,
    `<p><span class="verdict v-${v}" id="verdict">${e(verdictWords)}</span> <span class="meta">${count('error')} errors, ${count('warning')} warnings, ${count('note')} notes · rules ${e(r.rules)} · policies ${e(r.policyRuleSets.join(', ') || 'none')} · from ${e(r.deployed.map((s) => (s.length === 0 ? 'nothing installed' : `[${s.join(',')}]`)).join(' '))} · transitions auto · ${(r.stats.ms / 1000).toFixed(1)} s</span></p>`,
  );

  parts.push('<h2>Findings</h2>');
  if (r.findings.length === 0) parts.push('<p>None.</p>');
  else {
    parts.push(
      '<table id="findings"><thead><tr><th>severity</th><th>kind</th><th>finding</th><th>location</th></tr></thead><tbody>',
    );
    for (const f of r.findings) {
      parts.push(
        `<tr class="finding"><td class="sev sev-${f.severity}">${f.severity}</td><td class="kind"><code>${e(f.kind)}</code></td><td>${withCode(findingMessage(f))}</td><td class="where">${e(locationWords(f.location))}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  parts.push('<h2>Upgrade matrix</h2>');
  const cols = r.patches.map((p) => p.name);
  if (r.rows.length === 0 || cols.length === 0) parts.push('<p>No rows.</p>');
  else {
    parts.push(
      '<p class="legend">Cell: the fewest operations from the row\'s stack to the column patch alone. <span style="background:#aceebb">1</span><span style="background:#dafbe1">2</span><span style="background:#fff8c5">3</span><span style="background:#ffe8b3">4+</span><span style="background:#ffcecb">x unreachable</span><span style="background:#eaeef2">? undecided</span> (hover a cell for the path or the reason)</p>',
      '<table class="matrix" id="matrix"><thead><tr><th>from \\ to</th>',
      ...cols.map((c) => `<th class="col">${e(c)}</th>`),
      '</tr></thead><tbody>',
    );
    r.rows.forEach((row, i) => {
      const cells = r.upgrades.slice(i * cols.length, (i + 1) * cols.length);
      parts.push(
        `<tr><th>${e(row.length === 0 ? '(nothing)' : row.join(', '))}</th>`,
        ...cells.map(
          (c) => `<td class="${cellClass(c)}" title="${e(cellTitle(c))}">${e(cellMark(c))}</td>`,
        ),
        '</tr>',
      );
    });
    parts.push('</tbody></table>');
    const unreachable = r.upgrades.filter((c) => c.verdict === 'unreachable' && c.reason !== null);
    if (unreachable.length > 0) {
      parts.push('<ul>');
      for (const c of unreachable) {
        parts.push(
          `<li>[${e(c.from.join(','))}] → [${e(c.to.join(','))}]: ${withCode(c.reason?.message ?? '')}</li>`,
        );
      }
      parts.push('</ul>');
    }
  }

  parts.push(
    '<h2>Patches</h2><table id="patches"><thead><tr><th>patch</th><th>verdict</th><th>counterexample</th></tr></thead><tbody>',
  );
  for (const p of r.patches) {
    const c = p.counterexample;
    const cex =
      c === null
        ? ''
        : `<p>from ${withCode(stackWords(c.from))}, ${c.steps.length} steps over ${c.patches.length === 0 ? 'no other patch' : withCode(c.patches.map((x) => `\`${x}\``).join(', '))}, replayed on the simulator:</p><pre class="transcript">${e(transcriptLines(c).join('\n'))}</pre>`;
    parts.push(
      `<tr><td><code>${e(p.name)}</code></td><td class="verdict-${p.verdict}">${p.verdict}</td><td>${cex}</td></tr>`,
    );
  }
  parts.push('</tbody></table>');

  parts.push(`<h2>Conflicts</h2><p class="meta">enumeration: ${e(r.conflicts.status)}</p>`);
  if (r.conflicts.sets.length === 0) parts.push('<p>None.</p>');
  else {
    parts.push('<ul>');
    for (const s of r.conflicts.sets)
      parts.push(`<li>${s.map((x) => `<code>${e(x)}</code>`).join(', ')}</li>`);
    parts.push('</ul>');
  }

  parts.push('<h2>Policies</h2>');
  if (r.policies.length === 0) parts.push('<p>None evaluated.</p>');
  else {
    parts.push(
      '<table id="policies"><thead><tr><th>policy</th><th>result</th></tr></thead><tbody>',
    );
    for (const p of r.policies) {
      const body =
        p.violations.length === 0
          ? 'holds'
          : `<ul>${p.violations.map((x) => `<li>${withCode(x.message)}</li>`).join('')}</ul>`;
      parts.push(
        `<tr><td><code>${e(p.policy)}</code> (${e(p.ruleSet)})<br><span class="meta">${e(p.sentence)}</span></td><td>${body}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>klp-verify audit: ${e(catalogFile)}</title>`,
    `<style>${CSS}</style></head><body>`,
    ...parts,
    '</body></html>',
    '',
  ].join('\n');
}
