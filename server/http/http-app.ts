import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ApiDeps } from './api/api-deps.js';
import { API_MODULES } from './api/api-modules.js';
import { buildApiPlugin } from './api/api-plugin.js';
import type { AuthServices } from './auth/auth-services.js';
import { authHook } from './auth/request-auth.js';
import './auth/request-security.js';
import { sessionRoutes } from './auth/session-routes.js';
import { tokenRoutes } from './auth/token-routes.js';
import type { OciServices } from './oci/oci-context.js';
import { ociPlugin } from './oci/oci-plugin.js';
import { registerPortal, type PortalOptions } from './portal.js';
import { scannerAdapterRoutes, type ScannerAdapterHttpDeps } from './scanner-adapter/adapter-routes.js';

let requestCounter = 0;
const instanceTag = randomBytes(3).toString('hex');

/**
 * The HTTP face. Request logging is at debug so the info level costs nothing per request; every
 * line a request logs carries its id.
 */
export async function buildHttpApp(options: {
  log: Logger;
  oci: OciServices;
  auth: AuthServices;
  api: ApiDeps;
  /** Where the built web portal is; by default `<package root>/dist/portal`. */
  portal?: PortalOptions;
  /** Berth's scanner as a Harbor scanner adapter at `/api/v1`; absent: not served. */
  scannerAdapter?: ScannerAdapterHttpDeps;
}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: () => `${instanceTag}-${(++requestCounter).toString(36)}`,
    requestIdHeader: false,
    // Registry paths carry digests (`sha256:...`) and long names; keep fastify from rejecting them.
    routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: false },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  if (options.log.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (req, reply) => {
      req.log.debug(
        { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    });
  }
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id);
    return payload;
  });

  // Before any route: every handler can rely on `request.security` (anonymous when no credentials).
  app.decorateRequest('security', undefined as unknown as FastifyRequest['security']);
  app.addHook('onRequest', authHook(options.auth));

  await app.register(tokenRoutes(options.auth));
  await app.register(sessionRoutes(options.auth));
  await app.register(ociPlugin(options.oci));
  await app.register(buildApiPlugin(options.api, API_MODULES));
  if (options.scannerAdapter) await app.register(scannerAdapterRoutes(options.scannerAdapter));
  // Last: it answers what no other route does (the root not-found handler).
  await registerPortal(app, options.portal);
  return app;
}
