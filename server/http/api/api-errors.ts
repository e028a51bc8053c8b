import { STATUS_CODES } from 'node:http';
import { DomainError, type DomainErrorKind } from '../../core/errors.js';
import { MetaStoreError } from '../../meta/meta-errors.js';

/**
 * The error table of the Harbor REST API (`/api/v2.0`): domain errors, fastify's own errors and
 * anything else become Harbor's envelope `{"errors":[{"code":"NOT_FOUND","message":"..."}]}`.
 * Codes and statuses follow Harbor's `src/lib/errors/const.go` and `src/lib/http/error.go`:
 *
 * | thrown                                   | status | code                            |
 * | ---------------------------------------- | ------ | ------------------------------- |
 * | `Invalid` (DIGEST_INVALID/MANIFEST_INVALID keep their code) | 400 | BAD_REQUEST            |
 * | `Unauthorized`                           | 401    | UNAUTHORIZED                    |
 * | `Denied`                                 | 403    | FORBIDDEN                       |
 * | `QuotaExceeded`                          | 403    | DENIED (Harbor's quota code)    |
 * | `NotFound`                               | 404    | NOT_FOUND                       |
 * | `Unsupported`                            | 405    | METHOD_NOT_ALLOWED              |
 * | `Conflict`                               | 409    | CONFLICT                        |
 * | `TooLarge`, fastify body too large       | 413    | REQUEST_ENTITY_TOO_LARGE        |
 * | fastify unsupported content type         | 415    | UNSUPPORTED_MEDIA_TYPE          |
 * | `RangeNotSatisfiable`                    | 416    | REQUESTED_RANGE_NOT_SATISFIABLE |
 * | fastify schema validation                | 422    | UNPROCESSABLE_ENTITY (as go-swagger's validation) |
 * | code TOOMANYREQUESTS                     | 429    | TOO_MANY_REQUESTS               |
 * | `MetaStoreError` busy                    | 503    | SERVICE_UNAVAILABLE             |
 * | anything else                            | 500    | UNKNOWN, "internal error" + request id only |
 *
 * Routes that need a status no domain kind expresses (412 PRECONDITION, 422) throw `ApiError`.
 * Harbor derives the code of a bare status from its text (`http.StatusText`, upper case, `_`), which
 * is what `codeForStatus` does for the rest.
 */
export type HarborErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'DENIED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PRECONDITION'
  | 'PROJECTPOLICYVIOLATION'
  | 'VIOLATE_FOREIGN_KEY_CONSTRAINT'
  | 'DIGEST_INVALID'
  | 'MANIFEST_INVALID'
  | 'UNSUPPORTED'
  | 'REQUEST_ENTITY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'REQUESTED_RANGE_NOT_SATISFIABLE'
  | 'UNPROCESSABLE_ENTITY'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE'
  | 'UNKNOWN';

/** An error with an explicit Harbor status and code; thrown by `http/api/` code only, never below `http/`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: HarborErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 412: a dependency or policy check failed (Harbor's PRECONDITION). */
export function preconditionFailed(message: string): ApiError {
  return new ApiError(412, 'PRECONDITION', message);
}

/** 422: a parameter or body is well-formed but breaks the schema (what go-swagger answers). */
export function unprocessable(message: string): ApiError {
  return new ApiError(422, 'UNPROCESSABLE_ENTITY', message);
}

export interface HarborErrors {
  errors: { code: string; message: string }[];
}

export interface ApiErrorResult {
  status: number;
  body: HarborErrors;
  /** True for 5xx: the cause belongs in the log, not in the response. */
  internal: boolean;
}

const BY_KIND: Record<DomainErrorKind, [number, HarborErrorCode]> = {
  invalid: [400, 'BAD_REQUEST'],
  unauthorized: [401, 'UNAUTHORIZED'],
  denied: [403, 'FORBIDDEN'],
  quota: [403, 'DENIED'],
  'not-found': [404, 'NOT_FOUND'],
  unsupported: [405, 'METHOD_NOT_ALLOWED'],
  conflict: [409, 'CONFLICT'],
  'too-large': [413, 'REQUEST_ENTITY_TOO_LARGE'],
  range: [416, 'REQUESTED_RANGE_NOT_SATISFIABLE'],
};

/** Harbor's code for a status without a dedicated one: Go's status text, upper case, spaces as `_`. */
const CODE_BY_STATUS: Record<number, HarborErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION',
  413: 'REQUEST_ENTITY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'REQUESTED_RANGE_NOT_SATISFIABLE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

export function codeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? (STATUS_CODES[status] ?? 'UNKNOWN').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export function harborErrors(code: string, message: string): HarborErrors {
  return { errors: [{ code, message }] };
}

/** Maps any thrown value to a status and Harbor's envelope; a 5xx says nothing but the request id. */
export function toApiError(err: unknown, requestId: string): ApiErrorResult {
  const known = classify(err);
  if (known && known.status < 500) {
    return { status: known.status, body: harborErrors(known.code, known.message), internal: false };
  }
  if (known) return { status: known.status, body: harborErrors(known.code, known.message), internal: true };
  return {
    status: 500,
    body: harborErrors('UNKNOWN', `internal error, request id ${requestId}`),
    internal: true,
  };
}

function classify(err: unknown): { status: number; code: string; message: string } | undefined {
  if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof DomainError) {
    if (err.code === 'TOOMANYREQUESTS') return { status: 429, code: 'TOO_MANY_REQUESTS', message: err.message };
    if (err.code === 'PRECONDITION') return { status: 412, code: 'PRECONDITION', message: err.message };
    const [status, code] = BY_KIND[err.kind];
    const keep = err.kind === 'invalid' && (err.code === 'DIGEST_INVALID' || err.code === 'MANIFEST_INVALID');
    return { status, code: keep ? err.code : code, message: err.message };
  }
  if (err instanceof MetaStoreError) {
    // Another writer held the database too long; a retry will likely succeed. Other failures are 500s.
    if (err.reason === 'busy') {
      return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'the registry is busy, retry shortly' };
    }
    return undefined;
  }
  return fastifyError(err);
}

/** fastify's own client errors (body parsing, content type, schema validation), by their status. */
function fastifyError(err: unknown): { status: number; code: string; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; validation?: unknown; message?: unknown };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : undefined;
  // Schema validation: go-swagger answers a binding/validation failure with 422.
  if (e.validation !== undefined) {
    return { status: 422, code: 'UNPROCESSABLE_ENTITY', message: message ?? 'validation failed' };
  }
  const status = e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return { status, code: codeForStatus(status), message: message ?? STATUS_CODES[status] ?? 'bad request' };
}
