import { expect, type Locator, type Page } from '@playwright/test';

/** /projects: the project list and the "New project" dialog. */
export class ProjectsPage {
  readonly heading: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Projects', exact: true });
  }

  async open(): Promise<void> {
    await this.page.goto('/projects');
    await expect(this.heading).toBeVisible();
  }

  row(name: string): Locator {
    return this.page.getByRole('row').filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  /** Fills in the dialog and creates the project; the portal then shows the new project's page. */
  async create(name: string, options: { public?: boolean } = {}): Promise<void> {
    await this.page.getByRole('button', { name: 'New project' }).first().click();
    const dialog = this.page.getByRole('dialog', { name: 'New project' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Project name').fill(name);
    if (options.public) await dialog.getByRole('switch').first().click();
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(dialog).toBeHidden();
  }
}
