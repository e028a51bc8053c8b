import { expect, type Locator, type Page } from '@playwright/test';

/** /gc: run now or dry run, the schedule, the newest dry run's preview and the history. */
export class GcPage {
  readonly preview: Locator;
  readonly history: Locator;

  constructor(readonly page: Page) {
    this.preview = cardTitled(page, 'Dry run preview');
    this.history = cardTitled(page, 'History');
  }

  async open(): Promise<void> {
    await this.page.goto('/gc');
    await expect(this.page.getByRole('heading', { name: 'Garbage collection', exact: true })).toBeVisible();
  }

  async startDryRun(): Promise<void> {
    // The icon's name comes first ("experiment Dry run").
    await this.page.getByRole('button', { name: /Dry run$/ }).click();
  }

  /** Waits until the preview shows `value` as its figure titled `title` ("Space to free", "Blobs to delete"...). */
  async expectFigure(title: string, value: string): Promise<void> {
    await expect(this.preview).toContainText(new RegExp(`${escapeRegExp(title)}\\s*${escapeRegExp(value)}(?![\\d.])`));
  }
}

/** An antd Card found by its title. */
export function cardTitled(page: Page, title: string): Locator {
  return page.locator('.ant-card').filter({ has: page.locator('.ant-card-head-title', { hasText: title }) });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
