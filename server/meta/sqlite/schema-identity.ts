import type { Generated } from 'kysely';

/**
 * Table types of the identity tables (migration 3). Conventions as in `schema.ts`: times are integer
 * milliseconds since the epoch, booleans 0/1. Secrets are stored as hashes only.
 *
 * ```
 * users ─< sessions        (cascade on user deletion)
 *       ─< access_tokens   (cascade on user deletion)
 * projects ─< robots ─< robot_permissions   (project robots cascade with their project;
 *                                            system robots have no project)
 * login_failures (standalone; keyed by `user:<name>` or `addr:<address>`)
 * ```
 */
export interface IdentityTables {
  users: UsersTable;
  login_failures: LoginFailuresTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  robots: RobotsTable;
  robot_permissions: RobotPermissionsTable;
}

export interface UsersTable {
  id: Generated<number>;
  /** Unique, compared case-insensitively (`collate nocase`). */
  username: string;
  /** Unique when non-empty, compared case-insensitively; '' when unknown. */
  email: string;
  realname: string;
  comment: string;
  /** Null when the password lives elsewhere (LDAP). */
  password_hash: string | null;
  sysadmin: number;
  /** `local` or `ldap`. */
  source: string;
  created_at: number;
  updated_at: number;
  password_changed_at: number | null;
}

export interface LoginFailuresTable {
  key: string;
  failures: number;
  first_failure_at: number;
  last_failure_at: number;
  locked_until: number | null;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the cookie value. */
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  client_ip: string | null;
}

export interface AccessTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** SHA-256 (hex) of the token. */
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

export interface RobotsTable {
  id: Generated<number>;
  /** Full name including the `robot$` prefix. */
  name: string;
  description: string;
  secret_hash: string;
  /** `system` or `project`. */
  level: string;
  project_id: number | null;
  disabled: number;
  /** Days; -1 for never. */
  duration: number;
  expires_at: number | null;
  /** A username. */
  creator: string;
  created_at: number;
  updated_at: number;
}

/** One access entry of a robot permission; entries of one permission share `kind` and `namespace`. */
export interface RobotPermissionsTable {
  /** Keeps the order in which the permissions were given. */
  id: Generated<number>;
  robot_id: number;
  /** `project` or `system`. */
  kind: string;
  namespace: string;
  resource: string;
  action: string;
  /** `allow`, `deny`, or null when the permission did not say. */
  effect: string | null;
}
