import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/auth/secrets.js';
import type { RobotPermission } from '../../server/meta/identity-types.js';
import {
  DEV,
  GUEST,
  MAINT,
  apiCallers,
  asUser,
  auditEntries,
  parseJson,
  send,
  type Json,
} from '../helpers/harbor-api.js';
import {
  expectHarborErrors,
  expectMatchesSwagger,
  expectPagingHeaders,
  expectProperties,
} from '../helpers/harbor-swagger.js';
import { seed, seedMember, seedUser } from '../helpers/seed.js';
import { blob, pushBlob, pushImage, startTestServer, type Call } from './oci-client.js';

/**
 * Projects, their metadata, quotas, statistics and search over HTTP: who sees and may change what,
 * what a refused request leaves unchanged, and quota enforcement on real pushes.
 */

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, developer, maintainer, guest } = apiCallers(() => server.url);
const resName = { 'x-is-resource-name': 'true' };

async function create(call: Call, body: Json) {
  const res = await send(call, 'POST', '/projects', body);
  if (res.status === 201) expectMatchesSwagger('createProject', 201, undefined);
  return res;
}

async function getProject(call: Call, nameOrId: string | number, headers: Record<string, string> = {}) {
  const res = await send(call, 'GET', `/projects/${nameOrId}`, undefined, headers);
  const body = res.body.length > 0 ? parseJson(res) : undefined;
  expectMatchesSwagger('getProject', res.status, body);
  return { status: res.status, body: body as Json };
}

async function listNames(call: Call, query = '') {
  const res = await send(call, 'GET', `/projects?page_size=100${query}`);
  expect(res.status).toBe(200);
  const body = parseJson<Json[]>(res);
  expectMatchesSwagger('listProjects', 200, body);
  expectPagingHeaders(res.headers, { total: body.length });
  return body.map((p) => p.name as string).sort();
}

let teamId = 0;

beforeAll(async () => {
  server = await startTestServer();
  for (const u of [DEV, MAINT, GUEST]) await seedUser(server.dataDir, u.username, u.password);
  const team = await create(admin, { project_name: 'team-a', metadata: { public: 'false' } });
  expect(team.status).toBe(201);
  teamId = Number(/\/api\/v2\.0\/projects\/(\d+)$/.exec(team.headers.get('location') ?? '')?.[1]);
  expect((await create(admin, { project_name: 'team-b' })).status).toBe(201);
  expect((await create(admin, { project_name: 'pub-a', public: true })).status).toBe(201);
  expect((await create(admin, { project_name: 'pub-b', metadata: { public: 'true', auto_scan: 'true' } })).status).toBe(
    201,
  );
  await seedMember(server.dataDir, 'team-a', DEV.username, 2);
  await seedMember(server.dataDir, 'team-a', MAINT.username, 4);
  await seedMember(server.dataDir, 'team-a', GUEST.username, 3);
});
afterAll(() => server.stop());

describe('creating projects', () => {
  it('gives the admin a private project they own and administer, with Harbor’s Project shape', async () => {
    expect(teamId).toBeGreaterThan(0);
    const { status, body } = await getProject(admin, teamId);
    expect(status).toBe(200);
    expectProperties(body, ['project_id', 'owner_id', 'name', 'creation_time', 'update_time', 'metadata.public']);
    expect(body).toMatchObject({
      project_id: teamId,
      name: 'team-a',
      owner_name: 'admin',
      deleted: false,
      repo_count: 0,
      current_user_role_id: 1,
      current_user_role_ids: [1],
      metadata: { public: 'false' },
      cve_allowlist: { project_id: teamId, items: [] },
    });
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'project',
      operation: 'create',
      resource: 'team-a',
    });
    expect(entries[0]).toMatchObject({ username: 'admin', success: true, projectId: teamId });
  });

  it('lets any user create a project, making them its owner and project admin; storage_limit is the admin’s', async () => {
    const res = await create(developer, { project_name: 'dev-own', storage_limit: 1234 });
    expect(res.status).toBe(201);
    const { body } = await getProject(developer, 'dev-own', { 'x-is-resource-name': 'true' });
    expect(body).toMatchObject({ owner_name: DEV.username, current_user_role_id: 1, metadata: { public: 'false' } });
    const quota = await send(admin, 'GET', `/quotas/${body.project_id as number}`);
    expect(parseJson(quota)).toMatchObject({ hard: { storage: -1 } });
    const limited = await create(admin, { project_name: 'limited', storage_limit: 4096 });
    const id = limited.headers.get('location')?.split('/').pop();
    expect(parseJson(await send(admin, 'GET', `/quotas/${id}`))).toMatchObject({ hard: { storage: 4096 } });
  });

  it('puts the name in Location when asked, and refuses a taken name with 409', async () => {
    const res = await send(
      admin,
      'POST',
      '/projects',
      { project_name: 'named-loc' },
      {
        'x-resource-name-in-location': 'true',
      },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/v2.0/projects/named-loc');
    const dup = await create(developer, { project_name: 'team-a' });
    expect(dup.status).toBe(409);
    expectMatchesSwagger('createProject', 409, parseJson(dup));
    expectHarborErrors(parseJson(dup), 'CONFLICT');
  });

  it.each([
    [{ project_name: 'Upper' }, 'project_name'],
    [{ project_name: '' }, 'project_name'],
    [{}, 'project_name'],
    [{ project_name: 'a'.repeat(256) }, 'project_name'],
    [{ project_name: 'bad..dots' }, 'project_name'],
    [{ project_name: '-lead' }, 'project_name'],
    [{ project_name: 'ok-name', metadata: { public: 'yes' } }, 'metadata.public'],
    [{ project_name: 'ok-name', metadata: { severity: 'apocalyptic' } }, 'metadata.severity'],
    [{ project_name: 'ok-name', metadata: { colour: 'blue' } }, 'colour'],
    [{ project_name: 'ok-name', metadata: { auto_scan: true } }, 'metadata.auto_scan'],
    [{ project_name: 'ok-name', storage_limit: -5 }, 'storage_limit'],
    [{ project_name: 'ok-name', registry_id: 3 }, 'registry_id'],
    [{ project_name: 'ok-name', public: 'yes' }, 'public'],
  ])('refuses %j with a 400 naming %s, creating nothing', async (body, field) => {
    const res = await create(admin, body);
    expect(res.status).toBe(400);
    expectMatchesSwagger('createProject', 400, parseJson(res));
    expect(parseJson<{ errors: { message: string }[] }>(res).errors[0]?.message).toContain(field);
    expect((await send(admin, 'HEAD', '/projects?project_name=ok-name')).status).toBe(404);
  });

  it('refuses anonymous callers with 401', async () => {
    const res = await create(anonymous, { project_name: 'anon-made' });
    expect(res.status).toBe(401);
    expectMatchesSwagger('createProject', 401, parseJson(res));
    expect((await send(admin, 'HEAD', '/projects?project_name=anon-made')).status).toBe(404);
  });
});

describe('seeing projects', () => {
  it('shows a developer the projects they are a member of and the public ones', async () => {
    const names = await listNames(developer);
    expect(names).toEqual(['dev-own', 'library', 'pub-a', 'pub-b', 'team-a']);
    expect(await listNames(developer, '&public=false')).toEqual(['dev-own', 'team-a']);
    expect(await listNames(developer, '&name=team')).toEqual(['team-a']);
    expect(await listNames(developer, '&q=name%3D~pub')).toEqual(['pub-a', 'pub-b']);
    expect(await listNames(developer, '&owner=dev')).toEqual(['dev-own']);
  });

  it('shows the admin everything and anonymous callers only public projects', async () => {
    expect(await listNames(admin)).toEqual(
      expect.arrayContaining(['team-a', 'team-b', 'pub-a', 'pub-b', 'dev-own', 'library']),
    );
    expect(await listNames(anonymous)).toEqual(['library', 'pub-a', 'pub-b']);
    expect(await listNames(anonymous, '&public=false')).toEqual([]);
  });

  it('pages with X-Total-Count and Link', async () => {
    const res = await send(developer, 'GET', '/projects?page=1&page_size=2&sort=name');
    expect(parseJson<Json[]>(res).map((p) => p.name)).toEqual(['dev-own', 'library']);
    expectPagingHeaders(res.headers, { total: 5, next: /page=2&page_size=2/, prev: null });
  });

  it('answers 401, 403 and 404 on a single project as Harbor does', async () => {
    expect((await getProject(anonymous, 'team-a', { 'x-is-resource-name': 'true' })).status).toBe(401);
    expect((await getProject(developer, 'team-b', { 'x-is-resource-name': 'true' })).status).toBe(403);
    // A missing project looks like a private one to anyone but a system admin: names cannot be probed.
    expect((await getProject(developer, 999999)).status).toBe(403);
    expect((await getProject(admin, 999999)).status).toBe(404);
    expect((await getProject(anonymous, 'pub-a')).body).toMatchObject({ name: 'pub-a', current_user_role_id: 0 });
  });

  it('resolves a numeric project name only with X-Is-Resource-Name', async () => {
    expect((await create(admin, { project_name: String(teamId), public: true })).status).toBe(201);
    expect((await getProject(admin, teamId)).body.name).toBe('team-a');
    const byName = await getProject(admin, teamId, { 'x-is-resource-name': 'true' });
    expect(byName.body.name).toBe(String(teamId));
    expect(byName.body.project_id).not.toBe(teamId);
  });

  it('answers HEAD ?project_name= with 200 or 404 and no body', async () => {
    const yes = await send(admin, 'HEAD', '/projects?project_name=team-a');
    expect(yes.status).toBe(200);
    expect(yes.body.length).toBe(0);
    expect((await send(admin, 'HEAD', '/projects?project_name=nope')).status).toBe(404);
    expect((await send(admin, 'HEAD', '/projects')).status).toBe(400);
  });
});

describe('changing projects', () => {
  it('lets a project admin change metadata; a developer is refused and nothing changes', async () => {
    const refused = await send(developer, 'PUT', '/projects/team-a', { metadata: { public: 'true' } }, resName);
    expect(refused.status).toBe(403);
    expectMatchesSwagger('updateProject', 403, parseJson(refused));
    expect(await listNames(anonymous)).not.toContain('team-a');

    const ok = await send(
      admin,
      'PUT',
      '/projects/team-a',
      { metadata: { public: 'true', severity: 'high' } },
      resName,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.length).toBe(0);
    expect((await getProject(anonymous, 'team-a', resName)).body.metadata).toMatchObject({
      public: 'true',
      severity: 'high',
    });
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'project',
      operation: 'update',
      resource: 'team-a',
    });
    expect(entries[0]?.detail).toContain('public=true');
    await send(admin, 'PUT', '/projects/team-a', { metadata: { public: 'false' } }, resName);
    expect(await listNames(anonymous)).not.toContain('team-a');
  });

  it('refuses renames and retention ids it does not know', async () => {
    const rename = await send(admin, 'PUT', '/projects/team-a', { project_name: 'team-z' }, resName);
    expect(rename.status).toBe(400);
    const retention = await send(admin, 'PUT', '/projects/team-a', { metadata: { retention_id: '7' } }, resName);
    expect(retention.status).toBe(400);
    expect((await getProject(admin, teamId)).body.name).toBe('team-a');
  });

  it('manages metadata one key at a time; maintainers read a key, only project admins list and write', async () => {
    const base = `/projects/${teamId}/metadatas`;
    // Harbor's role table gives maintainers metadata:read but not metadata:list (CVE-2024-22278).
    expect((await send(maintainer, 'GET', `${base}/`)).status).toBe(403);
    expect(parseJson(await send(maintainer, 'GET', `${base}/public`))).toEqual({ public: 'false' });
    const list = await send(admin, 'GET', `${base}/`);
    expect(list.status).toBe(200);
    expectMatchesSwagger('listProjectMetadatas', 200, parseJson(list));
    expect(parseJson(list)).toMatchObject({ public: 'false', severity: 'high' });

    const denied = await send(maintainer, 'POST', `${base}/`, { auto_scan: 'true' });
    expect(denied.status).toBe(403);
    expect((await send(guest, 'GET', `${base}/`)).status).toBe(403);

    expect((await send(admin, 'POST', `${base}/`, { auto_scan: 'T' })).status).toBe(200);
    expect((await send(admin, 'POST', `${base}/`, { auto_scan: 'false' })).status).toBe(409);
    expect((await send(admin, 'POST', `${base}/`, { auto_scan: 'true', prevent_vul: 'true' })).status).toBe(400);
    expect((await send(admin, 'POST', `${base}/`, { bogus: 'true' })).status).toBe(400);
    const one = await send(maintainer, 'GET', `${base}/auto_scan`);
    expectMatchesSwagger('getProjectMetadata', 200, parseJson(one));
    expect(parseJson(one)).toEqual({ auto_scan: 'true' });

    expect((await send(admin, 'PUT', `${base}/severity`, { severity: 'CRITICAL' })).status).toBe(200);
    expect((await send(admin, 'PUT', `${base}/severity`, { severity: 'extreme' })).status).toBe(400);
    expect(parseJson(await send(admin, 'GET', `${base}/severity`))).toEqual({ severity: 'critical' });

    expect((await send(admin, 'DELETE', `${base}/auto_scan`)).status).toBe(200);
    expect((await send(admin, 'GET', `${base}/auto_scan`)).status).toBe(404);
  });

  it('summarises repositories, members by role and the quota for members', async () => {
    const res = await send(developer, 'GET', `/projects/${teamId}/summary`);
    expect(res.status).toBe(200);
    const body = parseJson(res);
    expectMatchesSwagger('getProjectSummary', 200, body);
    expect(body).toEqual({
      repo_count: 0,
      project_admin_count: 1,
      maintainer_count: 1,
      developer_count: 1,
      guest_count: 1,
      limited_guest_count: 0,
      quota: { hard: { storage: -1 }, used: { storage: 0 } },
    });
    const outsider = parseJson(await send(developer, 'GET', '/projects/pub-a/summary', undefined, resName));
    expect(outsider).toEqual({ repo_count: 0 });
  });
});

describe('deleting projects', () => {
  it('refuses with 412 while repositories remain and succeeds once they are gone', async () => {
    expect((await create(admin, { project_name: 'doomed' })).status).toBe(201);
    await pushImage(admin, 'doomed/app', 'v1');
    expect((await send(developer, 'DELETE', '/projects/doomed', undefined, resName)).status).toBe(403);

    const check = await send(admin, 'GET', '/projects/doomed/_deletable', undefined, resName);
    expectMatchesSwagger('getProjectDeletable', 200, parseJson(check));
    expect(parseJson(check)).toEqual({
      deletable: false,
      message: 'the project contains repositories, can not be deleted',
    });
    const refused = await send(admin, 'DELETE', '/projects/doomed', undefined, resName);
    expect(refused.status).toBe(412);
    expectMatchesSwagger('deleteProject', 412, parseJson(refused));
    expectHarborErrors(parseJson(refused), 'PRECONDITION');
    expect((await getProject(admin, 'doomed', resName)).body.repo_count).toBe(1);

    await seed(server.dataDir, (meta) => meta.repositories.delete('doomed/app'));
    expect(parseJson(await send(admin, 'GET', '/projects/doomed/_deletable', undefined, resName))).toEqual({
      deletable: true,
    });
    const done = await send(admin, 'DELETE', '/projects/doomed', undefined, resName);
    expect(done.status).toBe(200);
    expect((await getProject(admin, 'doomed', resName)).status).toBe(404);
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'project',
      operation: 'delete',
      resource: 'doomed',
    });
    expect(entries[0]).toMatchObject({ username: 'admin', success: true });
  });

  it('never deletes library', async () => {
    const res = await send(admin, 'DELETE', '/projects/library', undefined, resName);
    expect(res.status).toBe(412);
    expect((await getProject(admin, 'library', resName)).status).toBe(200);
  });
});

describe('quotas', () => {
  it('are for system administrators only; a refused update changes nothing', async () => {
    expect((await send(anonymous, 'GET', '/quotas')).status).toBe(401);
    const list = await send(developer, 'GET', '/quotas');
    expect(list.status).toBe(403);
    expectMatchesSwagger('listQuotas', 403, parseJson(list));
    const put = await send(developer, 'PUT', `/quotas/${teamId}`, { hard: { storage: 1 } });
    expect(put.status).toBe(403);
    expectMatchesSwagger('updateQuota', 403, parseJson(put));
    expect(parseJson(await send(admin, 'GET', `/quotas/${teamId}`))).toMatchObject({ hard: { storage: -1 } });
  });

  it('list, read and validate as Harbor’s Quota', async () => {
    const res = await send(admin, 'GET', `/quotas?reference=project&reference_id=${teamId}`);
    const body = parseJson<Json[]>(res);
    expectMatchesSwagger('listQuotas', 200, body);
    expect(body).toEqual([
      expect.objectContaining({
        id: teamId,
        ref: { id: teamId, name: 'team-a', owner_name: 'admin' },
        hard: { storage: -1 },
        used: { storage: 0 },
      }),
    ]);
    expectPagingHeaders(res.headers, { total: 1 });
    const sorted = parseJson<Json[]>(await send(admin, 'GET', '/quotas?sort=-hard.storage&page_size=100'));
    expect(sorted.at(-1)).toMatchObject({ ref: { name: 'limited' } });
    expect(parseJson<Json[]>(await send(admin, 'GET', '/quotas?reference=artifact'))).toEqual([]);
    expectMatchesSwagger('getQuota', 404, parseJson(await send(admin, 'GET', '/quotas/999999')));
    for (const hard of [undefined, {}, { storage: 0 }, { storage: 'big' }, { count: 5 }]) {
      expect((await send(admin, 'PUT', `/quotas/${teamId}`, { hard })).status).toBe(400);
    }
  });

  it('refuse a push past the limit and count a layer shared by two repositories once', async () => {
    const created = await create(admin, { project_name: 'tight' });
    const id = Number(created.headers.get('location')?.split('/').pop());
    const update = await send(admin, 'PUT', `/quotas/${id}`, { hard: { storage: 5000 } });
    expect(update.status).toBe(200);
    const used = async () => (parseJson(await send(admin, 'GET', `/quotas/${id}`)).used as { storage: number }).storage;

    const shared = blob(2000);
    await pushBlob(admin, 'tight/one', shared);
    await pushBlob(admin, 'tight/two', shared);
    expect(await used()).toBe(2000);
    await pushBlob(admin, 'tight/two', blob(2000));
    expect(await used()).toBe(4000);

    const third = blob(2000);
    const refused = await admin('POST', `/v2/tight/one/blobs/uploads/?digest=${third.digest}`, {
      body: third.bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(refused.status).toBe(403);
    const error = parseJson<{ errors: { code: string; message: string }[] }>(refused).errors[0];
    expect(error?.code).toBe('DENIED');
    expect(error?.message).toMatch(/storage quota exceeded in project tight/);
    expect(await used()).toBe(4000);
    expect(parseJson(await send(admin, 'GET', `/projects/${id}/summary`)).quota).toEqual({
      hard: { storage: 5000 },
      used: { storage: 4000 },
    });

    // Raising the limit lets the same push through.
    await send(admin, 'PUT', `/quotas/${id}`, { hard: { storage: -1 } });
    await pushBlob(admin, 'tight/one', third);
    expect(await used()).toBe(6000);
  });
});

describe('robots', () => {
  async function robot(name: string, permissions: RobotPermission[]): Promise<Call> {
    const secret = `Robot-Secret-${name}-1`;
    await seed(server.dataDir, (meta) =>
      meta.robots.create({
        name: `robot$${name}`,
        description: '',
        level: 'system',
        projectId: null,
        duration: -1,
        expiresAt: null,
        creator: 'admin',
        secretHash: sha256Hex(secret),
        permissions,
      }),
    );
    return asUser(() => server.url, { username: `robot$${name}`, password: secret });
  }

  it('see public projects and those their permissions name; create only with project:create', async () => {
    const pull = [{ resource: 'repository', action: 'pull' }];
    const reader = await robot('reader', [{ kind: 'project', namespace: 'team-b', access: pull }]);
    expect(await listNames(reader)).toEqual(['library', 'pub-a', 'pub-b', String(teamId), 'team-b'].sort());
    const refused = await create(reader, { project_name: 'robot-made' });
    expect(refused.status).toBe(403);
    expect((await send(admin, 'HEAD', '/projects?project_name=robot-made')).status).toBe(404);

    const creator = await robot('creator', [
      { kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'create' }] },
    ]);
    const made = await create(creator, { project_name: 'robot-made', storage_limit: 8192 });
    expect(made.status).toBe(201);
    const { body } = await getProject(admin, 'robot-made', resName);
    expect(body).toMatchObject({ owner_name: 'admin' });
    expect(parseJson(await send(admin, 'GET', `/quotas/${body.project_id as number}`))).toMatchObject({
      hard: { storage: 8192 },
    });
  });
});

describe('statistics and search', () => {
  it('counts what the caller may see; totals and storage for the admin only', async () => {
    expect((await send(anonymous, 'GET', '/statistics')).status).toBe(401);
    const mine = parseJson(await send(developer, 'GET', '/statistics'));
    expectMatchesSwagger('getStatistic', 200, mine);
    const all = parseJson(await send(admin, 'GET', '/statistics'));
    expectMatchesSwagger('getStatistic', 200, all);
    expect(mine).toMatchObject({
      private_project_count: 2, // team-a, dev-own
      total_project_count: 0,
      total_storage_consumption: 0,
    });
    expect(all.public_project_count).toBe(mine.public_project_count);
    expect(all.total_project_count).toBe((all.public_project_count as number) + (all.private_project_count as number));
    expect(all.total_repo_count).toBeGreaterThanOrEqual(2);
    expect(all.total_storage_consumption).toBeGreaterThanOrEqual(6000);
  });

  it('finds projects and repositories among those the caller sees', async () => {
    await pushImage(admin, 'team-b/hidden-tool', 'v1');
    await pushImage(admin, 'pub-a/open-tool', 'v1');
    const dev = parseJson<{ project: Json[]; repository: Json[] }>(await send(developer, 'GET', '/search?q=team'));
    expectMatchesSwagger('search', 200, dev);
    expect(dev.project.map((p) => p.name)).toEqual(['team-a']);
    const tools = parseJson<{ project: Json[]; repository: Json[] }>(await send(developer, 'GET', '/search?q=tool'));
    expect(tools.repository).toEqual([
      {
        repository_name: 'pub-a/open-tool',
        project_id: expect.any(Number),
        project_name: 'pub-a',
        project_public: true,
        pull_count: 0,
        artifact_count: 1,
      },
    ]);
    const adminTools = parseJson<{ repository: Json[] }>(await send(admin, 'GET', '/search?q=tool'));
    expect(adminTools.repository.map((r) => r.repository_name)).toEqual(['pub-a/open-tool', 'team-b/hidden-tool']);
    const anon = parseJson<{ project: Json[] }>(await send(anonymous, 'GET', '/search?q=a'));
    expect(anon.project.map((p) => p.name).sort()).toEqual(['library', 'pub-a']);
  });
});
