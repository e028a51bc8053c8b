import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from '@playwright/test';
import { writeDebianLayouts } from '../fixtures/scan/debian-image.js';
import { createContainersEnv } from '../helpers/containers-env.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { test, expect, UI_ADMIN } from './fixtures.js';
import { ArtifactPage } from './pages/artifact-page.js';
import { ProjectPage } from './pages/project-page.js';
import { ScannerPage } from './pages/scanner-page.js';
import { VulnerabilitiesTab } from './pages/vulnerabilities-tab.js';
import type { BerthServer } from './support/berth-server.js';
import { keepScreenshot } from './support/screenshots.js';

// The scanner seen from the portal, on data whose findings are known in advance: the Debian
// security tracker excerpt built from real bookworm changelogs (test/fixtures/advisories/) and an
// image of real bookworm packages whose dpkg status records older versions
// (test/fixtures/scan/debian-image.ts; the exact findings are in test/fixtures/scan/debian/expected.ts:
// 33 findings, High 25, Medium 7, Low 1, 32 with a fix). Its own server: the advisory import
// must not change what other files' servers report.
test.use({ serverName: 'scan' });

const ADVISORIES = fileURLToPath(
  new URL('../fixtures/advisories/debian-bookworm-from-changelogs.json', import.meta.url),
);
const DEVELOPER = { username: 'scan-dev', password: 'Scan-Dev-Pass-1' };
const GUEST = { username: 'scan-guest', password: 'Scan-Guest-Pass-1' };

function basicAuth(user: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

/** Pushes the "older" Debian image with skopeo from a private containers sandbox. */
async function pushOlderDebian(berth: BerthServer, reference: string): Promise<void> {
  const work = await makeTempDir('ui-scan-images');
  const env = await createContainersEnv({ insecureRegistries: [berth.host] });
  try {
    const layouts = await writeDebianLayouts(join(work, 'layouts'));
    await env.skopeo([
      'copy',
      '-q',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${UI_ADMIN.username}:${UI_ADMIN.password}`,
      layouts.older,
      `docker://${berth.host}/${reference}`,
    ]);
  } finally {
    await env.cleanup();
    await removeTempDir(work);
  }
}

test.beforeAll(async ({ berth, adminApi }) => {
  // The upload a person makes on the scanner page, as the API takes it: the file is the body.
  const res = await fetch(`${berth.url}/api/v2.0/system/scanner/vulndb`, {
    method: 'POST',
    headers: { authorization: basicAuth(UI_ADMIN), 'content-type': 'application/octet-stream' },
    body: await readFile(ADVISORIES),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  await adminApi.call('POST', '/projects', {
    project_name: 'scanned',
    metadata: { public: 'false', auto_scan: 'true' },
  });
  for (const [user, role] of [
    [DEVELOPER, 2],
    [GUEST, 3],
  ] as const) {
    await adminApi.call('POST', '/users', {
      username: user.username,
      email: `${user.username}@example.com`,
      realname: user.username,
      password: user.password,
    });
    await adminApi.call('POST', '/projects/scanned/members', {
      role_id: role,
      member_user: { username: user.username },
    });
  }
});

test('an image pushed into a scan-on-push project shows its severity bar and exact CVEs without a reload', async ({
  signedIn,
  page,
  berth,
}, testInfo) => {
  const project = new ProjectPage(page, 'scanned');
  await project.open();
  await expect(project.emptyState).toBeVisible();
  await signedIn.expectLive();

  await pushOlderDebian(berth, 'scanned/debian:older');
  // The event stream brings the repository in, then the scan's progress and end into its row.
  await project.repositoryLink('debian').click();
  const bar = page.getByTestId('severity-bar');
  await expect(bar).toHaveAttribute('aria-label', 'High 25, Medium 7, Low 1', { timeout: 90_000 });
  await expect(page.getByText('33 · 32 fixable')).toBeVisible();

  await page.getByRole('link', { name: /^Vulnerability report of sha256:/ }).click();
  const artifact = new ArtifactPage(page);
  await expect(artifact.tab('Vulnerabilities')).toHaveAttribute('aria-selected', 'true');
  const vulns = new VulnerabilitiesTab(page, page.getByRole('tabpanel', { name: 'Vulnerabilities' }));
  await expect(vulns.total).toHaveText('33 vulnerabilities');

  // libtasn1-6's status records 4.19.0-2; the tracker fixed CVE-2024-12133 (urgency high) in 4.19.0-2+deb12u1.
  const cells = await vulns.cells('CVE-2024-12133');
  expect(cells).toEqual(expect.arrayContaining(['High', '4.19.0-2', '4.19.0-2+deb12u1']));
  expect(cells.some((c) => c.split('\n')[0] === 'libtasn1-6')).toBe(true);
  // zlib1g 1:1.2.11.dfsg-4: CVE-2022-37434 fixed in 1:1.2.11.dfsg-4.1 (medium); the epoch is kept.
  expect(await vulns.cells('CVE-2022-37434')).toEqual(
    expect.arrayContaining(['Medium', '1:1.2.11.dfsg-4', '1:1.2.11.dfsg-4.1']),
  );
  // Fixed at or below what is installed: not findings (CVE-2018-25032 in exactly 1:1.2.11.dfsg-4,
  // CVE-2018-1000654 in 4.14-1, CVE-2024-45490 in exactly expat's 2.5.0-1+deb12u1).
  for (const id of ['CVE-2018-25032', 'CVE-2018-1000654', 'CVE-2024-45490']) {
    await expect(await vulns.find(id)).toHaveCount(0);
  }

  // expat's open CVE-2023-52426 has no fix: it goes when only fixable findings are shown.
  expect(await vulns.cells('CVE-2023-52426')).toEqual(expect.arrayContaining(['Low', 'No fix yet']));
  await vulns.search('libexpat1');
  await vulns.fixableOnly(true);
  await expect(vulns.row('CVE-2023-52426')).toHaveCount(0);
  await expect(vulns.row('CVE-2024-28757')).toHaveCount(1);
  await vulns.fixableOnly(false);
  await vulns.search('');
  await expect(vulns.row('CVE-2023-52426')).toHaveCount(1);
  await keepScreenshot(page, testInfo, '16-vulnerabilities');
});

test('the scanner page shows the imported advisories and the built-in default scanner', async ({
  signedIn,
  page,
}, testInfo) => {
  const scanner = new ScannerPage(page);
  await scanner.open();
  await expect(scanner.sourceRow('debian-tracker')).toBeVisible();
  await expect(scanner.scannerRow('Berth')).toContainText('Default');
  await expect(scanner.scannerRow('Berth')).toContainText('Built in');
  await expect(signedIn.navLink('Vulnerability scanner')).toBeVisible();
  await keepScreenshot(page, testInfo, '17-scanner');
});

async function signInAs(browser: Browser, berth: BerthServer, user: { username: string; password: string }) {
  const context = await browser.newContext({ baseURL: berth.url });
  const page = await context.newPage();
  const res = await page.request.post('/c/login', { form: { principal: user.username, password: user.password } });
  expect(res.status(), await res.text()).toBe(200);
  return { context, page };
}

test('a developer may scan, a guest may not, and neither manages the scanner', async ({ browser, berth }) => {
  // An image of its own, so this test does not depend on the order of the others.
  await pushOlderDebian(berth, 'scanned/roles:1');
  for (const [user, mayScan] of [
    [DEVELOPER, true],
    [GUEST, false],
  ] as const) {
    const { context, page } = await signInAs(browser, berth, user);
    try {
      await page.goto('/projects/scanned/repositories/roles');
      await expect(page.getByTestId('scan-cell')).toBeVisible();
      const scanButtons = page.getByRole('button', { name: /^(Scan|Stop scanning) sha256:/ });
      await expect(scanButtons).toHaveCount(mayScan ? 1 : 0);
      await expect(
        page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Vulnerability scanner' }),
      ).toHaveCount(0);
      await page.goto('/scanner');
      await expect(page.getByText('Only system administrators manage the scanner.')).toBeVisible();
    } finally {
      await context.close();
    }
  }
});
