import { expect, type Locator, type Page } from '@playwright/test';

/** /jobs: every execution (newest first) with its status, progress, stop and retry. */
export class JobsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/jobs');
    await expect(this.page.getByRole('heading', { name: 'Jobs', exact: true })).toBeVisible();
  }

  /** The row of execution `id` (its first cell reads `#id`). */
  execution(id: number): Locator {
    return this.page.getByRole('row').filter({ has: this.page.getByRole('button', { name: `#${id}`, exact: true }) });
  }

  /** Clicks the row's Stop and confirms in the dialog. */
  async stop(id: number): Promise<void> {
    await this.execution(id).getByRole('button', { name: 'Stop' }).click();
    const dialog = this.page.getByRole('dialog').filter({ hasText: `Stop execution ${id}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(dialog).toBeHidden();
  }
}
