import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, basicAuth } from '../helpers/berth.js';
import { expectHarborErrors } from '../helpers/harbor-swagger.js';
import { seedMember, seedUser } from '../helpers/seed.js';
import { client, pushImage, startTestServer } from './oci-client.js';

/**
 * `POST /api/v2.0/executions/{id}/retry` on a real server with real work: a GC run and a retention
 * run stopped while they waited in a paused queue, retried by who may stop them; what a retry may
 * not do (an unfinished run, a run with nothing to redo, beside another run of the same policy).
 */

const API = '/api/v2.0';
const PASSWORD = 'Retry-Pass-1';
const DEV = { authorization: basicAuth('dev', PASSWORD) };
const OUTSIDER = { authorization: basicAuth('outsider', PASSWORD) };
type Json = Record<string, unknown>;

let server: Awaited<ReturnType<typeof startTestServer>>;
let privId = 0;

async function api(method: string, path: string, headers: Record<string, string> = ADMIN_HEADERS, body?: unknown) {
  const res = await fetch(`${server.url}${API}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  return { status: res.status, headers: res.headers, text, body: (isJson ? JSON.parse(text) : undefined) as unknown };
}

const execution = async (id: number) => (await api('GET', `/executions/${id}`)).body as Json;
const idFrom = (location: string | null) => Number((location ?? '').split('/').pop());

async function finished(id: number): Promise<Json> {
  for (let i = 0; i < 1000; i++) {
    const e = await execution(id);
    if (['Success', 'Error', 'Stopped'].includes(String(e.status))) return e;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`execution ${id} did not finish`);
}

/** Runs `fn` with the job type's queue paused, so what it starts waits (and can be stopped while it does). */
async function paused<T>(jobType: string, fn: () => Promise<T>): Promise<T> {
  expect((await api('PUT', `/jobservice/queues/${jobType}`, ADMIN_HEADERS, { action: 'pause' })).status).toBe(200);
  try {
    return await fn();
  } finally {
    await api('PUT', `/jobservice/queues/${jobType}`, ADMIN_HEADERS, { action: 'resume' });
  }
}

async function stoppedGc(): Promise<number> {
  return paused('gc', async () => {
    const started = await api('POST', '/system/gc/schedule', ADMIN_HEADERS, {
      schedule: { type: 'Manual' },
      parameters: { dry_run: true },
    });
    expect(started.status, started.text).toBe(201);
    const id = idFrom(started.headers.get('location'));
    expect((await api('PUT', `/executions/${id}`, ADMIN_HEADERS, { action: 'stop' })).status).toBe(200);
    expect((await execution(id)).status).toBe('Stopped');
    return id;
  });
}

beforeAll(async () => {
  server = await startTestServer();
  const push = client(() => server.url);
  await pushImage(push, 'priv/app', 'v1');
  await seedUser(server.dataDir, 'dev', PASSWORD);
  await seedUser(server.dataDir, 'outsider', PASSWORD);
  await seedMember(server.dataDir, 'priv', 'dev', 2);
  privId = Number(((await api('GET', '/projects/priv')).body as Json).project_id);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('retrying an execution', () => {
  it('starts a new run of the stopped work, which the job system then runs', async () => {
    const stopped = await stoppedGc();
    const res = await api('POST', `/executions/${stopped}/retry`);
    expect(res.status, res.text).toBe(201);
    const retryId = idFrom(res.headers.get('location'));
    expect(res.headers.get('location')).toBe(`${API}/executions/${retryId}`);
    expect(retryId).toBeGreaterThan(stopped);

    const retry = await finished(retryId);
    expect(retry).toMatchObject({
      vendor_type: 'GARBAGE_COLLECTION',
      vendor_id: -1,
      trigger: 'MANUAL',
      status: 'Success',
    });
    expect(retry.extra_attrs).toMatchObject({ dry_run: true, retry_of: stopped });
    const tasks = (await api('GET', `/executions/${retryId}/tasks`)).body as Json[];
    expect(tasks.map((t) => [t.job_type, t.status])).toEqual([['gc', 'Success']]);
    // The stopped run stays as it was: history.
    expect((await execution(stopped)).status).toBe('Stopped');

    // A run that did everything has nothing to retry.
    const again = await api('POST', `/executions/${retryId}/retry`);
    expect(again.status).toBe(412);
    expectHarborErrors(again.body, 'PRECONDITION');
    expect(again.text).toMatch(/no failed or stopped task/);
  });

  it('is refused while the run is unfinished, or while another run of the same policy is', async () => {
    const stopped = await stoppedGc();
    await paused('gc', async () => {
      const started = await api('POST', '/system/gc/schedule', ADMIN_HEADERS, {
        schedule: { type: 'Manual' },
        parameters: { dry_run: true },
      });
      const waiting = idFrom(started.headers.get('location'));
      const unfinished = await api('POST', `/executions/${waiting}/retry`);
      expect(unfinished.status).toBe(412);
      expect(unfinished.text).toMatch(/once it has ended/);
      const beside = await api('POST', `/executions/${stopped}/retry`);
      expect(beside.status).toBe(409);
      expect(beside.text).toMatch(new RegExp(`execution \\(${waiting}\\) is still running`));
      await api('PUT', `/executions/${waiting}`, ADMIN_HEADERS, { action: 'stop' });
    });
    expect((await api('POST', '/executions/999999/retry')).status).toBe(404);
    expect((await api('POST', '/executions/nope/retry')).status).toBe(400);
  });

  it('takes the permission to stop the run: a developer retries their project’s retention run, not GC', async () => {
    const rule = {
      action: 'retain',
      template: 'always',
      params: {},
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    };
    const policy = await api('POST', '/retentions', DEV, {
      algorithm: 'or',
      rules: [rule],
      trigger: { kind: 'Schedule', settings: { cron: '' } },
      scope: { level: 'project', ref: privId },
    });
    expect(policy.status, policy.text).toBe(201);
    const policyId = idFrom(policy.headers.get('location'));
    const stopped = await paused('retention', async () => {
      const run = await api('POST', `/retentions/${policyId}/executions`, DEV, { dry_run: true });
      expect(run.status, run.text).toBe(201);
      const id = idFrom(run.headers.get('location'));
      expect((await api('PUT', `/executions/${id}`, DEV, { action: 'stop' })).status).toBe(200);
      return id;
    });

    const outsider = await api('POST', `/executions/${stopped}/retry`, OUTSIDER);
    expect(outsider.status).toBe(403);
    expectHarborErrors(outsider.body, 'FORBIDDEN');
    const anonymous = await api('POST', `/executions/${stopped}/retry`, {});
    expect(anonymous.status).toBe(401);
    const byDev = await api('POST', `/executions/${stopped}/retry`, DEV);
    expect(byDev.status, byDev.text).toBe(201);
    const retry = await finished(idFrom(byDev.headers.get('location')));
    expect(retry).toMatchObject({
      vendor_type: 'RETENTION',
      vendor_id: policyId,
      project_id: privId,
      status: 'Success',
    });
    expect(retry.extra_attrs).toMatchObject({ dry_run: true, retry_of: stopped });

    const gc = await stoppedGc();
    const devOnGc = await api('POST', `/executions/${gc}/retry`, DEV);
    expect(devOnGc.status).toBe(403);
    expect(devOnGc.text).toMatch(/retrying takes the permission to stop/);

    const audit = (await api('GET', `/audit-logs?q=${encodeURIComponent('operation=create')}&page_size=50`))
      .body as Json[];
    expect(audit.some((a) => a.resource === `execution ${retry.id as number}` && a.username === 'dev')).toBe(true);
  });
});
