import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { BlobService } from '../../registry/blob-service.js';
import type { ManifestService } from '../../registry/manifest-service.js';
import type { UploadService } from '../../registry/upload-service.js';
import type { MetaStore } from '../../meta/meta-store.js';

/** What the /v2/ handlers need; built once in the composition root. */
export interface OciServices {
  uploads: UploadService;
  blobs: BlobService;
  manifests: ManifestService;
  meta: MetaStore;
  log: Logger;
}

export type OciHandler<P> = (request: FastifyRequest, reply: FastifyReply, params: P) => Promise<unknown>;

/** Builds `/v2/<name>/...` locations from the name exactly as the client spelled it. */
export function v2Path(name: string, ...rest: string[]): string {
  return `/v2/${name}/${rest.join('/')}`;
}

export function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  const q = request.query as Record<string, string | string[] | undefined>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q ?? {})) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}
