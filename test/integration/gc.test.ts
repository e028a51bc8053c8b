import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, send, type Json } from '../helpers/harbor-api.js';
import { expectMatchesSwagger, expectPagingHeaders } from '../helpers/harbor-swagger.js';
import { blob, client, pushBlob, pushImage, sha256, startTestServer } from './oci-client.js';

/**
 * Online garbage collection over HTTP (`/api/v2.0/system/gc`): real pushes, deletes through the API,
 * a dry run and a real run that must agree, storage and quota afterwards, and every remaining
 * artifact still pulling byte for byte. The window is 0 so everything unreferenced is collectable.
 */

let server: Awaited<ReturnType<typeof startTestServer>>;
const admin = client(() => server.url);

beforeAll(async () => {
  server = await startTestServer({ gc: { windowMs: 0 } });
});
afterAll(async () => {
  await server?.stop();
});

function blobPath(digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(server.dataDir, 'storage', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

async function onDisk(digest: string): Promise<boolean> {
  return access(blobPath(digest)).then(
    () => true,
    () => false,
  );
}

async function used(): Promise<number> {
  const project = parseJson(await send(admin, 'GET', '/projects/library'));
  const quota = parseJson(await send(admin, 'GET', `/quotas/${project.project_id as number}`));
  return (quota.used as { storage: number }).storage;
}

/** Starts a run (`Manual`) and waits for it to finish; returns the run as GET /system/gc/{id} shows it. */
async function runGc(parameters: Json): Promise<Json> {
  const res = await send(admin, 'POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters });
  expect(res.status).toBe(201);
  expectMatchesSwagger('createGCSchedule', 201, undefined);
  const location = res.headers.get('location') ?? '';
  expect(location).toMatch(/^\/api\/v2\.0\/system\/gc\/\d+$/);
  const id = Number(location.split('/').pop());
  for (;;) {
    const run = await send(admin, 'GET', `/system/gc/${id}`);
    expect(run.status).toBe(200);
    const body = parseJson(run);
    expectMatchesSwagger('getGC', 200, body);
    if (['Success', 'Error', 'Stopped'].includes(body.job_status as string)) return body;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function layersOf(manifest: Buffer): string[] {
  const m = JSON.parse(manifest.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  return [m.config.digest, ...m.layers.map((l) => l.digest)];
}

describe('garbage collection over the API', () => {
  it('deletes exactly the unreferenced blobs, agrees with its dry run, lowers usage and keeps every artifact pullable', async () => {
    const kept = await pushImage(admin, 'library/app', 'kept', { layers: 2 });
    const other = await pushImage(admin, 'library/other', 'v1', { layers: 1 });
    const gone = await pushImage(admin, 'library/app', 'gone', { layers: 2 });
    const untagged = await pushImage(admin, 'library/app', 'tmp', { layers: 1 });
    const stray = blob(4096); // uploaded, never used by a manifest
    await pushBlob(admin, 'library/app', stray);

    expect((await send(admin, 'DELETE', `/projects/library/repositories/app/artifacts/${gone.digest}`)).status).toBe(
      200,
    );
    expect((await send(admin, 'DELETE', '/projects/library/repositories/app/artifacts/tmp/tags/tmp')).status).toBe(200);
    const usedBefore = await used();

    const dry = await runGc({ dry_run: true, delete_untagged: true });
    expect(dry.job_status).toBe('Success');
    const dryResult = JSON.parse(dry.job_parameters as string) as Json;
    expect(dryResult).toMatchObject({ dry_run: true, delete_untagged: true, workers: 1 });
    // Nothing changed yet.
    expect(await onDisk(gone.digest)).toBe(true);
    expect(await used()).toBe(usedBefore);

    const real = await runGc({ delete_untagged: true, workers: 3 });
    expect(real.job_status).toBe('Success');
    const result = JSON.parse(real.job_parameters as string) as Json;
    // gone: manifest + 2 layers; untagged: manifest + 1 layer; the stray blob. Configs are shared.
    expect(result.purged_blobs).toBe(6);
    expect(result.purged_manifests).toBe(1);
    expect(dryResult.purged_blobs).toBe(result.purged_blobs);
    expect(dryResult.purged_manifests).toBe(result.purged_manifests);
    expect(dryResult.freed_space).toBe(result.freed_space);

    const goneDigests = [gone.digest, ...layersOf(gone.manifest).slice(1), untagged.digest];
    goneDigests.push(...layersOf(untagged.manifest).slice(1), stray.digest);
    for (const d of goneDigests) expect(await onDisk(d), d).toBe(false);
    expect(await used()).toBe(usedBefore - (result.freed_space as number));

    for (const [name, image] of [
      ['library/app', kept],
      ['library/other', other],
    ] as const) {
      const manifest = await admin('GET', `/v2/${name}/manifests/${image.digest}`);
      expect(manifest.status).toBe(200);
      expect(manifest.body.equals(image.manifest)).toBe(true);
      for (const d of layersOf(image.manifest)) {
        const res = await admin('GET', `/v2/${name}/blobs/${d}`);
        expect(res.status).toBe(200);
        expect(sha256(res.body)).toBe(d);
      }
    }

    const log = await send(admin, 'GET', `/system/gc/${real.id as number}/log`);
    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(log.body.toString()).toContain(`delete blob from storage: ${stray.digest}`);

    const history = await send(admin, 'GET', '/system/gc?page=1&page_size=1');
    expect(history.status).toBe(200);
    expectMatchesSwagger('getGCHistory', 200, parseJson(history));
    expectPagingHeaders(history.headers, { total: 2 });

    // A pushed-again blob that GC deleted is accepted as new.
    await pushBlob(admin, 'library/app', stray);
    expect((await admin('HEAD', `/v2/library/app/blobs/${stray.digest}`)).status).toBe(200);
  });

  it('sets, shows and deletes the schedule', async () => {
    const set = await send(admin, 'PUT', '/system/gc/schedule', {
      schedule: { type: 'Custom', cron: '0 30 2 * * 6' },
      parameters: { delete_untagged: true, workers: 2 },
    });
    expect(set.status).toBe(200);
    const shown = parseJson(await send(admin, 'GET', '/system/gc/schedule'));
    expectMatchesSwagger('getGCSchedule', 200, shown);
    expect(shown.schedule).toMatchObject({ type: 'Custom', cron: '0 30 2 * * 6' });
    expect(JSON.parse(shown.job_parameters as string)).toMatchObject({ delete_untagged: true, workers: 2 });

    expect((await send(admin, 'PUT', '/system/gc/schedule', { schedule: { type: 'Daily' } })).status).toBe(200);
    expect(parseJson(await send(admin, 'GET', '/system/gc/schedule')).schedule).toMatchObject({
      type: 'Daily',
      cron: '0 0 0 * * *',
    });

    const bad = await send(admin, 'PUT', '/system/gc/schedule', { schedule: { type: 'Custom', cron: '* * *' } });
    expect(bad.status).toBe(400);
    const badWorkers = await send(admin, 'POST', '/system/gc/schedule', {
      schedule: { type: 'Manual' },
      parameters: { workers: 9 },
    });
    expect(badWorkers.status).toBe(400);

    expect((await send(admin, 'POST', '/system/gc/schedule', { schedule: { type: 'None' } })).status).toBe(201);
    expect(parseJson(await send(admin, 'GET', '/system/gc/schedule'))).toEqual({});
  });

  it('stops a run on request and answers 404 for runs that are not GC', async () => {
    const res = await send(admin, 'POST', '/system/gc/schedule', { schedule: { type: 'Manual' } });
    expect(res.status).toBe(201);
    const id = Number((res.headers.get('location') ?? '').split('/').pop());
    const stop = await send(admin, 'PUT', `/system/gc/${id}`);
    expect(stop.status).toBe(200);
    for (;;) {
      const status = parseJson(await send(admin, 'GET', `/system/gc/${id}`)).job_status as string;
      // A run this small may finish before the stop reaches it.
      if (status === 'Stopped' || status === 'Success') break;
      expect(status).not.toBe('Error');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await send(admin, 'GET', '/system/gc/999999')).status).toBe(404);
    expect((await send(admin, 'PUT', '/system/gc/999999')).status).toBe(404);
  });
});
