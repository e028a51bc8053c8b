import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/auth/secrets.js';
import type { RobotPermission } from '../../server/meta/identity-types.js';
import type { ProjectRoleId } from '../../server/meta/project-types.js';
import { basicAuth } from '../helpers/berth.js';
import { seed, seedMember, seedUser } from '../helpers/seed.js';
import { client, pushImage, startTestServer } from './oci-client.js';

/**
 * Every kind of caller against every registry action, on a private and a public project, both with
 * basic credentials on /v2/ and through the token service (what docker, podman and skopeo use).
 * Expectations follow Harbor's role table (see docs/rbac.md): pull from `repository:pull`, push
 * from `repository:push`, delete from `repository:delete`.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
const PASSWORD = 'Matrix-Pass-1';
const ROBOT_SECRET = 'robot-secret-Value-1';

type Caller = { name: string; username: string | null; password: string };
const ROLES: Array<[string, ProjectRoleId]> = [
  ['limitedguest', 5],
  ['guest', 3],
  ['developer', 2],
  ['maintainer', 4],
  ['projectadmin', 1],
];
const CALLERS: Caller[] = [
  { name: 'anonymous', username: null, password: '' },
  { name: 'non-member', username: 'outsider', password: PASSWORD },
  ...ROLES.map(([name]) => ({ name, username: name, password: PASSWORD })),
  { name: 'system admin', username: 'admin', password: 'Berth-Test-Admin-1' },
  { name: 'project robot (pull)', username: 'robot$priv+reader', password: ROBOT_SECRET },
  { name: 'project robot (pull, push)', username: 'robot$priv+writer', password: ROBOT_SECRET },
  { name: 'system robot (pull on *)', username: 'robot$everywhere', password: ROBOT_SECRET },
];

// [pull, push, delete] on the private project `priv`, then on the public project `pub`.
const EXPECTED: Record<string, { priv: [boolean, boolean, boolean]; pub: [boolean, boolean, boolean] }> = {
  anonymous: { priv: [false, false, false], pub: [true, false, false] },
  'non-member': { priv: [false, false, false], pub: [true, false, false] },
  limitedguest: { priv: [true, false, false], pub: [true, false, false] },
  guest: { priv: [true, false, false], pub: [true, false, false] },
  developer: { priv: [true, true, false], pub: [true, true, false] },
  maintainer: { priv: [true, true, true], pub: [true, true, true] },
  projectadmin: { priv: [true, true, true], pub: [true, true, true] },
  'system admin': { priv: [true, true, true], pub: [true, true, true] },
  'project robot (pull)': { priv: [true, false, false], pub: [true, false, false] },
  'project robot (pull, push)': { priv: [true, true, false], pub: [true, false, false] },
  'system robot (pull on *)': { priv: [true, false, false], pub: [true, false, false] },
};

beforeAll(async () => {
  server = await startTestServer();
  const admin = client(() => server.url);
  await pushImage(admin, 'priv/app', 'v1');
  await pushImage(admin, 'pub/app', 'v1');
  await seed(server.dataDir, async (meta) => {
    const pub = await meta.projects.get('pub');
    await meta.projects.updateMetadata(pub!.id, { public: 'true' });
  });
  await seedUser(server.dataDir, 'outsider', PASSWORD);
  for (const [name, role] of ROLES) {
    await seedUser(server.dataDir, name, PASSWORD);
    await seedMember(server.dataDir, 'priv', name, role);
    await seedMember(server.dataDir, 'pub', name, role);
  }
  await seed(server.dataDir, async (meta) => {
    const priv = (await meta.projects.get('priv'))!;
    const robot = (name: string, level: 'project' | 'system', permissions: RobotPermission[]) =>
      meta.robots.create({
        name,
        description: '',
        level,
        projectId: level === 'project' ? priv.id : null,
        duration: -1,
        expiresAt: null,
        creator: 'admin',
        secretHash: sha256Hex(ROBOT_SECRET),
        permissions,
      });
    const access = (...actions: string[]) => actions.map((action) => ({ resource: 'repository', action }));
    await robot('robot$priv+reader', 'project', [{ kind: 'project', namespace: 'priv', access: access('pull') }]);
    await robot('robot$priv+writer', 'project', [
      { kind: 'project', namespace: 'priv', access: access('pull', 'push') },
    ]);
    await robot('robot$everywhere', 'system', [{ kind: 'project', namespace: '*', access: access('pull') }]);
  });
});
afterAll(() => server.stop());

/** What one caller may do on one repository, measured over HTTP. */
async function measure(auth: Record<string, string> | null, repo: string): Promise<[boolean, boolean, boolean]> {
  const call = client(() => server.url, auth);
  const pull = await call('GET', `/v2/${repo}/manifests/v1`);
  const push = await call('POST', `/v2/${repo}/blobs/uploads/`);
  if (push.status === 202) await call('DELETE', push.headers.get('location')!);
  // Deleting a digest that does not exist: allowed callers learn it is unknown, others are refused.
  const del = await call('DELETE', `/v2/${repo}/manifests/sha256:${'0'.repeat(64)}`);
  for (const res of [pull, push, del]) {
    if (![200, 202, 404].includes(res.status)) {
      expect([401, 403], `${repo}: unexpected ${res.status} ${res.body.toString()}`).toContain(res.status);
    }
  }
  return [pull.status === 200, push.status === 202, del.status === 404];
}

async function tokenFor(caller: Caller, repo: string): Promise<Record<string, string>> {
  const headers: Record<string, string> = caller.username
    ? { authorization: basicAuth(caller.username, caller.password) }
    : {};
  const res = await fetch(
    `${server.url}/service/token?service=berth-registry&scope=${encodeURIComponent(`repository:${repo}:pull,push,delete`)}`,
    { headers },
  );
  expect(res.status).toBe(200);
  const { token } = (await res.json()) as { token: string };
  return { authorization: `Bearer ${token}` };
}

describe('registry authorisation matrix', () => {
  for (const caller of CALLERS) {
    for (const project of ['priv', 'pub'] as const) {
      it(`${caller.name} on ${project === 'priv' ? 'a private' : 'a public'} project, basic auth and token`, async () => {
        const expected = EXPECTED[caller.name]![project];
        const repo = `${project}/app`;
        const basic = caller.username ? { authorization: basicAuth(caller.username, caller.password) } : null;
        expect(await measure(basic, repo), 'basic auth [pull, push, delete]').toEqual(expected);
        expect(await measure(await tokenFor(caller, repo), repo), 'token [pull, push, delete]').toEqual(expected);
        // Nothing any caller did above changed the image.
        const admin = client(() => server.url);
        expect((await admin('GET', `/v2/${repo}/tags/list`)).json().tags).toEqual(['v1']);
      });
    }
  }

  it('lists in the catalog only what each caller may see', async () => {
    const catalog = async (auth: Record<string, string>) =>
      (await client(() => server.url, auth)('GET', '/v2/_catalog')).json().repositories;
    expect(await catalog({ authorization: basicAuth('outsider', PASSWORD) })).toEqual(['pub/app']);
    expect(await catalog({ authorization: basicAuth('guest', PASSWORD) })).toEqual(['priv/app', 'pub/app']);
    expect(await catalog({ authorization: basicAuth('robot$priv+reader', ROBOT_SECRET) })).toEqual([
      'priv/app',
      'pub/app',
    ]);
  });

  it('refuses a push into a missing project to everyone but a system admin, who creates it', async () => {
    const dev = client(() => server.url, { authorization: basicAuth('developer', PASSWORD) });
    const refused = await dev('POST', '/v2/brandnew/app/blobs/uploads/');
    expect(refused.status).toBe(404);
    expect(refused.errorCode()).toBe('NAME_UNKNOWN');
    expect(refused.body.toString()).toContain('project brandnew does not exist');
    const admin = client(() => server.url);
    expect((await admin('POST', '/v2/brandnew/app/blobs/uploads/')).status).toBe(202);
    // Created private: the developer still cannot see into it.
    expect((await dev('GET', '/v2/brandnew/app/tags/list')).status).toBe(403);
  });
});
