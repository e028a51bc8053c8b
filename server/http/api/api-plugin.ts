import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS_SECURITY } from './anonymous.js';
import type { ApiDeps } from './api-deps.js';
import { ApiError, harborErrors, toApiError } from './api-errors.js';
import type {} from '../auth/request-security.js';

/** Where Harbor's REST API lives. */
export const API_PREFIX = '/api/v2.0';
/** Largest JSON body the API accepts; Harbor's bodies are small documents. */
export const API_BODY_LIMIT = 1024 * 1024;

/**
 * A route module: registers its routes on the API scope (paths relative to `/api/v2.0`). Throw
 * domain errors (`core/errors.ts`) or `ApiError`; the scope's error handler writes Harbor's envelope.
 *
 * ```ts
 * export const projectRoutes: ApiRouteModule = (app, deps) => {
 *   app.get('/projects', async (req, reply) => {
 *     const list = parseListRequest(req.query);
 *     return sendPage(req, reply, list, await deps.meta.projects.list(list.query), toProjectJson);
 *   });
 * };
 * ```
 * A module that needs its own content-type parser or hooks registers them inside `app.register(...)`
 * so they stay within its routes.
 */
export interface ApiRouteModule {
  (app: FastifyInstance, deps: ApiDeps): void | Promise<void>;
}

/**
 * The Harbor API as a fastify plugin, for the root instance: `GET /api/version` (Harbor's
 * replication adapter asks it first) and an encapsulated `/api/v2.0` scope with Harbor's error and
 * not-found envelopes, a JSON body parser capped at 1 MiB, and the given route modules.
 *
 * Authentication is not done here: a hook on the root instance sets `request.security`. Until that
 * hook exists, or for a request it did not handle, the caller is anonymous.
 */
export function buildApiPlugin(deps: ApiDeps, modules: readonly ApiRouteModule[]) {
  return async function harborApi(root: FastifyInstance): Promise<void> {
    root.get('/api/version', async () => ({ version: 'v2.0' }));
    await root.register(
      async (api) => {
        await apiScope(api);
        for (const register of modules) await register(api, deps);
      },
      { prefix: API_PREFIX },
    );
  };
}

async function apiScope(api: FastifyInstance): Promise<void> {
  api.removeAllContentTypeParsers();
  const parseJson = api.getDefaultJsonParser('error', 'error');
  api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: API_BODY_LIMIT }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // Some clients send a JSON content type with an empty body on DELETE; that is no body, not bad JSON.
    if (text.trim() === '') return done(null, undefined);
    parseJson(req, text, done);
  });
  api.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: API_BODY_LIMIT }, (req, body, done) => {
    if (body.length === 0) return done(null, undefined);
    done(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported content type ${req.headers['content-type'] ?? ''}`));
  });

  api.addHook('onRequest', async (req) => {
    // Until the authentication hook has run (or exists), the caller is anonymous.
    if (req.security === undefined || req.security === null) req.security = ANONYMOUS_SECURITY;
  });

  api.setErrorHandler((err, req, reply) => {
    const result = toApiError(err, String(req.id));
    if (result.internal) req.log.error({ err }, 'api request failed');
    else req.log.debug({ status: result.status, msg: result.body.errors[0]?.message }, 'api request refused');
    return sendJson(reply, result.status, result.body);
  });

  api.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? req.url;
    return sendJson(reply, 404, harborErrors('NOT_FOUND', `path ${path} was not found`));
  });
}

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}
