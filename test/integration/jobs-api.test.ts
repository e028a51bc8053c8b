import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, basicAuth } from '../helpers/berth.js';
import { expectMatchesSwagger, expectPagingHeaders } from '../helpers/harbor-swagger.js';
import { seedMember, seedUser } from '../helpers/seed.js';
import { client, pushImage, startTestServer } from './oci-client.js';

/**
 * The job system over HTTP on a real server, driven by real work: garbage collection started through
 * Harbor's GC API, tag retention started by a project developer through Harbor's retention API.
 * Berth's `/executions`, `/tasks` and `/events`, and Harbor's jobservice and schedule operations.
 */

const API = '/api/v2.0';
const PASSWORD = 'Jobs-Pass-1';
const DEV = { authorization: basicAuth('dev', PASSWORD) };
const OUTSIDER = { authorization: basicAuth('outsider', PASSWORD) };

let server: Awaited<ReturnType<typeof startTestServer>>;
let privId = 0;

type Json = Record<string, unknown>;
type Headers = Record<string, string>;

async function api(method: string, path: string, headers: Headers = ADMIN_HEADERS, body?: unknown) {
  const res = await fetch(`${server.url}${API}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: res.status, headers: res.headers, text, body: (isJson ? JSON.parse(text) : undefined) as unknown };
}

const items = (body: unknown) => body as Json[];

/** Polls `read` until `done` holds (the job system works in the background). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const FINAL = ['Success', 'Error', 'Stopped'];
const execution = async (id: number) => (await api('GET', `/executions/${id}`)).body as Json;
const finished = (id: number) =>
  until(
    () => execution(id),
    (e) => FINAL.includes(String(e.status)),
    `execution ${id}`,
  );

/** Starts a GC run through Harbor's API; returns its execution id. */
async function startGc(parameters: Json): Promise<number> {
  const res = await api('POST', '/system/gc/schedule', ADMIN_HEADERS, { schedule: { type: 'Manual' }, parameters });
  expect(res.status, res.text).toBe(201);
  return Number((res.headers.get('location') ?? '').split('/').pop());
}

/** Creates priv's retention policy as the developer (once) and runs it dry; returns the execution id. */
let retentionId: number | undefined;
async function startRetention(): Promise<number> {
  if (retentionId === undefined) {
    const rule = {
      action: 'retain',
      template: 'always',
      params: {},
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    };
    const res = await api('POST', '/retentions', DEV, {
      algorithm: 'or',
      rules: [rule],
      trigger: { kind: 'Schedule', settings: { cron: '' } },
      scope: { level: 'project', ref: privId },
    });
    expect(res.status, res.text).toBe(201);
    retentionId = Number((res.headers.get('location') ?? '').split('/').pop());
  }
  const run = await api('POST', `/retentions/${retentionId}/executions`, DEV, { dry_run: true });
  expect(run.status, run.text).toBe(201);
  return Number((run.headers.get('location') ?? '').split('/').pop());
}

/**
 * Blob files without metadata, old enough for GC to collect: work for a GC run that lasts long
 * enough to be watched and stopped.
 */
async function writeOrphans(count: number): Promise<string> {
  const root = join(server.dataDir, 'storage', 'blobs', 'sha256');
  const old = new Date(Date.now() - 7 * 24 * 3600_000);
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(64);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const dir = join(root, hex.slice(0, 2), hex);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data'), bytes);
    await utimes(join(dir, 'data'), old, old);
  }
  return root;
}

async function countBlobFiles(root: string): Promise<number> {
  let n = 0;
  for (const fan of await readdir(root)) n += (await readdir(join(root, fan))).length;
  return n;
}

beforeAll(async () => {
  server = await startTestServer();
  const push = client(() => server.url);
  await pushImage(push, 'priv/app', 'v1');
  await pushImage(push, 'secret/app', 'v1');
  await pushImage(push, 'other/app', 'v1');
  await seedUser(server.dataDir, 'dev', PASSWORD);
  await seedUser(server.dataDir, 'outsider', PASSWORD);
  await seedMember(server.dataDir, 'priv', 'dev', 2);
  privId = Number(((await api('GET', '/projects/priv')).body as Json).project_id);
  await seedMember(server.dataDir, 'other', 'outsider', 3);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('executions', () => {
  it('lists GC and retention runs with filters and paging, each to whom may read them', async () => {
    const gcRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await startGc({ dry_run: true });
      gcRuns.push(id);
      expect((await finished(id)).status).toBe('Success');
    }
    const retention = await startRetention();
    expect((await finished(retention)).status).toBe('Success');

    const q = encodeURIComponent('vendor_type=GARBAGE_COLLECTION,status=Success');
    const page1 = await api('GET', `/executions?q=${q}&page_size=2`);
    expect(page1.status).toBe(200);
    expect(items(page1.body).map((e) => e.id)).toEqual([gcRuns[2], gcRuns[1]]);
    expectPagingHeaders(page1.headers, { total: 3, next: /page=2/, prev: null });
    const page2 = await api('GET', `/executions?q=${q}&page_size=2&page=2`);
    expect(items(page2.body).map((e) => e.id)).toEqual([gcRuns[0]]);
    expect(items(page1.body)[0]).toMatchObject({
      vendor_type: 'GARBAGE_COLLECTION',
      vendor_id: -1,
      project_id: null,
      status: 'Success',
      trigger: 'MANUAL',
    });
    const progress = items(page1.body)[0]?.progress as { done: number; total: number };
    expect(progress.done).toBe(progress.total);
    expect((items(page1.body)[0]?.extra_attrs as Json).dry_run).toBe(true);

    // The developer sees priv's retention runs, not system-wide GC; an outsider sees neither.
    const mine = await api('GET', '/executions', DEV);
    expect(items(mine.body).map((e) => [e.id, e.vendor_type])).toEqual([[retention, 'RETENTION']]);
    expect(mine.headers.get('x-total-count')).toBe('1');
    expect(items((await api('GET', '/executions', OUTSIDER)).body)).toEqual([]);
    expect((await api('GET', `/executions/${gcRuns[0]}`, DEV)).status).toBe(403);
    expect((await api('GET', `/executions/${retention}`, OUTSIDER)).status).toBe(403);
    const byVendor = await api(
      'GET',
      `/executions?q=${encodeURIComponent(`vendor_type=RETENTION,project_id=${privId}`)}`,
    );
    expect(items(byVendor.body).map((e) => e.id)).toEqual([retention]);

    const tasks = await api('GET', `/executions/${retention}/tasks`, DEV);
    expect(tasks.status).toBe(200);
    expect(items(tasks.body).length).toBeGreaterThan(0);
    expect(items(tasks.body)[0]).toMatchObject({ execution_id: retention, job_type: 'retention', status: 'Success' });
    const taskId = Number(items(tasks.body)[0]?.id);
    expect((await api('GET', `/tasks/${taskId}`, DEV)).body).toMatchObject({ id: taskId, attempts: 1 });
    const log = await api('GET', `/tasks/${taskId}/log`, DEV);
    expect(log.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(log.text.length).toBeGreaterThan(0);
    expect((await api('GET', `/tasks/${taskId}/log`, OUTSIDER)).status).toBe(403);

    // Harbor's jobservice log of the same task, for system administrators.
    const harborLog = await api('GET', `/jobservice/jobs/${taskId}/log`);
    expect(harborLog.text).toBe(log.text);
    expectMatchesSwagger('actionGetJobLog', 200, harborLog.text);
  });

  it('shows a running task’s log while it runs, and stops the run on request', async () => {
    const root = await writeOrphans(3000);
    const before = await countBlobFiles(root);
    const id = await startGc({ dry_run: false, workers: 1 });
    const task = await until(
      async () => items((await api('GET', `/executions/${id}/tasks`)).body)[0],
      (t) => t !== undefined && t.status !== 'Pending',
      'the GC task to start',
    );
    const taskId = Number(task?.id);
    // The log grows while the task runs: blobs deleted so far are in it before the run ends.
    const { log } = await until(
      async () => {
        const text = (await api('GET', `/tasks/${taskId}/log`)).text;
        const status = ((await api('GET', `/tasks/${taskId}`)).body as Json).status;
        if (FINAL.includes(String(status))) throw new Error('the GC run ended before it was seen running');
        return { log: text, status };
      },
      (x) => x.status === 'Running' && x.log.includes('delete blob from storage'),
      'log lines of the running task',
    );
    expect(log).toContain('start to run gc');
    const workers = await api('GET', '/jobservice/pools/all/workers');
    expectMatchesSwagger('getWorkers', 200, workers.body);
    expect(items(workers.body).some((w) => w.job_id === String(taskId) && w.job_name === 'gc')).toBe(true);

    expect((await api('PUT', `/executions/${id}`, ADMIN_HEADERS, { action: 'stop' })).status).toBe(200);
    expect((await execution(id)).status).toBe('Stopped');
    expect(((await api('GET', `/tasks/${taskId}`)).body as Json).status).toBe('Stopped');
    // Once the runner has let go of the task, part of the work is left undone.
    await until(
      async () => items((await api('GET', '/jobservice/pools/all/workers')).body),
      (ws) => !ws.some((w) => w.job_id === String(taskId)),
      'the worker to let go of the stopped task',
    );
    const after = await countBlobFiles(root);
    expect(after).toBeLessThan(before);
    expect(after).toBeGreaterThan(before - 3000);
  });

  it('stops a single task through Harbor’s stopRunningJob', async () => {
    await api('PUT', '/jobservice/queues/gc', ADMIN_HEADERS, { action: 'pause' });
    try {
      const id = await startGc({ dry_run: true });
      const task = items((await api('GET', `/executions/${id}/tasks`)).body)[0] as Json;
      const res = await api('PUT', `/jobservice/jobs/${String(task.id)}`);
      expect(res.status).toBe(200);
      expect(((await api('GET', `/tasks/${String(task.id)}`)).body as Json).status).toBe('Stopped');
      expect((await execution(id)).status).toBe('Stopped');
    } finally {
      await api('PUT', '/jobservice/queues/gc', ADMIN_HEADERS, { action: 'resume' });
    }
  });
});

describe("Harbor's jobservice queues and schedules", () => {
  it('pauses a queue (its work waits), stops what waits in it, and resumes it', async () => {
    expect((await api('PUT', '/jobservice/queues/gc', ADMIN_HEADERS, { action: 'pause' })).status).toBe(200);
    const queues = await api('GET', '/jobservice/queues');
    expectMatchesSwagger('listJobQueues', 200, queues.body);
    expect(items(queues.body).find((q) => q.job_type === 'gc')?.paused).toBe(true);

    const id = await startGc({ dry_run: true });
    const waiting = await api('GET', `/executions/${id}/tasks`);
    expect(items(waiting.body)[0]?.status).toBe('Pending');
    expect((await execution(id)).status).not.toBe('Success');
    expect(items((await api('GET', '/jobservice/queues')).body).find((q) => q.job_type === 'gc')?.count).toBe(1);

    expect((await api('PUT', '/jobservice/queues/gc', ADMIN_HEADERS, { action: 'stop' })).status).toBe(200);
    expect((await execution(id)).status).toBe('Stopped');

    expect((await api('PUT', '/jobservice/queues/gc', ADMIN_HEADERS, { action: 'resume' })).status).toBe(200);
    expect(items((await api('GET', '/jobservice/queues')).body).find((q) => q.job_type === 'gc')?.paused).toBe(false);
    const next = await startGc({ dry_run: true });
    expect((await finished(next)).status).toBe('Success');
  });

  it('pauses and resumes every queue with "all", which the scheduler status reports', async () => {
    const paused = async () => {
      const res = await api('GET', '/schedules/all/paused', DEV);
      expectMatchesSwagger('getSchedulePaused', 200, res.body);
      return (res.body as Json).paused;
    };
    expect(await paused()).toBe(false);
    await api('PUT', '/jobservice/queues/all', ADMIN_HEADERS, { action: 'pause' });
    expect(await paused()).toBe(true);
    expect(items((await api('GET', '/jobservice/queues')).body).every((q) => q.paused === true)).toBe(true);
    await api('PUT', '/jobservice/queues/all', ADMIN_HEADERS, { action: 'resume' });
    expect(await paused()).toBe(false);
    expect((await api('PUT', '/jobservice/queues/nope', ADMIN_HEADERS, { action: 'pause' })).status).toBe(404);
    expect((await api('PUT', '/jobservice/queues/all', ADMIN_HEADERS, { action: 'jump' })).status).toBe(422);
    expect((await api('GET', '/schedules/gc/paused')).status).toBe(400);
  });

  it('describes the pool and lists schedules', async () => {
    const pools = await api('GET', '/jobservice/pools');
    expectMatchesSwagger('getWorkerPools', 200, pools.body);
    expect(items(pools.body)).toHaveLength(1);
    const poolId = String(items(pools.body)[0]?.worker_pool_id);
    expect((await api('GET', `/jobservice/pools/${encodeURIComponent(poolId)}/workers`)).status).toBe(200);
    expect((await api('GET', '/jobservice/pools/elsewhere/workers')).status).toBe(404);

    const set = await api('PUT', '/system/gc/schedule', ADMIN_HEADERS, {
      schedule: { type: 'Custom', cron: '0 0 3 * * *' },
      parameters: { dry_run: true },
    });
    expect(set.status, set.text).toBe(200);
    const schedules = await api('GET', '/schedules?page_size=10');
    expectMatchesSwagger('listSchedules', 200, schedules.body);
    expect(items(schedules.body)).toContainEqual(
      expect.objectContaining({ vendor_type: 'GARBAGE_COLLECTION', vendor_id: -1, cron: '0 0 3 * * *' }),
    );
    expect(schedules.headers.get('x-total-count')).toBe(String(items(schedules.body).length));
    expect((await api('GET', '/schedules', DEV)).status).toBe(403);
  });
});

/** A server-sent events reader over fetch. */
async function subscribe(headers: Headers) {
  const controller = new AbortController();
  const res = await fetch(`${server.url}${API}/events`, { headers, signal: controller.signal });
  const events: { event: string; data: Json }[] = [];
  let opened = false;
  const done = (async () => {
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const fields = new Map<string, string>();
          for (const line of buffer.slice(0, end).split('\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          buffer = buffer.slice(end + 2);
          if (fields.has('retry')) opened = true;
          const event = fields.get('event');
          if (event) events.push({ event, data: JSON.parse(fields.get('data') ?? '{}') as Json });
        }
      }
    } catch {
      // Closed by the test.
    }
  })();
  return {
    res,
    events,
    done,
    opened: () => until(async () => opened, Boolean, 'the stream to open'),
    waitFor: (what: string, check: (e: { event: string; data: Json }) => boolean) =>
      until(async () => events.some(check), Boolean, what),
    close: () => controller.abort(),
  };
}

describe('the event stream', () => {
  it('refuses anonymous callers', async () => {
    const res = await fetch(`${server.url}${API}/events`);
    expect(res.status).toBe(401);
  });

  it('ends open streams when the server closes', async () => {
    const other = await startTestServer();
    const res = await fetch(`${other.url}${API}/events`, { headers: ADMIN_HEADERS });
    expect(res.status).toBe(200);
    const body = res.text();
    await other.stop();
    expect(await body).toMatch(/^retry: \d+/);
  });

  it('streams job and registry events to who may read them, and nothing else', async () => {
    const login = await fetch(`${server.url}/c/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ principal: 'dev', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const session = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };

    const admin = await subscribe(ADMIN_HEADERS);
    const dev = await subscribe(session);
    const outsider = await subscribe(OUTSIDER);
    expect(dev.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await Promise.all([admin.opened(), dev.opened(), outsider.opened()]);

    const push = client(() => server.url);
    await pushImage(push, 'priv/app', 'live');
    await pushImage(push, 'secret/app', 'live');
    const gc = await startGc({ dry_run: true });
    const retention = await startRetention();
    await finished(gc);
    await finished(retention);
    await admin.waitFor(
      'GC to finish on the admin stream',
      (e) => e.event === 'execution' && e.data.id === gc && e.data.status === 'Success',
    );
    await dev.waitFor(
      'retention to finish on the developer stream',
      (e) => e.event === 'execution' && e.data.id === retention && e.data.status === 'Success',
    );
    // Markers: each stream delivers in order, so once a marker is in, everything before it was decided.
    await pushImage(push, 'priv/app', 'marker');
    await pushImage(push, 'other/app', 'marker');
    const marker = (project: string) => (e: { event: string; data: Json }) =>
      e.event === 'artifact.pushed' && e.data.repository === `${project}/app` && e.data.tag === 'marker';
    await admin.waitFor('the other marker on the admin stream', marker('other'));
    await dev.waitFor('the priv marker on the developer stream', marker('priv'));
    await outsider.waitFor('the other marker on the outsider stream', marker('other'));

    const pushes = (s: typeof admin) =>
      s.events
        .filter((e) => e.event === 'artifact.pushed')
        .map((e) => `${String(e.data.repository)}:${String(e.data.tag)}`);
    expect(pushes(admin)).toEqual(['priv/app:live', 'secret/app:live', 'priv/app:marker', 'other/app:marker']);
    expect(pushes(dev)).toEqual(['priv/app:live', 'priv/app:marker']);
    expect(outsider.events.map((e) => e.event)).toEqual(['artifact.pushed']);
    expect(pushes(outsider)).toEqual(['other/app:marker']);

    const vendors = (s: typeof admin) =>
      new Set(s.events.filter((e) => e.event === 'execution').map((e) => String(e.data.vendor_type)));
    expect(vendors(admin)).toEqual(new Set(['GARBAGE_COLLECTION', 'RETENTION']));
    expect(vendors(dev)).toEqual(new Set(['RETENTION']));
    expect(dev.events.some((e) => e.event === 'task' && e.data.execution_id === retention)).toBe(true);
    expect(dev.events.some((e) => e.event === 'task' && e.data.execution_id === gc)).toBe(false);
    const pushedEvent = admin.events.find(marker('priv'));
    expect(pushedEvent?.data).toMatchObject({
      project_name: 'priv',
      media_type: 'application/vnd.oci.image.manifest.v1+json',
    });

    for (const s of [admin, dev, outsider]) s.close();
    await Promise.all([admin.done, dev.done, outsider.done]);
  });
});
