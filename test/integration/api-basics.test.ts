import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../helpers/berth.js';
import { API, DEV, apiCallers } from '../helpers/harbor-api.js';
import {
  expectHarborErrors,
  expectMatchesSwagger,
  expectProperties,
  swaggerOperation,
} from '../helpers/harbor-swagger.js';
import { seedUser } from '../helpers/seed.js';
import { client, startTestServer } from './oci-client.js';

/** The Harbor API framework end to end: a real server, its system routes, and its error envelope. */

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer();
  await seedUser(server.dataDir, DEV.username, DEV.password);
});
afterAll(() => server.stop());

const { anonymous, admin, developer } = apiCallers(() => server.url);

/** `/api/v2.0` + the swagger path of an operation, checking that the operation exists with this method. */
function pathOf(operationId: string, method = 'GET'): string {
  const op = swaggerOperation(operationId);
  expect(op.method).toBe(method);
  return `${API}${op.path}`;
}

describe('system routes', () => {
  it('GET /ping answers Pong as text', async () => {
    const res = await anonymous('GET', pathOf('getPing'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expectMatchesSwagger('getPing', 200, res.body.toString());
    expect(res.body.toString()).toBe('Pong');
  });

  it('GET /health checks the database and the storage', async () => {
    const res = await anonymous('GET', pathOf('getHealth'));
    expect(res.status).toBe(200);
    const body = res.json();
    expectMatchesSwagger('getHealth', 200, body);
    expect(body).toEqual({
      status: 'healthy',
      components: [
        { name: 'core', status: 'healthy' },
        { name: 'database', status: 'healthy' },
        { name: 'storage', status: 'healthy' },
      ],
    });
  });

  it('GET /systeminfo gives anonymous callers the reduced set', async () => {
    const res = await anonymous('GET', pathOf('getSystemInfo'));
    expect(res.status).toBe(200);
    const body = res.json();
    expectMatchesSwagger('getSystemInfo', 200, body);
    expectProperties(body, ['auth_mode', 'primary_auth_mode', 'self_registration', 'banner_message']);
    expect(body.auth_mode).toBe('db_auth');
    for (const hidden of ['harbor_version', 'external_url', 'registry_url', 'current_time']) {
      expect(body, hidden).not.toHaveProperty(hidden);
    }
  });

  it('GET /systeminfo gives authenticated callers version, URLs and settings', async () => {
    const res = await developer('GET', pathOf('getSystemInfo'));
    expect(res.status).toBe(200);
    const body = res.json();
    expectMatchesSwagger('getSystemInfo', 200, body);
    expectProperties(body, [
      'auth_mode',
      'harbor_version',
      'external_url',
      'registry_url',
      'has_ca_root',
      'read_only',
      'self_registration',
      'notification_enable',
      'project_creation_restriction',
      'registry_storage_provider_name',
      'current_time',
    ]);
    const host = new URL(server.url).host;
    expect(body).toMatchObject({
      external_url: server.url,
      registry_url: host,
      registry_storage_provider_name: 'filesystem',
      read_only: false,
      self_registration: false,
    });
    expect(body.harbor_version).toMatch(/^v2\.\d+\.\d+-berth-\d+\.\d+\.\d+/);
  });

  it('GET /systeminfo/volumes is for system administrators', async () => {
    const path = pathOf('getVolumes');
    const refused = await anonymous('GET', path);
    expect(refused.status).toBe(401);
    expectMatchesSwagger('getVolumes', 401, refused.json());
    expectHarborErrors(refused.json(), 'UNAUTHORIZED');

    const forbidden = await developer('GET', path);
    expect(forbidden.status).toBe(403);
    expectMatchesSwagger('getVolumes', 403, forbidden.json());
    expectHarborErrors(forbidden.json(), 'FORBIDDEN');

    const res = await admin('GET', path);
    expect(res.status).toBe(200);
    const body = res.json();
    expectMatchesSwagger('getVolumes', 200, body);
    const volume = (body as { storage: { total: number; free: number }[] }).storage[0];
    expect(volume?.total).toBeGreaterThan(0);
    expect(volume?.free).toBeGreaterThanOrEqual(0);
    expect(volume?.free).toBeLessThanOrEqual(volume?.total ?? 0);
  });

  it('GET /api/version answers the API version Harbor replication looks for', async () => {
    const res = await anonymous('GET', '/api/version');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ version: 'v2.0' });
  });
});

describe('errors in Harbor’s envelope', () => {
  it('an unknown API path is a 404', async () => {
    for (const [method, path] of [
      ['GET', '/api/v2.0/no-such-thing'],
      ['POST', '/api/v2.0/projects/x/nothing?q=a'],
      ['DELETE', '/api/v2.0/ping'],
    ] as const) {
      const res = await admin(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectHarborErrors(res.json(), 'NOT_FOUND');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('bad credentials on the API are refused in the envelope', async () => {
    const wrong = client(() => server.url, { authorization: basicAuth('nobody', 'Not-The-Password-1') });
    const res = await wrong('GET', '/api/v2.0/systeminfo');
    expect(res.status).toBe(401);
    expectHarborErrors(res.json(), 'UNAUTHORIZED');
  });

  it('a malformed JSON body is a 400, an oversize one a 413, another media type a 415', async () => {
    // No route takes a body yet: the body is parsed (and refused) before routing decides anything.
    const bad = await admin('POST', '/api/v2.0/ping', {
      body: '{"project_name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expectHarborErrors(bad.json(), 'BAD_REQUEST');

    const big = await admin('POST', '/api/v2.0/ping', {
      body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 1) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    expectHarborErrors(big.json(), 'REQUEST_ENTITY_TOO_LARGE');

    const text = await admin('POST', '/api/v2.0/ping', { body: 'hi', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expectHarborErrors(text.json(), 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('listing parameters', () => {
  it('a bad q, sort or page is refused in the envelope', async ({ skip }) => {
    // The first listing route (projects) belongs to another module; api-plugin.test.ts covers the
    // same refusals through the plugin until it lands, and this test runs as soon as it does.
    const path = pathOf('listProjects');
    const probe = await admin('GET', `${path}?page=1&page_size=1`);
    skip(probe.status === 404, 'GET /api/v2.0/projects is not served yet');
    expect(probe.status).toBe(200);
    expect(probe.headers.get('x-total-count')).toMatch(/^\d+$/);

    for (const query of ['q=name%3D%5B1', 'q=name', 'q=name%3D', 'sort=-', 'page=0', 'page_size=-1']) {
      const res = await admin('GET', `${path}?${query}`);
      expect(res.status, query).toBe(400);
      expectHarborErrors(res.json(), 'BAD_REQUEST');
    }
    for (const query of ['page_size=101', 'page=x']) {
      const res = await admin('GET', `${path}?${query}`);
      expect(res.status, query).toBe(422);
      expectHarborErrors(res.json(), 'UNPROCESSABLE_ENTITY');
    }
  });
});
