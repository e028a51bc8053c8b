import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecretBox } from '../../server/auth/secret-box.js';
import { openSqliteMetaStore } from '../../server/meta/sqlite/sqlite-meta-store.js';
import { PolicyService } from '../../server/replicate/policy-service.js';
import { RegistryService } from '../../server/replicate/registry-service.js';
import { REPLICATION_VENDOR, type ReplicationPolicy } from '../../server/replicate/replication-contract.js';
import { apiCallers, parseJson, send, type Json } from '../helpers/harbor-api.js';
import { expectHarborErrors, expectMatchesSwagger } from '../helpers/harbor-swagger.js';
import { seed } from '../helpers/seed.js';
import { TempDirs } from '../helpers/tmp.js';
import { startTestServer } from './oci-client.js';

/**
 * Replication policies through the Harbor API on a real server: Harbor's rules (exactly one side
 * local, the remote side existing, filters, six-field cron, limits), Berth's defaults, both sides
 * shown as Registry JSON without the endpoint's secret, partial updates, and deletion refused while
 * a run is in progress. Also the service's change listeners over a real database.
 */

const SECRET = 'Policy-Peer-Secret-3';

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin } = apiCallers(() => server.url);
const tmp = new TempDirs();
const answers: string[] = [];
let peerId = 0;
let otherId = 0;

async function call(method: string, path: string, body?: unknown) {
  const res = await send(admin, method, path, body);
  answers.push(res.body.toString());
  return res;
}

async function createRegistry(name: string): Promise<number> {
  const res = await call('POST', '/registries', {
    name,
    type: 'harbor',
    url: 'http://127.0.0.1:9',
    credential: { type: 'basic', access_key: 'robot$peer', access_secret: SECRET },
  });
  expect(res.status, res.body.toString()).toBe(201);
  return Number(String(res.headers.get('location')).split('/').pop());
}

async function createPolicy(body: Json): Promise<number> {
  const res = await call('POST', '/replication/policies', body);
  expect(res.status, res.body.toString()).toBe(201);
  expect(String(res.headers.get('location'))).toMatch(/^\/api\/v2\.0\/replication\/policies\/\d+$/);
  return Number(String(res.headers.get('location')).split('/').pop());
}

async function policy(id: number): Promise<Json> {
  const res = await call('GET', `/replication/policies/${id}`);
  expect(res.status).toBe(200);
  return parseJson(res);
}

beforeAll(async () => {
  server = await startTestServer();
  peerId = await createRegistry('peer');
  otherId = await createRegistry('other');
});

afterAll(async () => {
  await server?.stop();
  await tmp.cleanup();
});

describe('replication policies', () => {
  it('creates a push policy with defaults and shows both sides as registries, secret masked', async () => {
    const id = await createPolicy({ name: 'push-min', dest_registry: { id: peerId } });
    const got = await policy(id);
    expectMatchesSwagger('getReplicationPolicy', 200, got);
    expect(got).toMatchObject({
      id,
      name: 'push-min',
      description: '',
      enabled: true,
      dest_namespace: '',
      dest_namespace_replace_count: -1,
      trigger: { type: 'manual' },
      filters: [],
      replicate_deletion: false,
      deletion: false,
      override: true,
      speed: 0,
      copy_by_chunk: false,
      single_active_replication: false,
      concurrency: 4,
      copy_referrers: true,
    });
    expect(got.src_registry).toMatchObject({ id: 0, name: 'Local', type: 'harbor', url: server.url });
    expect(got.dest_registry).toMatchObject({
      id: peerId,
      name: 'peer',
      credential: { type: 'basic', access_key: 'robot$peer', access_secret: '*****' },
    });
  });

  it('stores every setting of a full pull policy as given', async () => {
    const body = {
      name: 'pull-full',
      description: 'mirror the peer',
      src_registry: { id: peerId },
      dest_registry: { id: 0 },
      dest_namespace: 'mirror',
      dest_namespace_replace_count: 1,
      trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 2 * * *' } },
      filters: [
        { type: 'name', value: 'library/**' },
        { type: 'tag', value: 'v*', decoration: 'excludes' },
        { type: 'label', value: ['prod'], decoration: 'matches' },
        { type: 'resource', value: 'image' },
      ],
      deletion: true,
      override: false,
      enabled: false,
      speed: 1024,
      copy_by_chunk: true,
      single_active_replication: true,
      concurrency: 8,
      copy_referrers: false,
    };
    const id = await createPolicy(body);
    const got = await policy(id);
    const { src_registry: src, dest_registry: dest, ...settings } = body;
    expect(got.src_registry).toMatchObject({ ...src, name: 'peer' });
    expect(got.dest_registry).toMatchObject({ ...dest, name: 'Local' });
    expect(got).toMatchObject({ ...settings, replicate_deletion: true });
    expect(got.filters).toEqual(body.filters);
  });

  it("refuses policies that break Harbor's rules with 400", async () => {
    const push = { dest_registry: { id: peerId } };
    const bad: Array<[string, Json]> = [
      ['both local', { src_registry: null, dest_registry: null }],
      ['both remote', { src_registry: { id: peerId }, dest_registry: { id: otherId } }],
      ['unknown registry', { dest_registry: { id: 999_999 } }],
      ['event-based pull', { src_registry: { id: peerId }, dest_registry: null, trigger: { type: 'event_based' } }],
      ['no cron', { ...push, trigger: { type: 'scheduled' } }],
      ['five-field cron', { ...push, trigger: { type: 'scheduled', trigger_settings: { cron: '0 2 * * *' } } }],
      ['bad cron', { ...push, trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 99 * * *' } } }],
      ['trigger type', { ...push, trigger: { type: 'hourly' } }],
      ['filter', { ...push, filters: [{ type: 'colour', value: 'red' }] }],
      ['concurrency 0', { ...push, concurrency: 0 }],
      ['concurrency 33', { ...push, concurrency: 33 }],
      ['speed', { ...push, speed: -2 }],
      ['replace count', { ...push, dest_namespace_replace_count: -3 }],
      ['namespace', { ...push, dest_namespace: 'Not Valid' }],
      ['enabled type', { ...push, enabled: 'yes' }],
      ['name', { ...push, name: '' }],
    ];
    for (const [what, extra] of bad) {
      const res = await call('POST', '/replication/policies', { name: `bad-${what}`, ...extra });
      expect(res.status, `${what}: ${res.body.toString()}`).toBe(400);
      expectHarborErrors(parseJson(res), 'BAD_REQUEST');
    }
    const filter = await call('POST', '/replication/policies', { name: 'f', ...push, filters: [{ type: 'colour' }] });
    expect(filter.body.toString()).toContain('filters[0]');
    const taken = await call('POST', '/replication/policies', { name: 'push-min', ...push });
    expect(taken.status).toBe(409);
  });

  it('lists with q and paging, each side shown', async () => {
    for (const n of [1, 2, 3]) await createPolicy({ name: `listed-${n}`, dest_registry: { id: otherId } });
    const res = await call('GET', '/replication/policies?q=name%3D~listed-&page=1&page_size=2');
    expect(res.status).toBe(200);
    expectMatchesSwagger('listReplicationPolicies', 200, parseJson(res));
    expect(res.headers.get('x-total-count')).toBe('3');
    expect(String(res.headers.get('link'))).toContain('rel="next"');
    const items = parseJson<Json[]>(res);
    expect(items.map((p) => p.name)).toEqual(['listed-1', 'listed-2']);
    expect(items.every((p) => (p.dest_registry as Json).name === 'other')).toBe(true);
    const legacy = await call('GET', '/replication/policies?name=listed-3');
    expect(parseJson<Json[]>(legacy).map((p) => p.name)).toEqual(['listed-3']);
    expect((await call('GET', '/replication/policies?q=colour%3Dred')).status).toBe(400);
  });

  it('updates only what the body names, and refuses a rename onto a taken name', async () => {
    const id = await createPolicy({ name: 'to-update', dest_registry: { id: peerId }, concurrency: 6 });
    const res = await call('PUT', `/replication/policies/${id}`, {
      description: 'now event based',
      trigger: { type: 'event_based' },
      replicate_deletion: true,
    });
    expect(res.status, res.body.toString()).toBe(200);
    expect(await policy(id)).toMatchObject({
      name: 'to-update',
      description: 'now event based',
      trigger: { type: 'event_based' },
      replicate_deletion: true,
      concurrency: 6,
      dest_registry: { id: peerId },
    });
    expect((await call('PUT', `/replication/policies/${id}`, { name: 'push-min' })).status).toBe(409);
    expect((await call('PUT', `/replication/policies/${id}`, { concurrency: 64 })).status).toBe(400);
    expect((await call('PUT', '/replication/policies/999999', { name: 'x' })).status).toBe(404);
  });

  it('refuses to delete a policy while a run of it is in progress (412)', async () => {
    const id = await createPolicy({ name: 'running', dest_registry: { id: peerId } });
    const now = Date.now();
    const execution = await seed(server.dataDir, (meta) =>
      meta.jobs.createExecution(
        {
          vendorType: REPLICATION_VENDOR,
          vendorId: id,
          projectId: null,
          trigger: 'MANUAL',
          extraAttrs: {},
          singleActive: false,
          open: false,
          // A job type nobody defines: the task stays Pending and the execution in progress.
          tasks: [{ jobType: 'test.idle', params: {}, dedupeKey: null, priority: 0, maxAttempts: 1, runAfter: now }],
        },
        now,
      ),
    );
    const refused = await call('DELETE', `/replication/policies/${id}`);
    expect(refused.status).toBe(412);
    expectHarborErrors(parseJson(refused), 'PRECONDITION');
    await seed(server.dataDir, (meta) => meta.jobs.stopExecution(execution.id, Date.now()));
    expect((await call('DELETE', `/replication/policies/${id}`)).status).toBe(200);
    expect((await call('GET', `/replication/policies/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/replication/policies/${id}`)).status).toBe(404);
  });

  it("never sent an endpoint's secret back", () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const text of answers) expect(text).not.toContain(SECRET);
  });
});

describe('PolicyService listeners', () => {
  it('hear every committed change, after the commit; a failing listener fails nothing', async () => {
    const dir = await tmp.make('policy-listeners');
    const meta = openSqliteMetaStore({ file: `${dir}/berth.db` });
    try {
      const registries = new RegistryService({ meta, box: await openSecretBox(dir) });
      const policies = new PolicyService({ meta, registries });
      const heard: Array<{ id: number; name?: string; deleted?: boolean }> = [];
      policies.onChange(() => {
        throw new Error('a broken listener');
      });
      policies.onChange((change) => {
        if ('deleted' in change) heard.push({ id: change.id, deleted: true });
        else heard.push({ id: change.id, name: change.name });
      });
      const peer = await registries.create({ name: 'peer', type: 'oci', url: 'http://127.0.0.1:9' });
      const input: Omit<ReplicationPolicy, 'id' | 'creationTime' | 'updateTime'> = {
        name: 'events',
        description: '',
        srcRegistryId: 0,
        destRegistryId: peer.id,
        destNamespace: '',
        destNamespaceReplaceCount: -1,
        trigger: { type: 'event_based' },
        filters: [],
        replicateDeletion: false,
        override: true,
        enabled: true,
        speedKbps: 0,
        copyByChunk: false,
        singleActive: false,
        concurrency: 4,
        copyReferrers: true,
      };
      const created = await policies.create(input);
      expect(await policies.eventBased()).toEqual([created]);
      await policies.update(created.id, { ...input, name: 'renamed', enabled: false });
      expect(await policies.eventBased()).toEqual([]);
      await policies.delete(created.id);
      expect(heard).toEqual([
        { id: created.id, name: 'events' },
        { id: created.id, name: 'renamed' },
        { id: created.id, deleted: true },
      ]);
      // A failed change is not announced.
      await expect(policies.create({ ...input, destRegistryId: 0 })).rejects.toThrow(/exactly one/);
      expect(heard).toHaveLength(3);
    } finally {
      await meta.close();
    }
  });
});
