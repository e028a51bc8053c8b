import { DomainError, type DomainErrorKind, type OciErrorCode } from '../core/errors.js';
import { MetaStoreError } from '../meta/meta-errors.js';

/**
 * The one table from domain errors to HTTP. Codes with a status of their own win over the kind's
 * default (an unknown upload is a 404 whatever raised it).
 */
const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  'not-found': 404,
  invalid: 400,
  conflict: 409,
  denied: 403,
  unauthorized: 401,
  unsupported: 405,
  range: 416,
  'too-large': 413,
  quota: 403,
};

const STATUS_BY_CODE: Partial<Record<OciErrorCode, number>> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_UNKNOWN: 404,
  MANIFEST_UNKNOWN: 404,
  // A manifest PUT that names a missing blob is the client's mistake in that request.
  MANIFEST_BLOB_UNKNOWN: 400,
  NAME_UNKNOWN: 404,
  UNAUTHORIZED: 401,
  DENIED: 403,
  TOOMANYREQUESTS: 429,
  // Harbor's immutable-tag middleware answers 412 with code PRECONDITION on /v2/ too.
  PRECONDITION: 412,
};

export interface HttpError {
  status: number;
  code: string;
  message: string;
  detail?: unknown;
}

/** Maps any thrown value; a non-domain error becomes a 500 that says nothing about its cause. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof DomainError) {
    // These kinds say more than the code they carry (a conflict refused as DENIED is still a 409).
    const status =
      err.kind === 'range' || err.kind === 'too-large' || err.kind === 'conflict'
        ? STATUS_BY_KIND[err.kind]
        : undefined;
    return {
      status: status ?? STATUS_BY_CODE[err.code] ?? STATUS_BY_KIND[err.kind],
      code: err.code,
      message: err.message,
      detail: err.detail,
    };
  }
  if (err instanceof MetaStoreError && err.reason === 'busy') {
    // Another writer held the database too long; the client's retry will likely succeed.
    return { status: 503, code: 'TOOMANYREQUESTS', message: 'the registry is busy, retry shortly' };
  }
  const fastifyStatus = (err as { statusCode?: number } | null)?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    const code = fastifyStatus === 413 ? 'SIZE_INVALID' : fastifyStatus === 415 ? 'UNSUPPORTED' : 'UNSUPPORTED';
    return { status: fastifyStatus, code, message: (err as Error).message };
  }
  return { status: 500, code: 'UNKNOWN', message: 'internal error' };
}

/** The OCI distribution error envelope. */
export function ociErrorBody(error: HttpError, requestId: string): string {
  const detail = error.status >= 500 ? { requestId } : error.detail;
  return JSON.stringify({
    errors: [{ code: error.code, message: error.message, ...(detail === undefined ? {} : { detail }) }],
  });
}
