import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEV,
  GUEST,
  MAINT,
  OUTSIDER,
  apiCallers,
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
import { pushImage, startTestServer, type Call } from './oci-client.js';

/**
 * Labels over HTTP: global labels (system administrators) and project labels (maintainers and up),
 * attaching them to artifacts (developers and up), filtering artifacts by label, and what a refused
 * request leaves unchanged.
 */

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, guest, developer, maintainer, outsider } = apiCallers(() => server.url);

let projId = 0;
let otherId = 0;
let pubId = 0;
let v1 = '';
let v2 = '';

beforeAll(async () => {
  server = await startTestServer();
  for (const u of [GUEST, DEV, MAINT, OUTSIDER]) await seedUser(server.dataDir, u.username, u.password);
  projId = (await seedMember(server.dataDir, 'proj', GUEST.username, 3)).projectId;
  await seedMember(server.dataDir, 'proj', DEV.username, 2);
  await seedMember(server.dataDir, 'proj', MAINT.username, 4);
  [otherId, pubId] = await seed(server.dataDir, async (meta) => [
    (await meta.projects.ensure('other')).id,
    (await meta.projects.ensure('pub', { public: true })).id,
  ]);
  v1 = (await pushImage(admin, 'proj/app', 'v1')).digest;
  v2 = (await pushImage(admin, 'proj/app', 'v2', { layers: 2 })).digest;
});
afterAll(() => server.stop());

async function createLabel(call: Call, body: Json) {
  const res = await send(call, 'POST', '/labels', body);
  if (res.status === 201) {
    expectMatchesSwagger('CreateLabel', 201, res.body.toString());
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/v2\.0\/labels\/\d+$/);
    return { status: 201, id: Number(location.split('/').pop()) };
  }
  expectHarborErrors(parseJson(res));
  return { status: res.status, id: 0 };
}

async function listLabels(call: Call, query: string) {
  const res = await send(call, 'GET', `/labels?${query}`);
  if (res.status !== 200) return { status: res.status, names: [] as string[] };
  const body = parseJson<Json[]>(res);
  expectMatchesSwagger('ListLabels', 200, body);
  expectPagingHeaders(res.headers, { total: body.length });
  return { status: 200, names: body.map((l) => l.name as string), body };
}

describe('global labels', () => {
  let id = 0;

  it('only system administrators create them', async () => {
    expect((await createLabel(anonymous, { name: 'prod', scope: 'g' })).status).toBe(401);
    expect((await createLabel(maintainer, { name: 'prod', scope: 'g' })).status).toBe(403);
    expect((await listLabels(admin, 'scope=g')).names).toEqual([]);

    const created = await createLabel(admin, { name: 'prod', scope: 'g', color: '#FF0000', description: 'live' });
    expect(created.status).toBe(201);
    id = created.id;
    const res = await send(admin, 'GET', `/labels/${id}`);
    expect(res.status).toBe(200);
    const body = parseJson(res);
    expectMatchesSwagger('GetLabelByID', 200, body);
    expect(body).toMatchObject({ id, name: 'prod', scope: 'g', project_id: 0, color: '#FF0000', description: 'live' });
    expectProperties(body, ['creation_time', 'update_time']);
    const entries = await auditEntries(server.dataDir, {
      resource_type: 'label',
      operation: 'create',
      resource: 'prod',
    });
    expect(entries[0]).toMatchObject({ username: 'admin', projectId: null });
  });

  it('anyone lists them; a duplicate name is 409; bad bodies are 400', async () => {
    expect((await listLabels(anonymous, 'scope=g')).names).toEqual(['prod']);
    expect((await listLabels(guest, 'scope=g&name=pro')).names).toEqual(['prod']);
    expect((await listLabels(guest, 'scope=g&name=zzz')).names).toEqual([]);
    expect((await createLabel(admin, { name: 'prod', scope: 'g' })).status).toBe(409);
    for (const body of [{ scope: 'g' }, { name: 'x' }, { name: 'x', scope: 'q' }, { name: 5, scope: 'g' }]) {
      expect((await createLabel(admin, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await createLabel(admin, { name: 'x'.repeat(129), scope: 'g' })).status).toBe(400);
    expect((await send(admin, 'GET', '/labels')).status).toBe(400);
    expect((await send(admin, 'GET', '/labels/abc')).status).toBe(400);
    const missing = await send(admin, 'GET', '/labels/999999');
    expect(missing.status).toBe(404);
    expectMatchesSwagger('GetLabelByID', 404, parseJson(missing));
  });

  it('updates replace name, description and color; refused updates change nothing', async () => {
    const denied = await send(maintainer, 'PUT', `/labels/${id}`, { name: 'hacked' });
    expect(denied.status).toBe(403);
    const res = await send(admin, 'PUT', `/labels/${id}`, { name: 'production', color: '#00FF00' });
    expect(res.status).toBe(200);
    expectMatchesSwagger('UpdateLabel', 200, res.body.toString());
    expect(parseJson(await send(admin, 'GET', `/labels/${id}`))).toMatchObject({
      name: 'production',
      color: '#00FF00',
      description: '',
      scope: 'g',
    });
    expect((await send(admin, 'PUT', `/labels/${id}`, { description: 'no name' })).status).toBe(400);
  });
});

describe('project labels', () => {
  let id = 0;

  it('maintainers create them; developers and outsiders may not', async () => {
    expect((await createLabel(developer, { name: 'qa', scope: 'p', project_id: projId })).status).toBe(403);
    expect((await createLabel(outsider, { name: 'qa', scope: 'p', project_id: projId })).status).toBe(403);
    expect((await createLabel(maintainer, { name: 'qa', scope: 'p' })).status).toBe(400);
    expect((await createLabel(maintainer, { name: 'qa', scope: 'p', project_id: 424242 })).status).toBe(404);
    const created = await createLabel(maintainer, { name: 'qa', scope: 'p', project_id: projId });
    expect(created.status).toBe(201);
    id = created.id;
    expect((await createLabel(admin, { name: 'qa', scope: 'p', project_id: otherId })).status).toBe(201);
    // The same name in another scope or project is another label.
    expect((await createLabel(admin, { name: 'qa', scope: 'g' })).status).toBe(201);
  });

  it('members read them; outsiders and anonymous callers do not', async () => {
    const listed = await listLabels(guest, `scope=p&project_id=${projId}`);
    expect(listed.names).toEqual(['qa']);
    expect(listed.body?.[0]).toMatchObject({ id, scope: 'p', project_id: projId });
    expect((await send(guest, 'GET', `/labels/${id}`)).status).toBe(200);
    expect((await listLabels(outsider, `scope=p&project_id=${projId}`)).status).toBe(403);
    expect((await listLabels(anonymous, `scope=p&project_id=${projId}`)).status).toBe(401);
    expect((await send(outsider, 'GET', `/labels/${id}`)).status).toBe(403);
    expect((await listLabels(guest, 'scope=p')).status).toBe(400);
    expect((await listLabels(anonymous, `scope=p&project_id=${pubId}`)).status).toBe(200);
  });

  it('developers may not rename or delete them; maintainers may', async () => {
    expect((await send(developer, 'PUT', `/labels/${id}`, { name: 'renamed' })).status).toBe(403);
    expect((await send(developer, 'DELETE', `/labels/${id}`)).status).toBe(403);
    expect(parseJson(await send(guest, 'GET', `/labels/${id}`))).toMatchObject({ name: 'qa' });
    const renamed = await send(maintainer, 'PUT', `/labels/${id}`, { name: 'qa-passed', description: 'ok' });
    expect(renamed.status).toBe(200);
    expect(parseJson(await send(guest, 'GET', `/labels/${id}`))).toMatchObject({
      name: 'qa-passed',
      description: 'ok',
    });
  });
});

describe('labels on artifacts', () => {
  const labelsOf = (ref: string) => `/projects/proj/repositories/app/artifacts/${ref}/labels`;
  const labelNames = async (ref: string) => {
    const res = await send(guest, 'GET', `/projects/proj/repositories/app/artifacts/${ref}?with_label=true`);
    expect(res.status).toBe(200);
    return ((parseJson(res).labels as Json[]) ?? []).map((l) => l.name).sort();
  };
  const labelId = async (query: string, name: string) =>
    ((await listLabels(admin, query)).body ?? []).find((l) => l.name === name)?.id as number;

  it('developers attach global and project labels; guests may not; twice is 409', async () => {
    const prod = await labelId('scope=g', 'production');
    const qa = await labelId(`scope=p&project_id=${projId}`, 'qa-passed');
    expect((await send(guest, 'POST', labelsOf('v1'), { id: prod })).status).toBe(403);
    expect((await send(anonymous, 'POST', labelsOf('v1'), { id: prod })).status).toBe(401);
    expect(await labelNames('v1')).toEqual([]);

    const res = await send(developer, 'POST', labelsOf('v1'), { id: prod });
    expect(res.status).toBe(200);
    expectMatchesSwagger('addLabel', 200, res.body.toString());
    expect((await send(developer, 'POST', labelsOf('v1'), { id: qa })).status).toBe(200);
    expect((await send(developer, 'POST', labelsOf(v2), { id: prod })).status).toBe(200);
    expect(await labelNames('v1')).toEqual(['production', 'qa-passed']);
    const again = await send(developer, 'POST', labelsOf('v1'), { id: prod });
    expect(again.status).toBe(409);
    expectHarborErrors(parseJson(again), 'CONFLICT');
  });

  it('another project’s label or an unknown one is 404; a bad body is 400', async () => {
    const foreign = await labelId(`scope=p&project_id=${otherId}`, 'qa');
    expect((await send(developer, 'POST', labelsOf('v2'), { id: foreign })).status).toBe(404);
    expect((await send(developer, 'POST', labelsOf('v2'), { id: 987654 })).status).toBe(404);
    expect((await send(developer, 'POST', labelsOf('v2'), { name: 'production' })).status).toBe(400);
    expect((await send(developer, 'POST', labelsOf('nope'), { id: foreign })).status).toBe(404);
    expect(await labelNames('v2')).toEqual(['production']);
  });

  it('listArtifacts filters by labels and shows them with with_label', async () => {
    const prod = await labelId('scope=g', 'production');
    const qa = await labelId(`scope=p&project_id=${projId}`, 'qa-passed');
    const list = async (q: string) => {
      const res = await send(guest, 'GET', `/projects/proj/repositories/app/artifacts?with_label=true&q=${q}`);
      expect(res.status).toBe(200);
      return parseJson<Json[]>(res);
    };
    const both = await list(encodeURIComponent(`labels=(${prod} ${qa})`));
    expect(both.map((a) => a.digest)).toEqual([v1]);
    expect((both[0]?.labels as Json[]).map((l) => l.name).sort()).toEqual(['production', 'qa-passed']);
    const one = await list(encodeURIComponent(`labels=${prod}`));
    expect(one.map((a) => a.digest).sort()).toEqual([v1, v2].sort());
  });

  it('removeLabel: developers detach; a label not attached is 404', async () => {
    const qa = await labelId(`scope=p&project_id=${projId}`, 'qa-passed');
    expect((await send(guest, 'DELETE', `${labelsOf('v1')}/${qa}`)).status).toBe(403);
    expect(await labelNames('v1')).toEqual(['production', 'qa-passed']);
    const res = await send(developer, 'DELETE', `${labelsOf('v1')}/${qa}`);
    expect(res.status).toBe(200);
    expectMatchesSwagger('removeLabel', 200, res.body.toString());
    expect(await labelNames('v1')).toEqual(['production']);
    expect((await send(developer, 'DELETE', `${labelsOf('v1')}/${qa}`)).status).toBe(404);
    expect((await send(developer, 'DELETE', `${labelsOf('v1')}/abc`)).status).toBe(400);
    const entries = await auditEntries(server.dataDir, { resource_type: 'artifact-label', operation: 'delete' });
    expect(entries[0]).toMatchObject({ username: DEV.username, resource: `proj/app@${v1}` });
  });

  it('deleting a label detaches it everywhere', async () => {
    const prod = await labelId('scope=g', 'production');
    expect((await send(maintainer, 'DELETE', `/labels/${prod}`)).status).toBe(403);
    const res = await send(admin, 'DELETE', `/labels/${prod}`);
    expect(res.status).toBe(200);
    expectMatchesSwagger('DeleteLabel', 200, res.body.toString());
    expect(await labelNames('v1')).toEqual([]);
    expect(await labelNames('v2')).toEqual([]);
    expect((await send(admin, 'GET', `/labels/${prod}`)).status).toBe(404);
    expect((await send(admin, 'DELETE', `/labels/${prod}`)).status).toBe(404);
  });
});
