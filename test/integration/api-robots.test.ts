import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../helpers/berth.js';
import { DEV, apiCallers, jsonBody } from '../helpers/harbor-api.js';
import {
  expectHarborErrors,
  expectMatchesSwagger,
  expectPagingHeaders,
  expectProperties,
} from '../helpers/harbor-swagger.js';
import { seed, seedMember, seedUser } from '../helpers/seed.js';
import { pushImage, startTestServer, type Call } from './oci-client.js';

/** Harbor v2 robot accounts: who may create them, what they may do, and how they stop working. */

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, as } = apiCallers(() => server.url);

const OWNER = { username: 'owner', password: 'Owner-Password-1' };
let owner: Call;
let dev: Call;
let alphaId: number;
let betaId: number;

beforeAll(async () => {
  server = await startTestServer({ auth: { lockAfter: 50 } });
  await seedUser(server.dataDir, OWNER.username, OWNER.password);
  await seedUser(server.dataDir, DEV.username, DEV.password);
  await seedMember(server.dataDir, 'alpha', OWNER.username, 1);
  await seedMember(server.dataDir, 'alpha', DEV.username, 2);
  await seed(server.dataDir, (meta) => meta.projects.ensure('beta'));
  [alphaId, betaId] = await seed(server.dataDir, async (meta) => [
    (await meta.projects.get('alpha'))!.id,
    (await meta.projects.get('beta'))!.id,
  ]);
  owner = as(OWNER.username, OWNER.password);
  dev = as(DEV.username, DEV.password);
  await pushImage(admin, 'alpha/app', 'v1');
  await pushImage(admin, 'beta/app', 'v1');
});
afterAll(() => server.stop());

const pullAlpha = [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: 'pull' }] }];

async function createRobot(call: Call, body: Record<string, unknown>) {
  const res = await call('POST', '/api/v2.0/robots', jsonBody({ duration: -1, ...body }));
  expect(res.status, res.body.toString()).toBe(201);
  const created = res.json() as { id: number; name: string; secret: string; expires_at: number };
  expectMatchesSwagger('CreateRobot', 201, created);
  expectProperties(created, ['id', 'name', 'secret', 'creation_time', 'expires_at']);
  expect(res.headers.get('location')).toBe(`/api/v2.0/robots/${created.id}`);
  return created;
}

async function tokenActions(auth: string, repository: string): Promise<string[]> {
  const res = await fetch(
    `${server.url}/service/token?service=berth-registry&scope=repository:${repository}:pull,push`,
    {
      headers: { authorization: auth },
    },
  );
  expect(res.status).toBe(200);
  const { token } = (await res.json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    access: { name: string; actions: string[] }[];
  };
  return claims.access.find((a) => a.name === repository)?.actions ?? [];
}

/** The robot entries of the audit log, as stored (with the detail the API does not show). */
async function robotAudit() {
  await new Promise((r) => setTimeout(r, 400)); // the audit writer batches every 250 ms
  const page = await seed(server.dataDir, (meta) =>
    meta.audit.list({
      filters: [{ key: 'resource_type', kind: 'exact', value: 'robot' }],
      sort: [],
      offset: 0,
      limit: 100,
    }),
  );
  return page.items;
}

describe('a system robot', () => {
  it('pulls the project it was given and nothing else, and cannot push', async () => {
    const robot = await createRobot(admin, { name: 'reader', level: 'system', permissions: pullAlpha });
    expect(robot.name).toBe('robot$reader');
    expect(robot.expires_at).toBe(-1);
    const call = as(robot.name, robot.secret);
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);
    expect((await call('GET', '/v2/beta/app/manifests/v1')).status).toBe(403);
    expect((await call('POST', '/v2/alpha/app/blobs/uploads/')).status).toBe(403);

    const auth = basicAuth(robot.name, robot.secret);
    expect(await tokenActions(auth, 'alpha/app')).toEqual(['pull']);
    expect(await tokenActions(auth, 'beta/app')).toEqual([]);

    const read = await admin('GET', `/api/v2.0/robots/${robot.id}`);
    expect(read.status).toBe(200);
    const body = read.json();
    expectMatchesSwagger('GetRobotByID', 200, body);
    expect(body).toMatchObject({
      id: robot.id,
      name: 'robot$reader',
      level: 'system',
      duration: -1,
      expires_at: -1,
      disable: false,
      editable: true,
      permissions: pullAlpha,
    });
    expect(body).not.toHaveProperty('secret');
    expect(read.body.toString()).not.toContain(robot.secret);
  });

  it('is listed to the admin only, and found by name', async () => {
    const list = await admin('GET', '/api/v2.0/robots?q=name%3D~read');
    expect(list.status).toBe(200);
    const robots = JSON.parse(list.body.toString()) as Record<string, unknown>[];
    expectMatchesSwagger('ListRobot', 200, robots);
    expect(robots.map((r) => r.name)).toEqual(['robot$reader']);
    expectPagingHeaders(list.headers, { total: 1, next: null });
    expect(list.body.toString()).not.toMatch(/"secret"/);
    expect((await owner('GET', '/api/v2.0/robots')).status).toBe(403);
    expect((await anonymous('GET', '/api/v2.0/robots')).status).toBe(401);
    expect((await admin('GET', '/api/v2.0/robots?q=Level%3Dgalaxy')).status).toBe(400);
  });

  it('may span every project with * and hold system permissions', async () => {
    const robot = await createRobot(admin, {
      name: 'everywhere',
      level: 'system',
      permissions: [
        { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] },
        { kind: 'system', namespace: '/', access: [{ resource: 'catalog', action: 'read' }] },
      ],
    });
    const call = as(robot.name, robot.secret);
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);
    expect((await call('GET', '/v2/beta/app/manifests/v1')).status).toBe(200);
  });
});

describe('a project robot', () => {
  let builder: { id: number; name: string; secret: string };

  it('is created by the project admin, named after the project, and pushes there', async () => {
    builder = await createRobot(owner, {
      name: 'builder',
      level: 'project',
      description: 'CI',
      permissions: [
        {
          kind: 'project',
          namespace: 'alpha',
          access: [
            { resource: 'repository', action: 'pull' },
            { resource: 'repository', action: 'push' },
          ],
        },
      ],
    });
    expect(builder.name).toBe('robot$alpha+builder');
    await pushImage(as(builder.name, builder.secret), 'alpha/built', 'v1');
    expect((await admin('GET', '/v2/alpha/built/manifests/v1')).status).toBe(200);

    const listed = await owner('GET', `/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D${alphaId}`);
    expect(listed.status).toBe(200);
    expectMatchesSwagger('ListRobot', 200, listed.json());
    expect((JSON.parse(listed.body.toString()) as { name: string }[]).map((r) => r.name)).toEqual([
      'robot$alpha+builder',
    ]);
    // Every member from guest up may see the project's robots (Harbor's robot:list).
    expect((await dev('GET', `/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D${alphaId}`)).status).toBe(200);
    expect((await owner('GET', `/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D${betaId}`)).status).toBe(403);
    expect((await owner('GET', '/api/v2.0/robots?q=Level%3Dproject')).status).toBe(400);
  });

  it('cannot be made for another project, or for two', async () => {
    const other = await owner(
      'POST',
      '/api/v2.0/robots',
      jsonBody({
        name: 'sneaky',
        level: 'project',
        duration: -1,
        permissions: [{ ...pullAlpha[0], namespace: 'beta' }],
      }),
    );
    expect(other.status).toBe(403);
    expectMatchesSwagger('CreateRobot', 403, other.json());
    const two = await owner(
      'POST',
      '/api/v2.0/robots',
      jsonBody({
        name: 'two',
        level: 'project',
        duration: -1,
        permissions: [pullAlpha[0], { ...pullAlpha[0], namespace: 'beta' }],
      }),
    );
    expect(two.status).toBe(400);
    const system = await owner(
      'POST',
      '/api/v2.0/robots',
      jsonBody({ name: 'sys', level: 'system', duration: -1, permissions: pullAlpha }),
    );
    expect(system.status).toBe(403);
    const dup = await owner(
      'POST',
      '/api/v2.0/robots',
      jsonBody({ name: 'builder', level: 'project', duration: -1, permissions: pullAlpha }),
    );
    expect(dup.status).toBe(409);
  });

  it('is not created by a developer', async () => {
    const res = await dev(
      'POST',
      '/api/v2.0/robots',
      jsonBody({ name: 'devbot', level: 'project', duration: -1, permissions: pullAlpha }),
    );
    expect(res.status).toBe(403);
    expectHarborErrors(res.json(), 'FORBIDDEN');
    const robots = JSON.parse(
      (await admin('GET', `/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D${alphaId}`)).body.toString(),
    ) as {
      name: string;
    }[];
    expect(robots.map((r) => r.name)).not.toContain('robot$alpha+devbot');
  });

  it('can be updated by its project admin, changing what it may do at once', async () => {
    const call = as(builder.name, builder.secret);
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);
    const current = (await owner('GET', `/api/v2.0/robots/${builder.id}`)).json();
    const update = await owner(
      'PUT',
      `/api/v2.0/robots/${builder.id}`,
      jsonBody({
        ...current,
        description: 'push only',
        permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: 'push' }] }],
      }),
    );
    expect(update.status, update.body.toString()).toBe(200);
    expectMatchesSwagger('UpdateRobot', 200, undefined);
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(403);
    expect((await owner('GET', `/api/v2.0/robots/${builder.id}`)).json()).toMatchObject({ description: 'push only' });

    const rename = await owner(
      'PUT',
      `/api/v2.0/robots/${builder.id}`,
      jsonBody({ ...current, name: 'robot$alpha+other' }),
    );
    expect(rename.status).toBe(400);
    const moveTo = jsonBody({ ...current, permissions: [{ ...pullAlpha[0], namespace: 'beta' }] });
    // The owner has no say in beta; even the admin cannot move a robot to another project.
    expect((await owner('PUT', `/api/v2.0/robots/${builder.id}`, moveTo)).status).toBe(403);
    const move = await admin('PUT', `/api/v2.0/robots/${builder.id}`, moveTo);
    expect(move.status).toBe(400);
    expect(move.body.toString()).toContain('project of a robot cannot be changed');
    expect((await dev('PUT', `/api/v2.0/robots/${builder.id}`, jsonBody(current))).status).toBe(403);
  });
});

describe('refusals', () => {
  it('refuses permissions a robot may not hold, naming them', async () => {
    const member = await owner(
      'POST',
      '/api/v2.0/robots',
      jsonBody({
        name: 'escalate',
        level: 'project',
        duration: -1,
        permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'member', action: 'create' }] }],
      }),
    );
    expect(member.status).toBe(400);
    expectMatchesSwagger('CreateRobot', 400, member.json());
    expect(member.body.toString()).toContain('member:create');
    const user = await admin(
      'POST',
      '/api/v2.0/robots',
      jsonBody({
        name: 'escalate',
        level: 'system',
        duration: -1,
        permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'create' }] }],
      }),
    );
    expect(user.status).toBe(400);
    expect(user.body.toString()).toContain('user:create');
    const wildcard = await admin(
      'POST',
      '/api/v2.0/robots',
      jsonBody({
        name: 'escalate',
        level: 'system',
        duration: -1,
        permissions: [{ kind: 'project', namespace: '*', access: [{ resource: '*', action: '*' }] }],
      }),
    );
    expect(wildcard.status).toBe(400);
    for (const [body, field] of [
      [{ name: 'Bad Name', level: 'system', duration: -1, permissions: pullAlpha }, 'name'],
      [{ name: 'ok', level: 'system', duration: 0, permissions: pullAlpha }, 'duration'],
      [{ name: 'ok', level: 'galaxy', duration: -1, permissions: pullAlpha }, 'level'],
      [{ name: 'ok', level: 'system', duration: -1, permissions: [] }, 'permissions'],
    ] as const) {
      const res = await admin('POST', '/api/v2.0/robots', jsonBody(body));
      expect(res.status, field).toBe(400);
      expect(res.body.toString()).toContain(field);
    }
    const missing = await admin(
      'POST',
      '/api/v2.0/robots',
      jsonBody({ name: 'ghost', level: 'system', duration: -1, permissions: [{ ...pullAlpha[0], namespace: 'nope' }] }),
    );
    expect(missing.status).toBe(404);
  });

  it('refuses a disabled robot and an expired one', async () => {
    const robot = await createRobot(admin, { name: 'switch', level: 'system', duration: 30, permissions: pullAlpha });
    const days = (robot.expires_at * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const call = as(robot.name, robot.secret);
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);

    const current = (await admin('GET', `/api/v2.0/robots/${robot.id}`)).json();
    expect((await admin('PUT', `/api/v2.0/robots/${robot.id}`, jsonBody({ ...current, disable: true }))).status).toBe(
      200,
    );
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(401);
    expect((await admin('PUT', `/api/v2.0/robots/${robot.id}`, jsonBody({ ...current, disable: false }))).status).toBe(
      200,
    );
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);

    const expired = await createRobot(admin, { name: 'expired', level: 'system', duration: 1, permissions: pullAlpha });
    await seed(server.dataDir, (meta) => meta.robots.update(expired.id, { expiresAt: new Date(Date.now() - 1000) }));
    expect((await as(expired.name, expired.secret)('GET', '/v2/alpha/app/manifests/v1')).status).toBe(401);
  });
});

describe('secrets', () => {
  it('refresh: the new secret works and the old one stops at once', async () => {
    const robot = await createRobot(admin, { name: 'rotating', level: 'system', permissions: pullAlpha });
    const old = as(robot.name, robot.secret);
    expect((await old('GET', '/v2/')).status).toBe(200);
    const res = await admin('PATCH', `/api/v2.0/robots/${robot.id}`, jsonBody({}));
    expect(res.status).toBe(200);
    const { secret } = res.json() as { secret: string };
    expectMatchesSwagger('RefreshSec', 200, res.json());
    expect(secret).toBeTruthy();
    expect(secret).not.toBe(robot.secret);
    expect((await old('GET', '/v2/')).status).toBe(401);
    expect((await as(robot.name, secret)('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);

    const weak = await admin('PATCH', `/api/v2.0/robots/${robot.id}`, jsonBody({ secret: 'weak' }));
    expect(weak.status).toBe(400);
    expect(weak.body.toString()).toContain('secret');
    const chosen = await admin('PATCH', `/api/v2.0/robots/${robot.id}`, jsonBody({ secret: 'Chosen-Secret-42' }));
    expect(chosen.status).toBe(200);
    expect(chosen.json()).toEqual({});
    expect((await as(robot.name, 'Chosen-Secret-42')('GET', '/v2/')).status).toBe(200);
    expect((await owner('PATCH', `/api/v2.0/robots/${robot.id}`, jsonBody({}))).status).toBe(403);

    // Audited, but never with a secret.
    const audit = JSON.stringify(await robotAudit());
    expect(audit).toContain('robot$rotating');
    expect(audit).not.toContain(secret);
    expect(audit).not.toContain(robot.secret);
    expect(audit).not.toContain('Chosen-Secret-42');
  });
});

describe('deletion', () => {
  it('removes the robot and its access at once', async () => {
    const robot = await createRobot(owner, { name: 'doomed', level: 'project', permissions: pullAlpha });
    const call = as(robot.name, robot.secret);
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(200);
    expect((await dev('DELETE', `/api/v2.0/robots/${robot.id}`)).status).toBe(403);
    const del = await owner('DELETE', `/api/v2.0/robots/${robot.id}`);
    expect(del.status).toBe(200);
    expectMatchesSwagger('DeleteRobot', 200, undefined);
    expect((await call('GET', '/v2/alpha/app/manifests/v1')).status).toBe(401);
    const gone = await owner('GET', `/api/v2.0/robots/${robot.id}`);
    expect(gone.status).toBe(404);
    expectMatchesSwagger('GetRobotByID', 404, gone.json());
    expect((await owner('DELETE', `/api/v2.0/robots/${robot.id}`)).status).toBe(404);

    const audit = (await robotAudit()).filter((e) => e.resource === 'robot$alpha+doomed');
    expect(audit.map((e) => [e.operation, e.username, e.projectId, e.clientIp])).toEqual([
      ['delete', 'owner', alphaId, '127.0.0.1'],
      ['create', 'owner', alphaId, '127.0.0.1'],
    ]);
  });
});

it('a robot cannot create robots, even with every permission it may hold', async () => {
  const robot = await createRobot(admin, {
    name: 'ambitious',
    level: 'system',
    permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: 'push' }] }],
  });
  const res = await as(robot.name, robot.secret)(
    'POST',
    '/api/v2.0/robots',
    jsonBody({ name: 'child', level: 'project', duration: -1, permissions: pullAlpha }),
  );
  expect(res.status).toBe(403);
});
