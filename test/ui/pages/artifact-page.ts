import { expect, type Locator, type Page } from '@playwright/test';

/** An artifact's page: overview, layers, config, annotations, referrers as tabs. */
export class ArtifactPage {
  constructor(readonly page: Page) {}

  tab(name: 'Overview' | 'Layers' | 'Config' | 'Annotations' | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }

  async openTab(name: 'Overview' | 'Layers' | 'Config' | 'Annotations'): Promise<Locator> {
    await this.tab(name).click();
    const panel = this.page.getByRole('tabpanel', { name });
    await expect(panel).toBeVisible();
    return panel;
  }
}
