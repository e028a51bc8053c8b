import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Actor } from '../../core/events.js';
import type { AuditWriter } from '../../notify/audit-writer.js';
import type { BlobService } from '../../registry/blob-service.js';
import type { ManifestService } from '../../registry/manifest-service.js';
import type { UploadService } from '../../registry/upload-service.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { ScanService } from '../../scan/scan-contract.js';

/** What the /v2/ handlers need; built once in the composition root. */
export interface OciServices {
  uploads: UploadService;
  blobs: BlobService;
  manifests: ManifestService;
  meta: MetaStore;
  log: Logger;
  /** Whether a system administrator's push may create a missing project. */
  autoCreateProjects: boolean;
  /** The `service` of token challenges. */
  tokenService: string;
  /** Public base URL when configured; otherwise taken from each request. */
  externalUrl: string | undefined;
  /** Refused requests of authenticated callers are recorded. */
  audit: AuditWriter;
  /** The pull policy (`prevent_vul`) asks it whether an artifact may be served; absent where the scanner is not wired. */
  scans?: ScanService;
}

/** The caller as events and the audit log name it. */
export function actorOf(request: FastifyRequest): Actor {
  return { name: request.security.name, clientIp: request.ip };
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
