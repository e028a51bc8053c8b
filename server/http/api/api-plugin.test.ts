import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SecurityContext } from '../../auth/security-context.js';
import { Conflict, Denied, Invalid, NotFound, QuotaExceeded, Unauthorized } from '../../core/errors.js';
import { EventBus } from '../../core/events.js';
import { MetaStoreError } from '../../meta/meta-errors.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import { MemoryDriver } from '../../storage/memory-driver.js';
import type { ApiDeps } from './api-deps.js';
import { ApiError } from './api-errors.js';
import { API_BODY_LIMIT, buildApiPlugin, type ApiRouteModule } from './api-plugin.js';
import { parseListRequest } from './harbor-query.js';
import { requireProject } from './guards.js';
import { sendPage } from './paging.js';
import { systemRoutes } from './system-routes.js';

const log = pino({ level: 'silent' });
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function fakeMeta(overrides: { catalog?: () => Promise<string[]> } = {}): MetaStore {
  return {
    repositories: { catalog: overrides.catalog ?? (async () => []) },
    projects: { get: async () => undefined, getById: async () => undefined },
  } as unknown as MetaStore;
}

function deps(overrides: Partial<ApiDeps> = {}): ApiDeps {
  return {
    meta: fakeMeta(),
    log,
    events: new EventBus(() => {}),
    storage: new MemoryDriver(),
    system: { version: '9.9.9', volumeDir: process.cwd(), storageProvider: 'memory' },
    // These routes touch none of the services below; the compiler still wants them named.
    audit: undefined as unknown as ApiDeps['audit'],
    authenticator: undefined as unknown as ApiDeps['authenticator'],
    manifests: undefined as unknown as ApiDeps['manifests'],
    blobs: undefined as unknown as ApiDeps['blobs'],
    jobs: undefined as unknown as ApiDeps['jobs'],
    ...overrides,
  };
}

function user(options: { admin?: boolean; name?: string } = {}): SecurityContext {
  return {
    kind: 'user',
    name: options.name ?? 'alice',
    userId: 7,
    isAuthenticated: true,
    isSysAdmin: options.admin ?? false,
    can: async () => false,
    canSystem: async () => options.admin ?? false,
  };
}

/** A root app like http-app.ts: an optional authentication hook, then the API plugin. */
async function start(
  modules: ApiRouteModule[],
  options: { deps?: ApiDeps; security?: SecurityContext } = {},
): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger });
  apps.push(app);
  const security = options.security;
  if (security) {
    app.addHook('onRequest', async (req) => {
      req.security = security;
    });
  }
  await app.register(buildApiPlugin(options.deps ?? deps(), modules));
  await app.ready();
  return app;
}

const throwing =
  (err: unknown): ApiRouteModule =>
  (api) => {
    api.get('/boom', async () => {
      throw err;
    });
  };

describe('the API scope', () => {
  it('answers unknown API paths with a 404 envelope, leaving other paths alone', async () => {
    const a = await start([]);
    const res = await a.inject({ method: 'GET', url: '/api/v2.0/nope?q=x' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ errors: [{ code: 'NOT_FOUND', message: 'path /api/v2.0/nope was not found' }] });
    const outside = await a.inject({ method: 'GET', url: '/elsewhere' });
    expect(outside.statusCode).toBe(404);
    expect(outside.json()).not.toHaveProperty('errors');
  });

  it('serves /api/version for Harbor replication adapters', async () => {
    const a = await start([]);
    expect((await a.inject({ method: 'GET', url: '/api/version' })).json()).toEqual({ version: 'v2.0' });
  });

  it.each([
    [new Invalid('NAME_INVALID', 'bad name'), 400, 'BAD_REQUEST', 'bad name'],
    [new Invalid('DIGEST_INVALID', 'bad digest'), 400, 'DIGEST_INVALID', 'bad digest'],
    [new Unauthorized('who are you'), 401, 'UNAUTHORIZED', 'who are you'],
    [new Denied('not yours'), 403, 'FORBIDDEN', 'not yours'],
    [new QuotaExceeded('quota exceeded'), 403, 'DENIED', 'quota exceeded'],
    [new NotFound('NAME_UNKNOWN', 'no such project'), 404, 'NOT_FOUND', 'no such project'],
    [new Conflict('DENIED', 'exists'), 409, 'CONFLICT', 'exists'],
    [new ApiError(412, 'PRECONDITION', 'still used'), 412, 'PRECONDITION', 'still used'],
    [new MetaStoreError('busy', 'locked'), 503, 'SERVICE_UNAVAILABLE', 'the registry is busy, retry shortly'],
  ])('maps %s to %i %s', async (err, status, code, message) => {
    const a = await start([throwing(err)]);
    const res = await a.inject({ method: 'GET', url: '/api/v2.0/boom' });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ errors: [{ code, message }] });
  });

  it('hides the cause of a 500 and names the request id instead', async () => {
    const a = await start([throwing(new Error('SQLITE_CORRUPT at /secret/path'))]);
    const res = await a.inject({ method: 'GET', url: '/api/v2.0/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json() as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('UNKNOWN');
    expect(body.errors[0]?.message).toMatch(/^internal error, request id req-\w+$/);
    expect(res.body).not.toContain('secret');
    const other = await start([throwing(new MetaStoreError('failure', 'disk I/O error'))]);
    expect((await other.inject({ method: 'GET', url: '/api/v2.0/boom' })).statusCode).toBe(500);
  });

  describe('bodies', () => {
    const echo: ApiRouteModule = (api) => {
      api.post('/echo', async (req) => ({ got: req.body ?? null }));
      api.post(
        '/typed',
        { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
        async () => ({ ok: true }),
      );
    };

    it('parses JSON and treats an empty JSON body as no body', async () => {
      const a = await start([echo]);
      const ok = await a.inject({ method: 'POST', url: '/api/v2.0/echo', payload: { a: 1 } });
      expect(ok.json()).toEqual({ got: { a: 1 } });
      const empty = await a.inject({
        method: 'POST',
        url: '/api/v2.0/echo',
        headers: { 'content-type': 'application/json' },
        payload: '',
      });
      expect(empty.json()).toEqual({ got: null });
    });

    it('answers malformed JSON with 400 BAD_REQUEST', async () => {
      const a = await start([echo]);
      const res = await a.inject({
        method: 'POST',
        url: '/api/v2.0/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"a":',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ errors: [{ code: 'BAD_REQUEST' }] });
    });

    it('refuses prototype poisoning', async () => {
      const a = await start([echo]);
      const res = await a.inject({
        method: 'POST',
        url: '/api/v2.0/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"__proto__":{"admin":true}}',
      });
      expect(res.statusCode).toBe(400);
    });

    it('answers a body over 1 MiB with 413', async () => {
      const a = await start([echo]);
      const res = await a.inject({
        method: 'POST',
        url: '/api/v2.0/echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ pad: 'x'.repeat(API_BODY_LIMIT) }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ errors: [{ code: 'REQUEST_ENTITY_TOO_LARGE' }] });
    });

    it('answers other content types with 415, but lets an empty body through', async () => {
      const a = await start([echo]);
      const res = await a.inject({
        method: 'POST',
        url: '/api/v2.0/echo',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ errors: [{ code: 'UNSUPPORTED_MEDIA_TYPE' }] });
      const empty = await a.inject({
        method: 'POST',
        url: '/api/v2.0/echo',
        headers: { 'content-type': 'text/plain' },
        payload: '',
      });
      expect(empty.statusCode).toBe(200);
    });

    it('answers a schema violation with 422, as go-swagger does', async () => {
      const a = await start([echo]);
      const res = await a.inject({ method: 'POST', url: '/api/v2.0/typed', payload: { name: 5, x: 1 } });
      expect(res.statusCode).toBe(200); // coerced by fastify's default ajv; required is what fails below
      const missing = await a.inject({ method: 'POST', url: '/api/v2.0/typed', payload: {} });
      expect(missing.statusCode).toBe(422);
      expect(missing.json()).toMatchObject({ errors: [{ code: 'UNPROCESSABLE_ENTITY' }] });
    });
  });

  describe('listings', () => {
    const list: ApiRouteModule = (api) => {
      api.get('/items', async (req, reply) => {
        const request = parseListRequest(req.query);
        const all = Array.from({ length: 25 }, (_, i) => i + 1);
        const page = { items: all.slice(request.query.offset, request.query.offset + request.query.limit), total: 25 };
        return sendPage(req, reply, request, page, (n) => ({ n }));
      });
    };

    it('sets X-Total-Count and Link from q/page/page_size', async () => {
      const a = await start([list]);
      const res = await a.inject({ method: 'GET', url: '/api/v2.0/items?page=2&page_size=10&q=name%3D~a' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-total-count']).toBe('25');
      expect(res.headers.link).toBe(
        '</api/v2.0/items?page=1&page_size=10&q=name%3D~a>; rel="prev", </api/v2.0/items?page=3&page_size=10&q=name%3D~a>; rel="next"',
      );
      expect((res.json() as unknown[]).length).toBe(10);
    });

    it('answers a bad q with 400 and a bad page_size with 422', async () => {
      const a = await start([list]);
      const q = await a.inject({ method: 'GET', url: '/api/v2.0/items?q=name%3D%5B1' });
      expect(q.statusCode).toBe(400);
      expect(q.json()).toMatchObject({ errors: [{ code: 'BAD_REQUEST' }] });
      expect((await a.inject({ method: 'GET', url: '/api/v2.0/items?page_size=0' })).statusCode).toBe(400);
      expect((await a.inject({ method: 'GET', url: '/api/v2.0/items?page_size=101' })).statusCode).toBe(422);
    });
  });

  describe('security', () => {
    const whoami: ApiRouteModule = (api) => {
      api.get('/whoami', async (req) => ({ name: req.security.name, kind: req.security.kind }));
      api.get('/project-push', async (req) => {
        const project = { id: 1, name: 'p', public: true } as Project;
        await requireProject(req, project, 'repository', 'push');
        return { ok: true };
      });
    };

    it('treats a request no hook authenticated as anonymous', async () => {
      const a = await start([whoami]);
      expect((await a.inject({ method: 'GET', url: '/api/v2.0/whoami' })).json()).toEqual({
        name: 'anonymous',
        kind: 'anonymous',
      });
      const denied = await a.inject({ method: 'GET', url: '/api/v2.0/project-push' });
      expect(denied.statusCode).toBe(401);
      expect(denied.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
    });

    it('keeps the context a root hook set', async () => {
      const a = await start([whoami], { security: user({ name: 'bob' }) });
      expect((await a.inject({ method: 'GET', url: '/api/v2.0/whoami' })).json()).toEqual({
        name: 'bob',
        kind: 'user',
      });
      expect((await a.inject({ method: 'GET', url: '/api/v2.0/project-push' })).statusCode).toBe(403);
    });
  });
});

describe('system routes', () => {
  it('pings', async () => {
    const a = await start([systemRoutes]);
    const res = await a.inject({ method: 'GET', url: '/api/v2.0/ping' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('Pong');
  });

  it('reports each component, and an unhealthy database without its cause', async () => {
    const a = await start([systemRoutes]);
    expect((await a.inject({ method: 'GET', url: '/api/v2.0/health' })).json()).toEqual({
      status: 'healthy',
      components: [
        { name: 'core', status: 'healthy' },
        { name: 'database', status: 'healthy' },
        { name: 'storage', status: 'healthy' },
      ],
    });
    const broken = deps({
      meta: fakeMeta({
        catalog: async () => {
          throw new MetaStoreError('failure', 'SQLITE_CORRUPT /data/berth.db');
        },
      }),
    });
    const b = await start([systemRoutes], { deps: broken });
    const res = await b.inject({ method: 'GET', url: '/api/v2.0/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'unhealthy',
      components: [
        { name: 'core', status: 'healthy' },
        { name: 'database', status: 'unhealthy', error: 'database check failed' },
        { name: 'storage', status: 'healthy' },
      ],
    });
  });

  it('gives anonymous callers the reduced system info', async () => {
    const a = await start([systemRoutes]);
    const body = (await a.inject({ method: 'GET', url: '/api/v2.0/systeminfo' })).json();
    expect(body).toEqual({
      auth_mode: 'db_auth',
      primary_auth_mode: false,
      self_registration: false,
      banner_message: '',
      oidc_provider_name: '',
    });
  });

  it('gives authenticated callers version, URLs and settings', async () => {
    const a = await start([systemRoutes], { security: user() });
    const res = await a.inject({
      method: 'GET',
      url: '/api/v2.0/systeminfo',
      headers: { host: 'registry.example.com:5000' },
    });
    expect(res.json()).toMatchObject({
      auth_mode: 'db_auth',
      harbor_version: 'v2.13.0-berth-9.9.9',
      external_url: 'http://registry.example.com:5000',
      registry_url: 'registry.example.com:5000',
      registry_storage_provider_name: 'memory',
      read_only: false,
      has_ca_root: false,
      notification_enable: false,
    });
    const configured = deps({
      system: {
        version: '1.0.0',
        volumeDir: '.',
        storageProvider: 'filesystem',
        externalUrl: 'https://berth.example.org/',
      },
    });
    const b = await start([systemRoutes], { deps: configured, security: user() });
    expect((await b.inject({ method: 'GET', url: '/api/v2.0/systeminfo' })).json()).toMatchObject({
      external_url: 'https://berth.example.org',
      registry_url: 'berth.example.org',
    });
  });

  it('shows volumes to system administrators only', async () => {
    const anonymous = await start([systemRoutes]);
    expect((await anonymous.inject({ method: 'GET', url: '/api/v2.0/systeminfo/volumes' })).statusCode).toBe(401);
    const plain = await start([systemRoutes], { security: user() });
    expect((await plain.inject({ method: 'GET', url: '/api/v2.0/systeminfo/volumes' })).statusCode).toBe(403);
    const admin = await start([systemRoutes], { security: user({ admin: true }) });
    const res = await admin.inject({ method: 'GET', url: '/api/v2.0/systeminfo/volumes' });
    expect(res.statusCode).toBe(200);
    const [volume] = (res.json() as { storage: { total: number; free: number }[] }).storage;
    expect(volume?.total).toBeGreaterThan(0);
    expect(volume?.free).toBeLessThanOrEqual(volume?.total ?? 0);
  });
});
