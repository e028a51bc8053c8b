import type { ListQuery, Page } from './list-query.js';

/**
 * Project aggregates beyond the registry core: Harbor's project metadata and storage quota, members
 * with roles, labels, and the audit log.
 */

/**
 * Harbor's role ids, as its API exchanges them (`role_id`).
 * 1 project admin, 2 developer, 3 guest, 4 maintainer, 5 limited guest.
 */
export type ProjectRoleId = 1 | 2 | 3 | 4 | 5;

export interface NewProject {
  name: string;
  public: boolean;
  ownerId: number | null;
  /** Harbor's metadata (`public`, `auto_scan`, `prevent_vul`, `severity`, ...) as strings. */
  metadata?: Record<string, string>;
  /** Bytes; -1 for unlimited. */
  storageLimit?: number;
}

export interface ProjectMember {
  id: number;
  projectId: number;
  /** `u` a user, `g` a group (groups come later). */
  entityType: 'u' | 'g';
  entityId: number;
  /** The user's (or group's) name. */
  entityName: string;
  roleId: ProjectRoleId;
  createdAt: Date;
  updatedAt: Date;
}

export interface MemberRepo {
  /**
   * Throws `Conflict` when the entity is already a member, `NotFound` for an unknown project or user,
   * `Invalid` for an unknown role. Groups (`g`) are `Unsupported` until groups exist.
   */
  add(
    projectId: number,
    entityType: 'u' | 'g',
    entityId: number,
    roleId: ProjectRoleId,
    now?: Date,
  ): Promise<ProjectMember>;
  get(projectId: number, memberId: number): Promise<ProjectMember | undefined>;
  /** Keys: `entityname` (exact, fuzzy). Sorted by entity name. */
  list(projectId: number, query: ListQuery): Promise<Page<ProjectMember>>;
  /** Throws `NotFound`. */
  update(projectId: number, memberId: number, roleId: ProjectRoleId, now?: Date): Promise<ProjectMember>;
  remove(projectId: number, memberId: number): Promise<boolean>;
  /** The user's role in the project, if a member. On the request path: must be one indexed lookup. */
  roleOf(projectId: number, userId: number): Promise<ProjectRoleId | undefined>;
  /** Every project the user is a member of, with the role. */
  rolesOf(userId: number): Promise<Map<number, ProjectRoleId>>;
}

export interface Label {
  id: number;
  name: string;
  description: string;
  color: string;
  /** `g` global (system admins manage), `p` project. */
  scope: 'g' | 'p';
  projectId: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LabelRepo {
  /** Throws `Conflict` when the name exists in the same scope (and project). */
  create(label: Omit<Label, 'id' | 'createdAt' | 'updatedAt'>, now?: Date): Promise<Label>;
  get(id: number): Promise<Label | undefined>;
  /** Keys: `scope` (exact), `project_id` (exact), `name` (exact, fuzzy). Sorted by name. */
  list(query: ListQuery): Promise<Page<Label>>;
  update(id: number, patch: { name?: string; description?: string; color?: string }, now?: Date): Promise<Label>;
  /** Also detaches it from every artifact. */
  delete(id: number): Promise<boolean>;
  /**
   * Throws `Conflict` when already attached, `NotFound` for an unknown artifact or label, `Invalid` for
   * a project label and an artifact of another project.
   */
  attach(artifactId: number, labelId: number, now?: Date): Promise<void>;
  detach(artifactId: number, labelId: number): Promise<boolean>;
  /** Labels of each given artifact (artifacts without labels are absent from the map). */
  ofArtifacts(artifactIds: number[]): Promise<Map<number, Label[]>>;
}

export interface AuditEntry {
  id: number;
  opTime: Date;
  /** Who: a username, `robot$...`, or `anonymous`. */
  username: string;
  /** What: `create`, `update`, `delete`, `pull`, `push`, `login`, `logout`, ... */
  operation: string;
  /** `artifact`, `tag`, `repository`, `project`, `member`, `robot`, `user`, `user_login`, ... */
  resourceType: string;
  /** The object: `project/repo:tag`, `project/repo@sha256:...`, a project or user name, ... */
  resource: string;
  /** The project the object belongs to, for per-project logs; null for system objects. */
  projectId: number | null;
  /** From where. */
  clientIp: string | null;
  success: boolean;
  /** Free-form extra detail (never a secret). */
  detail: string | null;
}

export interface AuditRepo {
  /** Appends in one transaction (the audit writer batches). */
  append(entries: Omit<AuditEntry, 'id'>[]): Promise<void>;
  /**
   * Keys: `username`, `operation`, `resource_type`, `resource` (exact, fuzzy, or), `op_time` (range, ms
   * or Date), `project_id` (exact, or), `success` (exact). Sort: `op_time` (default, newest first), `id`.
   */
  list(query: ListQuery): Promise<Page<AuditEntry>>;
  /** Deletes entries older than `olderThan`, then the oldest beyond `keepRows`; returns rows deleted. */
  purge(options: { olderThan?: Date; keepRows?: number }): Promise<number>;
}
