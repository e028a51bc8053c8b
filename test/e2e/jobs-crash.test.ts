import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, randomBlobLayer } from '../fixtures/image-builder.js';
import { ADMIN_HEADERS, e2eTarget } from '../helpers/berth.js';
import { startBerthProcess, type BerthProcess } from '../helpers/berth-process.js';
import { freePort } from '../helpers/net.js';
import { OciClient } from '../helpers/oci-client.js';
import { TempDirs } from '../helpers/tmp.js';

// Issue 4: a kill -9 in the middle of tasks leaves none of them stuck. After the restart each
// interrupted task is either run again (attempts left: retention's per-repository tasks) or marked
// failed (GC, which runs once and is started again by its schedule or a user), and the work a re-run
// does is exactly the work that was asked for.

type Json = Record<string, unknown>;
const REPOS = 6;
const TAGS = 4;
const ORPHANS = 4000;

const tmp = new TempDirs();
let dataDir: string;
let port: number;
let server: BerthProcess | undefined;

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(`${server!.url}/api/v2.0${path}`, {
    method,
    headers: { ...ADMIN_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = text ? (JSON.parse(text) as Json) : {};
  } catch {
    /* text bodies (logs) */
  }
  return { status: res.status, json, text };
}

async function execution(id: number): Promise<Json> {
  const res = await api('GET', `/executions/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.json;
}

async function tasksOf(id: number): Promise<Json[]> {
  const res = await fetch(`${server!.url}/api/v2.0/executions/${id}/tasks?page_size=100`, { headers: ADMIN_HEADERS });
  return (await res.json()) as Json[];
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Old blob files without metadata: GC work that lasts long enough to be interrupted. */
async function writeOrphans(count: number): Promise<void> {
  const root = join(dataDir, 'storage', 'blobs', 'sha256');
  const old = new Date(Date.now() - 7 * 24 * 3600_000);
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(32);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const dir = join(root, hex.slice(0, 2), hex);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data'), bytes);
    await utimes(join(dir, 'data'), old, old);
  }
}

async function countBlobFiles(): Promise<number> {
  const root = join(dataDir, 'storage', 'blobs', 'sha256');
  let n = 0;
  for (const fan of await readdir(root)) n += (await readdir(join(root, fan))).length;
  return n;
}

const finalStatuses = ['Success', 'Error', 'Stopped'];

describe.skipIf(e2eTarget() !== 'berth')('kill -9 in the middle of jobs', () => {
  beforeAll(async () => {
    dataDir = await tmp.make('jobs-crash');
    port = await freePort();
    server = await startBerthProcess({ dataDir, port, env: { BERTH_GC_WINDOW: '0' } });
    const client = new OciClient(server.url, ADMIN_HEADERS);
    // crash/r0..r5, each with v1..v4 pushed in order: retention keeping the latest pushed one per
    // repository must delete exactly v1..v3 everywhere.
    for (let r = 0; r < REPOS; r++) {
      for (let t = 1; t <= TAGS; t++) {
        const image = buildImage({ layers: [randomBlobLayer(2048, `jobs-crash/${r}/${t}`)] });
        for (const [, data] of image.blobs) await client.pushBlob(`crash/r${r}`, data, { mode: 'monolithic' });
        await client.putManifest(`crash/r${r}`, `v${t}`, image.bytes, image.mediaType);
        await sleep(5); // distinct push times
      }
    }
    await writeOrphans(ORPHANS);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await tmp.cleanup();
  });

  it('after a restart, every interrupted task is re-run or failed; none stays Pending or Running', async () => {
    const project = await api('GET', '/projects/crash');
    const created = await api('POST', '/retentions', {
      algorithm: 'or',
      rules: [
        {
          action: 'retain',
          template: 'latestPushedK',
          params: { latestPushedK: 1 },
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        },
      ],
      trigger: { kind: 'Schedule', settings: { cron: '' } },
      scope: { level: 'project', ref: project.json.project_id },
    });
    expect(created.status, created.text).toBe(201);
    const retentionId = Number(
      ((await api('GET', '/projects/crash')).json.metadata as Record<string, string>).retention_id,
    );

    // Pause retention so its tasks are all queued when the GC is killed mid-run.
    expect((await api('PUT', '/jobservice/queues/retention', { action: 'pause' })).status).toBe(200);
    const run = await api('POST', `/retentions/${retentionId}/executions`, { dry_run: false });
    expect(run.status, run.text).toBe(201);
    const listed = await fetch(`${server!.url}/api/v2.0/executions?q=vendor_type=RETENTION`, {
      headers: ADMIN_HEADERS,
    });
    const [retention] = (await listed.json()) as Json[];
    const retentionExecutionId = Number(retention!.id);

    const gc = await api('POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters: { workers: 1 } });
    expect(gc.status, gc.text).toBe(201);
    const gcListed = await fetch(`${server!.url}/api/v2.0/executions?q=vendor_type=GARBAGE_COLLECTION`, {
      headers: ADMIN_HEADERS,
    });
    const gcExecutionId = Number(((await gcListed.json()) as Json[])[0]!.id);

    // Kill when the GC task is running and has deleted something, with retention resumed and busy.
    await waitFor(async () => {
      const [task] = await tasksOf(gcExecutionId);
      return task?.status === 'Running' ? task : undefined;
    }, 'the GC task to run');
    expect((await api('PUT', '/jobservice/queues/retention', { action: 'resume' })).status).toBe(200);
    await waitFor(
      async () => ((await countBlobFiles()) < ORPHANS + REPOS * TAGS * 3 - 50 ? true : undefined),
      'GC to delete',
    );
    await server!.kill9();

    server = await startBerthProcess({ dataDir, port, env: { BERTH_GC_WINDOW: '0' } });

    // Nothing stays unfinished: the restart returns its own leases at once.
    const gcAfter = await waitFor(async () => {
      const e = await execution(gcExecutionId);
      return finalStatuses.includes(String(e.status)) ? e : undefined;
    }, 'the interrupted GC to end');
    const retentionAfter = await waitFor(async () => {
      const e = await execution(retentionExecutionId);
      return finalStatuses.includes(String(e.status)) ? e : undefined;
    }, 'the interrupted retention run to end');
    for (const task of [...(await tasksOf(gcExecutionId)), ...(await tasksOf(retentionExecutionId))]) {
      expect(finalStatuses, JSON.stringify(task)).toContain(task.status);
    }
    // GC runs once: its interrupted attempt is failed, saying why.
    expect(gcAfter.status).toBe('Error');
    const [gcTask] = await tasksOf(gcExecutionId);
    expect(String(gcTask!.status_message)).toMatch(/lease expired/);
    // Retention tasks have attempts left: the interrupted ones ran again and the run succeeded.
    expect(retentionAfter.status).toBe('Success');
    const retentionTasks = await tasksOf(retentionExecutionId);
    expect(retentionTasks).toHaveLength(REPOS);
    for (let r = 0; r < REPOS; r++) {
      const tags = await fetch(`${server!.url}/v2/crash/r${r}/tags/list`, { headers: ADMIN_HEADERS });
      expect(((await tags.json()) as { tags: string[] }).tags, `crash/r${r}`).toEqual([`v${TAGS}`]);
    }

    // A new GC finishes what the killed one started.
    const again = await api('POST', '/system/gc/schedule', {
      schedule: { type: 'Manual' },
      parameters: { workers: 3 },
    });
    expect(again.status, again.text).toBe(201);
    const gcList = await fetch(`${server!.url}/api/v2.0/executions?q=vendor_type=GARBAGE_COLLECTION`, {
      headers: ADMIN_HEADERS,
    });
    const secondId = Number(((await gcList.json()) as Json[])[0]!.id);
    expect(secondId).not.toBe(gcExecutionId);
    const second = await waitFor(async () => {
      const e = await execution(secondId);
      return finalStatuses.includes(String(e.status)) ? e : undefined;
    }, 'the second GC');
    expect(second.status).toBe('Success');
    // Left: the blobs of the six retained images (config + layer + manifest each).
    expect(await countBlobFiles()).toBe(REPOS * 3);
  }, 180_000);
});
