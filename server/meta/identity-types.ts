import type { ListQuery, Page } from './list-query.js';

/**
 * Identity aggregates: users, login throttling, portal sessions, personal access tokens and robot
 * accounts. Secrets are never stored: only hashes (a memory-hard hash for passwords; a SHA-256 of
 * high-entropy random secrets for sessions, access tokens and robot secrets). Hashing happens in
 * `auth/`, never here.
 */

export interface User {
  id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  sysadmin: boolean;
  /** Where the identity lives: the local database, or an LDAP directory (password not stored). */
  source: 'local' | 'ldap';
  createdAt: Date;
  updatedAt: Date;
  passwordChangedAt: Date | null;
}

export interface NewUser {
  username: string;
  email: string;
  realname: string;
  comment?: string;
  /** Null for users whose password lives elsewhere (LDAP). */
  passwordHash: string | null;
  sysadmin?: boolean;
  source?: 'local' | 'ldap';
}

export interface UserRepo {
  /** Throws `Conflict` when the username or a non-empty email is taken (case-insensitive). */
  create(user: NewUser, now?: Date): Promise<User>;
  get(id: number): Promise<User | undefined>;
  /** Case-insensitive lookup. */
  getByName(username: string): Promise<User | undefined>;
  /** The user and the stored password hash (null when none), for login only. */
  getCredentials(username: string): Promise<{ user: User; passwordHash: string | null } | undefined>;
  /**
   * Keys: `username` (exact, fuzzy), `email` (exact, fuzzy), `sysadmin` (exact). Sort keys:
   * `username`, `creation_time`, `update_time`. Default order: username.
   */
  list(query: ListQuery): Promise<Page<User>>;
  /** Throws `NotFound` for an unknown id, `Conflict` for a taken email. */
  update(id: number, patch: { email?: string; realname?: string; comment?: string }, now?: Date): Promise<User>;
  /** Throws `NotFound` for an unknown id. */
  setPassword(id: number, passwordHash: string, now?: Date): Promise<void>;
  /** Throws `NotFound` for an unknown id. */
  setSysadmin(id: number, sysadmin: boolean, now?: Date): Promise<void>;
  /** Deletes the user with their memberships, sessions and access tokens; false when absent. */
  delete(id: number): Promise<boolean>;
  count(): Promise<number>;
}

/** Failed logins counted per key: `user:<name>` and `addr:<client address>`. */
export interface LoginFailureState {
  key: string;
  failures: number;
  firstFailureAt: Date;
  lastFailureAt: Date;
  /** Set while the key is locked out. */
  lockedUntil: Date | null;
}

export interface LoginFailurePolicy {
  /** Failures within `windowMs` that lock the key. */
  lockAfter: number;
  lockForMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
}

export interface LoginFailureRepo {
  get(key: string): Promise<LoginFailureState | undefined>;
  /** Atomically counts one failure (restarting the count when the window passed) and locks when due. */
  recordFailure(key: string, now: Date, policy: LoginFailurePolicy): Promise<LoginFailureState>;
  clear(key: string): Promise<void>;
  /** Keys locked at `now`, most recent first: shown to admins. */
  listLocked(now: Date): Promise<LoginFailureState[]>;
}

export interface Session {
  /** SHA-256 (hex) of the cookie value; the cookie value itself is never stored. */
  idHash: string;
  userId: number;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
  clientIp: string | null;
}

export interface SessionRepo {
  create(session: Session): Promise<void>;
  /** The session when it exists and has not expired at `now`. */
  get(idHash: string, now: Date): Promise<Session | undefined>;
  /** Slides the expiry (idle timeout). */
  touch(idHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void>;
  delete(idHash: string): Promise<boolean>;
  deleteForUser(userId: number): Promise<number>;
  purgeExpired(now: Date): Promise<number>;
}

/** A personal access token (a "CLI secret"): a password substitute with its own expiry. */
export interface AccessToken {
  id: number;
  userId: number;
  name: string;
  createdAt: Date;
  /** Null: never expires. */
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export interface AccessTokenRepo {
  /** Throws `Conflict` when the user already has a token of that name. */
  create(
    input: { userId: number; name: string; tokenHash: string; expiresAt: Date | null },
    now?: Date,
  ): Promise<AccessToken>;
  /** The token with this hash, expired or not (the caller checks expiry and reports it). */
  findByHash(tokenHash: string): Promise<AccessToken | undefined>;
  list(userId: number): Promise<AccessToken[]>;
  delete(userId: number, id: number): Promise<boolean>;
  markUsed(id: number, at: Date): Promise<void>;
}

/** Harbor v2 robot permission: on a project namespace (or `*`), or at system level. */
export interface RobotPermission {
  kind: 'project' | 'system';
  /** A project name, `*` for every project, or `/` for system permissions. */
  namespace: string;
  access: { resource: string; action: string; effect?: 'allow' | 'deny' }[];
}

export interface Robot {
  id: number;
  /** Full name as clients use it: `robot$<name>` (system) or `robot$<project>+<name>` (project). */
  name: string;
  description: string;
  level: 'system' | 'project';
  /** The project of a project-level robot. */
  projectId: number | null;
  disabled: boolean;
  /** Days of validity when created or refreshed; -1 for never. */
  duration: number;
  /** Null: never expires. */
  expiresAt: Date | null;
  /** Who created it (a username). */
  creator: string;
  permissions: RobotPermission[];
  createdAt: Date;
  updatedAt: Date;
}

export interface NewRobot {
  name: string;
  description: string;
  level: 'system' | 'project';
  projectId: number | null;
  disabled?: boolean;
  duration: number;
  expiresAt: Date | null;
  creator: string;
  secretHash: string;
  permissions: RobotPermission[];
}

export interface RobotRepo {
  /** Throws `Conflict` when the name is taken. */
  create(robot: NewRobot, now?: Date): Promise<Robot>;
  get(id: number): Promise<Robot | undefined>;
  /** By full name (`robot$...`), with the stored secret hash, for authentication. */
  getCredentials(name: string): Promise<{ robot: Robot; secretHash: string } | undefined>;
  /** Keys: `name` (exact, fuzzy), `level` (exact), `project_id` (exact). Sort: `name`, `creation_time`. */
  list(query: ListQuery): Promise<Page<Robot>>;
  /** Replaces the given fields; `permissions` replaces the whole set. Throws `NotFound`. */
  update(
    id: number,
    patch: {
      description?: string;
      disabled?: boolean;
      duration?: number;
      expiresAt?: Date | null;
      permissions?: RobotPermission[];
    },
    now?: Date,
  ): Promise<Robot>;
  /** Throws `NotFound`. */
  setSecret(id: number, secretHash: string, now?: Date): Promise<void>;
  delete(id: number): Promise<boolean>;
}
