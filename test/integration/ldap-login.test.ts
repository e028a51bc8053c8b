import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type BerthServer } from '../../server/index.js';
import { ADMIN_HEADERS, basicAuth, TEST_ADMIN } from '../helpers/berth.js';
import { seed, seedUser } from '../helpers/seed.js';
import { PEOPLE_DN, startSlapd, type LdapPerson, type Slapd } from '../helpers/slapd.js';
import { client, pushImage } from './oci-client.js';

// Harbor's ldap_auth against a real OpenLDAP (slapd, started privately on a free port): directory
// users log in everywhere a password is taken, are onboarded into the metadata store, and meet the
// same lockout and audit as local users; the local admin keeps working, also with the directory down.

const PEOPLE = {
  alice: {
    uid: 'alice',
    password: 'Alice-Pass1',
    cn: 'Alice Example',
    displayName: 'Alice E.',
    mail: 'alice@example.org',
  },
  bob: { uid: 'bob', password: 'Bob-Pass1', cn: 'Bob Example', mail: 'bob@example.org' },
  carol: { uid: 'carol', password: 'Carol-Pass1', cn: 'Carol Example', mail: 'carol@example.org' },
  dave: { uid: 'dave', password: 'Dave-Pass1', mail: 'dave@example.org' },
} satisfies Record<string, LdapPerson>;
const SECRETS = [...Object.values(PEOPLE).map((p) => p.password), 'Dave-Local-1'];

let slapd: Slapd;
let server: BerthServer;
let dataDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  slapd = await startSlapd(Object.values(PEOPLE));
  dataDir = await mkdtemp(join(tmpdir(), 'berth-ldap-'));
  server = await createServer({
    adminPassword: TEST_ADMIN.password,
    logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
    config: {
      dataDir,
      listen: '127.0.0.1:0',
      auth: {
        mode: 'ldap',
        lockAfter: 3,
        lockForMs: 60_000,
        ldap: {
          url: slapd.url,
          baseDn: PEOPLE_DN,
          searchDn: slapd.searchDn,
          searchPassword: slapd.searchPassword,
          filter: '(objectClass=inetOrgPerson)',
          timeoutMs: 1500,
        },
      },
    },
  });
  await server.listen();
});

afterAll(async () => {
  await server?.close();
  await slapd?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// Every test logs in from 127.0.0.1: forget the per-address failures so one test's wrong passwords
// neither lock nor slow down the next (per-username counts are what the tests look at).
afterEach(async () => {
  await seed(dataDir, async (meta) => {
    for (const key of ['addr:127.0.0.1', 'addr:::ffff:127.0.0.1']) await meta.loginFailures.clear(key);
  });
});

const as = (username: string, password: string) =>
  client(() => server.url, { authorization: basicAuth(username, password) });
const admin = client(() => server.url, ADMIN_HEADERS);
const storedUser = (username: string) => seed(dataDir, (meta) => meta.users.getCredentials(username));
const logText = () => logLines.join('');

describe('a directory user', () => {
  it('logs in with basic auth on /v2/ and is onboarded with source ldap and no password', async () => {
    expect(await storedUser('alice')).toBeUndefined();
    const res = await as('alice', PEOPLE.alice.password)('GET', '/v2/');
    expect(res.status).toBe(200);
    const stored = await storedUser('alice');
    expect(stored?.passwordHash).toBeNull();
    expect(stored?.user).toMatchObject({
      username: 'alice',
      source: 'ldap',
      email: 'alice@example.org',
      realname: 'Alice E.',
      sysadmin: false,
    });
    expect(logText()).toContain('directory user onboarded');

    const me = await as('alice', PEOPLE.alice.password)('GET', '/api/v2.0/users/current');
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({ username: 'alice', email: 'alice@example.org', realname: 'Alice E.' });
    const listed = await admin('GET', '/api/v2.0/users?q=username%3Dalice');
    expect((listed.json() as unknown as Array<{ username: string }>).map((u) => u.username)).toEqual(['alice']);
  });

  it('gets a registry token from /service/token and uses it', async () => {
    const res = await as('bob', PEOPLE.bob.password)('GET', '/service/token?service=berth-registry');
    expect(res.status).toBe(200);
    const { token } = res.json() as { token: string };
    const v2 = await client(() => server.url, { authorization: `Bearer ${token}` })('GET', '/v2/');
    expect(v2.status).toBe(200);
    expect((await storedUser('bob'))?.user.source).toBe('ldap');
  });

  it('opens a portal session on /c/login', async () => {
    const res = await fetch(`${server.url}/c/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ principal: 'alice', password: PEOPLE.alice.password }),
    });
    expect(res.status).toBe(200);
    const sid = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const me = await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: sid } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('alice');
  });

  it('is refreshed from the directory at the next login, under the directory spelling of the name', async () => {
    const ldap = new Client({ url: slapd.url });
    try {
      await ldap.bind(slapd.rootDn, slapd.rootPassword);
      await ldap.modify(`uid=alice,${PEOPLE_DN}`, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'mail', values: ['alice@new.example.org'] }),
        }),
      ]);
    } finally {
      await ldap.unbind();
    }
    // Another spelling misses the 30 s credential cache and asks the directory again.
    expect((await as('ALICE', PEOPLE.alice.password)('GET', '/v2/')).status).toBe(200);
    const stored = await storedUser('alice');
    expect(stored?.user.username).toBe('alice');
    expect(stored?.user.email).toBe('alice@new.example.org');
    expect(await seed(dataDir, (meta) => meta.users.count())).toBe(3); // admin, alice, bob
  });

  it('keeps using personal access tokens, and cannot change the password here', async () => {
    const alice = as('alice', PEOPLE.alice.password);
    const created = await alice('POST', '/api/v2.0/users/current/tokens', {
      body: JSON.stringify({ name: 'ci' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const { token } = created.json() as { token: string };
    expect((await as('alice', token)('GET', '/v2/')).status).toBe(200);

    const id = (await storedUser('alice'))!.user.id;
    const change = await alice('PUT', `/api/v2.0/users/${id}/password`, {
      body: JSON.stringify({ old_password: PEOPLE.alice.password, new_password: 'Another-Pass-9' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(change.status).toBe(403);
    expect(change.body.toString()).toContain('managed by its directory');
  });

  it('pushes into a project once added as a member', async () => {
    const project = await admin('POST', '/api/v2.0/projects', {
      body: JSON.stringify({ project_name: 'ldapteam', metadata: { public: 'false' } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(project.status).toBe(201);
    const bob = as('bob', PEOPLE.bob.password);
    // Authenticated, but no role in the private project yet.
    expect((await bob('POST', '/v2/ldapteam/app/blobs/uploads/')).status).toBe(403);
    const member = await admin('POST', '/api/v2.0/projects/ldapteam/members', {
      body: JSON.stringify({ role_id: 2, member_user: { username: 'bob' } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(member.status).toBe(201);
    const { digest } = await pushImage(bob, 'ldapteam/app', 'v1');
    const head = await bob('HEAD', '/v2/ldapteam/app/manifests/v1', {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(head.headers.get('docker-content-digest')).toBe(digest);
  });
});

describe('refused logins', () => {
  it('count a wrong directory password toward the lockout and the audit log, as local ones', async () => {
    const wrong = as('carol', 'Not-Carols-1');
    for (let i = 0; i < 3; i++) expect((await wrong('GET', '/v2/')).status).toBe(401);
    const locked = await as('carol', PEOPLE.carol.password)('GET', '/v2/');
    expect(locked.status).toBe(401);
    expect(locked.body.toString()).toMatch(/too many failed logins/);
    const state = await seed(dataDir, (meta) => meta.loginFailures.get('user:carol'));
    expect(state?.failures).toBe(3);
    expect(state?.lockedUntil).not.toBeNull();
    // Never onboarded: the directory did not vouch for carol.
    expect(await storedUser('carol')).toBeUndefined();

    expect((await admin('GET', '/api/v2.0/audit-logs?page_size=1')).status).toBe(200); // flushes the writer
    const audit = await seed(dataDir, (meta) =>
      meta.audit.list({
        filters: [
          { key: 'resource_type', kind: 'exact', value: 'user_login' },
          { key: 'resource', kind: 'exact', value: 'carol' },
        ],
        sort: [],
        offset: 0,
        limit: 10,
      }),
    );
    expect(audit.items.map((e) => [e.success, e.detail])).toEqual(
      expect.arrayContaining([
        [false, 'bad credentials'],
        [false, 'locked'],
      ]),
    );
  });

  it('treat filter metacharacters in the username literally, matching nobody', async () => {
    // Unescaped, `*` would match every entry ("several entries match" in the log) and `alic*` Alice's.
    const users = await seed(dataDir, (meta) => meta.users.count());
    for (const username of ['alic*', '*)(uid=*', '*', 'alice)(objectClass=*']) {
      const res = await as(username, PEOPLE.alice.password)('GET', '/v2/');
      expect(res.status, username).toBe(401);
    }
    expect(await seed(dataDir, (meta) => meta.users.count())).toBe(users);
    expect(logText()).not.toContain('several entries match');
  });

  it('refuse an empty password (an anonymous bind to LDAP) and a name padded with spaces', async () => {
    expect((await as('alice', '')('GET', '/v2/')).status).toBe(401);
    expect((await as('alice ', PEOPLE.alice.password)('GET', '/v2/')).status).toBe(401);
  });

  it('refuse a local non-admin user whose name the directory also has, with a log line', async () => {
    await seedUser(dataDir, 'dave', 'Dave-Local-1');
    expect((await as('dave', PEOPLE.dave.password)('GET', '/v2/')).status).toBe(401);
    expect((await as('dave', 'Dave-Local-1')('GET', '/v2/')).status).toBe(401);
    expect(logText()).toContain('dave is a local user');
    expect((await storedUser('dave'))?.user.source).toBe('local');
  });
});

describe('the local side in ldap mode', () => {
  it('lets the local admin in, reports ldap_auth and refuses to create local users', async () => {
    expect((await admin('GET', '/v2/')).status).toBe(200);
    const info = await admin('GET', '/api/v2.0/systeminfo');
    expect(info.json().auth_mode).toBe('ldap_auth');
    const create = await admin('POST', '/api/v2.0/users', {
      body: JSON.stringify({ username: 'erin', email: 'erin@example.org', realname: 'Erin', password: 'Erin-Pass-1' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(create.status).toBe(403);
    expect(create.body.toString()).toContain('not allowed under auth mode: ldap_auth');
  });
});

describe('with the directory unreachable', () => {
  it('answers 401 after the timeout when slapd hangs', async () => {
    process.kill(slapd.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const res = await as('bob', `${PEOPLE.bob.password}-hung`)('GET', '/v2/');
      expect(res.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      process.kill(slapd.pid, 'SIGCONT');
    }
  });

  it('answers 401 (not 500) with a log line, counts nothing, and the local admin still logs in', async () => {
    await slapd.stop();
    const res = await as('bob', 'Bob-Pass1-again')('GET', '/v2/');
    expect(res.status).toBe(401);
    expect(res.body.toString()).toContain('the user directory cannot be reached');
    const token = await as('bob', 'Bob-Pass1-again')('GET', '/service/token?service=berth-registry');
    expect(token.status).toBe(401);
    const login = await fetch(`${server.url}/c/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ principal: 'bob', password: 'Bob-Pass1-again' }),
    });
    expect(login.status).toBe(401);
    const outage = logLines.filter((l) => l.includes('ldap login impossible') && l.includes('"username":"bob"'));
    expect(outage.at(-1)).toContain('ECONNREFUSED');
    // An outage is not the user's fault: no failure counted.
    expect(await seed(dataDir, (meta) => meta.loginFailures.get('user:bob'))).toBeUndefined();
    expect((await admin('GET', '/v2/')).status).toBe(200);
    expect((await admin('GET', '/api/v2.0/audit-logs?page_size=1')).status).toBe(200); // flushes the writer
    const audit = await seed(dataDir, (meta) =>
      meta.audit.list({
        filters: [{ key: 'resource', kind: 'exact', value: 'bob' }],
        sort: [],
        offset: 0,
        limit: 1,
      }),
    );
    expect(audit.items[0]).toMatchObject({ operation: 'login', success: false, detail: 'directory unavailable' });
  });

  it('never logged a password', () => {
    const text = logText();
    for (const secret of [...SECRETS, slapd.searchPassword, slapd.rootPassword, TEST_ADMIN.password]) {
      expect(text).not.toContain(secret);
    }
  });
});
