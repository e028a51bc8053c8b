import { expect, type Locator, type Page } from '@playwright/test';

/** /scanner: the advisory database, scan-all, the queue, the scanners, limits and the system allowlist. */
export class ScannerPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/scanner');
    await expect(this.page.getByRole('heading', { name: 'Vulnerability scanner', level: 3 })).toBeVisible();
  }

  /** A card by its title. */
  card(title: string): Locator {
    return this.page
      .locator('.ant-card')
      .filter({ has: this.page.locator('.ant-card-head-title', { hasText: title }) });
  }

  scannerRow(name: string): Locator {
    return this.card('Scanners').getByRole('row').filter({ hasText: name });
  }

  sourceRow(name: string): Locator {
    return this.card('Advisory database').getByRole('row').filter({ hasText: name });
  }
}
