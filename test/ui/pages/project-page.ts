import { expect, type Locator, type Page } from '@playwright/test';

/** /projects/<name>: the project's tabs, its repositories first. */
export class ProjectPage {
  constructor(
    readonly page: Page,
    readonly name: string,
  ) {}

  async open(): Promise<void> {
    await this.page.goto(`/projects/${encodeURIComponent(this.name)}`);
    await this.expectShown();
  }

  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(new RegExp(`/projects/${this.name}(/repositories)?$`));
    await expect(this.page.getByRole('heading', { name: this.name })).toBeVisible();
  }

  tab(name: string): Locator {
    return this.page.getByRole('tab', { name });
  }

  /** A repository of this project as the repositories tab lists it (by its name within the project). */
  repositoryLink(withinProject: string): Locator {
    return this.page.getByRole('link', { name: withinProject, exact: true });
  }

  /** What an empty project says: how to push a first image. */
  get emptyState(): Locator {
    return this.page.getByText('This project has no repositories yet');
  }
}
