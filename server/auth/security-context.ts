import type { Project } from '../meta/meta-store.js';

/**
 * Who is calling, and what they may do: the one object every route consults. Built per request by
 * the authentication hook (`http/auth/`) from basic credentials, a bearer token, a session cookie or
 * nothing (anonymous). Harbor's permission vocabulary: a resource (`repository`, `artifact`,
 * `member`, ...) and an action (`pull`, `push`, `create`, `read`, ...); see `auth/rbac.ts`.
 */
export interface SecurityContext {
  readonly kind: 'anonymous' | 'user' | 'robot' | 'token';
  /** Username, `robot$...` name, or `anonymous`: what the audit log records. */
  readonly name: string;
  /** The local user behind the request (users, and registry tokens issued to users). */
  readonly userId: number | null;
  readonly isAuthenticated: boolean;
  readonly isSysAdmin: boolean;
  /** Whether the caller may do `action` on `resource` inside `project`. */
  can(project: Project, resource: string, action: string): Promise<boolean>;
  /** Whether the caller may do `action` on a system-level `resource` (users, audit log, ...). */
  canSystem(resource: string, action: string): Promise<boolean>;
}
