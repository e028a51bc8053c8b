import type { Page, TestInfo } from '@playwright/test';
import { test, expect, UI_ADMIN } from './fixtures.js';
import { AppShell } from './pages/app-shell.js';
import { ArtifactPage } from './pages/artifact-page.js';
import { RepositoryPage } from './pages/repository-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { keepScreenshot } from './support/screenshots.js';

// Screenshots of the main pages with a known set of data, kept as test artifacts
// (test-results/screenshots/*.png, attached to the report) for people to look at. Each page must
// also show what it is for before it is photographed, so an empty or broken page fails here.
test.use({ serverName: 'screenshots' });

test.beforeAll(async ({ images, adminApi }) => {
  await adminApi.call('POST', '/projects', { project_name: 'team', metadata: { public: 'false' } });
  await adminApi.call('POST', '/users', {
    username: 'alice',
    email: 'alice@example.com',
    realname: 'Alice Liddell',
    password: 'Alice-Pass-1',
  });
  await adminApi.call('POST', '/projects/team/members', { role_id: 2, member_user: { username: 'alice' } });
  await images.push('busybox', 'library/busybox:1.36');
  await images.push('busybox', 'library/busybox:latest');
  await images.push('layered', 'library/layered:v1.2.0');
  await images.push('multiarch', 'library/multi:2.0');
  await images.push('layered', 'team/app/backend:v1.10.0');
  await images.push('busybox', 'team/app/backend:v1.9.3');
  await images.push('busybox', 'team/tools:stable', { username: 'alice', password: 'Alice-Pass-1' });
  // Repositories pushed and deleted again leave something for the GC: one before the runs in the
  // history, one after, so the newest dry run has a preview to show.
  await images.push('layered', 'library/scratchpad:tmp');
  await images.push('busybox-docker', 'library/old-build:7');
  await adminApi.call('DELETE', '/projects/library/repositories/scratchpad');
  await adminApi.waitForGc(await adminApi.startGc({ dry_run: true }));
  await adminApi.waitForGc(await adminApi.startGc({ workers: 2 }));
  await adminApi.call('DELETE', '/projects/library/repositories/old-build');
  await adminApi.waitForGc(await adminApi.startGc({ dry_run: true }));
});

/** Goes to `path` (unless null), waits for `ready` to show, and keeps the screenshot as `name`. */
async function shoot(page: Page, testInfo: TestInfo, name: string, path: string | null, ready: string | RegExp) {
  await test.step(name, async () => {
    if (path !== null) await page.goto(path);
    await expect(page.getByText(ready).first()).toBeVisible();
    await keepScreenshot(page, testInfo, name);
  });
}

test('the main pages, in light and dark, English and 简体中文', async ({ page }, testInfo) => {
  // Fifteen pages in one go.
  test.slow();
  const signIn = new SignInPage(page);
  await signIn.open();
  await shoot(page, testInfo, '01-sign-in', null, 'Password');
  await signIn.signIn(UI_ADMIN.username, UI_ADMIN.password);
  const shell = new AppShell(page);
  await shell.expectSignedIn(UI_ADMIN.username);
  await shell.chooseTheme('Light');

  await shoot(page, testInfo, '02-dashboard', '/', 'team');
  await shoot(page, testInfo, '03-projects', '/projects', 'team');
  await shoot(page, testInfo, '04-project-detail', '/projects/team', 'tools');
  await shoot(page, testInfo, '05-repository', '/projects/library/repositories/layered', 'v1.2.0');
  await test.step('06-artifact-layers', async () => {
    await new RepositoryPage(page).openArtifactTagged('v1.2.0');
    const layers = await new ArtifactPage(page).openTab('Layers');
    await expect(layers.getByText('COPY app files', { exact: true })).toBeVisible();
    await keepScreenshot(page, testInfo, '06-artifact-layers');
  });
  await shoot(page, testInfo, '07-jobs', '/jobs', 'Garbage collection');
  await shoot(page, testInfo, '08-gc', '/gc', 'Space to free');
  await shoot(page, testInfo, '09-users', '/users', 'alice');
  await shoot(page, testInfo, '10-audit-log', '/audit-logs', 'library/busybox');
  await shoot(page, testInfo, '11-settings', '/settings', /Settings/);

  await shell.chooseTheme('Dark');
  await shoot(page, testInfo, '12-dashboard-dark', '/', 'team');
  await shoot(page, testInfo, '13-repository-dark', '/projects/team/repositories/app%2Fbackend', 'v1.10.0');

  await shell.chooseTheme('Light');
  await shell.chooseLanguage('Language', '简体中文');
  await shoot(page, testInfo, '14-projects-zh', '/projects', '项目');
  await shoot(page, testInfo, '15-gc-zh', '/gc', '垃圾清理');
});
