/**
 * Opening a self-contained HTML report in headless Chromium (Debian's `chromium`, driven by
 * playwright-core) for the report tests: the page, and every console error and every request
 * that leaves the file, recorded from the first load.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where CI installs Chromium (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here. */
export const haveChromium = (): boolean => existsSync(CHROMIUM);

export interface OpenedReport {
  readonly browser: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  /** URLs requested that are not the file itself. */
  readonly requests: string[];
}

/**
 * Loads `file` (an absolute path) in a fresh headless profile; the caller closes `browser`.
 *
 * @example
 * const r = await openReport('/tmp/audit.html', 1100); try { ... } finally { await r.browser.close(); }
 */
export async function openReport(file: string, width: number): Promise<OpenedReport> {
  const profile = mkdtempSync(join(tmpdir(), 'klp-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  return { browser, page, errors, requests };
}
