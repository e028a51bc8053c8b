import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, startTestServer } from './oci-client.js';

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer({ uploads: { purgeAfterMs: 800, purgeIntervalMs: 200 } });
});
afterAll(() => server.stop());

it('purges upload sessions older than uploads.purgeAfterMs, bytes included, and keeps fresh ones', async () => {
  const call = client(() => server.url);
  const stale = await call('POST', '/v2/purge/app/blobs/uploads/');
  await call('PATCH', stale.headers.get('location')!, { body: Buffer.alloc(1000, 1) });
  const uploadsDir = join(server.dataDir, 'storage', 'uploads');
  expect(await readdir(uploadsDir)).toContain(stale.headers.get('docker-upload-uuid'));

  await new Promise((r) => setTimeout(r, 1500));
  const fresh = await call('POST', '/v2/purge/app/blobs/uploads/');
  const gone = await call('GET', stale.headers.get('location')!);
  expect(gone.status).toBe(404);
  expect(gone.errorCode()).toBe('BLOB_UPLOAD_UNKNOWN');
  expect(await readdir(uploadsDir)).not.toContain(stale.headers.get('docker-upload-uuid'));
  expect((await call('GET', fresh.headers.get('location')!)).status).toBe(204);
});
