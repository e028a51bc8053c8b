import { expect, type Locator, type Page } from '@playwright/test';

/** An artifact's Vulnerabilities tab: the summary, the filters and one row per finding. */
export class VulnerabilitiesTab {
  constructor(
    readonly page: Page,
    readonly panel: Locator,
  ) {}

  /** The heading that counts the findings ("33 vulnerabilities"). */
  get total(): Locator {
    return this.panel.getByTestId('vulnerability-total');
  }

  /** The row of one finding, found by its id's link. */
  row(id: string): Locator {
    return this.panel.getByRole('row').filter({ has: this.page.getByRole('link', { name: id, exact: true }) });
  }

  /** Searches for a finding by its id (a long report is paged) and returns its row. */
  async find(id: string): Promise<Locator> {
    await this.search(id);
    return this.row(id);
  }

  /** The cells of a finding's row, as the user reads them (found by searching for its id). */
  async cells(id: string): Promise<string[]> {
    const row = await this.find(id);
    await expect(row).toHaveCount(1);
    return (await row.getByRole('cell').allInnerTexts()).map((t) => t.trim());
  }

  async fixableOnly(on: boolean): Promise<void> {
    await this.panel.getByRole('checkbox', { name: 'Fixable only' }).setChecked(on);
  }

  async search(text: string): Promise<void> {
    await this.panel.getByLabel('Search id, package or text').fill(text);
  }
}
