import { statfs } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import { harborTime } from './json-shape.js';

/**
 * Liveness, health and system information: `GET /ping`, `/health`, `/systeminfo`,
 * `/systeminfo/volumes` (operation ids getPing, getHealth, getSystemInfo, getVolumes).
 */

/**
 * The Harbor release whose API (swagger) Berth implements. `harbor_version` reads
 * `v2.13.0-berth-<version>`: the shape of Harbor's own `v2.13.0-<commit>`, so clients that take the
 * version from `^v(\d+\.\d+\.\d+)` see the API level they can rely on, and people see it is Berth.
 */
export const HARBOR_API_LEVEL = '2.13.0';

/** How long one health probe may take before its component counts as unhealthy. */
const PROBE_TIMEOUT_MS = 5_000;

export const systemRoutes: ApiRouteModule = (app, deps) => {
  app.get('/ping', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('Pong'));

  app.get('/health', async (req) => {
    const components = [
      { name: 'core', status: 'healthy' } as ComponentHealth,
      await probe(req, 'database', () => deps.meta.repositories.catalog(1)),
      await probe(req, 'storage', () => deps.storage.stat('/')),
    ];
    const healthy = components.every((c) => c.status === 'healthy');
    return { status: healthy ? 'healthy' : 'unhealthy', components };
  });

  app.get('/systeminfo', async (req) => systemInfo(deps, req));

  app.get('/systeminfo/volumes', async (req) => {
    await requireSystem(req, 'system-volumes', 'read');
    const fs = await statfs(deps.system.volumeDir);
    return { storage: [{ total: fs.blocks * fs.bsize, free: fs.bavail * fs.bsize }] };
  });
};

interface ComponentHealth {
  name: string;
  status: 'healthy' | 'unhealthy';
  error?: string;
}

/** Runs one check; the reason for a failure goes to the log, the unauthenticated answer stays terse. */
async function probe(req: FastifyRequest, name: string, check: () => Promise<unknown>): Promise<ComponentHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return { name, status: 'healthy' };
  } catch (err) {
    req.log.warn({ err, component: name }, 'health check failed');
    return { name, status: 'unhealthy', error: `${name} check failed` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Harbor's GeneralInfo. Anonymous callers get what the login page needs (auth mode, registration,
 * banner); authenticated callers also get URLs, version and settings, as Harbor's handler does.
 */
function systemInfo(deps: ApiDeps, req: FastifyRequest): Record<string, unknown> {
  const info: Record<string, unknown> = {
    auth_mode: deps.system.authMode ?? 'db_auth',
    primary_auth_mode: false,
    self_registration: false,
    banner_message: '',
    oidc_provider_name: '',
  };
  if (!req.security.isAuthenticated) return info;
  const externalUrl = (deps.system.externalUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
  return {
    ...info,
    harbor_version: `v${HARBOR_API_LEVEL}-berth-${deps.system.version}`,
    external_url: externalUrl,
    registry_url: hostOf(externalUrl),
    has_ca_root: false,
    project_creation_restriction: 'everyone',
    read_only: false,
    registry_storage_provider_name: deps.system.storageProvider,
    notification_enable: false,
    current_time: harborTime(new Date()),
  };
}

/** `registry.example.com:5000` from `https://registry.example.com:5000`: what `docker login` takes. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  }
}
