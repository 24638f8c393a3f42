// `klp-verify audit fleet --format html`, end to end through the CLI: one self-contained file
// (no script, link, import, url() or http), written with `--output FILE` like `audit catalog`,
// loaded in headless Chromium (Debian's `chromium`, driven by playwright-core): no request leaves
// the file, no console error, every group with its verdict, host count, sample hosts and the
// fewest operations that would admit the rollout, and the consistency findings are rendered;
// a screenshot goes to test-output/. Skips the browser part with a message when chromium is
// missing. Also: `--output` for the other formats (JSON, streamed NDJSON).
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../../src/cli/io.ts';
import { main } from '../../../src/cli/main.ts';
import { CHROMIUM, haveChromium, openReport } from '../../support/chromium.ts';

const FLEET = [
  'examples/fleet/fleet.ndjson',
  '--catalog',
  'examples/vendor-stream/stream.catalog.yaml',
  '--rollout',
  'klp_6_8_0_45_r4',
];
const OUT = 'test-output/fleet';

async function cli(args: string[]) {
  const io = bufferIo();
  const code = await main(['audit', 'fleet', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

interface JsonGroup {
  verdict: string;
  count: number;
  hosts: string[];
  fix?: { kind: string; ops?: string[] };
}

describe('audit fleet --format html', () => {
  it('writes one self-contained file with --output and says where on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klp-fleet-html-'));
    const file = join(dir, 'fleet.html');
    const r = await cli([...FLEET, '--format', 'html', '--output', file]);
    expect(r.code).toBe(1); // refused and inconsistent hosts
    expect(r.out.trim()).toBe(
      `1010 hosts in 9 configurations: 1003 admitted, 5 refused, 2 inconsistent; report written to ${file}`,
    );
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\//i);
    // Without --output the report goes to stdout.
    const inline = await cli([...FLEET, '--format', 'html']);
    expect(inline.out).toBe(html);
  });

  it('--output works for json and the streamed ndjson too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klp-fleet-out-'));
    const json = await cli([...FLEET, '--format', 'json', '--output', join(dir, 'f.json')]);
    expect(JSON.parse(json.out)).toMatchObject({ output: join(dir, 'f.json') });
    expect(JSON.parse(readFileSync(join(dir, 'f.json'), 'utf8')).groups.length).toBeGreaterThan(3);
    const nd = await cli([...FLEET, '--format', 'ndjson', '--output', join(dir, 'f.ndjson')]);
    expect(nd.out).toContain('report written to');
    const lines = readFileSync(join(dir, 'f.ndjson'), 'utf8').trim().split('\n');
    const inline = await cli([...FLEET, '--format', 'ndjson']);
    expect(lines).toEqual(inline.out.trim().split('\n'));
  });

  const have = haveChromium();
  if (!have)
    console.warn(
      `skipping the fleet HTML browser test: ${CHROMIUM} is missing (apt-get install chromium)`,
    );
  it.skipIf(!have)(
    'renders the groups, their causes and fixes, and the findings offline, with no console error',
    async () => {
      mkdirSync(OUT, { recursive: true });
      const file = join(process.cwd(), OUT, 'fleet.html');
      await cli([...FLEET, '--format', 'html', '--output', file]);
      const doc = JSON.parse((await cli([...FLEET, '--format', 'json'])).out);
      const groups: JsonGroup[] = doc.groups;
      const { browser, page, errors, requests } = await openReport(file, 1200);
      try {
        const rows = page.locator('#groups tr.group');
        expect(await rows.count()).toBe(groups.length);
        for (const [i, g] of groups.entries()) {
          const cells = rows.nth(i).locator('td');
          expect(await cells.nth(1).textContent()).toBe(g.count.toLocaleString('en-US'));
          expect(await cells.nth(3).textContent()).toBe(g.verdict);
          expect(await cells.nth(5).textContent()).toBe(g.hosts.join(', '));
          if (g.fix?.kind === 'found') {
            expect(await cells.nth(4).textContent()).toContain(
              `fewest operations first: ${g.fix.ops?.join(', ')}`,
            );
          }
        }
        // The largest group first, in the verdict's colour.
        expect(await rows.first().locator('td').nth(1).textContent()).toBe('1,003');
        const bg = await page.evaluate(
          "getComputedStyle(document.querySelector('#groups tr.group .badge')).backgroundColor",
        );
        expect(bg).toBe('rgb(26, 127, 55)');
        expect(await page.locator('#findings tr.finding').count()).toBe(doc.findings.length);
        expect(await page.locator('#configurations tbody tr').count()).toBe(
          doc.configurations.length,
        );
        expect(await page.locator('#verdicts').textContent()).toContain('refused 5');
        await page.screenshot({ path: join(OUT, 'fleet.png'), fullPage: true });
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
