// The audit's reports on the vendor stream example: SARIF 2.1.0 validated against the published
// JSON schema (the copy shipped in @microsoft/jest-sarif, MIT), one result per finding with
// ruleId = finding kind and a catalog location; the self-contained HTML report loaded in headless
// Chromium (Debian's `chromium`, driven by playwright-core): no request leaves the file, no
// console error, the matrix and the findings are rendered; a screenshot goes to test-output/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogFile } from '../../../src/ingest/index.ts';
import { type AuditResult, auditCatalog } from '../../../src/query/audit/audit.ts';
import { FINDING_KINDS } from '../../../src/query/audit/findings.ts';
import { auditHtml } from '../../../src/report/html.ts';
import { auditSarif } from '../../../src/report/sarif.ts';
import { CHROMIUM, haveChromium, openReport } from '../../support/chromium.ts';
import { checkedRuleSet } from '../../support/rules.ts';

// CommonJS packages: under NodeNext the default import is `module.exports`.
const Ajv = ajvDraft04.default;
const addFormats = ajvFormats.default;

/** The schema's `language` pattern is not valid with the `u` flag: compile without it. */
function sarifValidator() {
  const require = createRequire(import.meta.url);
  const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
}

const CATALOG = 'examples/vendor-stream/stream.catalog.yaml';
const OUT = 'test-output/audit';

let result: AuditResult;

beforeAll(async () => {
  const cat = loadCatalogFile(CATALOG).value;
  if (cat === null) throw new Error('example catalog does not load');
  const out = await auditCatalog({
    catalog: cat,
    ruleSet: checkedRuleSet('upstream'),
    policies: [checkedRuleSet('release-stream')],
    deployed: null,
    timeoutMs: 60_000,
  });
  if (out.kind !== 'ok') throw new Error(out.message);
  result = out.result;
}, 60_000);

describe('SARIF', () => {
  it('validates against the SARIF 2.1.0 schema, one result per finding', () => {
    const validate = sarifValidator();
    const log = JSON.parse(JSON.stringify(auditSarif(result, CATALOG)));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const results = log.runs[0].results;
    expect(results).toHaveLength(result.findings.length);
    expect(results.map((r: { ruleId: string }) => r.ruleId)).toEqual(
      result.findings.map((f) => f.kind),
    );
    expect(log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(FINDING_KINDS);
    // r4's refusal points at r4's entry in the catalog (`- name: klp_6_8_0_45_r4`, line 49).
    const r4 = results.find(
      (r: { ruleId: string; message: { text: string } }) =>
        r.ruleId === 'refusable-patch' && r.message.text.startsWith('`klp_6_8_0_45_r4`'),
    );
    expect(r4.level).toBe('error');
    expect(r4.locations[0].physicalLocation.artifactLocation.uri).toBe(CATALOG);
    expect(r4.locations[0].physicalLocation.region.startLine).toBe(49);
  });

  it('fails validation when a required property is missing (the validator is live)', () => {
    const validate = sarifValidator();
    const log = JSON.parse(JSON.stringify(auditSarif(result, CATALOG)));
    delete log.runs[0].tool.driver.name;
    expect(validate(log)).toBe(false);
  });
});

describe('HTML in headless Chromium', () => {
  const have = haveChromium();
  if (!have)
    console.warn(
      `skipping the HTML browser test: ${CHROMIUM} is missing (apt-get install chromium)`,
    );
  it.skipIf(!have)(
    'renders the findings and the matrix offline, with no console error',
    async () => {
      mkdirSync(OUT, { recursive: true });
      const html = auditHtml(result, CATALOG);
      expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\//i);
      const file = join(process.cwd(), OUT, 'vendor-stream.html');
      writeFileSync(file, html);
      const { browser, page, errors, requests } = await openReport(file, 1100);
      try {
        expect(await page.locator('#verdict').textContent()).toBe('error findings');
        expect(await page.locator('#findings tr.finding').count()).toBe(result.findings.length);
        const rows = await page.locator('#matrix tbody tr').count();
        expect(rows).toBe(result.rows.length);
        const cells = await page.locator('#matrix tbody td').allTextContents();
        expect(cells).toHaveLength(result.upgrades.length);
        // The cell from r2 to r4: 2 operations (disable r2, insmod r4), coloured.
        const names = result.patches.map((p) => p.name);
        const r2 = names.indexOf('klp_6_8_0_45_r2');
        const r4 = names.indexOf('klp_6_8_0_45_r4');
        const cell = page.locator('#matrix tbody tr').nth(r2).locator('td').nth(r4);
        expect(await cell.textContent()).toBe('2');
        const bg = await page.evaluate(
          `getComputedStyle(document.querySelectorAll('#matrix tbody tr')[${r2}].querySelectorAll('td')[${r4}]).backgroundColor`,
        );
        expect(bg).not.toBe('rgba(0, 0, 0, 0)');
        expect(await page.locator('pre.transcript').first().textContent()).toContain(
          'insmod: ERROR: could not insert module',
        );
        await page.screenshot({ path: join(OUT, 'vendor-stream.png'), fullPage: true });
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
