import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, TEST_ADMIN } from '../helpers/berth.js';
import { client, startTestServer } from './oci-client.js';

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer({ auth: { lockAfter: 3, lockForMs: 60_000 } });
});
afterAll(() => server.stop());

describe('failed logins', () => {
  it('slow down, then lock the username even against the right password', async () => {
    const wrong = client(() => server.url, { authorization: basicAuth('admin', 'Wrong-pass-1') });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      expect((await wrong('GET', '/v2/')).status).toBe(401);
      times.push(performance.now() - started);
    }
    // Each failure is answered later than the one before.
    expect(times[2]!).toBeGreaterThan(times[0]!);
    const right = client(() => server.url, { authorization: basicAuth('ADMIN', TEST_ADMIN.password) });
    const locked = await right('GET', '/v2/');
    expect(locked.status).toBe(401);
    expect(locked.body.toString()).toMatch(/too many failed logins; try again in \d+ s/);
  });

  it('are reset by admin reset-password (the CLI clears the lock)', async () => {
    const { main } = await import('../../server/cli.js');
    const code = await main(['admin', 'reset-password', '--data-dir', server.dataDir], {
      BERTH_ADMIN_PASSWORD: 'Another-Pass-2',
    });
    expect(code).toBe(0);
    const renewed = client(() => server.url, { authorization: basicAuth('admin', 'Another-Pass-2') });
    expect((await renewed('GET', '/v2/')).status).toBe(200);
  });
});

describe('portal sessions', () => {
  async function login(password: string) {
    return fetch(`${server.url}/c/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ principal: 'admin', password }),
    });
  }

  it('open with an HttpOnly SameSite cookie and a CSRF token, and close on log out', async () => {
    const res = await login('Another-Pass-2');
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    const csrf = res.headers.get('x-harbor-csrf-token');
    expect(csrf).toBeTruthy();
    const sid = cookie.split(';')[0]!;

    // Reads need only the cookie.
    const me = await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: sid } });
    expect(me.status).toBe(200);
    // Writes without the CSRF header are refused, whatever the cookie.
    const noCsrf = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { cookie: sid, 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: 'via-session', metadata: { public: 'false' } }),
    });
    expect(noCsrf.status).toBe(401);
    const withCsrf = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { cookie: sid, 'content-type': 'application/json', 'x-harbor-csrf-token': csrf! },
      body: JSON.stringify({ project_name: 'via-session', metadata: { public: 'false' } }),
    });
    expect(withCsrf.status).toBe(201);

    const out = await fetch(`${server.url}/c/log_out`, { headers: { cookie: sid } });
    expect(out.status).toBe(200);
    const after = await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: sid } });
    expect(after.status).toBe(401);
  });

  it('refuses robots and wrong passwords', async () => {
    expect((await login('wrong-Password-9')).status).toBe(401);
    const robot = await fetch(`${server.url}/c/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ principal: 'robot$x', password: 'whatever' }),
    });
    expect(robot.status).toBe(400);
  });
});
