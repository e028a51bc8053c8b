import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Invalid, Unsupported } from '../../core/errors.js';
import { resolveRepositoryName } from '../../core/names.js';
import { ociErrorBody, toHttpError } from '../error-table.js';
import {
  authorizeBase,
  authorizeCatalog,
  authorizeRepository,
  type ChallengeDetail,
  type RegistryAction,
} from './oci-authorize.js';
import { deleteBlob, getBlob } from './blob-routes.js';
import { catalog, listTags, referrers } from './listing-routes.js';
import { deleteManifest, getManifest, putManifest } from './manifest-routes.js';
import type { OciServices } from './oci-context.js';
import { parseOciPath } from './oci-paths.js';
import { cancelUpload, patchUpload, putUpload, startUpload, uploadStatus } from './upload-routes.js';

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'] as const;

/**
 * The OCI Distribution API under /v2/. Bodies are not parsed by fastify: blob bodies stream from the
 * socket into storage, and manifest bodies are read here with a size cap.
 */
export function ociPlugin(services: OciServices) {
  return async function register(app: FastifyInstance) {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, _payload, done) => done(null));

    app.addHook('onRequest', async (_req, reply) => {
      reply.header('docker-distribution-api-version', 'registry/2.0');
    });

    app.setErrorHandler((err, req, reply) => {
      const httpError = toHttpError(err);
      // A client that hangs up mid-upload is not a server fault; the upload stays resumable.
      if (req.raw.aborted || (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
        req.log.info(
          { code: (err as NodeJS.ErrnoException).code, msg: err instanceof Error ? err.message : String(err) },
          'client went away',
        );
      } else if (httpError.status >= 500) req.log.error({ err }, 'request failed');
      else req.log.debug({ code: httpError.code, msg: httpError.message }, 'request refused');
      const detail = httpError.detail as ({ range?: string } & ChallengeDetail) | undefined;
      if (httpError.status === 416 && detail?.range) reply.header('range', detail.range);
      if (httpError.status === 401) reply.header('www-authenticate', challenge(services, req, detail));
      // The challenge carries the scope; the body keeps only what a person reading it needs.
      const body = ociErrorBody(
        httpError.status === 401 ? { ...httpError, detail: undefined } : httpError,
        String(req.id),
      );
      reply.code(httpError.status).header('content-type', 'application/json');
      return req.method === 'HEAD' ? reply.header('content-length', Buffer.byteLength(body)).send() : reply.send(body);
    });

    app.route({
      method: [...METHODS],
      url: '/v2',
      exposeHeadRoute: false,
      handler: (req, reply) => base(req, reply),
    });
    app.route({
      method: [...METHODS],
      url: '/v2/*',
      exposeHeadRoute: false,
      handler: (req, reply) => dispatch(services, req, reply),
    });
  };
}

async function base(req: FastifyRequest, reply: FastifyReply) {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req);
  authorizeBase(req);
  return reply.header('content-type', 'application/json').send('{}');
}

/** `Bearer realm=...,service=...,scope=...` per the distribution token-auth spec. */
function challenge(s: OciServices, req: FastifyRequest, detail: ChallengeDetail | undefined): string {
  const base = s.externalUrl ?? `${req.protocol}://${req.host}`;
  let value = `Bearer realm="${base}/service/token",service="${s.tokenService}"`;
  if (detail?.scope) value += `,scope="${detail.scope}"`;
  if (detail?.insufficientScope) value += ',error="insufficient_scope"';
  return value;
}

async function dispatch(s: OciServices, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const rawPath = req.url.split('?', 1)[0] ?? '';
  // An encoded slash would let one name be spelled two ways; names are plain path components.
  if (/%2f|%5c/i.test(rawPath)) throw new Invalid('NAME_INVALID', 'encoded slashes are not allowed in names');
  const rest = (req.params as { '*': string })['*'];
  const endpoint = parseOciPath(rest);
  const m = req.method;
  switch (endpoint.kind) {
    case 'base':
      return base(req, reply);
    case 'catalog':
      if (m === 'GET' || m === 'HEAD') {
        authorizeCatalog(req);
        return catalog(s, req, reply);
      }
      break;
    case 'unknown':
      return reply
        .code(404)
        .header('content-type', 'application/json')
        .send(ociErrorBody({ status: 404, code: 'NOT_FOUND', message: 'unknown endpoint' }, String(req.id)));
    default: {
      const repo = resolveRepositoryName(endpoint.name);
      const rawName = endpoint.name;
      const action = actionFor(endpoint.kind, m);
      if (action) await authorizeRepository(s, req, repo, action);
      switch (endpoint.kind) {
        case 'tags':
          if (m === 'GET' || m === 'HEAD') return listTags(s, req, reply, { repo, rawName });
          break;
        case 'manifest': {
          const p = { repo, rawName, reference: endpoint.reference };
          if (m === 'GET' || m === 'HEAD') return getManifest(s, req, reply, p);
          if (m === 'PUT') return putManifest(s, req, reply, p);
          if (m === 'DELETE') return deleteManifest(s, req, reply, p);
          break;
        }
        case 'blob': {
          const p = { repo, digest: endpoint.digest };
          if (m === 'GET' || m === 'HEAD') return getBlob(s, req, reply, p);
          if (m === 'DELETE') return deleteBlob(s, req, reply, p);
          break;
        }
        case 'upload': {
          const p = { repo, rawName, id: endpoint.id };
          if (endpoint.id === null) {
            if (m === 'POST') return startUpload(s, req, reply, p);
            break;
          }
          if (m === 'PATCH') return patchUpload(s, req, reply, p);
          if (m === 'PUT') return putUpload(s, req, reply, p);
          if (m === 'GET') return uploadStatus(s, req, reply, p);
          if (m === 'DELETE') return cancelUpload(s, req, reply, p);
          break;
        }
        case 'referrers':
          if (m === 'GET' || m === 'HEAD') return referrers(s, req, reply, { repo, digest: endpoint.digest });
          break;
      }
    }
  }
  throw methodNotAllowed(req);
}

/** The registry action a request needs; undefined for a method the endpoint does not support (405 follows). */
function actionFor(kind: string, method: string): RegistryAction | undefined {
  if (method === 'GET' || method === 'HEAD') return kind === 'upload' ? 'push' : 'pull';
  if (method === 'DELETE')
    return kind === 'upload' ? 'push' : kind === 'manifest' || kind === 'blob' ? 'delete' : undefined;
  if (method === 'PUT' || method === 'PATCH' || method === 'POST') return 'push';
  return undefined;
}

function methodNotAllowed(req: FastifyRequest): Unsupported {
  return new Unsupported(`${req.method} is not supported on this endpoint`);
}
