/**
 * The project area's JSON (Harbor's shapes, as server/http/api/*-routes.ts write them) and the
 * queries several tabs share: the project, its summary and what the caller may do in it.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Project } from '../../api/types';

/** `GET /projects/{name}/summary`: quota only for callers who may read it, role counts for members. */
export interface ProjectSummary {
  repo_count: number;
  quota?: { hard: { storage: number }; used: { storage: number } };
  project_admin_count?: number;
  maintainer_count?: number;
  developer_count?: number;
  guest_count?: number;
  limited_guest_count?: number;
}

export interface ProjectMember {
  id: number;
  project_id: number;
  entity_name: string;
  entity_type: 'u' | 'g';
  entity_id: number;
  role_id: number;
  role_name: string;
}

export interface UserSearchResult {
  user_id: number;
  username: string;
}

export interface RobotAccess {
  resource: string;
  action: string;
  effect?: 'allow' | 'deny';
}

export interface RobotPermission {
  kind: 'project' | 'system';
  namespace: string;
  access: RobotAccess[];
}

export interface Robot {
  id: number;
  name: string;
  description: string;
  level: 'system' | 'project';
  duration: number;
  disable: boolean;
  /** Epoch seconds, -1 for never. */
  expires_at: number;
  permissions: RobotPermission[];
  creation_time: string;
  update_time: string;
}

/** The create and refresh answers: the only time a secret is readable. */
export interface RobotSecret {
  id?: number;
  name?: string;
  secret: string;
  expires_at?: number;
}

/** Harbor's doublestar selector; `extras` is JSON text (`{"untagged":true}`) on tag selectors. */
export interface Selector {
  kind: 'doublestar';
  decoration: string;
  pattern: string;
  extras?: string;
}

export interface RetentionRule {
  id?: number;
  priority: number;
  disabled: boolean;
  action: 'retain';
  template: string;
  params: Record<string, unknown>;
  tag_selectors: Selector[];
  scope_selectors: { repository?: Selector[] };
}

export interface RetentionPolicy {
  id: number;
  algorithm: 'or';
  rules: RetentionRule[];
  trigger: { kind: 'Schedule'; settings: { cron?: string }; references?: Record<string, unknown> };
  scope: { level: 'project'; ref: number };
}

export interface RetentionMetadata {
  templates: {
    rule_template: string;
    display_text: string;
    action: string;
    params: { type: string; unit: 'COUNT' | 'DAYS'; required: boolean }[];
  }[];
}

/**
 * A retention run. Listed in Harbor's `RetentionExecution` shape; a live update swaps in the job
 * system's execution (with `extra_attrs.dry_run` and `progress`), so both are read.
 */
export interface RetentionExecution {
  id: number;
  status: string;
  trigger: string;
  start_time: string;
  end_time?: string | null;
  dry_run?: boolean;
  extra_attrs?: Record<string, unknown>;
  progress?: { done: number; total: number };
}

export interface RetentionTask {
  id: number;
  execution_id: number;
  repository: string;
  status: string;
  start_time: string;
  end_time?: string;
  total: number;
  retained: number;
}

export interface ImmutableRule {
  id: number;
  project_id: number;
  disabled: boolean;
  priority: number;
  action: string;
  template: string;
  params: Record<string, unknown>;
  tag_selectors: Selector[];
  scope_selectors: { repository?: Selector[] };
}

export interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
}

/** A project as the API writes it, with the fields the shared type leaves out. */
export type ProjectJson = Project & {
  owner_id: number;
  /** The server's "may switch public/private": a system administrator or the project's admin. */
  togglable: boolean;
};

export function projectPath(name: string): string {
  return `projects/${encodeURIComponent(name)}`;
}

export function useProject(name: string) {
  return useQuery({
    queryKey: ['project', name],
    queryFn: ({ signal }) => api.get<ProjectJson>(projectPath(name), undefined, signal),
  });
}

export function useProjectSummary(name: string, enabled = true) {
  return useQuery({
    queryKey: ['project', name, 'summary'],
    queryFn: ({ signal }) => api.get<ProjectSummary>(`${projectPath(name)}/summary`, undefined, signal),
    enabled,
  });
}

/** What the caller may do in a project, asked of the server (which stays the authority). */
export interface ProjectAbilities {
  can(resource: string, action: string): boolean;
  loaded: boolean;
}

export function useProjectAbilities(projectId: number | undefined, projectName: string): ProjectAbilities {
  const query = useQuery({
    queryKey: ['project', projectName, 'permissions', projectId],
    queryFn: ({ signal }) =>
      api.get<{ resource: string; action: string }[]>(
        'users/current/permissions',
        { scope: `/project/${projectId}`, relative: true },
        signal,
      ),
    enabled: projectId !== undefined,
    staleTime: 60_000,
  });
  const held = new Set((query.data ?? []).map((p) => `${p.resource}:${p.action}`));
  return {
    loaded: query.isSuccess,
    // The project itself is `.` in a relative answer.
    can: (resource, action) => held.has(`${resource === '' ? '.' : resource}:${action}`),
  };
}
