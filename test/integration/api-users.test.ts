import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, basicAuth, TEST_ADMIN } from '../helpers/berth.js';
import { apiCallers, jsonBody } from '../helpers/harbor-api.js';
import {
  expectHarborErrors,
  expectMatchesSwagger,
  expectPagingHeaders,
  expectProperties,
} from '../helpers/harbor-swagger.js';
import { seed, seedMember, seedUser } from '../helpers/seed.js';
import { client, startTestServer, type Call } from './oci-client.js';

/** Harbor's user API, personal access tokens and login locks, against a real server. */

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, as } = apiCallers(() => server.url);

const ALICE = { username: 'alice', password: 'Alice-Password-1' };
let alice: Call;
let aliceId: number;

beforeAll(async () => {
  // Generous lockout: this file fails some logins on purpose.
  server = await startTestServer({ auth: { lockAfter: 50 } });
  aliceId = (await seedUser(server.dataDir, ALICE.username, ALICE.password)).id;
  alice = as(ALICE.username, ALICE.password);
});
afterAll(() => server.stop());

async function createUser(username: string, password = 'Some-Password-1') {
  const res = await admin(
    'POST',
    '/api/v2.0/users',
    jsonBody({ username, password, email: `${username}@example.test`, realname: `Real ${username}` }),
  );
  expect(res.status, res.body.toString()).toBe(201);
  expectMatchesSwagger('createUser', 201, undefined);
  const location = res.headers.get('location') ?? '';
  expect(location).toMatch(/^\/api\/v2\.0\/users\/\d+$/);
  return Number(location.split('/').pop());
}

async function userCount(): Promise<number> {
  const res = await admin('GET', '/api/v2.0/users?page_size=1');
  return Number(res.headers.get('x-total-count'));
}

describe('user management by a system administrator', () => {
  it('creates a user who can then log in, and shows it without any password', async () => {
    const id = await createUser('bob', 'Bob-Password-1');
    const res = await admin('GET', `/api/v2.0/users/${id}`);
    expect(res.status).toBe(200);
    const body = res.json();
    expectMatchesSwagger('getUser', 200, body);
    expectProperties(body, ['user_id', 'username', 'email', 'realname', 'sysadmin_flag', 'creation_time']);
    expect(body).toMatchObject({ user_id: id, username: 'bob', email: 'bob@example.test', sysadmin_flag: false });
    expect(JSON.stringify(body)).not.toMatch(/password|scrypt/i);
    expect((await as('bob', 'Bob-Password-1')('GET', '/v2/')).status).toBe(200);

    const list = await admin('GET', '/api/v2.0/users?q=username%3D~bo&page_size=10');
    expect(list.status).toBe(200);
    const users = JSON.parse(list.body.toString()) as unknown[];
    expectMatchesSwagger('listUsers', 200, users);
    expect(users).toEqual([expect.objectContaining({ username: 'bob' })]);
    expectPagingHeaders(list.headers, { total: 1, next: null });
  });

  it('refuses a weak password, a bad email and a duplicate name, creating nothing', async () => {
    const before = await userCount();
    const weak = await admin(
      'POST',
      '/api/v2.0/users',
      jsonBody({ username: 'carol', password: 'short', email: 'c@example.test', realname: 'C' }),
    );
    expect(weak.status).toBe(400);
    expectMatchesSwagger('createUser', 400, weak.json());
    expect(weak.body.toString()).toContain('8 to 128 characters');
    const noDigit = await admin(
      'POST',
      '/api/v2.0/users',
      jsonBody({ username: 'carol', password: 'NoDigitsHere', email: 'c@example.test', realname: 'C' }),
    );
    expect(noDigit.status).toBe(400);
    expect(noDigit.body.toString()).toContain('one digit');
    const badEmail = await admin(
      'POST',
      '/api/v2.0/users',
      jsonBody({ username: 'carol', password: 'Carol-Pass-1', email: 'nope', realname: 'C' }),
    );
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.toString()).toContain('email');
    const badName = await admin(
      'POST',
      '/api/v2.0/users',
      jsonBody({ username: 'car:ol', password: 'Carol-Pass-1', email: 'c@example.test', realname: 'C' }),
    );
    expect(badName.status).toBe(400);
    expect(badName.body.toString()).toContain('username');
    const dup = await admin(
      'POST',
      '/api/v2.0/users',
      jsonBody({ username: 'ALICE', password: 'Carol-Pass-1', email: 'x@example.test', realname: 'A' }),
    );
    expect(dup.status).toBe(409);
    expectMatchesSwagger('createUser', 409, dup.json());
    expect(await userCount()).toBe(before);
  });

  it('grants and revokes the admin flag, but never the caller its own', async () => {
    const id = await createUser('dave', 'Dave-Password-1');
    const dave = as('dave', 'Dave-Password-1');
    expect((await dave('GET', '/api/v2.0/users')).status).toBe(403);
    const grant = await admin('PUT', `/api/v2.0/users/${id}/sysadmin`, jsonBody({ sysadmin_flag: true }));
    expect(grant.status).toBe(200);
    expectMatchesSwagger('setUserSysAdmin', 200, undefined);
    // Takes effect at once, though dave's credentials were checked (and cached) a moment ago.
    expect((await dave('GET', '/api/v2.0/users')).status).toBe(200);

    const self = await dave('PUT', `/api/v2.0/users/${id}/sysadmin`, jsonBody({ sysadmin_flag: false }));
    expect(self.status).toBe(403);
    expectMatchesSwagger('setUserSysAdmin', 403, self.json());
    expect((await admin('GET', `/api/v2.0/users/${id}`)).json().sysadmin_flag).toBe(true);

    expect((await admin('PUT', `/api/v2.0/users/${id}/sysadmin`, jsonBody({ sysadmin_flag: 'yes' }))).status).toBe(400);
    expect((await admin('PUT', `/api/v2.0/users/${id}/sysadmin`, jsonBody({ sysadmin_flag: false }))).status).toBe(200);
    expect((await dave('GET', '/api/v2.0/users')).status).toBe(403);
  });

  it('deletes a user, whose credentials stop working at once, but not the caller', async () => {
    const id = await createUser('erin', 'Erin-Password-1');
    const erin = as('erin', 'Erin-Password-1');
    expect((await erin('GET', '/v2/')).status).toBe(200);
    const del = await admin('DELETE', `/api/v2.0/users/${id}`);
    expect(del.status).toBe(200);
    expectMatchesSwagger('deleteUser', 200, undefined);
    const gone = await admin('GET', `/api/v2.0/users/${id}`);
    expect(gone.status).toBe(404);
    expectMatchesSwagger('getUser', 404, gone.json());
    expect((await erin('GET', '/v2/')).status).toBe(401);
    expect((await admin('DELETE', `/api/v2.0/users/${id}`)).status).toBe(404);

    const adminId = (await admin('GET', '/api/v2.0/users/current')).json().user_id as number;
    const self = await admin('DELETE', `/api/v2.0/users/${adminId}`);
    expect(self.status).toBe(403);
    expectMatchesSwagger('deleteUser', 403, self.json());
    expect((await admin('GET', '/api/v2.0/users/current')).status).toBe(200);
  });
});

describe('what other users may do', () => {
  it('refuses listing, creating, deleting users and setting the admin flag', async () => {
    const before = await userCount();
    const list = await alice('GET', '/api/v2.0/users');
    expect(list.status).toBe(403);
    expectMatchesSwagger('listUsers', 403, list.json());
    const create = await alice(
      'POST',
      '/api/v2.0/users',
      jsonBody({ username: 'mallory', password: 'Mallory-Pass-1', email: 'm@example.test', realname: 'M' }),
    );
    expect(create.status).toBe(403);
    expectHarborErrors(create.json(), 'FORBIDDEN');
    const promote = await alice('PUT', `/api/v2.0/users/${aliceId}/sysadmin`, jsonBody({ sysadmin_flag: true }));
    expect(promote.status).toBe(403);
    expectMatchesSwagger('setUserSysAdmin', 403, promote.json());
    expect((await alice('GET', '/api/v2.0/users/current')).json().sysadmin_flag).toBe(false);
    expect((await alice('DELETE', '/api/v2.0/users/1')).status).toBe(403);
    expect(await userCount()).toBe(before);

    const anon = await anonymous('GET', '/api/v2.0/users');
    expect(anon.status).toBe(401);
    expectMatchesSwagger('listUsers', 401, anon.json());
  });

  it('reads and updates only their own profile', async () => {
    const own = await alice('GET', `/api/v2.0/users/${aliceId}`);
    expect(own.status).toBe(200);
    expectMatchesSwagger('getUser', 200, own.json());
    const update = await alice(
      'PUT',
      `/api/v2.0/users/${aliceId}`,
      jsonBody({ email: 'alice@new.example', realname: 'Alice A.', comment: 'hi' }),
    );
    expect(update.status).toBe(200);
    expectMatchesSwagger('updateUserProfile', 200, undefined);
    expect((await alice('GET', '/api/v2.0/users/current')).json()).toMatchObject({
      email: 'alice@new.example',
      realname: 'Alice A.',
      comment: 'hi',
    });
    const long = await alice(
      'PUT',
      `/api/v2.0/users/${aliceId}`,
      jsonBody({ email: 'a@b.example', realname: 'A', comment: 'x'.repeat(31) }),
    );
    expect(long.status).toBe(400);
    expect(long.body.toString()).toContain('comment');

    const adminId = (await admin('GET', '/api/v2.0/users/current')).json().user_id as number;
    const other = await alice('GET', `/api/v2.0/users/${adminId}`);
    expect(other.status).toBe(403);
    expectMatchesSwagger('getUser', 403, other.json());
    const hijack = await alice(
      'PUT',
      `/api/v2.0/users/${adminId}`,
      jsonBody({ email: 'evil@example.test', realname: 'Evil' }),
    );
    expect(hijack.status).toBe(403);
    expect((await admin('GET', '/api/v2.0/users/current')).json().email).not.toBe('evil@example.test');
  });

  it('search usernames, seeing only ids and names', async () => {
    const res = await alice('GET', '/api/v2.0/users/search?username=ali&page_size=5');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body.toString()) as Record<string, unknown>[];
    expectMatchesSwagger('searchUsers', 200, body);
    expect(body).toEqual([{ user_id: aliceId, username: 'alice' }]);
    expectPagingHeaders(res.headers, { total: 1, next: null });
    const missing = await alice('GET', '/api/v2.0/users/search');
    expect(missing.status).toBe(422);
    expect((await anonymous('GET', '/api/v2.0/users/search?username=a')).status).toBe(401);
  });
});

describe('passwords', () => {
  it('a user needs the current password, must meet the policy and must change it', async () => {
    await seedUser(server.dataDir, 'frank', 'Frank-Password-1');
    const frank = as('frank', 'Frank-Password-1');
    const me = (await frank('GET', '/api/v2.0/users/current')).json().user_id as number;
    const path = `/api/v2.0/users/${me}/password`;

    const noOld = await frank('PUT', path, jsonBody({ new_password: 'Frank-Password-2' }));
    expect(noOld.status).toBe(400);
    expect(noOld.body.toString()).toContain('old_password');
    const wrongOld = await frank('PUT', path, jsonBody({ old_password: 'Not-It-1', new_password: 'Frank-Password-2' }));
    expect(wrongOld.status).toBe(403);
    expect(wrongOld.body.toString()).toContain('current password is incorrect');
    const weak = await frank('PUT', path, jsonBody({ old_password: 'Frank-Password-1', new_password: 'frankfrank' }));
    expect(weak.status).toBe(400);
    expect(weak.body.toString()).toContain('upper-case');
    const same = await frank(
      'PUT',
      path,
      jsonBody({ old_password: 'Frank-Password-1', new_password: 'Frank-Password-1' }),
    );
    expect(same.status).toBe(400);
    expect(same.body.toString()).toContain('differ');
    expect((await frank('GET', '/v2/')).status).toBe(200);

    const ok = await frank(
      'PUT',
      path,
      jsonBody({ old_password: 'Frank-Password-1', new_password: 'Frank-Password-2' }),
    );
    expect(ok.status).toBe(200);
    expectMatchesSwagger('updateUserPassword', 200, undefined);
    // The old password was checked (and cached) moments ago; it must fail now.
    expect((await frank('GET', '/v2/')).status).toBe(401);
    expect((await as('frank', 'Frank-Password-2')('GET', '/v2/')).status).toBe(200);
  });

  it('an admin resets another user without the old password; others cannot', async () => {
    const id = (await seedUser(server.dataDir, 'gina', 'Gina-Password-1')).id;
    const refused = await alice('PUT', `/api/v2.0/users/${id}/password`, jsonBody({ new_password: 'Hacked-Pass-1' }));
    expect(refused.status).toBe(403);
    expect((await as('gina', 'Gina-Password-1')('GET', '/v2/')).status).toBe(200);

    const reset = await admin('PUT', `/api/v2.0/users/${id}/password`, jsonBody({ new_password: 'Gina-Password-2' }));
    expect(reset.status).toBe(200);
    expect((await as('gina', 'Gina-Password-1')('GET', '/v2/')).status).toBe(401);
    expect((await as('gina', 'Gina-Password-2')('GET', '/v2/')).status).toBe(200);
  });

  it('a password change ends the user’s portal sessions', async () => {
    const id = (await seedUser(server.dataDir, 'hank', 'Hank-Password-1')).id;
    const login = await fetch(`${server.url}/c/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ principal: 'hank', password: 'Hank-Password-1' }),
    });
    expect(login.status).toBe(200);
    const sid = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const before = await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: sid } });
    expect(before.status).toBe(200);
    expectMatchesSwagger('getCurrentUserInfo', 200, await before.json());
    expect(
      (await admin('PUT', `/api/v2.0/users/${id}/password`, jsonBody({ new_password: 'Hank-Password-2' }))).status,
    ).toBe(200);
    const after = await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: sid } });
    expect(after.status).toBe(401);
  });
});

describe('the current user', () => {
  it('answers for users and refuses robots with 412', async () => {
    const res = await alice('GET', '/api/v2.0/users/current');
    expect(res.status).toBe(200);
    expectMatchesSwagger('getCurrentUserInfo', 200, res.json());
    expect(res.json()).toMatchObject({ user_id: aliceId, username: 'alice', admin_role_in_auth: false });

    const robot = await admin(
      'POST',
      '/api/v2.0/robots',
      jsonBody({
        name: 'whoami',
        level: 'system',
        duration: -1,
        permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'catalog', action: 'read' }] }],
      }),
    );
    expect(robot.status).toBe(201);
    const { name, secret } = robot.json() as { name: string; secret: string };
    const asRobot = await as(name, secret)('GET', '/api/v2.0/users/current');
    expect(asRobot.status).toBe(412);
    expectMatchesSwagger('getCurrentUserInfo', 412, asRobot.json());
    const anon = await anonymous('GET', '/api/v2.0/users/current');
    expect(anon.status).toBe(401);
    expectMatchesSwagger('getCurrentUserInfo', 401, anon.json());
  });

  it('lists its permissions in a project by role, absolute or relative to the scope', async () => {
    await seedUser(server.dataDir, 'ivan', 'Ivan-Password-1');
    await seedMember(server.dataDir, 'perms', 'ivan', 2);
    const projectId = await seed(server.dataDir, async (meta) => (await meta.projects.get('perms'))!.id);
    const ivan = as('ivan', 'Ivan-Password-1');

    const rel = await ivan('GET', `/api/v2.0/users/current/permissions?scope=/project/${projectId}&relative=true`);
    expect(rel.status).toBe(200);
    const relBody = JSON.parse(rel.body.toString()) as { resource: string; action: string }[];
    expectMatchesSwagger('getCurrentUserPermissions', 200, relBody);
    expect(relBody).toContainEqual({ resource: 'repository', action: 'push' });
    expect(relBody).toContainEqual({ resource: '.', action: 'read' });
    expect(relBody).not.toContainEqual({ resource: 'member', action: 'create' });
    expect(relBody).not.toContainEqual({ resource: 'repository', action: 'delete' });

    const abs = await ivan('GET', `/api/v2.0/users/current/permissions?scope=/project/${projectId}`);
    const absBody = JSON.parse(abs.body.toString()) as { resource: string; action: string }[];
    expect(absBody).toContainEqual({ resource: `/project/${projectId}/repository`, action: 'pull' });

    const asAdmin = await admin('GET', `/api/v2.0/users/current/permissions?scope=/project/${projectId}&relative=true`);
    expect(JSON.parse(asAdmin.body.toString())).toContainEqual({ resource: 'member', action: 'create' });
    // Outside any role: nothing; unknown scopes: nothing.
    expect(
      JSON.parse(
        (await alice('GET', `/api/v2.0/users/current/permissions?scope=/project/${projectId}`)).body.toString(),
      ),
    ).toEqual([]);
    expect(
      JSON.parse((await ivan('GET', '/api/v2.0/users/current/permissions?scope=/system')).body.toString()),
    ).toEqual([]);
    const system = await admin('GET', '/api/v2.0/users/current/permissions?scope=/system&relative=true');
    expect(JSON.parse(system.body.toString())).toContainEqual({ resource: 'user', action: 'create' });
    expect((await ivan('GET', '/api/v2.0/users/current/permissions?relative=maybe')).status).toBe(422);
  });
});

describe('personal access tokens', () => {
  const TOKENS = '/api/v2.0/users/current/tokens';

  it('work like the password for docker login and the API until deleted, and are shown once', async () => {
    const created = await alice('POST', TOKENS, jsonBody({ name: 'ci' }));
    expect(created.status).toBe(201);
    const body = created.json() as { id: number; name: string; token: string; expires_at: string };
    expect(body.token).toMatch(/^berth_pat_[A-Za-z0-9_-]{43}$/);
    // Default expiry: 90 days.
    const days = (Date.parse(body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);

    const viaToken = as('alice', body.token);
    expect((await viaToken('GET', '/v2/')).status).toBe(200);
    const tokenGrant = await fetch(`${server.url}/service/token?service=berth-registry`, {
      headers: { authorization: basicAuth('alice', body.token) },
    });
    expect(tokenGrant.status).toBe(200);
    const me = await viaToken('GET', '/api/v2.0/users/current');
    expect(me.status).toBe(200);
    expect(me.json().username).toBe('alice');
    // A token opens nothing for another username.
    expect((await as('bob', body.token)('GET', '/v2/')).status).toBe(401);

    const list = await alice('GET', TOKENS);
    expect(list.status).toBe(200);
    const tokens = JSON.parse(list.body.toString()) as Record<string, unknown>[];
    expect(tokens).toEqual([expect.objectContaining({ id: body.id, name: 'ci', expired: false })]);
    expect(tokens[0]?.last_used_at).not.toBeNull();
    expect(list.body.toString()).not.toContain(body.token);

    // A token cannot mint tokens; the password can.
    expect((await viaToken('POST', TOKENS, jsonBody({ name: 'more' }))).status).toBe(403);
    expect((await alice('POST', TOKENS, jsonBody({ name: 'ci' }))).status).toBe(409);

    expect((await alice('DELETE', `${TOKENS}/${body.id}`)).status).toBe(200);
    expect((await viaToken('GET', '/v2/')).status).toBe(401);
    expect((await alice('DELETE', `${TOKENS}/${body.id}`)).status).toBe(404);
    expect(JSON.parse((await alice('GET', TOKENS)).body.toString())).toEqual([]);
  });

  it('stop working once expired, and never-expiring ones can be asked for', async () => {
    const token = 'berth_pat_expired-token-for-the-test-0000000000000';
    const { createHash } = await import('node:crypto');
    await seed(server.dataDir, (meta) =>
      meta.accessTokens.create({
        userId: aliceId,
        name: 'old',
        tokenHash: createHash('sha256').update(token).digest('hex'),
        expiresAt: new Date(Date.now() - 1000),
      }),
    );
    expect((await as('alice', token)('GET', '/v2/')).status).toBe(401);
    expect((await as('alice', token)('GET', '/api/v2.0/users/current')).status).toBe(401);
    const list = JSON.parse((await alice('GET', TOKENS)).body.toString()) as Record<string, unknown>[];
    expect(list).toContainEqual(expect.objectContaining({ name: 'old', expired: true }));

    const forever = await alice('POST', TOKENS, jsonBody({ name: 'forever', expires_in_days: -1 }));
    expect(forever.status).toBe(201);
    expect(forever.json().expires_at).toBeNull();
    for (const bad of [0, 3651, 1.5, '10']) {
      const res = await alice('POST', TOKENS, jsonBody({ name: `bad-${String(bad)}`, expires_in_days: bad }));
      expect(res.status, String(bad)).toBe(400);
      expect(res.body.toString()).toContain('expires_in_days');
    }
    expect((await alice('POST', TOKENS, jsonBody({ name: '' }))).status).toBe(400);
    expect((await anonymous('GET', TOKENS)).status).toBe(401);
  });
});

describe('login locks', () => {
  it('are listed to admins and cleared by them', async () => {
    const locking = await startTestServer({ auth: { lockAfter: 2, lockForMs: 600_000 } });
    try {
      await seedUser(locking.dataDir, 'jane', 'Jane-Password-1');
      const wrong = client(() => locking.url, { authorization: basicAuth('jane', 'Wrong-Password-1') });
      const right = client(() => locking.url, { authorization: basicAuth('jane', 'Jane-Password-1') });
      const root = client(() => locking.url, ADMIN_HEADERS);
      const user = client(() => locking.url, { authorization: basicAuth('jane', 'Jane-Password-1') });
      expect((await wrong('GET', '/v2/')).status).toBe(401);
      expect((await wrong('GET', '/v2/')).status).toBe(401);
      expect((await right('GET', '/v2/')).status).toBe(401);

      const list = await root('GET', '/api/v2.0/system/login-locks');
      expect(list.status).toBe(200);
      const locks = JSON.parse(list.body.toString()) as Record<string, unknown>[];
      expect(locks).toContainEqual(expect.objectContaining({ key: 'user:jane', failures: 2 }));
      expect(Date.parse(String(locks.find((l) => l.key === 'user:jane')?.locked_until))).toBeGreaterThan(Date.now());

      expect((await user('GET', '/api/v2.0/system/login-locks')).status).toBe(401); // still locked out
      expect((await root('DELETE', '/api/v2.0/system/login-locks/user%3Ajane')).status).toBe(200);
      expect((await right('GET', '/v2/')).status).toBe(200);
      expect((await user('GET', '/api/v2.0/system/login-locks')).status).toBe(403);
      expect((await root('DELETE', '/api/v2.0/system/login-locks/user%3Ajane')).status).toBe(404);
      expect((await root('DELETE', '/api/v2.0/system/login-locks/jane')).status).toBe(400);

      // Guessing the old password on a password change counts like guessing it at sign-in, so a
      // stolen portal session cannot try passwords without limit.
      const login = await fetch(`${locking.url}/c/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ principal: 'jane', password: 'Jane-Password-1' }),
      });
      expect(login.status).toBe(200);
      const session = {
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
        'x-harbor-csrf-token': ((await login.json()) as { csrf_token: string }).csrf_token,
      };
      const jane = (await client(() => locking.url, session)('GET', '/api/v2.0/users/current')).json()
        .user_id as number;
      const guess = (old: string) =>
        client(() => locking.url, session)(
          'PUT',
          `/api/v2.0/users/${jane}/password`,
          jsonBody({ old_password: old, new_password: 'Jane-Password-9' }),
        );
      expect((await guess('Guess-Password-1')).status).toBe(403);
      expect((await guess('Guess-Password-2')).status).toBe(403);
      // Locked now: further guesses are refused without being checked, and say why.
      const locked = await guess('Guess-Password-3');
      expect(locked.status).toBe(403);
      expect(locked.body.toString()).toContain('too many failed logins');
      expect((await root('DELETE', '/api/v2.0/system/login-locks/user%3Ajane')).status).toBe(200);
      expect((await guess('Jane-Password-1')).status).toBe(200);
    } finally {
      await locking.stop();
    }
  });
});

// The admin account is used throughout; make sure nothing above changed its password.
it('leaves the admin able to log in', async () => {
  expect((await as(TEST_ADMIN.username, TEST_ADMIN.password)('GET', '/v2/')).status).toBe(200);
});
