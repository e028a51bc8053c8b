import { test, expect, UI_ADMIN } from './fixtures.js';
import { ReplicationPage } from './pages/replication-page.js';
import { startBerthServer, type BerthServer } from './support/berth-server.js';
import { keepScreenshot } from './support/screenshots.js';

// Replication from the portal against a real peer: a second `berth serve` (a Harbor to this one)
// receives what a push-based policy copies. A server of this file's own, so the policies and
// executions it makes show nowhere else.
test.use({ serverName: 'replication' });

let peer: BerthServer;

test.beforeAll(async ({ images }) => {
  peer = await startBerthServer();
  await images.push('busybox', 'library/web:1.0');
  await images.push('layered', 'library/db:2.0');
});

test.afterAll(async () => {
  await peer?.stop();
});

async function peerHasTag(repository: string, tag: string): Promise<boolean> {
  const auth = `Basic ${Buffer.from(`${UI_ADMIN.username}:${UI_ADMIN.password}`).toString('base64')}`;
  const res = await fetch(`${peer.url}/v2/${repository}/tags/list`, { headers: { authorization: auth } });
  if (res.status !== 200) return false;
  const body = (await res.json()) as { tags?: string[] | null };
  return (body.tags ?? []).includes(tag);
}

test('an endpoint is tested, a push policy previews its filter, runs, and its execution succeeds with a task log', async ({
  signedIn,
  page,
}, testInfo) => {
  const replication = new ReplicationPage(page);
  await replication.open();
  await expect(signedIn.navLink('Replication')).toBeVisible();

  // ── The endpoint: a bad password fails the test with the server's reason, the right one passes.
  await page.getByRole('button', { name: 'New endpoint' }).first().click();
  const dialog = replication.dialog.filter({ hasText: 'New registry endpoint' });
  await expect(dialog.getByTitle('Harbor')).toBeVisible(); // the default provider
  await dialog.getByLabel('Name', { exact: true }).fill('peer');
  await dialog.getByLabel('Endpoint URL').fill(peer.url);
  await dialog.getByLabel('Access ID').fill(UI_ADMIN.username);
  await dialog.getByLabel('Access secret').fill('Not-The-Password-1');
  await dialog.getByRole('button', { name: 'Test connection' }).click();
  const failed = dialog.getByRole('alert').filter({ hasText: 'The connection test failed' });
  await expect(failed).toBeVisible();
  // Whatever the words, the reason is the server's, not an empty box.
  expect((await failed.innerText()).replace('The connection test failed', '').trim()).not.toBe('');

  await dialog.getByLabel('Access secret').fill(UI_ADMIN.password);
  await dialog.getByRole('button', { name: 'Test connection' }).click();
  await expect(dialog.getByRole('alert').filter({ hasText: 'Connection to peer works' })).toBeVisible();
  await keepScreenshot(page, testInfo, '18-replication-endpoint');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog).toBeHidden();
  const endpointRow = replication.row('peer');
  await expect(endpointRow).toContainText(peer.url);
  await expect(endpointRow).toContainText('Harbor');
  // A saved endpoint is tested by its id: the stored secret is used, never sent back.
  await endpointRow.getByRole('button', { name: 'Test the connection to peer' }).click();
  await expect(page.getByText('Connection to peer works')).toBeVisible();

  // ── The policy: push library/web to the peer under `mirror`; the preview shows it and not library/db.
  await replication.tab('Policies').click();
  await page.getByRole('button', { name: 'New policy' }).first().click();
  const editor = replication.editor('New replication policy');
  await editor.getByLabel('Name', { exact: true }).fill('web-to-peer');
  await replication.choose(editor, 'Destination registry', /^peer/);
  const preview = editor.getByRole('region', { name: 'Preview' });
  // No filter yet: both repositories.
  await expect(preview.getByRole('row').filter({ hasText: 'library/db' })).toBeVisible();
  await editor.getByLabel('Repository name').fill('library/web');
  await editor.getByLabel('Namespace').fill('mirror');
  const webRow = preview.getByRole('row').filter({ hasText: 'library/web' });
  await expect(webRow).toContainText('1.0');
  await expect(webRow).toContainText('mirror/web');
  await expect(preview.getByRole('row').filter({ hasText: 'library/db' })).toHaveCount(0);
  await keepScreenshot(page, testInfo, '18-replication-policy-editor');
  await editor.getByRole('button', { name: 'Create' }).click();
  await expect(editor).toBeHidden();

  const policyRow = replication.row('web-to-peer');
  await expect(policyRow).toContainText('Push');
  await expect(policyRow).toContainText('This Berth');
  await expect(policyRow).toContainText('peer');
  await expect(policyRow).toContainText('Not run yet');
  await keepScreenshot(page, testInfo, '18-replication-policies');

  // ── Run it: the execution opens, reaches Succeeded, and its task has a log.
  await policyRow.getByRole('button', { name: 'Replicate web-to-peer now' }).click();
  const drawer = page.getByRole('dialog').filter({ hasText: /Execution #\d+/ });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByRole('row').filter({ hasText: 'library/web' }).getByText('Succeeded')).toBeVisible({
    timeout: 60_000,
  });
  await expect(drawer.locator('.ant-descriptions').getByText('Succeeded')).toBeVisible();
  const task = drawer.getByRole('row').filter({ hasText: 'mirror/web' });
  await expect(task).toContainText('Copy');
  await task.getByRole('button', { name: /^Log of task/ }).click();
  const log = page.getByTestId('task-log');
  await expect(log).not.toBeEmpty();
  await keepScreenshot(page, testInfo, '18-replication-task-log');
  const logDrawer = page.getByRole('dialog').filter({ has: log });
  await logDrawer.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(logDrawer).toBeHidden();
  expect(await peerHasTag('mirror/web', '1.0')).toBe(true);
  expect(await peerHasTag('mirror/db', '2.0')).toBe(false);

  // ── The executions tab lists the run with its counts; the policy's last run says Succeeded.
  await drawer.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(drawer).toBeHidden();
  await replication.tab('Executions').click();
  const runRow = replication.row('web-to-peer');
  await expect(runRow).toContainText('Succeeded');
  await expect(runRow.getByTestId('execution-progress')).toHaveAttribute('aria-label', /1 of 1 done · 1 succeeded/);
  await keepScreenshot(page, testInfo, '18-replication-executions');
  await replication.tab('Policies').click();
  await expect(replication.row('web-to-peer')).toContainText('Succeeded');
});

test('an endpoint a policy uses cannot be deleted, and the server says why', async ({
  signedIn: _,
  page,
  adminApi,
}) => {
  const { location } = await adminApi.call('POST', '/registries', {
    name: 'in-use',
    type: 'harbor',
    url: peer.url,
    insecure: false,
    credential: { type: 'basic', access_key: UI_ADMIN.username, access_secret: UI_ADMIN.password },
  });
  const id = Number(location?.split('/').pop());
  await adminApi.call('POST', '/replication/policies', {
    name: 'keeps-it',
    src_registry: { id: 0 },
    dest_registry: { id },
    trigger: { type: 'manual' },
    filters: [],
    enabled: true,
    override: true,
    dest_namespace: '',
    dest_namespace_replace_count: 1,
  });
  const replication = new ReplicationPage(page);
  await replication.open();
  await replication.row('in-use').getByRole('button', { name: 'Delete in-use' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  const refusal = page.getByRole('dialog').filter({ hasText: 'The endpoint could not be deleted' });
  await expect(refusal).toBeVisible();
  await expect(refusal).toContainText(/keeps-it|polic/i);
  await refusal.getByRole('button', { name: 'OK' }).click();
  await expect(replication.row('in-use')).toBeVisible();
});
