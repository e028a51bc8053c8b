import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStandardImages, writeStandardLayouts } from '../fixtures/standard-images.js';
import { ADMIN_HEADERS, basicAuth, e2eTarget, startBerth, type RegistryUnderTest } from '../helpers/berth.js';
import { createContainersEnv, type ContainersEnv } from '../helpers/containers-env.js';
import { requireCommands } from '../helpers/run.js';
import { TempDirs } from '../helpers/tmp.js';

/**
 * The story issue 3 is done by: an admin creates a private project through the Harbor API, adds a
 * developer and a guest; the developer pushes with podman, the guest pulls, the guest's push is
 * refused, an anonymous client sees nothing; the audit log shows all of it.
 */
const tmp = new TempDirs();
let registry: RegistryUnderTest;
let containers: ContainersEnv;
let busyboxLayout: string;
const DEV = { username: 'dana', password: 'Dana-Dev-Pass-1' };
const GUEST = { username: 'gus', password: 'Gus-Guest-Pass-1' };

const run = e2eTarget() === 'berth' ? describe : describe.skip;

beforeAll(async () => {
  if (e2eTarget() !== 'berth') return;
  requireCommands({ podman: 'podman', skopeo: 'skopeo' });
  buildStandardImages();
  const refs = await writeStandardLayouts(join(await tmp.make('access'), 'in'));
  busyboxLayout = refs.busybox;
  registry = await startBerth();
  // No stored credentials: every command says who it is with --creds, or is anonymous.
  containers = await createContainersEnv({ insecureRegistries: [registry.host] });
});

afterAll(async () => {
  await containers?.cleanup();
  await registry?.stop();
  await tmp.cleanup();
});

async function api(method: string, path: string, body?: unknown, auth = ADMIN_HEADERS) {
  const res = await fetch(`${registry.url}/api/v2.0${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
}

const creds = (u: { username: string; password: string }) => `--creds=${u.username}:${u.password}`;

run('a private project with a developer and a guest', () => {
  it('lets each do what their role allows, with podman, and audits it', async () => {
    const project = await api('POST', '/projects', { project_name: 'team', metadata: { public: 'false' } });
    expect(project.status).toBe(201);
    for (const u of [DEV, GUEST]) {
      const created = await api('POST', '/users', {
        username: u.username,
        password: u.password,
        email: `${u.username}@example.test`,
        realname: u.username,
      });
      expect(created.status).toBe(201);
    }
    expect(
      (await api('POST', '/projects/team/members', { role_id: 2, member_user: { username: DEV.username } })).status,
    ).toBe(201);
    expect(
      (await api('POST', '/projects/team/members', { role_id: 3, member_user: { username: GUEST.username } })).status,
    ).toBe(201);

    // The developer pushes an image with podman.
    const image = `${registry.host}/team/app:1`;
    await containers.skopeo(['copy', '-q', busyboxLayout, 'containers-storage:localhost/app:1']);
    await containers.podman(['tag', 'localhost/app:1', image]);
    await containers.podman(['push', '-q', '--tls-verify=false', creds(DEV), image]);

    // The guest pulls it, and runs nothing more: a pull is all a guest may do.
    await containers.podman(['rmi', '-f', image]);
    await containers.podman(['pull', '-q', '--tls-verify=false', creds(GUEST), image]);

    // The guest's push is refused and changes nothing.
    const guestImage = `${registry.host}/team/app:guest`;
    await containers.podman(['tag', 'localhost/app:1', guestImage]);
    const refused = await containers.podman(['push', '--tls-verify=false', creds(GUEST), guestImage], {
      allowFailure: true,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/denied|unauthorized|authentication required/i);
    const tags = await fetch(`${registry.url}/v2/team/app/tags/list`, { headers: ADMIN_HEADERS });
    expect(((await tags.json()) as { tags: string[] }).tags).toEqual(['1']);

    // Anonymous sees nothing: no pull, no catalog, no project in the API.
    const anonymousPull = await containers.podman(['pull', '--tls-verify=false', image], { allowFailure: true });
    expect(anonymousPull.code).not.toBe(0);
    expect((await fetch(`${registry.url}/v2/_catalog`)).status).toBe(401);
    const anonymousProjects = await api('GET', '/projects', undefined, {} as typeof ADMIN_HEADERS);
    expect((anonymousProjects.json as Array<{ name: string }>).map((p) => p.name)).not.toContain('team');

    // The audit log tells the story: who did what to what, from where.
    const logs = await api('GET', '/audit-logs?page_size=100');
    expect(logs.status).toBe(200);
    const lines = (
      logs.json as Array<{ username: string; operation: string; resource_type: string; resource: string }>
    ).map((l) => `${l.username} ${l.operation} ${l.resource_type} ${l.resource}`);
    expect(lines).toContain('admin create project team');
    expect(lines.some((l) => l.startsWith('admin create member team/dana'))).toBe(true);
    expect(lines.some((l) => l.startsWith('admin create member team/gus'))).toBe(true);
    expect(lines).toContain('dana create artifact team/app:1');
    expect(lines).toContain('gus pull artifact team/app:1');
    expect(lines.some((l) => l.startsWith('gus push repository team/app'))).toBe(true);

    // Project logs are for project admins (Harbor 2.13): neither the developer nor the guest reads them.
    for (const u of [DEV, GUEST]) {
      const auth = { authorization: basicAuth(u.username, u.password) };
      expect((await api('GET', '/projects/team/logs', undefined, auth)).status).toBe(403);
    }
    expect((await api('GET', '/projects/team/logs')).status).toBe(200);
  });

  it('lets a project robot pull with skopeo and nothing more', async () => {
    const created = await api('POST', '/robots', {
      name: 'ci',
      level: 'project',
      duration: 30,
      permissions: [
        {
          kind: 'project',
          namespace: 'team',
          access: [{ resource: 'repository', action: 'pull' }],
        },
      ],
    });
    expect(created.status).toBe(201);
    const robot = created.json as { name: string; secret: string };
    expect(robot.name).toBe('robot$team+ci');
    const robotCreds = `${robot.name}:${robot.secret}`;
    const out = join(await tmp.make('robot-pull'), 'layout');
    await containers.skopeo([
      'copy',
      '-q',
      '--src-tls-verify=false',
      `--src-creds=${robotCreds}`,
      `docker://${registry.host}/team/app:1`,
      `oci:${out}:1`,
    ]);
    const push = await containers.skopeo(
      [
        'copy',
        '-q',
        '--dest-tls-verify=false',
        `--dest-creds=${robotCreds}`,
        busyboxLayout,
        `docker://${registry.host}/team/app:robot`,
      ],
      { allowFailure: true },
    );
    expect(push.code).not.toBe(0);
    const wrong = await containers.skopeo(
      ['inspect', '--tls-verify=false', `--creds=${robot.name}:not-the-secret`, `docker://${registry.host}/team/app:1`],
      { allowFailure: true },
    );
    expect(wrong.code).not.toBe(0);
  });

  it('takes a personal access token in place of the password, until it is deleted', async () => {
    const devAuth = { authorization: basicAuth(DEV.username, DEV.password) };
    const created = await api('POST', '/users/current/tokens', { name: 'laptop', expires_in_days: 7 }, devAuth);
    expect(created.status).toBe(201);
    const { id, token } = created.json as { id: number; token: string };
    const tokenCreds = `${DEV.username}:${token}`;
    await containers.skopeo([
      'copy',
      '-q',
      '--dest-tls-verify=false',
      `--dest-creds=${tokenCreds}`,
      busyboxLayout,
      `docker://${registry.host}/team/app:by-token`,
    ]);
    expect((await api('DELETE', `/users/current/tokens/${id}`, undefined, devAuth)).status).toBe(200);
    const after = await containers.skopeo(
      ['inspect', '--tls-verify=false', `--creds=${tokenCreds}`, `docker://${registry.host}/team/app:by-token`],
      { allowFailure: true },
    );
    expect(after.code).not.toBe(0);
  });
});
