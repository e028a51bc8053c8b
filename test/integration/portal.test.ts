import { request } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, TEST_ADMIN } from '../helpers/berth.js';
import { TempDirs } from '../helpers/tmp.js';
import { startTestServer } from './oci-client.js';

/**
 * The web portal as a browser meets it, on a real server with a portal build of its own (a temp dir
 * laid out like Vite's output): the page and its assets with their caching and security headers,
 * client-side routes that survive a reload, the registry's and the API's own errors left alone, and
 * no way out of the build directory. Also the session's CSRF token coming back after a reload.
 */

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>\n';
const SCRIPT = 'console.log("portal");\n';
const CSS = 'body{margin:0}\n';
const SECRET = 'not-for-the-web-7f3a';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

const dirs = new TempDirs();
let server: Awaited<ReturnType<typeof startTestServer>>;
let unbuilt: Awaited<ReturnType<typeof startTestServer>>;

/** A GET (or other method) with the path sent exactly as written: fetch would normalise `..` away. */
function raw(base: string, path: string, method = 'GET', headers: Record<string, string> = {}) {
  const url = new URL(base);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

beforeAll(async () => {
  const parent = await dirs.make('portal');
  const portal = join(parent, 'portal');
  await mkdir(join(portal, 'assets'), { recursive: true });
  await writeFile(join(portal, 'index.html'), INDEX);
  await writeFile(join(portal, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(portal, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
  await writeFile(join(portal, 'assets', 'index-Ef56Gh78.css'), CSS);
  // Outside the build, next to it: must never be reachable.
  await writeFile(join(parent, 'portal-secret.txt'), SECRET);
  server = await startTestServer({ portal: { dir: portal } });
  unbuilt = await startTestServer({ portal: { dir: join(portal, 'missing') } });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await unbuilt?.stop();
  await dirs.cleanup();
});

describe('the portal', () => {
  it('serves index.html at / with a strict content security policy, revalidated on every load', async () => {
    const res = await fetch(`${server.url}/`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe(INDEX);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');

    // The ETag makes the revalidation cheap (raw request: fetch adds `cache-control: no-cache` to it).
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await raw(server.url, '/', 'GET', { ...HTML, 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');

    const head = await fetch(`${server.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('serves hashed assets as immutable for a year, and other files of the build for revalidation', async () => {
    const js = await fetch(`${server.url}/assets/index-Ab12Cd34.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe(SCRIPT);
    const css = await fetch(`${server.url}/assets/index-Ef56Gh78.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toBe(CSS);

    const icon = await fetch(`${server.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers client-side routes with index.html when a browser navigates, and 404 otherwise', async () => {
    for (const path of ['/projects/3/repositories', '/harbor/projects', '/login?redirect=%2Fprojects']) {
      const res = await fetch(`${server.url}${path}`, { headers: HTML });
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toBe(INDEX);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
    }
    // Not a navigation (a script, an API client, a probe): a plain 404, as before the portal existed.
    const json = await fetch(`${server.url}/projects/3/repositories`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(await json.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await fetch(`${server.url}/projects/3`)).status).toBe(404);
    // A missing asset is never answered with the page (a stale tab must see the 404, not HTML as JS).
    const asset = await fetch(`${server.url}/assets/index-Old00000.js`, { headers: HTML });
    expect(asset.status).toBe(404);
    // Writes are never the portal's.
    const post = await fetch(`${server.url}/projects/3`, { method: 'POST', headers: HTML });
    expect(post.status).toBe(404);
    // Navigations into the server's own paths keep their answers.
    for (const path of ['/c/nope', '/service/nope', '/api/nope', '/api']) {
      const res = await fetch(`${server.url}${path}`, { headers: HTML });
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toBe(INDEX);
    }
  });

  it('leaves the registry’s and the API’s errors as they were', async () => {
    const registry = await fetch(`${server.url}/v2/nope`, { headers: { ...HTML, ...ADMIN_HEADERS } });
    expect(registry.status).toBe(404);
    const body = (await registry.json()) as { errors: { code: string }[] };
    expect(body.errors[0]?.code).toBe('NOT_FOUND');
    expect(registry.headers.get('docker-distribution-api-version')).toBe('registry/2.0');

    const anonymousRegistry = await fetch(`${server.url}/v2/`, { headers: HTML });
    expect(anonymousRegistry.status).toBe(401);
    expect(anonymousRegistry.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);

    const api = await fetch(`${server.url}/api/v2.0/nope`, { headers: HTML });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({
      errors: [{ code: 'NOT_FOUND', message: 'path /api/v2.0/nope was not found' }],
    });
    const ping = await fetch(`${server.url}/api/v2.0/ping`, { headers: HTML });
    expect(await ping.text()).toBe('Pong');
  });

  it('never serves a file outside the build directory', async () => {
    const attempts = [
      '/../package.json',
      '/../portal-secret.txt',
      '/%2e%2e/portal-secret.txt',
      '/assets/%2e%2e/%2e%2e/portal-secret.txt',
      '/assets/..%2f..%2fportal-secret.txt',
      '/%2e%2e%2fportal-secret.txt',
      '/..%5cportal-secret.txt',
      '/%00',
      '/%E0%A4%A',
    ];
    for (const path of attempts) {
      for (const headers of [{}, HTML]) {
        const res = await raw(server.url, path, 'GET', headers);
        // 400 for what does not decode (fastify refuses it first), 404 for the rest.
        expect([400, 404], path).toContain(res.status);
        expect(res.body, path).not.toContain(SECRET);
        expect(res.body, path).not.toContain('"name": "berth"');
        expect(res.body, path).not.toBe(INDEX);
      }
    }
  });

  it('says how to build the portal when it is missing, and keeps serving the registry and the API', async () => {
    const res = await fetch(`${unbuilt.url}/`, { headers: HTML });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('npm run build');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await fetch(`${unbuilt.url}/projects/1`, { headers: HTML })).status).toBe(503);
    expect((await fetch(`${unbuilt.url}/assets/index-Ab12Cd34.js`)).status).toBe(404);
    expect((await fetch(`${unbuilt.url}/v2/`, { headers: ADMIN_HEADERS })).status).toBe(200);
    expect((await fetch(`${unbuilt.url}/api/v2.0/ping`)).status).toBe(200);
  });
});

describe('the portal session', () => {
  async function login() {
    const res = await fetch(`${server.url}/c/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ principal: TEST_ADMIN.username, password: TEST_ADMIN.password }).toString(),
    });
    expect(res.status).toBe(200);
    return {
      cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
      csrf: res.headers.get('x-harbor-csrf-token'),
    };
  }

  it('gives the CSRF token back to a page that reloaded with only its cookie, and the token works', async () => {
    const { cookie, csrf } = await login();
    expect(csrf).toBeTruthy();
    // After a reload the script has only the (HttpOnly) cookie, which the browser sends for it.
    const current = await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie } });
    expect(current.status).toBe(200);
    expect(((await current.json()) as { username: string }).username).toBe(TEST_ADMIN.username);
    const token = current.headers.get('x-harbor-csrf-token');
    expect(token).toBe(csrf);

    // Without the token a write is refused; with the one just read it goes through.
    const project = { project_name: 'csrf-after-reload', metadata: { public: 'false' } };
    const refused = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(project),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-harbor-csrf-token')).toBeNull();
    const created = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-harbor-csrf-token': token! },
      body: JSON.stringify(project),
    });
    expect(created.status).toBe(201);
  });

  it('sends no CSRF token to basic auth, anonymous callers, or the registry', async () => {
    const basic = await fetch(`${server.url}/api/v2.0/users/current`, { headers: ADMIN_HEADERS });
    expect(basic.status).toBe(200);
    expect(basic.headers.get('x-harbor-csrf-token')).toBeNull();
    const anonymous = await fetch(`${server.url}/api/v2.0/systeminfo`);
    expect(anonymous.headers.get('x-harbor-csrf-token')).toBeNull();
    const { cookie } = await login();
    const registry = await fetch(`${server.url}/v2/`, { headers: { cookie } });
    expect(registry.headers.get('x-harbor-csrf-token')).toBeNull();
    const page = await fetch(`${server.url}/`, { headers: { cookie, ...HTML } });
    expect(page.headers.get('x-harbor-csrf-token')).toBeNull();
  });
});
