import type { Authenticator } from '../../auth/authenticator.js';
import type { TokenService } from '../../auth/token-service.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { AuditWriter } from '../../notify/audit-writer.js';

/** What authentication at the HTTP edge needs; built once in the composition root. */
export interface AuthServices {
  authenticator: Authenticator;
  tokens: TokenService;
  meta: MetaStore;
  audit: AuditWriter;
  sessionIdleMs: number;
  /** Public base URL when configured; otherwise derived from each request. */
  externalUrl: string | undefined;
  /** Whether a system administrator's push may create a missing project. */
  autoCreateProjects: boolean;
}

/** Harbor's portal session cookie and CSRF header names: the Harbor UI and CLIs expect them. */
export const SESSION_COOKIE = 'sid';
export const CSRF_HEADER = 'x-harbor-csrf-token';
