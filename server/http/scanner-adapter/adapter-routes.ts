import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../../auth/secrets.js';
import { DomainError, Unauthorized } from '../../core/errors.js';
import {
  ADAPTER_API_PREFIX,
  errorBody,
  isVulnerabilityReportMime,
  MIME,
  parseScanRequest,
  SBOM_MEDIA_TYPES,
  sameMime,
  statusOfRefusal,
  type SbomMediaType,
} from '../../scan/adapter/adapter-protocol.js';
import { AdapterBusy, type BerthAdapter } from '../../scan/adapter/berth-adapter.js';
import type {} from '../auth/request-security.js';

/**
 * Harbor's pluggable scanner API served by Berth at `/api/v1` (`scanner-adapter-openapi-v1.2.yaml`),
 * so that a Harbor can register Berth as its scanner. It shares Berth's port, so every route is
 * authenticated: Berth credentials of a system administrator or of a robot allowed to run scans
 * (`scan-all:create`), or the adapter API key (`scanner.adapterApiKey`) that Harbor sends as
 * `X-ScannerAdapter-API-Key` or as a bearer token.
 */

export interface ScannerAdapterHttpDeps {
  adapter: BerthAdapter;
  /** `scanner.adapterApiKey`; unset: only Berth credentials are accepted. */
  apiKey?: string | undefined;
}

const BODY_LIMIT = 64 * 1024;
const SCAN_REQUEST_TYPES = [MIME.scanRequest, MIME.scanRequest11, 'application/json'];

class AdapterHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function scannerAdapterRoutes(deps: ScannerAdapterHttpDeps) {
  return async function scannerAdapter(root: FastifyInstance): Promise<void> {
    // The adapter lives as long as the HTTP app that serves it: closing the server stops its scans.
    root.addHook('onClose', async () => deps.adapter.close());
    await root.register(
      async (app) => {
        app.removeAllContentTypeParsers();
        app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (req, body, done) => {
          const type = req.headers['content-type'] ?? '';
          const base = type.split(';')[0]!.trim().toLowerCase();
          if (!SCAN_REQUEST_TYPES.some((t) => t.split(';')[0] === base)) {
            return done(new AdapterHttpError(415, `unsupported content type ${type}`), undefined);
          }
          try {
            done(null, JSON.parse(typeof body === 'string' ? body : body.toString('utf8')));
          } catch (err) {
            done(new AdapterHttpError(400, `unmarshalling scan request: ${(err as Error).message}`), undefined);
          }
        });

        app.addHook('onRequest', async (req) => authorize(req, deps.apiKey));

        app.setErrorHandler((err, req, reply) => {
          const { status, message } = httpErrorOf(err);
          if (status >= 500 && !(err instanceof DomainError)) req.log.error({ err }, 'scanner adapter request failed');
          if (status === 401) reply.header('www-authenticate', 'Basic realm="berth scanner adapter"');
          return sendError(reply, status, message);
        });
        app.setNotFoundHandler((req, reply) =>
          sendError(reply, 404, `path ${req.url.split('?')[0] ?? ''} was not found`),
        );

        app.get('/metadata', async (_req, reply) => {
          const metadata = await deps.adapter.metadata();
          return reply
            .code(200)
            .header('content-type', MIME.metadata11)
            .send(Buffer.from(JSON.stringify(metadata)));
        });

        app.post('/scan', async (req, reply) => {
          const request = parseScanRequest(req.body);
          const mime = request.artifact.mime_type;
          if (mime && !isImageOrIndex(mime)) {
            throw new AdapterHttpError(501, `Berth cannot scan artifacts of type ${mime}`);
          }
          const id = deps.adapter.submit(request);
          return reply
            .code(202)
            .header('content-type', MIME.scanResponse)
            .send(Buffer.from(JSON.stringify({ id })));
        });

        app.get<{ Params: { id: string }; Querystring: { sbom_media_type?: string } }>(
          '/scan/:id/report',
          async (req, reply) => {
            const wanted = reportMimeOf(req.headers.accept);
            let sbomType: SbomMediaType | undefined;
            if (wanted === MIME.sbomReport) {
              const asked = req.query.sbom_media_type;
              if (!asked || !(SBOM_MEDIA_TYPES as readonly string[]).includes(asked)) {
                throw new AdapterHttpError(400, `sbom_media_type must be one of ${SBOM_MEDIA_TYPES.join(', ')}`);
              }
              sbomType = asked as SbomMediaType;
            }
            const state = deps.adapter.result(req.params.id);
            if (!state) throw new AdapterHttpError(404, `cannot find scan job: ${req.params.id}`);
            if (state.state === 'queued' || state.state === 'running') {
              return reply
                .code(302)
                .header('refresh-after', String(deps.adapter.refreshAfterSeconds))
                .header('location', req.url)
                .send();
            }
            if (state.state === 'failed') throw new AdapterHttpError(500, state.message);
            const report = sbomType ? state.sbom?.[sbomType] : state.vulnerability;
            if (report === undefined) {
              throw new AdapterHttpError(404, `scan ${req.params.id} was not asked for a ${sbomType ?? wanted} report`);
            }
            return reply
              .code(200)
              .header('content-type', wanted)
              .send(Buffer.from(JSON.stringify(report)));
          },
        );
      },
      { prefix: ADAPTER_API_PREFIX },
    );
  };
}

async function authorize(req: FastifyRequest, apiKey: string | undefined): Promise<void> {
  const presented = presentedKey(req);
  if (presented !== undefined) {
    if (apiKey && safeEqual(presented, apiKey)) return;
    throw new Unauthorized('wrong scanner adapter API key');
  }
  const security = req.security;
  if (!security?.isAuthenticated) throw new Unauthorized('authentication required');
  if (security.isSysAdmin || (await security.canSystem('scan-all', 'create'))) return;
  throw new AdapterHttpError(403, `${security.name} may not use the scanner`);
}

/** The API key from its own header, or a bearer token (the root auth hook leaves those to this scope). */
function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-scanneradapter-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = req.headers.authorization;
  if (auth && /^bearer\s/i.test(auth)) return auth.slice(7).trim();
  return undefined;
}

/** The first report type of the Accept header Berth makes; none (or `*\/*`) means the version 1.1 report. */
function reportMimeOf(accept: string | undefined): string {
  if (!accept || accept.trim() === '' || accept.trim() === '*/*') return MIME.vulnerabilityReport;
  // Report media types carry `; version=...`, so the list is split on commas only.
  for (const part of accept.split(',')) {
    const mime = part.trim();
    if (isVulnerabilityReportMime(mime)) {
      return sameMime(mime, MIME.harborReport) ? MIME.harborReport : MIME.vulnerabilityReport;
    }
    if (sameMime(mime, MIME.sbomReport)) return MIME.sbomReport;
    if (mime === '*/*' || mime === 'application/json') return MIME.vulnerabilityReport;
  }
  throw new AdapterHttpError(501, `Berth makes no report of type ${accept}`);
}

function isImageOrIndex(mime: string): boolean {
  return [MIME.ociManifest, MIME.dockerManifest, MIME.ociIndex, MIME.dockerList].some((m) => sameMime(m, mime));
}

function httpErrorOf(err: unknown): { status: number; message: string } {
  if (err instanceof AdapterHttpError) return { status: err.status, message: err.message };
  if (err instanceof AdapterBusy) return { status: 503, message: err.message };
  if (err instanceof DomainError) {
    const status = statusOfRefusal(err) ?? (err.kind === 'unauthorized' ? 401 : err.kind === 'denied' ? 403 : 400);
    return { status, message: err.message };
  }
  const fastifyStatus = (err as { statusCode?: number } | null)?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return { status: fastifyStatus, message: (err as Error).message };
  }
  return { status: 500, message: 'internal error' };
}

function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', MIME.error)
    .send(Buffer.from(JSON.stringify(errorBody(message))));
}
