import { expect, type Locator, type Page } from '@playwright/test';

/** /replication: registry endpoints, policies (with the editor and its preview), executions. */
export class ReplicationPage {
  constructor(readonly page: Page) {}

  async open(tab: 'registries' | 'policies' | 'executions' = 'registries'): Promise<void> {
    await this.page.goto(`/replication?tab=${tab}`);
    await expect(this.page.getByRole('heading', { name: 'Replication', level: 3 })).toBeVisible();
  }

  tab(name: 'Registries' | 'Policies' | 'Executions'): Locator {
    return this.page.getByRole('tab', { name, exact: true });
  }

  row(text: string): Locator {
    return this.page.getByRole('tabpanel').getByRole('row').filter({ hasText: text });
  }

  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }

  /** The policy editor (a drawer) by its title. */
  editor(title: string | RegExp): Locator {
    return this.page.getByRole('dialog').filter({ has: this.page.getByText(title) });
  }

  /** Picks an option of an antd select found by its form label (the visible list, not the a11y one). */
  async choose(scope: Locator, label: string, option: string | RegExp): Promise<void> {
    await scope.getByLabel(label, { exact: true }).click();
    await this.page
      .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
      .filter({ hasText: option })
      .first()
      .click();
  }
}
