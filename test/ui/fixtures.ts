import { test as base, expect, type Page } from '@playwright/test';
import { startBerthServer, UI_ADMIN, type BerthServer } from './support/berth-server.js';
import { AdminApi } from './support/admin-api.js';
import { createImagePusher, type ImagePusher } from './support/images.js';
import { AppShell } from './pages/app-shell.js';

/**
 * Every spec imports `test` from here. Each worker runs its own `berth serve` (fresh data dir) and
 * its own skopeo sandbox; each test gets a fresh browser context whose origin may use the clipboard.
 */

interface WorkerFixtures {
  /**
   * Which server the worker runs: files that need one of their own (a known set of data for
   * screenshots, thousands of orphan blobs) set `test.use({ serverName: '...' })`, which gives them
   * a worker, hence a server, that no other file shares.
   */
  serverName: string;
  berth: BerthServer;
  images: ImagePusher;
  adminApi: AdminApi;
}

interface TestFixtures {
  /** The admin's session in this page's browser context; the test navigates where it needs to. */
  signedIn: AppShell;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  serverName: ['shared', { scope: 'worker', option: true }],
  berth: [
    async ({ serverName: _ }, use) => {
      // GC's time window at 0: what a test just made unreferenced is what a GC may free.
      const server = await startBerthServer({ env: { BERTH_GC_WINDOW: '0' } });
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  images: [
    async ({ berth }, use) => {
      const pusher = await createImagePusher(berth, UI_ADMIN);
      await use(pusher);
      await pusher.cleanup();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  adminApi: [
    async ({ berth }, use) => {
      await use(new AdminApi(berth, UI_ADMIN));
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ berth }, use) => {
    await use(berth.url);
  },
  context: async ({ context, berth }, use) => {
    // The copy buttons write with navigator.clipboard; the tests read back what they wrote.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: berth.url });
    await use(context);
  },
  page: async ({ page }, use, testInfo) => {
    // A page that throws is broken even when the assertions pass: fail the test and say why.
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await use(page);
    if (testInfo.status === testInfo.expectedStatus) {
      expect(errors, 'uncaught errors in the page').toEqual([]);
    }
  },
  signedIn: async ({ page }, use) => {
    // The sign-in form has tests of its own (sign-in.spec.ts): here the session cookie comes from
    // the same endpoint the form posts to, which spares every test a page load.
    const res = await page.request.post('/c/login', {
      form: { principal: UI_ADMIN.username, password: UI_ADMIN.password },
    });
    expect(res.status(), await res.text()).toBe(200);
    await use(new AppShell(page));
  },
});

export { expect, UI_ADMIN };
export type { Page };
