import { expect, type Locator, type Page } from '@playwright/test';

export type ArtifactTab = 'Overview' | 'Layers' | 'Config' | 'Vulnerabilities' | 'SBOM' | 'Annotations';

/** An artifact's page: overview, layers, config, annotations, referrers as tabs. */
export class ArtifactPage {
  constructor(readonly page: Page) {}

  tab(name: ArtifactTab | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }

  async openTab(name: ArtifactTab): Promise<Locator> {
    await this.tab(name).click();
    const panel = this.page.getByRole('tabpanel', { name });
    await expect(panel).toBeVisible();
    return panel;
  }
}
