import { defineConfig } from '@playwright/test';

/**
 * The portal's browser tests (test/ui/*.spec.ts): Debian's chromium against a real `berth serve`
 * that each worker starts itself (test/ui/fixtures.ts), so there is no webServer here. `npm test`
 * builds dist/ and dist/portal before it runs them.
 */
/** Scales every timeout, for a machine that is busy with other work (UI_TEST_TIMEOUT_FACTOR=3). */
const factor = Number(process.env.UI_TEST_TIMEOUT_FACTOR ?? '1') || 1;

export default defineConfig({
  testDir: 'test/ui',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  // Two cores: one browser and one server per worker.
  workers: 2,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 120_000 * factor,
  // Generous: a busy 2-core machine can take seconds to boot the portal; a passing test never waits them out.
  expect: { timeout: 20_000 * factor },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    colorScheme: 'light',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 20_000 * factor,
    navigationTimeout: 20_000 * factor,
    launchOptions: {
      // The browser comes from Debian (apt-get install chromium); Playwright's own download is not
      // reachable from these machines.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
});
