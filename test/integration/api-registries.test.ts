import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCallers, auditEntries, parseJson, send, type Json } from '../helpers/harbor-api.js';
import { expectHarborErrors, expectMatchesSwagger } from '../helpers/harbor-swagger.js';
import { startReferenceRegistry, type ReferenceRegistry } from '../helpers/reference-registry.js';
import { startTestServer } from './oci-client.js';

/**
 * Replication endpoints through the Harbor API on a real server: create, list, read, update and
 * delete; the connection test against the real reference registry behind the Docker token flow
 * (right and wrong password, by id and by body, unreachable); the secret sealed in the SQLite file
 * and never in an answer, an error or the audit log; a replaced key file named in the error.
 */

const USER = 'repl';
const PASSWORD = 'Peer-Secret-Pass-9';
const WRONG = 'Wrong-Secret-Pass-7';

let server: Awaited<ReturnType<typeof startTestServer>>;
let peer: ReferenceRegistry;
const { admin } = apiCallers(() => server.url);
/** Every answer's text, to check no secret was ever sent back. */
const answers: string[] = [];

async function call(method: string, path: string, body?: unknown) {
  const res = await send(admin, method, path, body);
  answers.push(res.body.toString());
  return res;
}

function registryBody(name: string, extra: Json = {}): Json {
  return {
    name,
    type: 'docker-registry',
    url: peer.url,
    description: 'the peer',
    insecure: false,
    credential: { type: 'basic', access_key: USER, access_secret: PASSWORD },
    ...extra,
  };
}

async function create(name: string, extra: Json = {}): Promise<number> {
  const res = await call('POST', '/registries', registryBody(name, extra));
  expect(res.status, res.body.toString()).toBe(201);
  const location = String(res.headers.get('location'));
  expect(location).toMatch(/^\/api\/v2\.0\/registries\/\d+$/);
  return Number(location.split('/').pop());
}

async function registry(id: number): Promise<Json> {
  const res = await call('GET', `/registries/${id}`);
  expect(res.status).toBe(200);
  return parseJson(res);
}

beforeAll(async () => {
  [server, peer] = await Promise.all([
    startTestServer(),
    startReferenceRegistry({ tokenAuth: { users: { [USER]: PASSWORD } } }),
  ]);
});

afterAll(async () => {
  await Promise.all([server?.stop(), peer?.stop()]);
});

describe('registries', () => {
  it('creates an endpoint and shows it with the secret masked, in get and list', async () => {
    const id = await create('peer-main');
    const got = await registry(id);
    expectMatchesSwagger('getRegistry', 200, got);
    expect(got).toMatchObject({
      id,
      name: 'peer-main',
      type: 'docker-registry',
      url: peer.url,
      description: 'the peer',
      insecure: false,
      ca_certificate: '',
      status: 'unknown',
      repositories: [],
      credential: { type: 'basic', access_key: USER, access_secret: '*****' },
    });
    const list = await call('GET', '/registries?q=name%3D~peer-ma&page_size=5');
    expect(list.status).toBe(200);
    expectMatchesSwagger('listRegistries', 200, parseJson(list));
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(parseJson<Json[]>(list).map((r) => r.name)).toEqual(['peer-main']);
    const entries = await auditEntries(server.dataDir, { resource_type: 'registry', operation: 'create' });
    expect(entries.map((e) => e.resource)).toContain('peer-main');
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);
  });

  it('keeps the secret sealed in the database file, never in clear', async () => {
    const id = await create('peer-sealed');
    const db = new Database(join(server.dataDir, 'berth.db'), { readonly: true });
    const rows = db.prepare('select * from replication_registries where id = ?').all(id) as Json[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.access_secret_sealed)).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
    // Nor anywhere in the database or its write-ahead log.
    for (const file of (await readdir(server.dataDir)).filter((f) => f.startsWith('berth.db'))) {
      expect((await readFile(join(server.dataDir, file))).includes(PASSWORD), file).toBe(false);
    }
  });

  it('refuses bad endpoints with 400 and taken names with 409, echoing no secret', async () => {
    const bad: Array<[string, Json]> = [
      ['type', { type: 'quay' }],
      ['scheme', { url: 'ftp://127.0.0.1/' }],
      ['user info', { url: `http://${USER}:${PASSWORD}@127.0.0.1:5000` }],
      ['query', { url: `${peer.url}/?token=x` }],
      ['ca', { ca_certificate: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----' }],
      ['no ca', { ca_certificate: 'just text' }],
      ['repositories', { repositories: ['Upper/Case'] }],
      ['name', { name: '' }],
    ];
    for (const [what, extra] of bad) {
      const res = await call('POST', '/registries', registryBody(`bad-${what}`, extra));
      expect(res.status, `${what}: ${res.body.toString()}`).toBe(400);
      expectHarborErrors(parseJson(res), 'BAD_REQUEST');
    }
    await create('peer-taken');
    const taken = await call('POST', '/registries', registryBody('peer-taken'));
    expect(taken.status).toBe(409);
    expectHarborErrors(parseJson(taken), 'CONFLICT');
  });

  it('defaults a docker-hub endpoint to Docker Hub and normalises URLs', async () => {
    const hub = await create('hub', {
      type: 'docker-hub',
      url: '',
      credential: null,
      repositories: ['library/alpine'],
    });
    expect(await registry(hub)).toMatchObject({
      url: 'https://hub.docker.com',
      repositories: ['library/alpine'],
      credential: { type: '', access_key: '', access_secret: '' },
    });
    const slash = await create('peer-slash', { url: `${peer.url}//` });
    expect((await registry(slash)).url).toBe(peer.url);
    const byType = await call('GET', '/registries?q=type%3Ddocker-hub');
    expect(parseJson<Json[]>(byType).map((r) => r.name)).toEqual(['hub']);
    expect((await call('GET', '/registries?q=type%3Dquay')).status).toBe(400);
  });

  it('tests the connection: right password 200, wrong password and unreachable 400 with the reason', async () => {
    const body = { type: 'docker-registry', url: peer.url, access_key: USER };
    const ok = await call('POST', '/registries/ping', { ...body, access_secret: PASSWORD });
    expect(ok.status, ok.body.toString()).toBe(200);
    const wrong = await call('POST', '/registries/ping', { ...body, access_secret: WRONG });
    expect(wrong.status).toBe(400);
    expectHarborErrors(parseJson(wrong), 'BAD_REQUEST');
    expect(wrong.body.toString()).toMatch(/refused|unauthori[sz]ed|credentials/i);
    expect(wrong.body.toString()).not.toContain(WRONG);
    const down = await call('POST', '/registries/ping', {
      type: 'docker-registry',
      url: 'http://127.0.0.1:9',
      access_key: USER,
      access_secret: PASSWORD,
    });
    expect(down.status).toBe(400);
    const empty = await call('POST', '/registries/ping', {});
    expect(empty.status).toBe(400);
  });

  it('tests a stored endpoint by id, records its health, and keeps the secret on an update without one', async () => {
    const id = await create('peer-ping');
    expect((await call('POST', '/registries/ping', { id })).status).toBe(200);
    expect((await registry(id)).status).toBe('healthy');

    // What GET shows, sent back (masked secret) or with the secret left out, keeps the password.
    for (const update of [
      { description: 'renamed peer', access_secret: '*****' },
      { name: 'peer-ping-2', access_key: USER, access_secret: '' },
      { insecure: true },
    ]) {
      const res = await call('PUT', `/registries/${id}`, update);
      expect(res.status, res.body.toString()).toBe(200);
      expect((await call('POST', '/registries/ping', { id })).status).toBe(200);
    }
    expect(await registry(id)).toMatchObject({ name: 'peer-ping-2', description: 'renamed peer', insecure: true });

    // A new wrong secret replaces it: the stored endpoint now fails and is marked so.
    expect((await call('PUT', `/registries/${id}`, { access_secret: WRONG })).status).toBe(200);
    const failed = await call('POST', '/registries/ping', { id });
    expect(failed.status).toBe(400);
    expect((await registry(id)).status).toBe('unhealthy');
    // Overriding the secret in the ping tests without touching the stored endpoint or its status.
    expect((await call('POST', '/registries/ping', { id, access_secret: PASSWORD })).status).toBe(200);
    expect((await registry(id)).status).toBe('unhealthy');
    expect((await call('POST', '/registries/ping', { id: 999_999 })).status).toBe(404);
  });

  it('sends a stored secret only to its own endpoint: a new address needs the secret again', async () => {
    const id = await create('peer-moved');
    // A listener that records what it is sent and asks for Basic credentials.
    const seen: string[] = [];
    const trap = createHttpServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.writeHead(401, { 'www-authenticate': 'Basic realm="trap"' }).end();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    try {
      // A ping of the stored endpoint at another address carries no stored secret.
      expect((await call('POST', '/registries/ping', { id, url: trapUrl })).status).toBe(400);
      const sent = seen.filter((h) => h.startsWith('Basic ')).map((h) => Buffer.from(h.slice(6), 'base64').toString());
      expect(sent.some((c) => c.includes(PASSWORD))).toBe(false);
      // Moving the endpoint keeps its secret only if it is given again.
      const moved = await call('PUT', `/registries/${id}`, { url: trapUrl });
      expect(moved.status).toBe(400);
      expect(moved.body.toString()).toMatch(/enter its access secret again/);
      expect((await registry(id)).url).toBe(peer.url);
      expect((await call('PUT', `/registries/${id}`, { url: trapUrl, access_secret: 'New-Secret-1' })).status).toBe(
        200,
      );
      expect((await registry(id)).url).toBe(trapUrl);
    } finally {
      await new Promise((resolve) => trap.close(resolve));
    }
  });

  it('serves the registry info and the adapter types', async () => {
    const id = await create('peer-info');
    const info = await call('GET', `/registries/${id}/info`);
    expect(info.status).toBe(200);
    expectMatchesSwagger('getRegistryInfo', 200, parseJson(info));
    expect(parseJson(info)).toMatchObject({ type: 'docker-registry' });
    expect(parseJson<{ supported_triggers: string[] }>(info).supported_triggers).toContain('manual');

    const adapters = await call('GET', '/replication/adapters');
    expect(parseJson(adapters)).toEqual(['docker-hub', 'docker-registry', 'harbor', 'oci']);
    const infos = await call('GET', '/replication/adapterinfos');
    expectMatchesSwagger('listRegistryProviderInfos', 200, parseJson(infos));
    expect(Object.keys(parseJson(infos)).sort()).toEqual(['docker-hub', 'docker-registry', 'harbor', 'oci']);
    expect((await call('GET', '/registries/999999/info')).status).toBe(404);
    expect((await call('GET', '/registries/abc')).status).toBe(404);
  });

  it('refuses to delete an endpoint a policy uses (412), then deletes it', async () => {
    const id = await create('peer-used');
    const policy = await call('POST', '/replication/policies', {
      name: 'uses-peer',
      src_registry: null,
      dest_registry: { id },
      trigger: { type: 'manual' },
    });
    expect(policy.status, policy.body.toString()).toBe(201);
    const refused = await call('DELETE', `/registries/${id}`);
    expect(refused.status).toBe(412);
    expectHarborErrors(parseJson(refused), 'PRECONDITION');
    expect(refused.body.toString()).toContain('uses-peer');

    expect((await call('DELETE', String(policy.headers.get('location')).replace('/api/v2.0', ''))).status).toBe(200);
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
    expect((await call('GET', `/registries/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(404);
  });

  it('never sent the secret back in any answer', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const text of answers) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(WRONG);
    }
  });

  // Last: it replaces the server's key.
  it('says the key file was replaced when a stored secret cannot be opened', async () => {
    const id = await create('peer-lost-key');
    await writeFile(join(server.dataDir, 'secret.key'), `${Buffer.alloc(32, 7).toString('base64url')}\n`);
    await server.restart();
    // Still shown (showing needs no secret); using it says why it cannot.
    expect((await registry(id)).credential).toEqual({ type: 'basic', access_key: USER, access_secret: '*****' });
    const res = await call('POST', '/registries/ping', { id });
    expect(res.status).toBe(412);
    expect(res.body.toString()).toMatch(/peer-lost-key.*replaced or lost/);
    // The operator's way out: enter the password again.
    expect((await call('PUT', `/registries/${id}`, { access_secret: PASSWORD })).status).toBe(200);
    expect((await call('POST', '/registries/ping', { id })).status).toBe(200);
  });
});
