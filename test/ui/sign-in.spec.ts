import { test, expect, UI_ADMIN } from './fixtures.js';
import { AppShell } from './pages/app-shell.js';
import { SignInPage } from './pages/sign-in-page.js';

test.describe('signing in', () => {
  test('a wrong password shows the server’s reason and keeps the user on the form', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.open();
    await signIn.signIn(UI_ADMIN.username, 'not-the-password');
    await expect(signIn.error).toContainText('invalid username or password');
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(signIn.password).toBeVisible();
  });

  test('the admin signs in, lands on the dashboard, and stays signed in after a reload', async ({ page }) => {
    // A deep link first: the portal sends the user to sign in, then back where they wanted to go.
    await page.goto('/projects');
    await expect(page).toHaveURL(/\/sign-in$/);
    const signIn = new SignInPage(page);
    await signIn.signIn(UI_ADMIN.username, UI_ADMIN.password);
    const shell = new AppShell(page);
    await shell.expectSignedIn(UI_ADMIN.username);
    await expect(page).toHaveURL(/\/projects$/);
    await page.reload();
    await shell.expectSignedIn(UI_ADMIN.username);
    await expect(page).toHaveURL(/\/projects$/);
  });
});
