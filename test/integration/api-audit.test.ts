import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN } from '../helpers/berth.js';
import { apiCallers, jsonBody } from '../helpers/harbor-api.js';
import { expectMatchesSwagger, expectPagingHeaders, expectProperties } from '../helpers/harbor-swagger.js';
import { seed, seedMember, seedUser } from '../helpers/seed.js';
import { pushImage, startTestServer, type Call } from './oci-client.js';

/** Harbor's audit log: what registry and API activity leaves behind, and who may read it. */

interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  client_ip: string | null;
  success: boolean;
  detail: string;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, as } = apiCallers(() => server.url);

const ALPHA_ADMIN = { username: 'alpha-admin', password: 'Alpha-Admin-1' };
const ALPHA_DEV = { username: 'alpha-dev', password: 'Alpha-Dev-1' };
const BETA_ADMIN = { username: 'beta-admin', password: 'Beta-Admin-1' };
let alphaAdmin: Call;
let alphaDev: Call;
let betaAdmin: Call;
let startedAt: Date;
let deletedDigest: string;

beforeAll(async () => {
  server = await startTestServer({ auth: { lockAfter: 50 } });
  for (const u of [ALPHA_ADMIN, ALPHA_DEV, BETA_ADMIN]) await seedUser(server.dataDir, u.username, u.password);
  await seedMember(server.dataDir, 'alpha', ALPHA_ADMIN.username, 1);
  await seedMember(server.dataDir, 'alpha', ALPHA_DEV.username, 2);
  await seedMember(server.dataDir, 'beta', BETA_ADMIN.username, 1);
  alphaAdmin = as(ALPHA_ADMIN.username, ALPHA_ADMIN.password);
  alphaDev = as(ALPHA_DEV.username, ALPHA_DEV.password);
  betaAdmin = as(BETA_ADMIN.username, BETA_ADMIN.password);
  startedAt = new Date(Date.now() - 1000);

  // The story: a push, a pull, a delete, and someone guessing a password.
  await pushImage(alphaDev, 'alpha/app', 'v1');
  expect((await alphaDev('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);
  const old = await pushImage(admin, 'alpha/app', 'old');
  deletedDigest = old.digest;
  expect((await admin('DELETE', `/v2/alpha/app/manifests/${old.digest}`)).status).toBe(202);
  expect((await as('alpha-dev', 'Guessing-Wrong-1')('GET', '/v2/')).status).toBe(401);
  await pushImage(betaAdmin, 'beta/app', 'v1');
});
afterAll(() => server.stop());

async function logs(call: Call, path: string, operationId = 'listAuditLogs') {
  const res = await call('GET', path);
  expect(res.status, res.body.toString()).toBe(200);
  const body = JSON.parse(res.body.toString()) as AuditLog[];
  expectMatchesSwagger(operationId, 200, body);
  return { body, headers: res.headers };
}

describe('what the log records', () => {
  it('shows pushes, pulls, deletes and failed logins to the system administrator, with who and what', async () => {
    const { body } = await logs(admin, '/api/v2.0/audit-logs?page_size=100');
    expectProperties(body, ['id', 'username', 'resource', 'resource_type', 'operation', 'op_time']);
    const has = (e: Partial<AuditLog>) => expect(body).toContainEqual(expect.objectContaining(e));
    has({ username: 'alpha-dev', operation: 'create', resource_type: 'artifact', resource: 'alpha/app:v1' });
    has({ username: 'alpha-dev', operation: 'pull', resource_type: 'artifact', resource: 'alpha/app:v1' });
    has({ username: 'admin', operation: 'delete', resource_type: 'artifact', resource: `alpha/app@${deletedDigest}` });
    has({ username: 'alpha-dev', operation: 'login', resource_type: 'user_login', resource: 'alpha-dev' });
    // Newest first.
    const times = body.map((e) => Date.parse(e.op_time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('keeps the client address and the outcome of each entry', async () => {
    await logs(admin, '/api/v2.0/audit-logs'); // writes what is queued
    const stored = await seed(server.dataDir, (meta) =>
      meta.audit.list({ filters: [], sort: [], offset: 0, limit: 200 }),
    );
    const failed = stored.items.find(
      (e) => e.resourceType === 'user_login' && e.username === 'alpha-dev' && !e.success,
    );
    expect(failed).toMatchObject({ clientIp: '127.0.0.1', success: false, operation: 'login' });
    const pull = stored.items.find((e) => e.operation === 'pull' && e.resource === 'alpha/app:v1');
    expect(pull).toMatchObject({ clientIp: '127.0.0.1', username: 'alpha-dev', success: true });

    // The API shows them too (the portal's audit page), and filters on the outcome.
    const { body } = await logs(
      admin,
      '/api/v2.0/audit-logs?q=success%3Dfalse,resource_type%3Duser_login&page_size=100',
    );
    expect(body.length).toBeGreaterThan(0);
    for (const e of body)
      expect(e).toMatchObject({ success: false, client_ip: '127.0.0.1', resource_type: 'user_login' });
    expect(body).toContainEqual(expect.objectContaining({ username: 'alpha-dev', detail: expect.any(String) }));
  });

  it('records API changes at once (listing waits for queued entries)', async () => {
    const res = await admin(
      'POST',
      '/api/v2.0/users',
      jsonBody({ username: 'newbie', password: 'Newbie-Pass-1', email: 'n@example.test', realname: 'N' }),
    );
    expect(res.status).toBe(201);
    const { body } = await logs(admin, '/api/v2.0/audit-logs?q=resource_type%3Duser,resource%3Dnewbie');
    expect(body).toEqual([expect.objectContaining({ username: TEST_ADMIN.username, operation: 'create' })]);
  });
});

describe('queries', () => {
  it("filters by Harbor's keys and pages with Harbor's headers", async () => {
    const pulls = await logs(admin, '/api/v2.0/audit-logs?q=operation%3Dpull');
    expect(pulls.body.length).toBeGreaterThan(0);
    expect(pulls.body.every((e) => e.operation === 'pull')).toBe(true);

    const fuzzy = await logs(admin, '/api/v2.0/audit-logs?q=resource%3D~beta/');
    expect(fuzzy.body.length).toBeGreaterThan(0);
    expect(fuzzy.body.every((e) => e.resource.startsWith('beta/'))).toBe(true);

    const either = await logs(
      admin,
      `/api/v2.0/audit-logs?q=${encodeURIComponent('username={alpha-dev beta-admin}')}&page_size=100`,
    );
    expect(new Set(either.body.map((e) => e.username))).toEqual(new Set(['alpha-dev', 'beta-admin']));

    const from = startedAt.toISOString().slice(0, 19).replace('T', ' ');
    const inRange = await logs(
      admin,
      `/api/v2.0/audit-logs?q=${encodeURIComponent(`op_time=[${from}~]`)}&page_size=100`,
    );
    expect(inRange.body.length).toBeGreaterThan(3);
    const before = await logs(admin, `/api/v2.0/audit-logs?q=${encodeURIComponent(`op_time=[~${from}]`)}`);
    expect(before.body).toEqual([]);

    const first = await logs(admin, '/api/v2.0/audit-logs?page=1&page_size=2');
    expect(first.body).toHaveLength(2);
    const total = Number(first.headers.get('x-total-count'));
    expect(total).toBeGreaterThan(4);
    expectPagingHeaders(first.headers, { total, next: /page=2&page_size=2/, prev: null });

    const bad = await admin('GET', '/api/v2.0/audit-logs?q=project_id%3D1');
    expect(bad.status).toBe(400);
    expectMatchesSwagger('listAuditLogs', 400, bad.json());
  });
});

describe('who may read what', () => {
  it('a project admin sees their project only, without system entries', async () => {
    const { body } = await logs(alphaAdmin, '/api/v2.0/audit-logs?page_size=100');
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((e) => e.resource.startsWith('alpha/'))).toBe(true);
    expect(body.some((e) => e.resource_type === 'user_login' || e.resource_type === 'user')).toBe(false);

    const beta = await logs(betaAdmin, '/api/v2.0/audit-logs?page_size=100');
    expect(beta.body.length).toBeGreaterThan(0);
    expect(beta.body.every((e) => e.resource.startsWith('beta/'))).toBe(true);
  });

  it('an admin of several projects sees each of them', async () => {
    await seedUser(server.dataDir, 'both-admin', 'Both-Admin-1');
    await seedMember(server.dataDir, 'alpha', 'both-admin', 1);
    await seedMember(server.dataDir, 'beta', 'both-admin', 1);
    const { body } = await logs(as('both-admin', 'Both-Admin-1'), '/api/v2.0/audit-logs?page_size=100');
    expect(body.some((e) => e.resource.startsWith('alpha/'))).toBe(true);
    expect(body.some((e) => e.resource.startsWith('beta/'))).toBe(true);
    expect(body.every((e) => e.resource.startsWith('alpha/') || e.resource.startsWith('beta/'))).toBe(true);
  });

  it('a developer sees no project logs at all (Harbor v2.13: log:list is for project admins)', async () => {
    const { body, headers } = await logs(alphaDev, '/api/v2.0/audit-logs');
    expect(body).toEqual([]);
    expectPagingHeaders(headers, { total: 0 });
    const own = await alphaDev('GET', '/api/v2.0/projects/alpha/logs');
    expect(own.status).toBe(403);
    const other = await alphaDev('GET', '/api/v2.0/projects/beta/logs');
    expect(other.status).toBe(403);
  });

  it("getLogs gives a project's entries to its admins and refuses the rest", async () => {
    const { body } = await logs(alphaAdmin, '/api/v2.0/projects/alpha/logs?page_size=100', 'getLogs');
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((e) => e.resource.startsWith('alpha/'))).toBe(true);
    const filtered = await logs(alphaAdmin, '/api/v2.0/projects/alpha/logs?q=operation%3Dpull', 'getLogs');
    expect(filtered.body.every((e) => e.operation === 'pull')).toBe(true);

    const systemAdmin = await logs(admin, '/api/v2.0/projects/beta/logs', 'getLogs');
    expect(systemAdmin.body.every((e) => e.resource.startsWith('beta/'))).toBe(true);

    const refused = await betaAdmin('GET', '/api/v2.0/projects/alpha/logs');
    expect(refused.status).toBe(403);
    expect(refused.body.toString()).not.toContain('alpha/app');
    expect((await admin('GET', '/api/v2.0/projects/nope/logs')).status).toBe(404);
    const anon = await anonymous('GET', '/api/v2.0/projects/alpha/logs');
    expect(anon.status).toBe(401);
    expectMatchesSwagger('getLogs', 401, anon.json());
    expect((await anonymous('GET', '/api/v2.0/audit-logs')).status).toBe(401);
  });
});
