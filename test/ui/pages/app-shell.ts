import { expect, type Locator, type Page } from '@playwright/test';

/** The frame around every signed-in page: the navigation, the language and theme switches, the user menu. */
export class AppShell {
  readonly nav: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'main' });
  }

  async expectSignedIn(username: string): Promise<void> {
    await expect(this.nav).toBeVisible();
    await expect(this.page.getByRole('banner').getByRole('button', { name: username })).toBeVisible();
  }

  /** Follows a link of the left navigation by its visible text. */
  async navigate(label: string | RegExp): Promise<void> {
    await this.nav.getByRole('link', { name: label, exact: typeof label === 'string' }).click();
  }

  navLink(label: string): Locator {
    return this.nav.getByRole('link', { name: label, exact: true });
  }

  /** The language switch in the header; its accessible name is "Language" in the language shown. */
  async chooseLanguage(current: 'Language' | '语言', language: 'English' | '简体中文'): Promise<void> {
    await this.page.getByRole('button', { name: current }).click();
    await this.page.getByRole('menuitem', { name: language }).click();
  }

  async chooseTheme(theme: 'Light' | 'Dark' | 'System'): Promise<void> {
    await this.page.getByRole('button', { name: 'Theme' }).click();
    await this.page.getByRole('menuitem', { name: theme }).click();
  }

  /** Waits until the live event stream is connected (pages update without a reload from then on). */
  async expectLive(): Promise<void> {
    await expect(this.page.getByTestId('live-status')).toHaveAttribute('data-live', 'true');
  }
}
