import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../server/meta/project-types.js';
import { basicAuth } from '../helpers/berth.js';
import { expectHarborErrors, expectMatchesSwagger, expectPagingHeaders } from '../helpers/harbor-swagger.js';
import { seed, seedUser } from '../helpers/seed.js';
import { client, startTestServer, type Call } from './oci-client.js';

/** Project members over HTTP: who may list and manage them, and what a refused request leaves alone. */

let server: Awaited<ReturnType<typeof startTestServer>>;
const users = {
  alice: { username: 'alice', password: 'Alice-Password-1' },
  bob: { username: 'bob', password: 'Bob-Password-1' },
  carol: { username: 'carol', password: 'Carol-Password-1' },
  dave: { username: 'dave', password: 'Dave-Password-1' },
  erin: { username: 'erin', password: 'Erin-Password-1' },
};
const ids: Record<string, number> = {};

const admin = client(() => server.url);
const anonymous = client(() => server.url, null);
const as = (name: keyof typeof users) =>
  client(() => server.url, { authorization: basicAuth(users[name].username, users[name].password) });

type Json = Record<string, unknown>;
const MEMBERS = '/api/v2.0/projects/crew/members';
const RES_NAME = { 'x-is-resource-name': 'true' };

function send(call: Call, method: string, path: string, body?: unknown) {
  return call(method, path, {
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headers: { ...RES_NAME, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  });
}
const parse = <T = Json>(res: { body: Buffer }) => JSON.parse(res.body.toString()) as T;

async function members(call: Call = admin): Promise<Json[]> {
  const res = await send(call, 'GET', `${MEMBERS}?page_size=100`);
  expect(res.status).toBe(200);
  const body = parse<Json[]>(res);
  expectMatchesSwagger('listProjectMembers', 200, body);
  return body;
}
const memberIdOf = async (name: string) => (await members()).find((m) => m.entity_name === name)?.id as number;

async function add(call: Call, body: Json) {
  const res = await send(call, 'POST', MEMBERS, body);
  expectMatchesSwagger('createProjectMember', res.status, res.body.length > 0 ? parse(res) : undefined);
  return res;
}

async function auditEntries(resource: string, operation: string): Promise<AuditEntry[]> {
  const query = {
    filters: [
      { key: 'resource_type', kind: 'exact' as const, value: 'member' },
      { key: 'resource', kind: 'exact' as const, value: resource },
      { key: 'operation', kind: 'exact' as const, value: operation },
    ],
    sort: [],
    offset: 0,
    limit: 10,
  };
  for (let i = 0; i < 40; i++) {
    const page = await seed(server.dataDir, (meta) => meta.audit.list(query));
    if (page.items.length > 0) return page.items;
    await new Promise((r) => setTimeout(r, 50));
  }
  return [];
}

beforeAll(async () => {
  server = await startTestServer();
  for (const [name, u] of Object.entries(users))
    ids[name] = (await seedUser(server.dataDir, u.username, u.password)).id;
  const res = await send(admin, 'POST', '/api/v2.0/projects', { project_name: 'crew' });
  expect(res.status).toBe(201);
});
afterAll(() => server.stop());

describe('adding members', () => {
  it('lets the admin add a project admin by user id, answering 201 with a Location to the member', async () => {
    const res = await add(admin, { role_id: 1, member_user: { user_id: ids.alice } });
    expect(res.status).toBe(201);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/projects\/crew\/members\/\d+$/);
    const got = await send(admin, 'GET', location);
    expect(got.status).toBe(200);
    expectMatchesSwagger('getProjectMember', 200, parse(got));
    expect(parse(got)).toMatchObject({
      entity_name: 'alice',
      entity_type: 'u',
      entity_id: ids.alice,
      role_id: 1,
      role_name: 'projectAdmin',
    });
    const entries = await auditEntries('crew/alice', 'create');
    expect(entries[0]).toMatchObject({ username: 'admin', detail: 'role=projectAdmin', success: true });
  });

  it('lets a project admin add members by username with each role', async () => {
    expect((await add(as('alice'), { role_id: 2, member_user: { username: 'bob' } })).status).toBe(201);
    expect((await add(as('alice'), { role_id: 3, member_user: { username: 'carol' } })).status).toBe(201);
    expect((await add(as('alice'), { role_id: 5, member_user: { username: 'dave' } })).status).toBe(201);
    const byName = Object.fromEntries((await members()).map((m) => [m.entity_name, m.role_name]));
    expect(byName).toEqual({
      admin: 'projectAdmin',
      alice: 'projectAdmin',
      bob: 'developer',
      carol: 'guest',
      dave: 'limitedGuest',
    });
  });

  it('refuses a second membership with 409', async () => {
    const res = await add(as('alice'), { role_id: 3, member_user: { user_id: ids.bob } });
    expect(res.status).toBe(409);
    expectHarborErrors(parse(res), 'CONFLICT');
    expect((await members()).find((m) => m.entity_name === 'bob')?.role_id).toBe(2);
  });

  it.each([
    [{ role_id: 2, member_user: { username: 'nobody' } }, 'nobody'],
    [{ role_id: 2, member_user: { user_id: 99999 } }, '99999'],
    [{ role_id: 9, member_user: { username: 'erin' } }, 'role_id'],
    [{ member_user: { username: 'erin' } }, 'role_id'],
    [{ role_id: 2 }, 'member_user'],
    [{ role_id: 2, member_user: {} }, 'member_user'],
    [{ role_id: 2, member_group: { group_name: 'devs' } }, 'groups are not supported'],
    [[1, 2], 'request body'],
  ])('refuses %j with a 400 mentioning %s', async (body, words) => {
    const before = (await members()).length;
    const res = await add(admin, body as Json);
    expect(res.status).toBe(400);
    expect(parse<{ errors: { message: string }[] }>(res).errors[0]?.message).toContain(words);
    expect((await members()).length).toBe(before);
  });

  it('refuses a guest with 403 and an anonymous caller with 401, adding nobody', async () => {
    const guest = await add(as('carol'), { role_id: 2, member_user: { username: 'erin' } });
    expect(guest.status).toBe(403);
    expectHarborErrors(parse(guest), 'FORBIDDEN');
    expect((await add(anonymous, { role_id: 2, member_user: { username: 'erin' } })).status).toBe(401);
    expect((await members()).some((m) => m.entity_name === 'erin')).toBe(false);
  });
});

describe('listing members', () => {
  it('lets guests and up list members; limited guests, outsiders and anonymous callers may not', async () => {
    expect((await members(as('carol'))).length).toBe(5);
    const limited = await send(as('dave'), 'GET', MEMBERS);
    expect(limited.status).toBe(403);
    expectMatchesSwagger('listProjectMembers', 403, parse(limited));
    expect((await send(as('erin'), 'GET', MEMBERS)).status).toBe(403);
    expect((await send(anonymous, 'GET', MEMBERS)).status).toBe(401);
  });

  it('filters by entityname and pages with X-Total-Count and Link', async () => {
    const filtered = await send(admin, 'GET', `${MEMBERS}?entityname=ro`);
    expect(parse<Json[]>(filtered).map((m) => m.entity_name)).toEqual(['carol']);
    const page = await send(admin, 'GET', `${MEMBERS}?page=2&page_size=2`);
    expect(parse<Json[]>(page).map((m) => m.entity_name)).toEqual(['bob', 'carol']);
    expectPagingHeaders(page.headers, { total: 5, next: /page=3&page_size=2/, prev: /page=1&page_size=2/ });
  });

  it('answers 404 for a member of another project or none, 400 for a malformed id', async () => {
    expect((await send(admin, 'POST', '/api/v2.0/projects', { project_name: 'other' })).status).toBe(201);
    const otherAdmin = (await send(admin, 'GET', '/api/v2.0/projects/other/members')).body;
    const foreignId = parse<Json[]>({ body: otherAdmin })[0]?.id as number;
    const res = await send(admin, 'GET', `${MEMBERS}/${foreignId}`);
    expect(res.status).toBe(404);
    expectMatchesSwagger('getProjectMember', 404, parse(res));
    expect((await send(admin, 'GET', `${MEMBERS}/abc`)).status).toBe(400);
    expect((await send(admin, 'GET', '/api/v2.0/projects/none/members')).status).toBe(404);
  });
});

describe('changing and removing members', () => {
  it('lets a project admin change a role', async () => {
    const bob = await memberIdOf('bob');
    const res = await send(as('alice'), 'PUT', `${MEMBERS}/${bob}`, { role_id: 4 });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    const got = parse(await send(admin, 'GET', `${MEMBERS}/${bob}`));
    expect(got).toMatchObject({ role_id: 4, role_name: 'maintainer' });
    const entries = await auditEntries('crew/bob', 'update');
    expect(entries[0]).toMatchObject({ username: 'alice', detail: 'role=maintainer (was developer)' });
    expect((await send(as('alice'), 'PUT', `${MEMBERS}/${bob}`, { role_id: 0 })).status).toBe(400);
    expect((await send(as('alice'), 'PUT', `${MEMBERS}/${bob}`, {})).status).toBe(400);
  });

  it('refuses a maintainer who tries to manage members, leaving them as they were', async () => {
    const carol = await memberIdOf('carol');
    expect((await send(as('bob'), 'PUT', `${MEMBERS}/${carol}`, { role_id: 1 })).status).toBe(403);
    expect((await send(as('bob'), 'DELETE', `${MEMBERS}/${carol}`)).status).toBe(403);
    expect(parse(await send(admin, 'GET', `${MEMBERS}/${carol}`))).toMatchObject({ role_id: 3 });
  });

  it('refuses changes to one’s own membership, except by a system administrator', async () => {
    const alice = await memberIdOf('alice');
    const demote = await send(as('alice'), 'PUT', `${MEMBERS}/${alice}`, { role_id: 3 });
    expect(demote.status).toBe(403);
    expectMatchesSwagger('updateProjectMember', 403, parse(demote));
    expect(parse(demote)).toMatchObject({ errors: [{ message: expect.stringContaining('own membership') }] });
    expect((await send(as('alice'), 'DELETE', `${MEMBERS}/${alice}`)).status).toBe(403);
    expect(parse(await send(admin, 'GET', `${MEMBERS}/${alice}`))).toMatchObject({ role_id: 1 });
    const own = await memberIdOf('admin');
    expect((await send(admin, 'PUT', `${MEMBERS}/${own}`, { role_id: 2 })).status).toBe(200);
  });

  it('removes a member, who then loses access to the private project', async () => {
    expect((await send(as('carol'), 'GET', '/api/v2.0/projects/crew')).status).toBe(200);
    const carol = await memberIdOf('carol');
    const res = await send(as('alice'), 'DELETE', `${MEMBERS}/${carol}`);
    expect(res.status).toBe(200);
    expectMatchesSwagger('deleteProjectMember', 200, undefined);
    expect((await send(as('carol'), 'GET', '/api/v2.0/projects/crew')).status).toBe(403);
    expect((await send(admin, 'GET', `${MEMBERS}/${carol}`)).status).toBe(404);
    expect((await send(as('alice'), 'DELETE', `${MEMBERS}/${carol}`)).status).toBe(404);
    const entries = await auditEntries('crew/carol', 'delete');
    expect(entries[0]).toMatchObject({ username: 'alice', detail: 'role=guest' });
  });

  it('keeps the summary’s member counts in step', async () => {
    const res = await send(as('alice'), 'GET', '/api/v2.0/projects/crew/summary');
    expect(parse(res)).toMatchObject({
      project_admin_count: 1,
      maintainer_count: 1,
      developer_count: 1,
      guest_count: 0,
      limited_guest_count: 1,
    });
  });
});
