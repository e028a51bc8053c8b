import { expect, type Locator, type Page } from '@playwright/test';

/** /projects/<p>/repositories/<r>: the repository's artifacts and their tags. */
export class RepositoryPage {
  constructor(readonly page: Page) {}

  /** A tag chip: its name is a button that opens the tag's pull commands. */
  tag(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  /** Opens a tag's pull commands and copies the one for `client` (docker, podman, skopeo). */
  async copyPullCommand(tag: string, client: 'docker' | 'podman' | 'skopeo'): Promise<void> {
    await this.tag(tag).click();
    const popover = this.page.getByRole('tooltip').filter({ hasText: `Pull ${tag}` });
    await expect(popover).toBeVisible();
    await popover.getByRole('button', { name: `Copy ${client} pull command` }).click();
    await expect(this.page.getByText('Copied to the clipboard')).toBeVisible();
    await this.page.keyboard.press('Escape');
  }

  /** Deletes one tag through its chip's cross and the confirmation dialog. */
  async deleteTag(tag: string): Promise<void> {
    await this.page.getByRole('button', { name: `Delete tag ${tag}`, exact: true }).click();
    const dialog = this.page.getByRole('dialog').filter({ hasText: `Delete tag ${tag}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(dialog).toBeHidden();
  }

  /** The link to an artifact's page (its short digest) in the row that carries `tag`. */
  async openArtifactTagged(tag: string): Promise<void> {
    const row = this.page.getByRole('row').filter({ has: this.tag(tag) });
    await row.getByRole('link').first().click();
  }
}
