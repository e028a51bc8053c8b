import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Page, type TestInfo } from '@playwright/test';

/** Where the screenshots of the main pages are kept (inside Playwright's outputDir, which CI keeps). */
export const SCREENSHOT_DIR = join('test-results', 'screenshots');

/**
 * Waits until the page has settled (no spinner, skeleton or loading table left), saves a full-page
 * screenshot as test-results/screenshots/<name>.png and attaches it to the test's report.
 */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  await settled(page);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

/** Nothing on the page says it is still loading, and the fonts are in. */
export async function settled(page: Page): Promise<void> {
  await expect(page.locator('.ant-spin-spinning, .ant-skeleton-active, .ant-table-placeholder .ant-spin')).toHaveCount(
    0,
  );
  // A string: the test code is type-checked without the DOM library.
  await page.evaluate('document.fonts.ready.then(() => undefined)');
}
