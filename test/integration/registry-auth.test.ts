import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, TEST_ADMIN } from '../helpers/berth.js';
import { blob, client, pushBlob, pushImage, startTestServer, type Call } from './oci-client.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let admin: Call;
let anonymous: Call;

beforeAll(async () => {
  server = await startTestServer();
  admin = client(() => server.url);
  anonymous = client(() => server.url, null);
  // `library` is public; `secret` is created private by the admin's first push.
  await pushImage(admin, 'library/open', 'v1');
  await pushImage(admin, 'secret/app', 'v1');
});
afterAll(() => server.stop());

async function token(scopes: string[], auth?: string, extra = ''): Promise<{ status: number; token?: string }> {
  const q = scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&');
  const res = await fetch(`${server.url}/service/token?service=berth-registry&${q}${extra}`, {
    headers: auth ? { authorization: auth } : {},
  });
  const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
  if (res.status === 200) {
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(body.issued_at ?? ''))).toBe(false);
  }
  return { status: res.status, ...(body.token ? { token: body.token } : {}) };
}

function claims(jwt: string): { access: Array<{ type: string; name: string; actions: string[] }>; sub: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as never;
}

const bearer = (t: string) => client(() => server.url, { authorization: `Bearer ${t}` });
const adminBasic = basicAuth(TEST_ADMIN.username, TEST_ADMIN.password);

describe('the challenge', () => {
  it('answers an anonymous /v2/ with 401 and a Bearer challenge naming the token realm and service', async () => {
    const res = await anonymous('GET', '/v2/');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${server.url}/service/token",service="berth-registry"`,
    );
    expect(res.errorCode()).toBe('UNAUTHORIZED');
  });

  it('names the scope of the refused request, with pull,push for writes', async () => {
    const pull = await anonymous('GET', '/v2/secret/app/manifests/v1');
    expect(pull.status).toBe(401);
    expect(pull.headers.get('www-authenticate')).toContain('scope="repository:secret/app:pull"');
    const push = await anonymous('POST', '/v2/secret/app/blobs/uploads/');
    expect(push.headers.get('www-authenticate')).toContain('scope="repository:secret/app:pull,push"');
    const catalog = await anonymous('GET', '/v2/_catalog');
    expect(catalog.headers.get('www-authenticate')).toContain('scope="registry:catalog:*"');
  });
});

describe('the token service', () => {
  it('grants the admin everything asked, including in a missing project', async () => {
    const t = await token(
      ['repository:secret/app:pull,push', 'repository:newproj/x:*', 'registry:catalog:*'],
      adminBasic,
    );
    expect(t.status).toBe(200);
    const access = claims(t.token!).access;
    expect(access).toContainEqual({ type: 'repository', name: 'secret/app', actions: ['pull', 'push'] });
    expect(access).toContainEqual({ type: 'repository', name: 'newproj/x', actions: ['pull', 'push', 'delete', '*'] });
    expect(access).toContainEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it('gives anonymous callers pull on public projects and nothing on private ones', async () => {
    const t = await token(['repository:library/open:pull,push', 'repository:secret/app:pull', 'registry:catalog:*']);
    expect(t.status).toBe(200);
    expect(claims(t.token!).access).toEqual([{ type: 'repository', name: 'library/open', actions: ['pull'] }]);
    const pull = await bearer(t.token!)('GET', '/v2/library/open/manifests/v1');
    expect(pull.status).toBe(200);
    const refused = await bearer(t.token!)('GET', '/v2/secret/app/manifests/v1');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('maps one-component names to library, as the registry does', async () => {
    const t = await token(['repository:open:pull']);
    expect(claims(t.token!).access).toEqual([{ type: 'repository', name: 'library/open', actions: ['pull'] }]);
    expect((await bearer(t.token!)('GET', '/v2/open/manifests/v1')).status).toBe(200);
  });

  it('refuses a wrong password with 401 and issues nothing', async () => {
    const t = await token(['repository:secret/app:pull'], basicAuth('admin', 'Wrong-password-1'));
    expect(t.status).toBe(401);
    expect(t.token).toBeUndefined();
  });

  it('grants nothing for names with .. or encoded slashes, and refuses another service', async () => {
    const t = await token(['repository:secret/../secret/app:pull', 'repository:secret%2Fapp:pull'], adminBasic);
    expect(claims(t.token!).access).toEqual([]);
    const other = await fetch(`${server.url}/service/token?service=elsewhere&scope=repository:secret/app:pull`, {
      headers: { authorization: adminBasic },
    });
    expect(other.status).toBe(400);
  });

  it('answers containerd OAuth2 password grants and refuses refresh grants with 400 so it falls back to GET', async () => {
    const form = new URLSearchParams({
      grant_type: 'password',
      username: TEST_ADMIN.username,
      password: TEST_ADMIN.password,
      service: 'berth-registry',
      scope: 'repository:secret/app:pull',
      client_id: 'containerd-client',
    });
    const res = await fetch(`${server.url}/service/token`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string };
    expect(claims(body.access_token).access).toEqual([{ type: 'repository', name: 'secret/app', actions: ['pull'] }]);
    const refresh = await fetch(`${server.url}/service/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', service: 'berth-registry' }),
    });
    expect(refresh.status).toBe(400);
  });
});

describe('bearer tokens on /v2/', () => {
  it('lets a token do exactly what it grants', async () => {
    const t = await token(['repository:secret/app:pull'], adminBasic);
    const call = bearer(t.token!);
    expect((await call('GET', '/v2/secret/app/manifests/v1')).status).toBe(200);
    // A pull token cannot push, even though its subject could.
    const push = await call('POST', '/v2/secret/app/blobs/uploads/');
    expect(push.status).toBe(401);
    expect(push.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    // A token for one repository says nothing about another.
    expect((await call('GET', '/v2/library/open/manifests/v1')).status).toBe(401);
  });

  it('refuses tampered, foreign and expired tokens', async () => {
    const t = await token(['repository:library/open:pull'], adminBasic);
    const [h, p, s] = t.token!.split('.') as [string, string, string];
    const escalated = Buffer.from(
      JSON.stringify({ ...claims(t.token!), access: [{ type: 'repository', name: 'secret/app', actions: ['*'] }] }),
    ).toString('base64url');
    expect((await bearer(`${h}.${escalated}.${s}`)('GET', '/v2/secret/app/manifests/v1')).status).toBe(401);
    expect((await bearer(`${h}.${p}.${s.slice(0, -4)}AAAA`)('GET', '/v2/library/open/manifests/v1')).status).toBe(401);
    expect((await bearer('not-a-jwt')('GET', '/v2/')).status).toBe(401);

    // Signed with the real key but expired: only the expiry can be wrong.
    const key = createPrivateKey(await readFile(join(server.dataDir, 'token-signing-key.pem'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ access: [{ type: 'repository', name: 'library/open', actions: ['pull'] }] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('berth-token-issuer')
      .setAudience('berth-registry')
      .setSubject('admin')
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .sign(key);
    const res = await bearer(expired)('GET', '/v2/library/open/manifests/v1');
    expect(res.status).toBe(401);
    expect(res.body.toString()).toContain('expired');
  });
});

describe('basic auth on /v2/', () => {
  it('works for the admin and refuses wrong credentials outright', async () => {
    expect((await admin('GET', '/v2/')).status).toBe(200);
    const wrong = client(() => server.url, { authorization: basicAuth('admin', 'nope-Nope-1') });
    const res = await wrong('GET', '/v2/library/open/manifests/v1');
    expect(res.status).toBe(401);
  });

  it('refuses a cross-repository mount from a repository the caller cannot read', async () => {
    const b = blob(300);
    await pushBlob(admin, 'secret/app', b);
    // Anonymous may not push anywhere, so use an admin token limited to the target repository.
    const t = await token(['repository:library/target:pull,push'], adminBasic);
    const res = await bearer(t.token!)('POST', `/v2/library/target/blobs/uploads/?mount=${b.digest}&from=secret/app`);
    expect(res.status).toBe(202);
  });
});

describe('the catalog', () => {
  it('lists everything for the admin and is refused to anonymous callers', async () => {
    const res = await admin('GET', '/v2/_catalog');
    expect(res.json().repositories).toEqual(['library/open', 'secret/app']);
    expect((await anonymous('GET', '/v2/_catalog')).status).toBe(401);
  });
});

describe('names that could escape their repository', () => {
  /** Sends the path byte for byte: fetch would normalise `..` and escapes away. */
  function raw(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
    const u = new URL(server.url);
    return new Promise((resolve, reject) => {
      const req = request(
        { host: u.hostname, port: u.port, path, method, headers: { authorization: adminBasic } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('refuses .. segments and encoded slashes with NAME_INVALID, even for the admin, and changes nothing', async () => {
    for (const path of [
      '/v2/library/../secret/app/manifests/v1',
      '/v2/secret/app/../app/manifests/v1',
      '/v2/./secret/app/manifests/v1',
      '/v2/secret%2Fapp/manifests/v1',
      '/v2/secret%2fapp/tags/list',
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body).errors[0].code, path).toBe('NAME_INVALID');
    }
    expect((await raw('/v2/secret%2Fapp/manifests/v1', 'DELETE')).status).toBe(400);
    expect((await admin('GET', '/v2/secret/app/tags/list')).json().tags).toEqual(['v1']);
  });
});
