import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, apiCallers, asUser, auditEntries, parseJson, send, type Json } from '../helpers/harbor-api.js';
import { expectHarborErrors, expectMatchesSwagger, expectPagingHeaders } from '../helpers/harbor-swagger.js';
import { seedUser } from '../helpers/seed.js';
import { startTestServer, type Call } from './oci-client.js';

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

const { admin, anonymous } = apiCallers(() => server.url);
const as = (name: keyof typeof users) => asUser(() => server.url, users[name]);

const MEMBERS = '/projects/crew/members';
const RES_NAME = { 'x-is-resource-name': 'true' };

/** `send`, naming the project (`crew`) as a name rather than an id, as every request here does. */
const sendByName = (call: Call, method: string, path: string, body?: unknown) =>
  send(call, method, path, body, RES_NAME);

async function members(call: Call = admin): Promise<Json[]> {
  const res = await sendByName(call, 'GET', `${MEMBERS}?page_size=100`);
  expect(res.status).toBe(200);
  const body = parseJson<Json[]>(res);
  expectMatchesSwagger('listProjectMembers', 200, body);
  return body;
}
const memberIdOf = async (name: string) => (await members()).find((m) => m.entity_name === name)?.id as number;

async function add(call: Call, body: Json) {
  const res = await sendByName(call, 'POST', MEMBERS, body);
  expectMatchesSwagger('createProjectMember', res.status, res.body.length > 0 ? parseJson(res) : undefined);
  return res;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const [name, u] of Object.entries(users))
    ids[name] = (await seedUser(server.dataDir, u.username, u.password)).id;
  const res = await sendByName(admin, 'POST', '/projects', { project_name: 'crew' });
  expect(res.status).toBe(201);
});
afterAll(() => server.stop());

describe('adding members', () => {
  it('lets the admin add a project admin by user id, answering 201 with a Location to the member', async () => {
    const res = await add(admin, { role_id: 1, member_user: { user_id: ids.alice } });
    expect(res.status).toBe(201);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/projects\/crew\/members\/\d+$/);
    const got = await sendByName(admin, 'GET', location.slice(API.length));
    expect(got.status).toBe(200);
    expectMatchesSwagger('getProjectMember', 200, parseJson(got));
    expect(parseJson(got)).toMatchObject({
      entity_name: 'alice',
      entity_type: 'u',
      entity_id: ids.alice,
      role_id: 1,
      role_name: 'projectAdmin',
    });
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'member',
      resource: 'crew/alice',
      operation: 'create',
    });
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
    expectHarborErrors(parseJson(res), 'CONFLICT');
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
    expect(parseJson<{ errors: { message: string }[] }>(res).errors[0]?.message).toContain(words);
    expect((await members()).length).toBe(before);
  });

  it('refuses a guest with 403 and an anonymous caller with 401, adding nobody', async () => {
    const guest = await add(as('carol'), { role_id: 2, member_user: { username: 'erin' } });
    expect(guest.status).toBe(403);
    expectHarborErrors(parseJson(guest), 'FORBIDDEN');
    expect((await add(anonymous, { role_id: 2, member_user: { username: 'erin' } })).status).toBe(401);
    expect((await members()).some((m) => m.entity_name === 'erin')).toBe(false);
  });
});

describe('listing members', () => {
  it('lets guests and up list members; limited guests, outsiders and anonymous callers may not', async () => {
    expect((await members(as('carol'))).length).toBe(5);
    const limited = await sendByName(as('dave'), 'GET', MEMBERS);
    expect(limited.status).toBe(403);
    expectMatchesSwagger('listProjectMembers', 403, parseJson(limited));
    expect((await sendByName(as('erin'), 'GET', MEMBERS)).status).toBe(403);
    expect((await sendByName(anonymous, 'GET', MEMBERS)).status).toBe(401);
  });

  it('filters by entityname and pages with X-Total-Count and Link', async () => {
    const filtered = await sendByName(admin, 'GET', `${MEMBERS}?entityname=ro`);
    expect(parseJson<Json[]>(filtered).map((m) => m.entity_name)).toEqual(['carol']);
    const page = await sendByName(admin, 'GET', `${MEMBERS}?page=2&page_size=2`);
    expect(parseJson<Json[]>(page).map((m) => m.entity_name)).toEqual(['bob', 'carol']);
    expectPagingHeaders(page.headers, { total: 5, next: /page=3&page_size=2/, prev: /page=1&page_size=2/ });
  });

  it('answers 404 for a member of another project or none, 400 for a malformed id', async () => {
    expect((await sendByName(admin, 'POST', '/projects', { project_name: 'other' })).status).toBe(201);
    const otherAdmin = (await sendByName(admin, 'GET', '/projects/other/members')).body;
    const foreignId = parseJson<Json[]>({ body: otherAdmin })[0]?.id as number;
    const res = await sendByName(admin, 'GET', `${MEMBERS}/${foreignId}`);
    expect(res.status).toBe(404);
    expectMatchesSwagger('getProjectMember', 404, parseJson(res));
    expect((await sendByName(admin, 'GET', `${MEMBERS}/abc`)).status).toBe(400);
    expect((await sendByName(admin, 'GET', '/projects/none/members')).status).toBe(404);
  });
});

describe('changing and removing members', () => {
  it('lets a project admin change a role', async () => {
    const bob = await memberIdOf('bob');
    const res = await sendByName(as('alice'), 'PUT', `${MEMBERS}/${bob}`, { role_id: 4 });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    const got = parseJson(await sendByName(admin, 'GET', `${MEMBERS}/${bob}`));
    expect(got).toMatchObject({ role_id: 4, role_name: 'maintainer' });
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'member',
      resource: 'crew/bob',
      operation: 'update',
    });
    expect(entries[0]).toMatchObject({ username: 'alice', detail: 'role=maintainer (was developer)' });
    expect((await sendByName(as('alice'), 'PUT', `${MEMBERS}/${bob}`, { role_id: 0 })).status).toBe(400);
    expect((await sendByName(as('alice'), 'PUT', `${MEMBERS}/${bob}`, {})).status).toBe(400);
  });

  it('refuses a maintainer who tries to manage members, leaving them as they were', async () => {
    const carol = await memberIdOf('carol');
    expect((await sendByName(as('bob'), 'PUT', `${MEMBERS}/${carol}`, { role_id: 1 })).status).toBe(403);
    expect((await sendByName(as('bob'), 'DELETE', `${MEMBERS}/${carol}`)).status).toBe(403);
    expect(parseJson(await sendByName(admin, 'GET', `${MEMBERS}/${carol}`))).toMatchObject({ role_id: 3 });
  });

  it('refuses changes to one’s own membership, except by a system administrator', async () => {
    const alice = await memberIdOf('alice');
    const demote = await sendByName(as('alice'), 'PUT', `${MEMBERS}/${alice}`, { role_id: 3 });
    expect(demote.status).toBe(403);
    expectMatchesSwagger('updateProjectMember', 403, parseJson(demote));
    expect(parseJson(demote)).toMatchObject({ errors: [{ message: expect.stringContaining('own membership') }] });
    expect((await sendByName(as('alice'), 'DELETE', `${MEMBERS}/${alice}`)).status).toBe(403);
    expect(parseJson(await sendByName(admin, 'GET', `${MEMBERS}/${alice}`))).toMatchObject({ role_id: 1 });
    const own = await memberIdOf('admin');
    expect((await sendByName(admin, 'PUT', `${MEMBERS}/${own}`, { role_id: 2 })).status).toBe(200);
  });

  it('removes a member, who then loses access to the private project', async () => {
    expect((await sendByName(as('carol'), 'GET', '/projects/crew')).status).toBe(200);
    const carol = await memberIdOf('carol');
    const res = await sendByName(as('alice'), 'DELETE', `${MEMBERS}/${carol}`);
    expect(res.status).toBe(200);
    expectMatchesSwagger('deleteProjectMember', 200, undefined);
    expect((await sendByName(as('carol'), 'GET', '/projects/crew')).status).toBe(403);
    expect((await sendByName(admin, 'GET', `${MEMBERS}/${carol}`)).status).toBe(404);
    expect((await sendByName(as('alice'), 'DELETE', `${MEMBERS}/${carol}`)).status).toBe(404);
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'member',
      resource: 'crew/carol',
      operation: 'delete',
    });
    expect(entries[0]).toMatchObject({ username: 'alice', detail: 'role=guest' });
  });

  it('keeps the summary’s member counts in step', async () => {
    const res = await sendByName(as('alice'), 'GET', '/projects/crew/summary');
    expect(parseJson(res)).toMatchObject({
      project_admin_count: 1,
      maintainer_count: 1,
      developer_count: 1,
      guest_count: 0,
      limited_guest_count: 1,
    });
  });
});
