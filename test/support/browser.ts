import axe from 'axe-core';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium (the `chromium` package, installed by `npm test`'s bootstrap): Playwright's own
 * browser download does not work here. The binary itself, not the /usr/bin/chromium wrapper script.
 */
const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p));

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('Chromium is missing: apt-get install -y chromium fonts-noto-cjk');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/**
 * A page as a user sees it, watched for what must never happen: a console error, an uncaught
 * exception, a request that fails or answers 4xx/5xx. `problems` lists them; screenshots go to `dir`.
 */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  problems: string[];
  screenshot(name: string): Promise<string>;
  /** Saves a screenshot and records the page's critical accessibility violations (axe-core) as problems. */
  check(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPage(
  browser: Browser,
  options: { baseURL: string; locale: string; dir: string; timeZone?: string },
): Promise<WatchedPage> {
  const context = await browser.newContext({
    baseURL: options.baseURL,
    locale: options.locale,
    timezoneId: options.timeZone ?? 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    // A navigation or a closed page cancels what was in flight (a poll, say): not a failure.
    if (failure === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.method()} ${request.url()} ${failure}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  mkdirSync(options.dir, { recursive: true });
  const screenshot = async (name: string) => {
    const file = path.join(options.dir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  return {
    context,
    page,
    problems,
    screenshot,
    async check(name) {
      await screenshot(name);
      for (const violation of await criticalViolations(page))
        problems.push(`accessibility (${name}): ${violation}`);
    },
    close: () => context.close(),
  };
}

/** axe-core's critical violations on the page as it is now: rule, help and the first elements. */
export async function criticalViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy (scripts from its own
  // origin only) stays in force for everything the page itself loads.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
  const results = (await page.evaluate(
    'window.axe.run(document, { resultTypes: ["violations"] })',
  )) as axe.AxeResults;
  return results.violations
    .filter((v) => v.impact === 'critical')
    .map(
      (v) =>
        `${v.id}: ${v.help} (${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')})`,
    );
}
