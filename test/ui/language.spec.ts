import { test, expect, UI_ADMIN } from './fixtures.js';

test('switching to 简体中文 translates the navigation, and the choice survives a reload', async ({
  signedIn: shell,
  page,
}) => {
  await page.goto('/');
  await shell.expectSignedIn(UI_ADMIN.username);
  await expect(shell.navLink('Projects')).toBeVisible();
  await shell.chooseLanguage('Language', '简体中文');
  for (const label of ['仪表板', '项目', '镜像仓库', '任务', '垃圾清理', '用户', '审计日志', '设置']) {
    await expect(shell.navLink(label)).toBeVisible();
  }
  await expect(shell.navLink('Projects')).toHaveCount(0);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');

  await page.reload();
  await expect(shell.navLink('项目')).toBeVisible();
  await expect(shell.navLink('Projects')).toHaveCount(0);

  // And back: the switch is named in the language shown.
  await shell.chooseLanguage('语言', 'English');
  await expect(shell.navLink('Projects')).toBeVisible();
});
