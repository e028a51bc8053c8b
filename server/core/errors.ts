/**
 * Domain errors. Core, storage and metadata code throws these; `http/` maps them to a status and to
 * the protocol's envelope (OCI codes on /v2/, Harbor's errors array on /api/v2.0/). Never throw HTTP
 * errors from below `http/`.
 *
 * `code` is the OCI distribution error code where one fits, so the registry routes can use it as is.
 */
export type OciErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'TAG_INVALID'
  | 'RANGE_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  /** A policy refuses the change (an immutable tag): Harbor's 412 PRECONDITION. */
  | 'PRECONDITION'
  | 'INTERNAL';

export type DomainErrorKind =
  'not-found' | 'invalid' | 'conflict' | 'denied' | 'unauthorized' | 'unsupported' | 'range' | 'too-large' | 'quota';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: OciErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  constructor(code: OciErrorCode, message: string, detail?: unknown) {
    super('not-found', code, message, detail);
  }
}
export class Invalid extends DomainError {
  constructor(code: OciErrorCode, message: string, detail?: unknown) {
    super('invalid', code, message, detail);
  }
}
export class Conflict extends DomainError {
  constructor(code: OciErrorCode, message: string, detail?: unknown) {
    super('conflict', code, message, detail);
  }
}
export class Denied extends DomainError {
  constructor(message: string, detail?: unknown) {
    super('denied', 'DENIED', message, detail);
  }
}
export class Unsupported extends DomainError {
  constructor(message: string, detail?: unknown) {
    super('unsupported', 'UNSUPPORTED', message, detail);
  }
}
/** A byte range that does not fit the current state (chunk out of order, bad Range header). */
export class RangeNotSatisfiable extends DomainError {
  constructor(code: OciErrorCode, message: string, detail?: unknown) {
    super('range', code, message, detail);
  }
}
export class TooLarge extends DomainError {
  constructor(code: OciErrorCode, message: string, detail?: unknown) {
    super('too-large', code, message, detail);
  }
}
/** The caller is not authenticated, or its credentials are wrong or expired. */
export class Unauthorized extends DomainError {
  constructor(message: string, detail?: unknown) {
    super('unauthorized', 'UNAUTHORIZED', message, detail);
  }
}
/** A write would take a project past its storage quota. */
export class QuotaExceeded extends DomainError {
  constructor(message: string, detail?: unknown) {
    super('quota', 'DENIED', message, detail);
  }
}
