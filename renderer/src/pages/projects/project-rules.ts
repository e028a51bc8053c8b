/**
 * The project pages' rules that do not need React: Harbor's naming rules (checked before a request,
 * so a typo is caught while typing; the server checks again), storage units, robot permission sets,
 * retention schedules and the `q` filters the listings send.
 */
import type { RetentionRule, RobotPermission, Selector } from './project-api';

/** Harbor's project name: one OCI path component, 1 to 255 characters. */
export const PROJECT_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
export const MAX_PROJECT_NAME = 255;

/** Why a project name would be refused (a messages key), or null when it is fine. */
export function projectNameProblem(name: string): 'nameRequired' | 'nameTooLong' | 'nameInvalid' | null {
  if (name === '') return 'nameRequired';
  if (name.length > MAX_PROJECT_NAME) return 'nameTooLong';
  if (!PROJECT_NAME.test(name)) return 'nameInvalid';
  return null;
}

/** Harbor's robot name (the part after `robot$<project>+`). */
export const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const MAX_ROBOT_NAME = 128;

export const STORAGE_UNITS = ['MiB', 'GiB', 'TiB'] as const;
export type StorageUnit = (typeof STORAGE_UNITS)[number];
const UNIT_BYTES: Record<StorageUnit, number> = { MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/** A limit as the API takes it: whole bytes, -1 for unlimited. */
export function toBytes(value: number | null | undefined, unit: StorageUnit, unlimited: boolean): number {
  if (unlimited) return -1;
  return Math.round((value ?? 0) * UNIT_BYTES[unit]);
}

/** A limit in bytes as the form shows it: the largest unit that keeps the number at least 1. */
export function fromBytes(bytes: number): { value: number; unit: StorageUnit; unlimited: boolean } {
  if (bytes < 0) return { value: 10, unit: 'GiB', unlimited: true };
  const unit = [...STORAGE_UNITS].reverse().find((u) => bytes >= UNIT_BYTES[u]) ?? 'MiB';
  return { value: Math.round((bytes / UNIT_BYTES[unit]) * 100) / 100, unit, unlimited: false };
}

/** Project roles, most privileged first, as the member tab offers them. */
export const ROLE_IDS = [1, 4, 2, 3, 5] as const;

/**
 * What a project robot may be granted, as the create form lists it: a subset of Harbor's robot
 * permission table (server/auth/rbac.ts ROBOT_PROJECT_PERMISSIONS) that CI and deploy jobs need.
 */
export const ROBOT_RESOURCES: { resource: string; actions: string[] }[] = [
  { resource: 'repository', actions: ['pull', 'push', 'delete', 'list', 'read', 'update'] },
  { resource: 'artifact', actions: ['read', 'list', 'create', 'delete'] },
  { resource: 'tag', actions: ['list', 'create', 'delete'] },
  { resource: 'artifact-label', actions: ['create', 'delete'] },
  { resource: 'label', actions: ['read', 'list', 'create', 'update', 'delete'] },
  { resource: 'accessory', actions: ['list'] },
  { resource: 'artifact-addition', actions: ['read'] },
  { resource: 'scan', actions: ['create', 'read', 'stop'] },
  { resource: 'tag-retention', actions: ['read', 'list', 'create', 'update', 'delete'] },
  { resource: 'immutable-tag', actions: ['list', 'create', 'update', 'delete'] },
  { resource: 'quota', actions: ['read'] },
  { resource: 'log', actions: ['list'] },
];

/** `resource:action` strings, the form's value for a permission checklist. */
export type AccessKey = `${string}:${string}`;

export const ROBOT_PRESETS: Record<'pull' | 'push' | 'manage', AccessKey[]> = {
  pull: ['repository:pull', 'repository:list', 'artifact:read', 'artifact:list', 'tag:list'],
  push: [
    'repository:pull',
    'repository:push',
    'repository:list',
    'artifact:read',
    'artifact:list',
    'artifact:create',
    'tag:list',
    'tag:create',
  ],
  manage: [
    'repository:pull',
    'repository:push',
    'repository:delete',
    'repository:list',
    'repository:read',
    'repository:update',
    'artifact:read',
    'artifact:list',
    'artifact:create',
    'artifact:delete',
    'tag:list',
    'tag:create',
    'tag:delete',
    'artifact-label:create',
    'artifact-label:delete',
  ],
};

/** The one permission a project robot holds: its project, with the checked accesses. */
export function robotPermissions(projectName: string, keys: readonly string[]): RobotPermission[] {
  const access = [...new Set(keys)].map((key) => {
    const colon = key.lastIndexOf(':');
    return { resource: key.slice(0, colon), action: key.slice(colon + 1) };
  });
  return [{ kind: 'project', namespace: projectName, access }];
}

/** The accesses a robot holds, as checklist keys. */
export function accessKeys(permissions: readonly RobotPermission[]): AccessKey[] {
  return permissions.flatMap((p) =>
    p.access.filter((a) => a.effect !== 'deny').map((a): AccessKey => `${a.resource}:${a.action}`),
  );
}

/** `robot$team+ci` → `ci` (the name the project shows). */
export function robotShortName(fullName: string): string {
  const plus = fullName.indexOf('+');
  if (plus >= 0) return fullName.slice(plus + 1);
  return fullName.startsWith('robot$') ? fullName.slice('robot$'.length) : fullName;
}

/** Whether a robot's time is up (expires_at is epoch seconds, -1 never). */
export function robotExpired(expiresAt: number, now = Date.now()): boolean {
  return expiresAt > 0 && expiresAt * 1000 <= now;
}

/** Retention schedules the form offers; crons have seconds (the job system's schedules). */
export const RETENTION_SCHEDULES = {
  none: '',
  hourly: '0 0 * * * *',
  daily: '0 0 0 * * *',
  weekly: '0 0 0 * * 0',
} as const;
export type ScheduleChoice = keyof typeof RETENTION_SCHEDULES | 'custom';

export function scheduleChoice(cron: string | undefined): ScheduleChoice {
  const value = (cron ?? '').trim();
  const found = (Object.keys(RETENTION_SCHEDULES) as (keyof typeof RETENTION_SCHEDULES)[]).find(
    (k) => RETENTION_SCHEDULES[k] === value,
  );
  return found ?? 'custom';
}

/** The `untagged` flag of a tag selector (absent: true for `matches`, false for `excludes`). */
export function untaggedOf(selector: Selector | undefined): boolean {
  if (!selector) return true;
  try {
    const extras = selector.extras ? (JSON.parse(selector.extras) as { untagged?: unknown }) : {};
    if (typeof extras.untagged === 'boolean') return extras.untagged;
  } catch {
    // unreadable extras: the default applies, as on the server
  }
  return selector.decoration !== 'excludes';
}

/** What the rule form edits, flattened. */
export interface RuleDraft {
  repoDecoration: 'repoMatches' | 'repoExcludes';
  repoPattern: string;
  tagDecoration: 'matches' | 'excludes';
  tagPattern: string;
  untagged: boolean;
  template: string;
  count?: number;
}

export function ruleToDraft(rule: Pick<RetentionRule, 'template' | 'params' | 'tag_selectors' | 'scope_selectors'>) {
  const repo = rule.scope_selectors.repository?.[0];
  const tag = rule.tag_selectors[0];
  const param = rule.params[rule.template];
  const draft: RuleDraft = {
    repoDecoration: repo?.decoration === 'repoExcludes' ? 'repoExcludes' : 'repoMatches',
    repoPattern: repo?.pattern ?? '**',
    tagDecoration: tag?.decoration === 'excludes' ? 'excludes' : 'matches',
    tagPattern: tag?.pattern ?? '**',
    untagged: untaggedOf(tag),
    template: rule.template,
  };
  if (typeof param === 'number') draft.count = param;
  return draft;
}

/** The rule the API takes for a draft; `withParam` says whether the template takes a number. */
export function draftToRule(draft: RuleDraft, withParam: boolean, base?: RetentionRule): RetentionRule {
  return {
    ...(base?.id === undefined ? {} : { id: base.id }),
    priority: base?.priority ?? 0,
    disabled: base?.disabled ?? false,
    action: 'retain',
    template: draft.template,
    params: withParam ? { [draft.template]: draft.count ?? 0 } : {},
    tag_selectors: [
      {
        kind: 'doublestar',
        decoration: draft.tagDecoration,
        pattern: draft.tagPattern.trim() || '**',
        extras: JSON.stringify({ untagged: draft.untagged }),
      },
    ],
    scope_selectors: {
      repository: [{ kind: 'doublestar', decoration: draft.repoDecoration, pattern: draft.repoPattern.trim() || '**' }],
    },
  };
}

/** A `q` term's value with the grammar's special characters taken out (names never hold them). */
function qValue(text: string): string {
  return text.replace(/[,=~{}()[\]'"\\]/g, '').trim();
}

/** `q` for the project list: a name substring. */
export function projectSearchQ(text: string): string | undefined {
  const value = qValue(text.toLowerCase());
  return value ? `name=~${value}` : undefined;
}

export interface AuditFilters {
  username?: string;
  resource?: string;
  resourceType?: string;
  operation?: string;
  from?: Date | null;
  to?: Date | null;
}

/** `q` for a project's audit log (Harbor's keys; times in ISO 8601). */
export function auditQ(filters: AuditFilters): string | undefined {
  const terms: string[] = [];
  const username = qValue(filters.username ?? '');
  if (username) terms.push(`username=~${username}`);
  const resource = qValue(filters.resource ?? '');
  if (resource) terms.push(`resource=~${resource}`);
  if (filters.resourceType) terms.push(`resource_type=${qValue(filters.resourceType)}`);
  if (filters.operation) terms.push(`operation=${qValue(filters.operation)}`);
  if (filters.from || filters.to) {
    terms.push(`op_time=[${filters.from?.toISOString() ?? ''}~${filters.to?.toISOString() ?? ''}]`);
  }
  return terms.length > 0 ? terms.join(',') : undefined;
}
