import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, TEST_ADMIN } from '../../test/helpers/berth.js';
import { seed } from '../../test/helpers/seed.js';
import { makeTempDir, removeTempDir } from '../../test/helpers/tmp.js';
import { createServer, type BerthServer } from '../index.js';

/** The server side of the desktop shell: one-time sign-in, upload activity, pausing background jobs. */

let server: BerthServer;
let dataDir: string;
let clock = Date.now();

beforeAll(async () => {
  dataDir = await makeTempDir('desktop-hooks');
  server = await createServer({
    adminPassword: TEST_ADMIN.password,
    config: { dataDir, listen: '127.0.0.1:0', log: { level: 'warn' } },
    desktop: { now: () => clock },
  });
  await server.listen();
});
afterAll(async () => {
  await server?.close();
  await removeTempDir(dataDir);
});

function exchange(body: unknown) {
  return fetch(`${server.url}/c/login/desktop`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Polls `condition` (a state reached through sockets, not a timing); fails after 10 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await sleep(10);
  }
  throw new Error(`never reached: ${what}`);
}

describe('desktop sign-in', () => {
  it('exchanges a token once for a portal session like /c/login opens', async () => {
    const token = server.desktop.issueLoginToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const res = await exchange({ token });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    const csrf = res.headers.get('x-harbor-csrf-token');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ username: 'admin', csrf_token: csrf });

    const sid = cookie.split(';')[0]!;
    const me = await fetch(`${server.url}/api/v2.0/users/current`, { headers: { cookie: sid } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('admin');
    // A write with the session's CSRF token works: it is a full session.
    const created = await fetch(`${server.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { cookie: sid, 'content-type': 'application/json', 'x-harbor-csrf-token': csrf! },
      body: JSON.stringify({ project_name: 'from-desktop', metadata: { public: 'false' } }),
    });
    expect(created.status).toBe(201);

    const again = await exchange({ token });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.json()).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'the sign-in token is invalid, expired or already used' }],
    });
  });

  it('refuses a token once its minute has passed', async () => {
    const late = server.desktop.issueLoginToken();
    const inTime = server.desktop.issueLoginToken();
    clock += 59_000;
    expect((await exchange({ token: inTime })).status).toBe(200);
    clock += 1_000;
    expect((await exchange({ token: late })).status).toBe(401);
  });

  it('refuses made-up, missing and oversized tokens in the /c/login envelope', async () => {
    const real = server.desktop.issueLoginToken();
    const forged = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    const wrong = await exchange({ token: forged });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('UNAUTHORIZED');
    const missing = await exchange({});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('BAD_REQUEST');
    expect((await exchange({ token: 'x'.repeat(2048) })).status).toBe(413);
    // The failed attempts did not use up the real token.
    expect((await exchange({ token: real })).status).toBe(200);
  });

  it('is audited as a desktop sign-in', async () => {
    await fetch(`${server.url}/api/v2.0/audit-logs`, { headers: ADMIN_HEADERS }); // writes what is queued
    const stored = await seed(dataDir, (meta) => meta.audit.list({ filters: [], sort: [], offset: 0, limit: 200 }));
    const desktop = stored.items.filter((e) => e.detail === 'desktop sign-in');
    expect(desktop.length).toBe(3);
    expect(desktop[0]).toMatchObject({ username: 'admin', operation: 'login', resourceType: 'session', success: true });
  });
});

describe('upload activity', () => {
  async function startUpload(): Promise<string> {
    const res = await fetch(`${server.url}/v2/library/desk/app/blobs/uploads/`, {
      method: 'POST',
      headers: ADMIN_HEADERS,
    });
    expect(res.status).toBe(202);
    return res.headers.get('location')!;
  }

  /** A PATCH whose headers and first half are sent; the caller decides how it ends. */
  function slowPatch(location: string, chunk: Buffer) {
    const patch = request(`${server.url}${location}`, {
      method: 'PATCH',
      headers: { 'content-length': chunk.length * 2, ...ADMIN_HEADERS },
    });
    patch.on('error', () => {}); // the abort case destroys it on purpose
    const response = once(patch, 'response') as Promise<[IncomingMessage]>;
    patch.write(chunk);
    return { patch, response };
  }

  it('counts a PATCH while its body streams, and not after it is answered', async () => {
    const location = await startUpload();
    expect(server.desktop.activity().uploadsInFlight).toBe(0);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const { patch, response } = slowPatch(location, chunk);
    await until(() => server.desktop.activity().uploadsInFlight === 1, 'the PATCH counted');

    const progress: number[] = [];
    const drained = server.desktop.waitForUploads({ timeoutMs: 30_000, onProgress: (n) => progress.push(n) });
    patch.end(chunk);
    const [res] = await response;
    res.resume();
    expect(res.statusCode).toBe(202);
    expect(await drained).toBe(true);
    expect(progress).toEqual([1, 0]);
    expect(server.desktop.activity().uploadsInFlight).toBe(0);
  });

  it('goes back down when the client aborts mid-body', async () => {
    const location = await startUpload();
    const { patch, response } = slowPatch(location, Buffer.alloc(64 * 1024, 9));
    response.catch(() => {}); // no answer comes to a request we cut
    await until(() => server.desktop.activity().uploadsInFlight === 1, 'the PATCH counted');
    patch.destroy();
    await until(() => server.desktop.activity().uploadsInFlight === 0, 'the aborted PATCH uncounted');
  });

  it('reports a wait that times out while an upload is still running', async () => {
    const location = await startUpload();
    const chunk = Buffer.alloc(1024, 1);
    const { patch, response } = slowPatch(location, chunk);
    await until(() => server.desktop.activity().uploadsInFlight === 1, 'the PATCH counted');
    expect(await server.desktop.waitForUploads({ timeoutMs: 50 })).toBe(false);
    patch.end(chunk);
    (await response)[0].resume();
    expect(await server.desktop.waitForUploads({ timeoutMs: 30_000 })).toBe(true);
  });
});

describe('background jobs', () => {
  async function queues() {
    const res = await fetch(`${server.url}/api/v2.0/jobservice/queues`, { headers: ADMIN_HEADERS });
    expect(res.status).toBe(200);
    return (await res.json()) as Array<{ job_type: string; paused: boolean }>;
  }

  it('pause and resume every background queue', async () => {
    expect(await server.desktop.backgroundPaused()).toBe(false);
    const paused = await server.desktop.pauseBackground();
    // GC, retention and every scan job type (scans are background work, CPU-heavy).
    expect(paused.sort()).toEqual(['gc', 'retention', 'scan.all', 'scan.image', 'scan.rematch', 'scan.sbom']);
    expect((await queues()).filter((q) => paused.includes(q.job_type)).every((q) => q.paused)).toBe(true);
    expect(await server.desktop.backgroundPaused()).toBe(true);

    await server.desktop.resumeBackground();
    expect((await queues()).some((q) => q.paused)).toBe(false);
    expect(await server.desktop.backgroundPaused()).toBe(false);
    expect(server.desktop.activity().runningTasks).toBe(0);
  });
});
