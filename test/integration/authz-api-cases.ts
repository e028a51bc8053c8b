import { publicProjectAllows, roleAllows } from '../../server/auth/rbac.js';
import type { RobotPermission } from '../../server/meta/identity-types.js';
import type { MetaStore } from '../../server/meta/meta-store.js';
import type { ProjectRoleId } from '../../server/meta/project-types.js';
import { BUILTIN_SCANNER_UUID } from '../../server/meta/sqlite/migration-009-scan.js';

/**
 * The case table of the Harbor API authorisation matrix (`authz-api-matrix.test.ts`): who calls, and
 * for every operation Berth serves under `/api/v2.0`, what request each caller sends and whether
 * Harbor lets them. Expectations are Harbor's rules as Berth implements them: the role tables and the
 * public-project set of `server/auth/rbac.ts` (rendered in docs/rbac.md), the permission each of
 * Harbor's handlers asks for (`src/server/v2.0/handler/*.go`), and system operations for system
 * administrators, or robots holding the system permission.
 *
 * Every caller writes to its own target (a per-caller tag, label, robot, member, user, project...),
 * so the cases run concurrently; the few that share one (project metadata keys) have a `reset` and
 * take the callers one at a time. `effect` reads the target back as the admin (or, for secrets the
 * API never shows, from the database): a 2xx must have changed it, anything else must not have.
 * `reveals` checks what a listing shows of the private project to whom.
 *
 * Where Berth answers otherwise than Harbor, the case says so in `bug` (file:line and what Harbor
 * does) and the matrix expects those callers' checks to fail until the route is fixed.
 */

export const PASSWORD = 'Matrix-Pass-1';
export const ROBOT_SECRET = 'Robot-Secret-Value-1';
/** The secret of the robots the cases write to (RefreshSec compares against it). */
export const TARGET_SECRET = 'Target-Secret-Value-1';

export type CallerKey =
  'anon' | 'outsider' | 'lguest' | 'guest' | 'dev' | 'maint' | 'padmin' | 'admin' | 'probot' | 'srobot';

export interface Caller {
  key: CallerKey;
  name: string;
  /** Null for anonymous. */
  username: string | null;
  password: string;
  kind: 'anonymous' | 'user' | 'robot';
  /** Role in `priv` (and in the caller's own `del-<key>` project). */
  role?: ProjectRoleId;
  sysadmin?: boolean;
  /** A robot's permissions, exactly as seeded. */
  grants?: RobotPermission[];
}

const access = (...pairs: string[]) =>
  pairs.map((p) => ({ resource: p.slice(0, p.indexOf(':')), action: p.slice(p.indexOf(':') + 1) }));

/** A project robot of `priv` that reads and tags, and reads the project's log. */
export const PROJECT_ROBOT_GRANTS: RobotPermission[] = [
  {
    kind: 'project',
    namespace: 'priv',
    access: access(
      'repository:pull',
      'repository:list',
      'artifact:read',
      'artifact:list',
      'tag:list',
      'tag:create',
      'artifact-addition:read',
      'log:list',
    ),
  },
];

/** A system robot that sees every project, creates projects, reads quotas and the audit log, makes global labels. */
export const SYSTEM_ROBOT_GRANTS: RobotPermission[] = [
  {
    kind: 'system',
    namespace: '/',
    access: access(
      'project:list',
      'project:create',
      'quota:list',
      'quota:read',
      'audit-log:list',
      'system-volumes:read',
      'label:read',
      'label:create',
    ),
  },
];

export const CALLERS: readonly Caller[] = [
  { key: 'anon', name: 'anonymous', username: null, password: '', kind: 'anonymous' },
  { key: 'outsider', name: 'non-member', username: 'outsider', password: PASSWORD, kind: 'user' },
  { key: 'lguest', name: 'limited guest', username: 'lguest', password: PASSWORD, kind: 'user', role: 5 },
  { key: 'guest', name: 'guest', username: 'guest', password: PASSWORD, kind: 'user', role: 3 },
  { key: 'dev', name: 'developer', username: 'dev', password: PASSWORD, kind: 'user', role: 2 },
  { key: 'maint', name: 'maintainer', username: 'maint', password: PASSWORD, kind: 'user', role: 4 },
  { key: 'padmin', name: 'project admin', username: 'padmin', password: PASSWORD, kind: 'user', role: 1 },
  {
    key: 'admin',
    name: 'system admin',
    username: 'admin',
    password: 'Berth-Test-Admin-1',
    kind: 'user',
    sysadmin: true,
  },
  {
    key: 'probot',
    name: 'project robot',
    username: 'robot$priv+matrix',
    password: ROBOT_SECRET,
    kind: 'robot',
    grants: PROJECT_ROBOT_GRANTS,
  },
  {
    key: 'srobot',
    name: 'system robot',
    username: 'robot$matrix',
    password: ROBOT_SECRET,
    kind: 'robot',
    grants: SYSTEM_ROBOT_GRANTS,
  },
];

/** Public projects of the fixture. */
const PUBLIC = new Set(['pub']);

export function robotGrants(c: Caller, kind: 'project' | 'system', project: string, resource: string, action: string) {
  // Robot permissions name the project itself `project`, where the role tables say ''.
  const wanted = resource === '' ? 'project' : resource;
  return (c.grants ?? []).some(
    (p) =>
      p.kind === kind &&
      (kind === 'system' || p.namespace === project) &&
      p.access.some((a) => a.resource === wanted && a.action === action),
  );
}

/** Whether Harbor lets `c` do `action` on `resource` in `project`. */
export function may(c: Caller, project: string, resource: string, action: string): boolean {
  if (c.sysadmin) return true;
  if (PUBLIC.has(project) && publicProjectAllows(resource, action)) return true;
  const member = project === 'priv' || project === `del-${c.key}`;
  if (c.role !== undefined && member && roleAllows(c.role, resource, action)) return true;
  return robotGrants(c, 'project', project, resource, action);
}

export interface Rule {
  /** What Harbor checks, for test names. */
  text: string;
  allows(c: Caller): boolean;
}

export const anyone: Rule = { text: 'anyone', allows: () => true };
export const authenticated: Rule = { text: 'authenticated', allows: (c) => c.kind !== 'anonymous' };
const self: Rule = { text: 'themselves, or system user:read', allows: (c) => c.kind === 'user' };
const selfUpdate: Rule = { text: 'themselves, or system user:update', allows: (c) => c.kind === 'user' };

export function inProject(project: string | ((c: Caller) => string), resource: string, action: string): Rule {
  const name = typeof project === 'string' ? () => project : project;
  const where = typeof project === 'string' ? project : 'own project';
  return {
    text: `${where}: ${resource || 'project'}:${action}`,
    allows: (c) => may(c, name(c), resource, action),
  };
}

/** Who sees `priv` in project listings (Harbor's ListProjects): members, its robots, system project:list. */
const seesPrivProject: Rule = {
  text: 'members, robots of priv, system project:list',
  allows: (c) =>
    c.sysadmin === true ||
    c.role !== undefined ||
    robotGrants(c, 'system', '/', 'project', 'list') ||
    (c.grants ?? []).some((p) => p.kind === 'project' && p.namespace === 'priv'),
};

export function onSystem(resource: string, action: string): Rule {
  return {
    text: `system ${resource}:${action}`,
    allows: (c) => c.sysadmin === true || robotGrants(c, 'system', '/', resource, action),
  };
}

/** Ids and digests made in `beforeAll`, looked up by kind and (for per-caller targets) caller. */
export class Fixture {
  private readonly values = new Map<string, number | string>();

  set(kind: string, value: number | string, c?: Caller): void {
    this.values.set(c ? `${kind}:${c.key}` : kind, value);
  }
  id(kind: string, c?: Caller): number {
    const v = this.values.get(c ? `${kind}:${c.key}` : kind);
    if (typeof v !== 'number') throw new Error(`fixture has no id ${kind}${c ? ` for ${c.key}` : ''}`);
    return v;
  }
  text(kind: string, c?: Caller): string {
    const v = this.values.get(c ? `${kind}:${c.key}` : kind);
    if (typeof v !== 'string') throw new Error(`fixture has no value ${kind}${c ? ` for ${c.key}` : ''}`);
    return v;
  }
}

export interface Admin {
  get(path: string): Promise<{ status: number; json: () => unknown }>;
  db: MetaStore;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiCase {
  /** The swagger operationId, or `berth:<name>` for Berth's routes outside the swagger. */
  op: string;
  /** What tells several cases of one operation apart (`pub`, `system`, `self`, `missing project`...). */
  variant?: string;
  method: Method;
  /** Below `/api/v2.0`. */
  path: (c: Caller, fx: Fixture) => string;
  body?: (c: Caller, fx: Fixture) => unknown;
  rule: Rule;
  /** The status an allowed caller gets; 200 unless said. */
  ok?: number;
  /** Allowed callers that get another status than `ok`, and why (never 401 or 403). */
  okFor?: { callers: CallerKey[]; status: number; why: string };
  /** Whether the request changed its target, read back as the admin. */
  effect?: (c: Caller, fx: Fixture, admin: Admin) => Promise<boolean>;
  /** The callers share one target: one at a time, `reset` before each. */
  reset?: (fx: Fixture, admin: Admin) => Promise<void>;
  /** What an allowed answer shows of `priv`, and to whom Harbor shows it. */
  reveals?: { what: string; rule: Rule; in: (body: unknown) => boolean }[];
  /** Users sign in with an access token unless the case needs their password. */
  signIn?: 'password';
  /** Callers for whom Berth answers otherwise than Harbor: a Berth bug, the case is expected to fail. */
  bug?: { callers: CallerKey[]; note: string };
}

const APP = '/projects/priv/repositories/app';
const V1 = `${APP}/artifacts/v1`;
const json = (x: unknown) => x as Record<string, unknown>;
const status = async (admin: Admin, path: string) => (await admin.get(path)).status;
const metadata = async (admin: Admin, project: string) =>
  json(json((await admin.get(`/projects/${project}`)).json()).metadata);
const labelIds = async (admin: Admin, path: string) =>
  ((json((await admin.get(`${path}?with_label=true`)).json()).labels ?? []) as { id: number }[]).map((l) => l.id);
const isUser = (c: Caller) => c.kind === 'user';
/** A caller's own user id, or a bystander's for callers that are no user. */
const ownOrBystander = (c: Caller, fx: Fixture) => (isUser(c) ? fx.id('user', c) : fx.id('bystander'));
const robotBody = (name: string, level: 'project' | 'system', description = '', project = 'priv') => ({
  name,
  description,
  level,
  duration: -1,
  disable: false,
  permissions:
    level === 'project'
      ? [{ kind: 'project', namespace: project, access: access('repository:pull') }]
      : [{ kind: 'system', namespace: '/', access: access('project:list') }],
});
const list = (body: unknown) => (Array.isArray(body) ? (body as Record<string, unknown>[]) : []);

/**
 * Job fixtures: an execution written to the database with one task of a job type nobody defines, so
 * the task stays Pending (its execution Running) until someone stops it. `key` holds the execution's
 * id, `<key>:task` its task's.
 */
async function createExecution(fx: Fixture, admin: Admin, key: string, vendorType: string, project: string | null) {
  const now = Date.now();
  const execution = await admin.db.jobs.createExecution(
    {
      vendorType,
      vendorId: -1,
      projectId: project === null ? null : fx.id(project),
      trigger: 'MANUAL',
      extraAttrs: {},
      singleActive: false,
      open: false,
      tasks: [{ jobType: 'matrix.idle', params: {}, dedupeKey: null, priority: 0, maxAttempts: 1, runAfter: now }],
    },
    now,
  );
  const task = (await admin.db.jobs.listTasks({ executionId: execution.id }, { offset: 0, limit: 1 })).items[0];
  if (!task) throw new Error(`execution ${execution.id} has no task`);
  fx.set(key, execution.id);
  fx.set(`${key}:task`, task.id);
}

/** A `reset` that creates a new execution before each caller (for stops). */
const freshExecution = (key: string, vendorType: string, project: string | null) => (fx: Fixture, admin: Admin) =>
  createExecution(fx, admin, key, vendorType, project);

/**
 * A `reset` for retries: a finished execution to retry, with a stopped task of the server's real
 * `retention` type (a retry refuses job types the server does not run; with no parameters the copy
 * fails at once, harmlessly). Each gets a vendor id of its own, so no other run of its "policy" is
 * active. `key` holds the execution's id, `<key>:vendor` its vendor id.
 */
let retryVendorId = 700_000;
const stoppedExecution =
  (key: string, vendorType: string, project: string | null) => async (fx: Fixture, admin: Admin) => {
    const now = Date.now();
    const vendorId = ++retryVendorId;
    const execution = await admin.db.jobs.createExecution(
      {
        vendorType,
        vendorId,
        projectId: project === null ? null : fx.id(project),
        trigger: 'MANUAL',
        extraAttrs: {},
        singleActive: false,
        open: false,
        tasks: [
          { jobType: 'retention', params: {}, dedupeKey: null, priority: 0, maxAttempts: 1, runAfter: now + 3600_000 },
        ],
      },
      now,
    );
    await admin.db.jobs.stopExecution(execution.id, now);
    fx.set(key, execution.id);
    fx.set(`${key}:vendor`, vendorId);
  };

/** Whether the execution of `key` was retried: its vendor has a second execution. */
const retried = async (key: string, vendorType: string, fx: Fixture, admin: Admin) =>
  (await admin.db.jobs.listExecutions({ vendorType, vendorId: fx.id(`${key}:vendor`) }, { offset: 0, limit: 5 }))
    .total === 2;

const sharedFixtures = new WeakMap<Fixture, Map<string, Promise<void>>>();
/** A `reset` that creates one execution the first time, shared by every caller and case naming `key`. */
const sharedExecution = (key: string, vendorType: string, project: string | null) => (fx: Fixture, admin: Admin) => {
  const made = sharedFixtures.get(fx) ?? new Map<string, Promise<void>>();
  sharedFixtures.set(fx, made);
  if (!made.has(key)) made.set(key, createExecution(fx, admin, key, vendorType, project));
  return made.get(key) as Promise<void>;
};

/**
 * Replication fixtures, written to the database directly: endpoints without a credential pointing
 * where nothing listens, and manual push policies to the shared endpoint. `fresh*` make one per
 * caller (for updates and deletes), `sharedRegistry` and `sharedPolicy` one for every case.
 */
let replicationSeq = 0;
async function makeRegistry(fx: Fixture, admin: Admin, key: string): Promise<void> {
  const registry = await admin.db.replication.createRegistry({
    name: `matrix-${key.replace(/\W/g, '-')}-${++replicationSeq}`,
    description: '',
    type: 'docker-registry',
    url: 'http://127.0.0.1:9',
    credential: null,
    insecure: false,
    caCertificate: null,
    repositories: [],
  });
  fx.set(key, registry.id);
}
async function makePolicy(fx: Fixture, admin: Admin, key: string): Promise<void> {
  await sharedRegistry(fx, admin);
  const policy = await admin.db.replication.createPolicy({
    name: `matrix-${key.replace(/\W/g, '-')}-${++replicationSeq}`,
    description: '',
    srcRegistryId: 0,
    destRegistryId: fx.id('replication:registry'),
    destNamespace: '',
    destNamespaceReplaceCount: -1,
    trigger: { type: 'manual' },
    filters: [],
    replicateDeletion: false,
    override: true,
    enabled: true,
    speedKbps: 0,
    copyByChunk: false,
    singleActive: false,
    concurrency: 4,
    copyReferrers: true,
  });
  fx.set(key, policy.id);
}
const sharedOnce = (key: string, make: (fx: Fixture, admin: Admin) => Promise<void>) => (fx: Fixture, admin: Admin) => {
  const made = sharedFixtures.get(fx) ?? new Map<string, Promise<void>>();
  sharedFixtures.set(fx, made);
  if (!made.has(key)) made.set(key, make(fx, admin));
  return made.get(key) as Promise<void>;
};
const sharedRegistry = sharedOnce('replication:registry', (fx, admin) =>
  makeRegistry(fx, admin, 'replication:registry'),
);
const sharedPolicy = sharedOnce('replication:policy', (fx, admin) => makePolicy(fx, admin, 'replication:policy'));
const freshRegistry = (key: string) => (fx: Fixture, admin: Admin) => makeRegistry(fx, admin, key);
const freshPolicy = (key: string) => (fx: Fixture, admin: Admin) => makePolicy(fx, admin, key);
const registryNamed = async (admin: Admin, name: string) =>
  (await admin.db.replication.listRegistries({ name, offset: 0, limit: 10 })).items.some((r) => r.name === name);
const policyNamed = async (admin: Admin, name: string) =>
  (await admin.db.replication.listPolicies({ name, offset: 0, limit: 10 })).items.some((p) => p.name === name);

/**
 * Immutability and retention fixtures. `priv`'s retention policy selects no repository, so a run
 * finishes at once (no task) and callers can trigger it one after another; `del-<key>` projects get a
 * policy each for the deletes, `pub` none (only a system admin may create one there).
 */
const NO_REPO = 'matrix-selects-nothing';
const retentionBody = (projectId: number, k = 3) => ({
  algorithm: 'or',
  rules: [
    {
      action: 'retain',
      template: 'latestPushedK',
      params: { latestPushedK: k },
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: NO_REPO }] },
    },
  ],
  trigger: { kind: 'Schedule', settings: { cron: '' } },
  scope: { level: 'project', ref: projectId },
});
const storedRetention = (projectId: number) => {
  const b = retentionBody(projectId);
  return {
    algorithm: 'or',
    rules: b.rules.map((r, i) => ({
      id: i + 1,
      priority: 0,
      disabled: false,
      action: 'retain',
      template: r.template,
      params: r.params,
      tagSelectors: r.tag_selectors,
      scopeSelectors: r.scope_selectors,
    })),
    trigger: { kind: 'Schedule', settings: { cron: '' } },
    scope: { level: 'project' as const, ref: projectId },
  };
};
async function ensureRetention(fx: Fixture, admin: Admin, key: string, projectId: number): Promise<number> {
  const existing = await admin.db.retentionPolicies.getByProject(projectId);
  const id = existing?.id ?? (await admin.db.retentionPolicies.create(storedRetention(projectId))).id;
  fx.set(key, id);
  return id;
}
const sharedRetention = (fx: Fixture, admin: Admin) => {
  const made = sharedFixtures.get(fx) ?? new Map<string, Promise<void>>();
  sharedFixtures.set(fx, made);
  if (!made.has('ret'))
    made.set(
      'ret',
      ensureRetention(fx, admin, 'ret', fx.id('priv')).then(() => undefined),
    );
  return made.get('ret') as Promise<void>;
};
/** A retention execution of `priv`'s policy with one idle task (see `createExecution`). */
async function retentionExecution(fx: Fixture, admin: Admin, key: string) {
  await sharedRetention(fx, admin);
  const now = Date.now();
  const execution = await admin.db.jobs.createExecution(
    {
      vendorType: 'RETENTION',
      vendorId: fx.id('ret'),
      projectId: fx.id('priv'),
      trigger: 'MANUAL',
      extraAttrs: { dry_run: true },
      singleActive: false,
      open: false,
      tasks: [{ jobType: 'matrix.idle', params: {}, dedupeKey: null, priority: 0, maxAttempts: 1, runAfter: now }],
    },
    now,
  );
  const task = (await admin.db.jobs.listTasks({ executionId: execution.id }, { offset: 0, limit: 1 })).items[0];
  if (!task) throw new Error(`execution ${execution.id} has no task`);
  fx.set(key, execution.id);
  fx.set(`${key}:task`, task.id);
}
const sharedRetentionExecution = (fx: Fixture, admin: Admin) => {
  const made = sharedFixtures.get(fx) ?? new Map<string, Promise<void>>();
  sharedFixtures.set(fx, made);
  if (!made.has('ret:exec')) made.set('ret:exec', retentionExecution(fx, admin, 'ret:exec'));
  return made.get('ret:exec') as Promise<void>;
};
const immutableRule = (pattern: string) => ({
  tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern }],
  scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
});
let immutableSerial = 0;
const freshImmutableRule = (key: string) => async (fx: Fixture, admin: Admin) => {
  const rule = await admin.db.immutableRules.create({
    projectId: fx.id('priv'),
    disabled: false,
    priority: 0,
    action: 'immutable',
    template: 'immutable_template',
    params: {},
    tagSelectors: [{ kind: 'doublestar', decoration: 'matches', pattern: `${key}-${++immutableSerial}-*` }],
    scopeSelectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
  });
  fx.set(key, rule.id);
};
/**
 * Per-caller projects `<prefix>-<key>` where each caller has its `priv` role, each with a retention
 * policy (re-created when a case deleted it): targets a caller may change without touching another's.
 * Robots hold no grant there, which matches `priv` since none of theirs names tag-retention.
 */
async function ownRetention(fx: Fixture, admin: Admin, prefix: string): Promise<void> {
  for (const c of CALLERS) {
    let project = await admin.db.projects.get(`${prefix}-${c.key}`);
    if (!project) {
      project = await admin.db.projects.ensure(`${prefix}-${c.key}`);
      if (c.kind === 'user' && c.role !== undefined && !c.sysadmin) {
        await admin.db.members.add(project.id, 'u', fx.id('user', c), c.role);
      }
    }
    fx.set(prefix, await ensureRetention(fx, admin, `${prefix}:${c.key}`, project.id), c);
  }
}
const callerNumber = (c: Caller) => CALLERS.findIndex((x) => x.key === c.key) + 100;

/** System-wide GC runs: system garbage-collection, or jobservice-monitor (job-permissions.ts). */
function gcRuns(action: 'list' | 'stop'): Rule {
  return {
    text: `system garbage-collection:${action} or jobservice-monitor:${action}`,
    allows: (c) => onSystem('garbage-collection', action).allows(c) || onSystem('jobservice-monitor', action).allows(c),
  };
}
const NEW_SIZE = 1024 * 1024;

/** A read-only case on `priv`, repeated on `pub` with the same permission. */
function privAndPub(
  base: Omit<ApiCase, 'rule' | 'path'>,
  path: (project: string, fx: Fixture) => string,
  resource: string,
  action: string,
): ApiCase[] {
  return ['priv', 'pub'].map((project) => ({
    ...base,
    ...(project === 'pub' ? { variant: 'pub' } : {}),
    path: (_c: Caller, fx: Fixture) => path(project, fx),
    rule: inProject(project, resource, action),
  }));
}

export const CASES: readonly ApiCase[] = [
  // System: health, information, statistics, search.
  { op: 'getPing', method: 'GET', path: () => '/ping', rule: anyone },
  { op: 'getHealth', method: 'GET', path: () => '/health', rule: anyone },
  {
    op: 'getSystemInfo',
    method: 'GET',
    path: () => '/systeminfo',
    rule: anyone,
    // Harbor's "protected" information (version, URLs, settings) is for authenticated callers.
    reveals: [{ what: 'the version', rule: authenticated, in: (body) => json(body).harbor_version !== undefined }],
  },
  { op: 'getVolumes', method: 'GET', path: () => '/systeminfo/volumes', rule: onSystem('system-volumes', 'read') },
  {
    op: 'getStatistic',
    method: 'GET',
    path: () => '/statistics',
    rule: authenticated,
    // Harbor's handler/statistic.go: totals for system administrators; private counts over the
    // projects a user is a member of; robots, whatever they hold, get the public counts only.
    reveals: [
      {
        what: "priv's repositories in the private counts",
        rule: { text: 'system admins and members of priv', allows: (c) => c.sysadmin === true || c.role !== undefined },
        in: (body) => Number(json(body).private_repo_count) > 0,
      },
      {
        what: 'the totals',
        rule: { text: 'system admins', allows: (c) => c.sysadmin === true },
        in: (body) => Number(json(body).total_repo_count) > 0,
      },
    ],
  },
  {
    op: 'search',
    method: 'GET',
    path: () => '/search?q=priv',
    rule: anyone,
    reveals: [
      {
        what: 'priv and its repositories',
        // Harbor's handler/search.go: system administrators see everything, users their projects and
        // public ones, everyone else (robots included, whatever they hold) public projects only.
        rule: { text: 'system admins and members of priv', allows: (c) => c.sysadmin === true || c.role !== undefined },
        in: (body) => {
          const b = json(body);
          return (
            list(b.project).some((p) => p.name === 'priv') || list(b.repository).some((r) => r.project_name === 'priv')
          );
        },
      },
    ],
  },

  // Projects.
  {
    op: 'listProjects',
    method: 'GET',
    path: () => '/projects?page_size=100',
    rule: anyone,
    reveals: [{ what: 'priv', rule: seesPrivProject, in: (body) => list(body).some((p) => p.name === 'priv') }],
  },
  ...(['getProject', 'listRepositories'] as const).map((op): ApiCase => ({
    op,
    variant: 'missing project',
    method: 'GET',
    path: () => (op === 'getProject' ? '/projects/no-such-project' : '/projects/no-such-project/repositories'),
    // Harbor's RequireProjectAccess (handler/base.go) finds no permission on a project it cannot find,
    // so a caller learns nothing about which private project names exist.
    rule: {
      text: 'system admin; others refused whether or not the project exists',
      allows: (c) => c.sysadmin === true,
    },
    ok: 404,
  })),
  ...privAndPub({ op: 'headProject', method: 'HEAD' }, (p) => `/projects?project_name=${p}`, '', 'read'),
  {
    op: 'createProject',
    method: 'POST',
    path: () => '/projects',
    body: (c) => ({ project_name: `new-${c.key}`, metadata: { public: 'false' } }),
    // Harbor: anyone authenticated (project_creation_restriction "everyone"); of robots, only
    // system-level ones (Berth: holding system project:create).
    rule: {
      text: 'authenticated users; robots with system project:create',
      allows: (c) => isUser(c) || (c.kind === 'robot' && onSystem('project', 'create').allows(c)),
    },
    ok: 201,
    effect: async (c, _fx, admin) => (await status(admin, `/projects/new-${c.key}`)) === 200,
  },
  ...privAndPub({ op: 'getProject', method: 'GET' }, (p) => `/projects/${p}`, '', 'read'),
  {
    op: 'updateProject',
    method: 'PUT',
    path: () => '/projects/priv',
    body: () => ({ metadata: { prevent_vul: 'true' } }),
    rule: inProject('priv', '', 'update'),
    reset: (fx, admin) => admin.db.projects.updateMetadata(fx.id('priv'), { prevent_vul: 'false' }).then(() => {}),
    effect: async (_c, _fx, admin) => (await metadata(admin, 'priv')).prevent_vul === 'true',
  },
  {
    op: 'deleteProject',
    method: 'DELETE',
    // An empty project per caller, in which the caller holds its priv role.
    path: (c) => `/projects/del-${c.key}`,
    rule: inProject((c) => `del-${c.key}`, '', 'delete'),
    effect: async (c, _fx, admin) => (await status(admin, `/projects/del-${c.key}`)) === 404,
  },
  {
    op: 'getProjectDeletable',
    method: 'GET',
    path: () => '/projects/priv/_deletable',
    rule: inProject('priv', '', 'delete'),
  },
  ...privAndPub({ op: 'getProjectSummary', method: 'GET' }, (p) => `/projects/${p}/summary`, '', 'read').map(
    (c): ApiCase => {
      const project = c.variant ?? 'priv';
      return {
        ...c,
        reveals: [
          {
            what: 'the quota',
            rule: inProject(project, 'quota', 'read'),
            in: (body) => json(body).quota !== undefined,
          },
          {
            what: 'member counts',
            rule: inProject(project, 'member', 'list'),
            in: (body) => json(body).guest_count !== undefined,
          },
        ],
      };
    },
  ),

  // Members.
  ...privAndPub({ op: 'listProjectMembers', method: 'GET' }, (p) => `/projects/${p}/members`, 'member', 'list'),
  {
    op: 'createProjectMember',
    method: 'POST',
    path: () => '/projects/priv/members',
    body: (c) => ({ role_id: 3, member_user: { username: `cand-${c.key}` } }),
    rule: inProject('priv', 'member', 'create'),
    ok: 201,
    effect: async (c, _fx, admin) =>
      ((await admin.get(`/projects/priv/members?entityname=cand-${c.key}`)).json() as { entity_name: string }[]).some(
        (m) => m.entity_name === `cand-${c.key}`,
      ),
  },
  {
    op: 'getProjectMember',
    method: 'GET',
    path: (_c, fx) => `/projects/priv/members/${fx.id('member:guest')}`,
    rule: inProject('priv', 'member', 'read'),
  },
  {
    op: 'updateProjectMember',
    method: 'PUT',
    path: (c, fx) => `/projects/priv/members/${fx.id('member:upd', c)}`,
    body: () => ({ role_id: 2 }),
    rule: inProject('priv', 'member', 'update'),
    effect: async (c, fx, admin) =>
      json((await admin.get(`/projects/priv/members/${fx.id('member:upd', c)}`)).json()).role_id === 2,
  },
  {
    op: 'deleteProjectMember',
    method: 'DELETE',
    path: (c, fx) => `/projects/priv/members/${fx.id('member:del', c)}`,
    rule: inProject('priv', 'member', 'delete'),
    effect: async (c, fx, admin) => (await status(admin, `/projects/priv/members/${fx.id('member:del', c)}`)) === 404,
  },

  // Project metadata (one shared project, so one caller at a time).
  {
    op: 'listProjectMetadatas',
    method: 'GET',
    path: () => '/projects/priv/metadatas/',
    rule: inProject('priv', 'metadata', 'list'),
  },
  {
    op: 'addProjectMetadatas',
    method: 'POST',
    path: () => '/projects/priv/metadatas/',
    body: () => ({ auto_sbom_generation: 'true' }),
    rule: inProject('priv', 'metadata', 'create'),
    reset: (fx, admin) =>
      admin.db.projects.updateMetadata(fx.id('priv'), { auto_sbom_generation: null }).then(() => {}),
    effect: async (_c, _fx, admin) => (await metadata(admin, 'priv')).auto_sbom_generation === 'true',
  },
  {
    op: 'getProjectMetadata',
    method: 'GET',
    path: () => '/projects/priv/metadatas/severity',
    rule: inProject('priv', 'metadata', 'read'),
  },
  {
    op: 'updateProjectMetadata',
    method: 'PUT',
    path: () => '/projects/priv/metadatas/severity',
    body: () => ({ severity: 'high' }),
    rule: inProject('priv', 'metadata', 'update'),
    reset: (fx, admin) => admin.db.projects.updateMetadata(fx.id('priv'), { severity: 'low' }).then(() => {}),
    effect: async (_c, _fx, admin) => (await metadata(admin, 'priv')).severity === 'high',
  },
  {
    op: 'deleteProjectMetadata',
    method: 'DELETE',
    path: () => '/projects/priv/metadatas/auto_scan',
    rule: inProject('priv', 'metadata', 'delete'),
    reset: (fx, admin) => admin.db.projects.updateMetadata(fx.id('priv'), { auto_scan: 'true' }).then(() => {}),
    effect: async (_c, _fx, admin) => (await metadata(admin, 'priv')).auto_scan === undefined,
  },

  // Repositories.
  {
    op: 'listAllRepositories',
    method: 'GET',
    path: () => '/repositories?page_size=100',
    rule: anyone,
    reveals: [
      {
        what: "priv's repositories",
        rule: inProject('priv', 'repository', 'list'),
        in: (body) => list(body).some((r) => String(r.name).startsWith('priv/')),
      },
    ],
  },
  ...privAndPub({ op: 'listRepositories', method: 'GET' }, (p) => `/projects/${p}/repositories`, 'repository', 'list'),
  // Harbor's getRepository asks for repository:list, not :read (handler/repository.go).
  ...privAndPub({ op: 'getRepository', method: 'GET' }, (p) => `/projects/${p}/repositories/app`, 'repository', 'list'),
  {
    op: 'updateRepository',
    method: 'PUT',
    path: () => APP,
    // Berth keeps no descriptions: an empty one is the update that succeeds (and changes nothing).
    body: () => ({ description: '' }),
    rule: inProject('priv', 'repository', 'update'),
  },
  {
    op: 'deleteRepository',
    method: 'DELETE',
    path: (c) => `/projects/priv/repositories/delrepo-${c.key}`,
    rule: inProject('priv', 'repository', 'delete'),
    effect: async (c, _fx, admin) => (await status(admin, `/projects/priv/repositories/delrepo-${c.key}`)) === 404,
  },

  // Artifacts, tags, additions, artifact labels.
  ...privAndPub(
    { op: 'listArtifacts', method: 'GET' },
    (p) => `/projects/${p}/repositories/app/artifacts`,
    'artifact',
    'list',
  ),
  {
    op: 'CopyArtifact',
    method: 'POST',
    path: (c, fx) => `/projects/priv/repositories/copy-${c.key}/artifacts?from=priv/app@${fx.text('digest')}`,
    rule: {
      text: 'priv: artifact:create (destination) and artifact:read (source)',
      allows: (c) => may(c, 'priv', 'artifact', 'create') && may(c, 'priv', 'artifact', 'read'),
    },
    ok: 201,
    effect: async (c, _fx, admin) => (await status(admin, `/projects/priv/repositories/copy-${c.key}`)) === 200,
  },
  {
    op: 'CopyArtifact',
    variant: 'source not readable',
    method: 'POST',
    path: (c, fx) => `/projects/priv/repositories/copyx-${c.key}/artifacts?from=secret/app@${fx.text('secretDigest')}`,
    rule: {
      text: 'priv: artifact:create, and secret: artifact:read',
      allows: (c) => may(c, 'priv', 'artifact', 'create') && may(c, 'secret', 'artifact', 'read'),
    },
    ok: 201,
    effect: async (c, _fx, admin) => (await status(admin, `/projects/priv/repositories/copyx-${c.key}`)) === 200,
  },
  ...privAndPub(
    { op: 'getArtifact', method: 'GET' },
    (p) => `/projects/${p}/repositories/app/artifacts/v1`,
    'artifact',
    'read',
  ),
  {
    op: 'deleteArtifact',
    method: 'DELETE',
    path: (c, fx) => `/projects/priv/repositories/delart/artifacts/${fx.text('delart', c)}`,
    rule: inProject('priv', 'artifact', 'delete'),
    effect: async (c, fx, admin) =>
      (await status(admin, `/projects/priv/repositories/delart/artifacts/${fx.text('delart', c)}`)) === 404,
  },
  ...privAndPub(
    { op: 'listTags', method: 'GET' },
    (p) => `/projects/${p}/repositories/app/artifacts/v1/tags`,
    'tag',
    'list',
  ),
  ...['priv', 'pub'].map((project): ApiCase => ({
    op: 'createTag',
    ...(project === 'pub' ? { variant: 'pub' } : {}),
    method: 'POST',
    path: () => `/projects/${project}/repositories/app/artifacts/v1/tags`,
    body: (c) => ({ name: `t-${c.key}` }),
    rule: inProject(project, 'tag', 'create'),
    ok: 201,
    effect: async (c, _fx, admin) =>
      (await status(admin, `/projects/${project}/repositories/app/artifacts/t-${c.key}`)) === 200,
  })),
  {
    op: 'deleteTag',
    method: 'DELETE',
    path: (c) => `${V1}/tags/d-${c.key}`,
    rule: inProject('priv', 'tag', 'delete'),
    effect: async (c, _fx, admin) => (await status(admin, `${APP}/artifacts/d-${c.key}`)) === 404,
  },
  ...privAndPub(
    {
      op: 'getVulnerabilitiesAddition',
      method: 'GET',
      // Before a scan, like Harbor without a report, it answers 200 with an empty object.
    },
    (p) => `/projects/${p}/repositories/app/artifacts/v1/additions/vulnerabilities`,
    'artifact-addition',
    'read',
  ),
  ...privAndPub(
    { op: 'getAddition', method: 'GET' },
    (p) => `/projects/${p}/repositories/app/artifacts/v1/additions/build_history`,
    'artifact-addition',
    'read',
  ),
  ...privAndPub(
    { op: 'berth:getArtifactLayers', method: 'GET' },
    (p) => `/projects/${p}/repositories/app/artifacts/v1/additions/layers`,
    'artifact-addition',
    'read',
  ),
  {
    op: 'addLabel',
    method: 'POST',
    path: () => `${V1}/labels`,
    body: (c, fx) => ({ id: fx.id('label:add', c) }),
    rule: inProject('priv', 'artifact-label', 'create'),
    effect: async (c, fx, admin) => (await labelIds(admin, V1)).includes(fx.id('label:add', c)),
  },
  {
    op: 'removeLabel',
    method: 'DELETE',
    path: (c, fx) => `${V1}/labels/${fx.id('label:remove', c)}`,
    rule: inProject('priv', 'artifact-label', 'delete'),
    effect: async (c, fx, admin) => !(await labelIds(admin, V1)).includes(fx.id('label:remove', c)),
  },

  // Audit log.
  // Everyone authenticated lists; who is not a system administrator sees only projects where they hold log:list.
  {
    op: 'listAuditLogs',
    method: 'GET',
    path: () => `/audit-logs?page_size=100&q=${encodeURIComponent('resource=~priv/')}`,
    rule: authenticated,
    reveals: [
      {
        what: "priv's entries",
        // Harbor: project entries only for users, in projects where they hold log:list (handler/auditlog.go).
        rule: {
          text: 'system audit-log:list, or users with priv log:list',
          allows: (c) =>
            onSystem('audit-log', 'list').allows(c) || (c.kind === 'user' && may(c, 'priv', 'log', 'list')),
        },
        in: (body) => list(body).length > 0,
      },
    ],
  },
  { op: 'getLogs', method: 'GET', path: () => '/projects/priv/logs', rule: inProject('priv', 'log', 'list') },

  // Robots: project robots of priv, and system robots.
  {
    op: 'ListRobot',
    method: 'GET',
    path: (_c, fx) => `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${fx.id('priv')}`)}`,
    rule: inProject('priv', 'robot', 'list'),
  },
  { op: 'ListRobot', variant: 'system', method: 'GET', path: () => '/robots', rule: onSystem('robot', 'list') },
  ...(['project', 'system'] as const).flatMap((level): ApiCase[] => {
    const variant = level === 'system' ? { variant: 'system' } : {};
    const rule = (action: string) =>
      level === 'project' ? inProject('priv', 'robot', action) : onSystem('robot', action);
    const fullName = (short: string) => (level === 'project' ? `robot$priv+${short}` : `robot$${short}`);
    const p = level === 'project' ? '' : 's';
    return [
      {
        op: 'CreateRobot',
        ...variant,
        method: 'POST',
        path: () => '/robots',
        body: (c) => robotBody(`${p}c-${c.key}`, level),
        rule: rule('create'),
        ok: 201,
        effect: async (c, _fx, admin) =>
          (await admin.db.robots.getCredentials(fullName(`${p}c-${c.key}`))) !== undefined,
      },
      {
        op: 'GetRobotByID',
        ...variant,
        method: 'GET',
        path: (_c, fx) => `/robots/${fx.id(`robot:${level}`)}`,
        rule: rule('read'),
      },
      {
        op: 'UpdateRobot',
        ...variant,
        method: 'PUT',
        path: (c, fx) => `/robots/${fx.id(`robot:${level}:upd`, c)}`,
        body: (c) => robotBody(`${p}u-${c.key}`, level, `updated by ${c.key}`),
        rule: rule('update'),
        effect: async (c, fx, admin) =>
          json((await admin.get(`/robots/${fx.id(`robot:${level}:upd`, c)}`)).json()).description ===
          `updated by ${c.key}`,
      },
      {
        op: 'RefreshSec',
        ...variant,
        method: 'PATCH',
        path: (c, fx) => `/robots/${fx.id(`robot:${level}:sec`, c)}`,
        body: () => ({}),
        rule: rule('update'),
        effect: async (c, fx, admin) => {
          const robot = await admin.db.robots.get(fx.id(`robot:${level}:sec`, c));
          const stored = robot && (await admin.db.robots.getCredentials(robot.name));
          return stored?.secretHash !== fx.text('targetSecretHash');
        },
      },
      {
        op: 'DeleteRobot',
        ...variant,
        method: 'DELETE',
        path: (c, fx) => `/robots/${fx.id(`robot:${level}:del`, c)}`,
        rule: rule('delete'),
        effect: async (c, fx, admin) => (await status(admin, `/robots/${fx.id(`robot:${level}:del`, c)}`)) === 404,
      },
    ];
  }),

  {
    op: 'CreateRobot',
    variant: 'another project',
    method: 'POST',
    path: () => '/robots',
    body: (c) => robotBody(`o-${c.key}`, 'project', '', 'secret'),
    rule: inProject('secret', 'robot', 'create'),
    ok: 201,
    effect: async (c, _fx, admin) => (await admin.db.robots.getCredentials(`robot$secret+o-${c.key}`)) !== undefined,
  },

  // Immutable tag rules (Harbor's handler/immutable.go): the project's immutable-tag permission.
  {
    op: 'ListImmuRules',
    method: 'GET',
    path: () => '/projects/priv/immutabletagrules',
    rule: inProject('priv', 'immutable-tag', 'list'),
  },
  {
    op: 'CreateImmuRule',
    method: 'POST',
    path: () => '/projects/priv/immutabletagrules',
    body: (c) => immutableRule(`create-${c.key}-*`),
    rule: inProject('priv', 'immutable-tag', 'create'),
    ok: 201,
    effect: async (c, fx, admin) =>
      (await admin.db.immutableRules.list(fx.id('priv'))).items.some(
        (r) => r.tagSelectors[0]?.pattern === `create-${c.key}-*`,
      ),
  },
  {
    op: 'UpdateImmuRule',
    method: 'PUT',
    path: (_c, fx) => `/projects/priv/immutabletagrules/${fx.id('immu:upd')}`,
    body: (c, fx) => ({ ...immutableRule(`update-${c.key}-*`), id: fx.id('immu:upd'), disabled: true }),
    rule: inProject('priv', 'immutable-tag', 'update'),
    reset: freshImmutableRule('immu:upd'),
    effect: async (_c, fx, admin) => (await admin.db.immutableRules.get(fx.id('immu:upd')))?.disabled === true,
  },
  {
    op: 'DeleteImmuRule',
    method: 'DELETE',
    path: (_c, fx) => `/projects/priv/immutabletagrules/${fx.id('immu:del')}`,
    rule: inProject('priv', 'immutable-tag', 'delete'),
    reset: freshImmutableRule('immu:del'),
    effect: async (_c, fx, admin) => !(await admin.db.immutableRules.get(fx.id('immu:del'))),
  },

  // Tag retention (Harbor's handler/retention.go): authenticated callers; the policy's project's
  // tag-retention permission (runs and stops are updates).
  { op: 'getRentenitionMetadata', method: 'GET', path: () => '/retentions/metadatas', rule: authenticated },
  {
    op: 'createRetention',
    method: 'POST',
    path: () => '/retentions',
    body: (_c, fx) => retentionBody(fx.id('pub')),
    rule: inProject('pub', 'tag-retention', 'create'),
    ok: 201,
    reset: async (fx, admin) => {
      const existing = await admin.db.retentionPolicies.getByProject(fx.id('pub'));
      if (existing) await admin.db.retentionPolicies.delete(existing.id);
    },
    effect: async (_c, fx, admin) => (await admin.db.retentionPolicies.getByProject(fx.id('pub'))) !== undefined,
  },
  {
    op: 'getRetention',
    method: 'GET',
    path: (_c, fx) => `/retentions/${fx.id('ret')}`,
    rule: inProject('priv', 'tag-retention', 'read'),
    reset: sharedRetention,
  },
  {
    op: 'updateRetention',
    method: 'PUT',
    path: (_c, fx) => `/retentions/${fx.id('ret')}`,
    body: (c, fx) => retentionBody(fx.id('priv'), callerNumber(c)),
    rule: inProject('priv', 'tag-retention', 'update'),
    reset: sharedRetention,
    effect: async (c, fx, admin) =>
      (await admin.db.retentionPolicies.get(fx.id('ret')))?.rules[0]?.params.latestPushedK === callerNumber(c),
  },
  {
    op: 'deleteRetention',
    method: 'DELETE',
    path: (c, fx) => `/retentions/${fx.id('retd', c)}`,
    // Each caller deletes the policy of its own project, where it holds its priv role.
    rule: inProject('priv', 'tag-retention', 'delete'),
    reset: (fx, admin) => ownRetention(fx, admin, 'retd'),
    effect: async (c, fx, admin) => !(await admin.db.retentionPolicies.get(fx.id('retd', c))),
  },
  {
    // The policy selects no repository: the run ends at once.
    op: 'triggerRetentionExecution',
    method: 'POST',
    path: (c, fx) => `/retentions/${fx.id('rett', c)}/executions`,
    body: () => ({ dry_run: true }),
    // Each caller runs the policy of its own project (see ownRetention), so runs never overlap.
    rule: inProject('priv', 'tag-retention', 'update'),
    ok: 201,
    reset: (fx, admin) => ownRetention(fx, admin, 'rett'),
  },
  {
    op: 'listRetentionExecutions',
    method: 'GET',
    path: (_c, fx) => `/retentions/${fx.id('ret')}/executions`,
    rule: inProject('priv', 'tag-retention', 'list'),
    reset: sharedRetention,
  },
  {
    op: 'operateRetentionExecution',
    method: 'PATCH',
    path: (_c, fx) => `/retentions/${fx.id('ret')}/executions/${fx.id('ret:stop')}`,
    body: () => ({ action: 'stop' }),
    rule: inProject('priv', 'tag-retention', 'update'),
    reset: (fx, admin) => retentionExecution(fx, admin, 'ret:stop'),
    effect: async (_c, fx, admin) => (await admin.db.jobs.getExecution(fx.id('ret:stop')))?.status === 'Stopped',
  },
  {
    op: 'listRetentionTasks',
    method: 'GET',
    path: (_c, fx) => `/retentions/${fx.id('ret')}/executions/${fx.id('ret:exec')}/tasks`,
    rule: inProject('priv', 'tag-retention', 'list'),
    reset: sharedRetentionExecution,
  },
  {
    op: 'getRetentionTaskLog',
    method: 'GET',
    path: (_c, fx) => `/retentions/${fx.id('ret')}/executions/${fx.id('ret:exec')}/tasks/${fx.id('ret:exec:task')}`,
    rule: inProject('priv', 'tag-retention', 'read'),
    reset: sharedRetentionExecution,
  },

  // Quotas (system resources; a quota's id is its project's).
  { op: 'listQuotas', method: 'GET', path: () => '/quotas', rule: onSystem('quota', 'list') },

  // Garbage collection (Harbor's handler/gc.go): system garbage-collection permissions.
  { op: 'getGCHistory', method: 'GET', path: () => '/system/gc', rule: onSystem('garbage-collection', 'list') },
  {
    op: 'getGC',
    method: 'GET',
    path: (_c, fx) => `/system/gc/${fx.id('job:gc')}`,
    rule: onSystem('garbage-collection', 'read'),
    reset: sharedExecution('job:gc', 'GARBAGE_COLLECTION', null),
  },
  {
    op: 'getGCLog',
    method: 'GET',
    path: (_c, fx) => `/system/gc/${fx.id('job:gc')}/log`,
    rule: onSystem('garbage-collection', 'read'),
    reset: sharedExecution('job:gc', 'GARBAGE_COLLECTION', null),
  },
  {
    op: 'stopGC',
    method: 'PUT',
    path: (_c, fx) => `/system/gc/${fx.id('gc:stop')}`,
    rule: onSystem('garbage-collection', 'stop'),
    reset: freshExecution('gc:stop', 'GARBAGE_COLLECTION', null),
    effect: async (_c, fx, admin) => (await admin.db.jobs.getExecution(fx.id('gc:stop')))?.status === 'Stopped',
  },
  {
    op: 'getGCSchedule',
    method: 'GET',
    path: () => '/system/gc/schedule',
    rule: onSystem('garbage-collection', 'read'),
  },
  {
    // None (delete the schedule) changes nothing another case relies on; Manual would start real runs.
    op: 'createGCSchedule',
    method: 'POST',
    path: () => '/system/gc/schedule',
    body: () => ({ schedule: { type: 'None' } }),
    rule: onSystem('garbage-collection', 'create'),
    ok: 201,
  },
  {
    op: 'updateGCSchedule',
    method: 'PUT',
    path: () => '/system/gc/schedule',
    body: () => ({ schedule: { type: 'Custom', cron: '0 0 3 * * 6' }, parameters: { dry_run: true } }),
    rule: onSystem('garbage-collection', 'update'),
  },
  { op: 'getQuota', method: 'GET', path: (_c, fx) => `/quotas/${fx.id('priv')}`, rule: onSystem('quota', 'read') },
  {
    op: 'updateQuota',
    method: 'PUT',
    path: (c, fx) => `/quotas/${fx.id('quota', c)}`,
    body: () => ({ hard: { storage: NEW_SIZE } }),
    rule: onSystem('quota', 'update'),
    effect: async (c, fx, admin) =>
      json(json((await admin.get(`/quotas/${fx.id('quota', c)}`)).json()).hard).storage === NEW_SIZE,
  },

  // Users.
  { op: 'listUsers', method: 'GET', path: () => '/users', rule: onSystem('user', 'list') },
  {
    op: 'createUser',
    method: 'POST',
    path: () => '/users',
    body: (c) => ({
      username: `nu-${c.key}`,
      email: `nu-${c.key}@example.test`,
      realname: 'New',
      password: 'Created-Pass-1',
    }),
    rule: onSystem('user', 'create'),
    ok: 201,
    effect: async (c, _fx, admin) => (await admin.db.users.getByName(`nu-${c.key}`)) !== undefined,
  },
  {
    op: 'getCurrentUserInfo',
    method: 'GET',
    path: () => '/users/current',
    rule: authenticated,
    okFor: { callers: ['probot', 'srobot'], status: 412, why: 'a robot is no user account (Harbor: 412)' },
  },
  { op: 'searchUsers', method: 'GET', path: () => '/users/search?username=dev', rule: authenticated },
  {
    op: 'getCurrentUserPermissions',
    method: 'GET',
    path: (_c, fx) => `/users/current/permissions?scope=/project/${fx.id('priv')}&relative=true`,
    rule: authenticated,
  },
  { op: 'getUser', method: 'GET', path: (_c, fx) => `/users/${fx.id('bystander')}`, rule: onSystem('user', 'read') },
  { op: 'getUser', variant: 'self', method: 'GET', path: (c, fx) => `/users/${ownOrBystander(c, fx)}`, rule: self },
  {
    op: 'updateUserProfile',
    method: 'PUT',
    path: (c, fx) => `/users/${fx.id('user:profile', c)}`,
    body: (c) => ({ email: `changed-${c.key}@example.test`, realname: 'Changed', comment: '' }),
    rule: onSystem('user', 'update'),
    effect: async (c, fx, admin) =>
      json((await admin.get(`/users/${fx.id('user:profile', c)}`)).json()).email === `changed-${c.key}@example.test`,
  },
  {
    op: 'updateUserProfile',
    variant: 'self',
    method: 'PUT',
    path: (c, fx) => `/users/${ownOrBystander(c, fx)}`,
    body: (c) => ({ email: `self-${c.key}@example.test`, realname: 'Self', comment: '' }),
    rule: selfUpdate,
    effect: async (c, fx, admin) =>
      json((await admin.get(`/users/${ownOrBystander(c, fx)}`)).json()).email === `self-${c.key}@example.test`,
  },
  {
    op: 'deleteUser',
    method: 'DELETE',
    path: (c, fx) => `/users/${fx.id('user:delete', c)}`,
    rule: onSystem('user', 'delete'),
    effect: async (c, fx, admin) => (await status(admin, `/users/${fx.id('user:delete', c)}`)) === 404,
  },
  {
    op: 'setUserSysAdmin',
    method: 'PUT',
    path: (c, fx) => `/users/${fx.id('user:sysadmin', c)}/sysadmin`,
    body: () => ({ sysadmin_flag: true }),
    rule: onSystem('user', 'update'),
    effect: async (c, fx, admin) =>
      json((await admin.get(`/users/${fx.id('user:sysadmin', c)}`)).json()).sysadmin_flag === true,
  },
  {
    // Someone else's password (no old password needed by an administrator). Changing one's own is
    // left to api-users.test.ts: it would sign the caller out of the rest of the matrix.
    op: 'updateUserPassword',
    method: 'PUT',
    path: (c, fx) => `/users/${fx.id('user:password', c)}/password`,
    body: () => ({ new_password: 'Changed-Pass-2' }),
    rule: onSystem('user', 'update'),
    effect: async (c, fx, admin) =>
      (await admin.db.users.getCredentials(`pw-${c.key}`))?.passwordHash !== fx.text('targetPasswordHash'),
  },

  // Labels: global ones are the system's `label`, project ones the project's.
  { op: 'ListLabels', method: 'GET', path: () => '/labels?scope=g', rule: anyone },
  ...privAndPub(
    { op: 'ListLabels', method: 'GET' },
    (p, fx) => `/labels?scope=p&project_id=${fx.id(p)}`,
    'label',
    'list',
  ).map((c) => ({ ...c, variant: c.variant ?? 'priv' })),
  ...privAndPub({ op: 'GetLabelByID', method: 'GET' }, (p, fx) => `/labels/${fx.id(`label:${p}`)}`, 'label', 'read'),
  {
    op: 'GetLabelByID',
    variant: 'global',
    method: 'GET',
    path: (_c, fx) => `/labels/${fx.id('label:global')}`,
    rule: onSystem('label', 'read'),
  },
  ...(['priv', 'global'] as const).flatMap((scope): ApiCase[] => {
    const variant = scope === 'global' ? { variant: 'global' } : {};
    const rule = (action: string) =>
      scope === 'priv' ? inProject('priv', 'label', action) : onSystem('label', action);
    const p = scope === 'priv' ? '' : 'g';
    return [
      {
        op: 'CreateLabel',
        ...variant,
        method: 'POST',
        path: () => '/labels',
        body: (c, fx) =>
          scope === 'priv'
            ? { name: `cl-${c.key}`, scope: 'p', project_id: fx.id('priv') }
            : { name: `gcl-${c.key}`, scope: 'g' },
        rule: rule('create'),
        ok: 201,
        effect: async (c, fx, admin) => {
          const query = scope === 'priv' ? `scope=p&project_id=${fx.id('priv')}` : 'scope=g';
          const list = (await admin.get(`/labels?${query}&name=${p}cl-${c.key}`)).json() as { name: string }[];
          return list.some((l) => l.name === `${p}cl-${c.key}`);
        },
      },
      {
        op: 'UpdateLabel',
        ...variant,
        method: 'PUT',
        path: (c, fx) => `/labels/${fx.id(`label:${scope}:upd`, c)}`,
        body: (c) => ({ name: `${p}ul-${c.key}`, description: 'updated' }),
        rule: rule('update'),
        effect: async (c, fx, admin) =>
          json((await admin.get(`/labels/${fx.id(`label:${scope}:upd`, c)}`)).json()).description === 'updated',
      },
      {
        op: 'DeleteLabel',
        ...variant,
        method: 'DELETE',
        path: (c, fx) => `/labels/${fx.id(`label:${scope}:del`, c)}`,
        rule: rule('delete'),
        effect: async (c, fx, admin) => (await status(admin, `/labels/${fx.id(`label:${scope}:del`, c)}`)) === 404,
      },
    ];
  }),

  // Berth's own routes (outside Harbor's swagger): personal access tokens and login locks.
  {
    op: 'berth:listAccessTokens',
    method: 'GET',
    path: () => '/users/current/tokens',
    rule: authenticated,
    okFor: { callers: ['probot', 'srobot'], status: 412, why: 'access tokens are for user accounts' },
  },
  {
    op: 'berth:createAccessToken',
    method: 'POST',
    path: () => '/users/current/tokens',
    body: (c) => ({ name: `tok-${c.key}` }),
    // Minting a token needs the password: a caller signed in with a token may not.
    signIn: 'password',
    rule: authenticated,
    ok: 201,
    okFor: { callers: ['probot', 'srobot'], status: 412, why: 'access tokens are for user accounts' },
    effect: async (c, fx, admin) =>
      isUser(c) && (await admin.db.accessTokens.list(fx.id('user', c))).some((t) => t.name === `tok-${c.key}`),
  },
  {
    op: 'berth:deleteAccessToken',
    method: 'DELETE',
    path: (c, fx) => `/users/current/tokens/${isUser(c) ? fx.id('token', c) : 999_999}`,
    rule: authenticated,
    okFor: { callers: ['probot', 'srobot'], status: 412, why: 'access tokens are for user accounts' },
    effect: async (c, fx, admin) =>
      isUser(c) && !(await admin.db.accessTokens.list(fx.id('user', c))).some((t) => t.id === fx.id('token', c)),
  },
  { op: 'berth:listLoginLocks', method: 'GET', path: () => '/system/login-locks', rule: onSystem('user', 'list') },
  {
    op: 'berth:deleteLoginLock',
    method: 'DELETE',
    path: (c) => `/system/login-locks/${encodeURIComponent(`user:locked-${c.key}`)}`,
    rule: onSystem('user', 'update'),
    effect: async (c, _fx, admin) => (await admin.db.loginFailures.get(`user:locked-${c.key}`)) === undefined,
  },

  // The job system: Harbor's jobservice dashboard and schedule list (system jobservice-monitor, as in
  // handler/jobservice.go and schedule.go), and Berth's executions, tasks and event stream, which follow
  // server/http/api/job-permissions.ts (RETENTION: priv's tag-retention; GARBAGE_COLLECTION: system
  // garbage-collection or jobservice-monitor).
  {
    op: 'getWorkerPools',
    method: 'GET',
    path: () => '/jobservice/pools',
    rule: onSystem('jobservice-monitor', 'list'),
  },
  {
    op: 'getWorkers',
    method: 'GET',
    path: () => '/jobservice/pools/all/workers',
    rule: onSystem('jobservice-monitor', 'list'),
  },
  {
    op: 'listJobQueues',
    method: 'GET',
    path: () => '/jobservice/queues',
    rule: onSystem('jobservice-monitor', 'list'),
  },
  {
    // Resuming every queue is the action that leaves the server as it was.
    op: 'actionPendingJobs',
    method: 'PUT',
    path: () => '/jobservice/queues/all',
    body: () => ({ action: 'resume' }),
    rule: onSystem('jobservice-monitor', 'stop'),
  },
  {
    op: 'stopRunningJob',
    method: 'PUT',
    path: (_c, fx) => `/jobservice/jobs/${fx.id('job:stopjob:task')}`,
    rule: onSystem('jobservice-monitor', 'stop'),
    reset: freshExecution('job:stopjob', 'GARBAGE_COLLECTION', null),
    effect: async (_c, fx, admin) => (await admin.db.jobs.getTask(fx.id('job:stopjob:task')))?.status === 'Stopped',
  },
  {
    op: 'actionGetJobLog',
    method: 'GET',
    path: (_c, fx) => `/jobservice/jobs/${fx.id('job:gc:task')}/log`,
    rule: onSystem('jobservice-monitor', 'list'),
    reset: sharedExecution('job:gc', 'GARBAGE_COLLECTION', null),
  },
  { op: 'listSchedules', method: 'GET', path: () => '/schedules', rule: onSystem('jobservice-monitor', 'list') },
  { op: 'getSchedulePaused', method: 'GET', path: () => '/schedules/all/paused', rule: authenticated },
  {
    op: 'berth:listExecutions',
    method: 'GET',
    path: () => '/executions?page_size=100',
    rule: authenticated,
    reset: async (fx, admin) => {
      await sharedExecution('job:priv', 'RETENTION', 'priv')(fx, admin);
      await sharedExecution('job:gc', 'GARBAGE_COLLECTION', null)(fx, admin);
    },
    reveals: [
      {
        what: "priv's retention runs",
        rule: inProject('priv', 'tag-retention', 'read'),
        in: (body) => list(body).some((e) => e.vendor_type === 'RETENTION'),
      },
      {
        what: 'GC runs',
        rule: gcRuns('list'),
        in: (body) => list(body).some((e) => e.vendor_type === 'GARBAGE_COLLECTION'),
      },
    ],
  },
  {
    op: 'berth:getExecution',
    method: 'GET',
    path: (_c, fx) => `/executions/${fx.id('job:priv')}`,
    rule: inProject('priv', 'tag-retention', 'read'),
    reset: sharedExecution('job:priv', 'RETENTION', 'priv'),
  },
  {
    op: 'berth:getExecution',
    variant: 'system',
    method: 'GET',
    path: (_c, fx) => `/executions/${fx.id('job:gc')}`,
    rule: gcRuns('list'),
    reset: sharedExecution('job:gc', 'GARBAGE_COLLECTION', null),
  },
  {
    op: 'berth:listExecutionTasks',
    method: 'GET',
    path: (_c, fx) => `/executions/${fx.id('job:priv')}/tasks`,
    rule: inProject('priv', 'tag-retention', 'read'),
    reset: sharedExecution('job:priv', 'RETENTION', 'priv'),
  },
  {
    op: 'berth:getTask',
    method: 'GET',
    path: (_c, fx) => `/tasks/${fx.id('job:priv:task')}`,
    rule: inProject('priv', 'tag-retention', 'read'),
    reset: sharedExecution('job:priv', 'RETENTION', 'priv'),
  },
  {
    op: 'berth:getTaskLog',
    method: 'GET',
    path: (_c, fx) => `/tasks/${fx.id('job:priv:task')}/log`,
    rule: inProject('priv', 'tag-retention', 'read'),
    reset: sharedExecution('job:priv', 'RETENTION', 'priv'),
  },
  ...(['priv', 'system'] as const).map((scope): ApiCase => ({
    op: 'berth:stopExecution',
    ...(scope === 'system' ? { variant: 'system' } : {}),
    method: 'PUT',
    path: (_c, fx) => `/executions/${fx.id(`job:stop-${scope}`)}`,
    body: () => ({ action: 'stop' }),
    rule: scope === 'priv' ? inProject('priv', 'tag-retention', 'update') : gcRuns('stop'),
    reset:
      scope === 'priv'
        ? freshExecution('job:stop-priv', 'RETENTION', 'priv')
        : freshExecution('job:stop-system', 'GARBAGE_COLLECTION', null),
    effect: async (_c, fx, admin) =>
      (await admin.db.jobs.getExecution(fx.id(`job:stop-${scope}`)))?.status === 'Stopped',
  })),
  ...(['priv', 'system'] as const).map((scope): ApiCase => {
    const vendorType = scope === 'priv' ? 'RETENTION' : 'GARBAGE_COLLECTION';
    return {
      op: 'berth:retryExecution',
      ...(scope === 'system' ? { variant: 'system' } : {}),
      method: 'POST',
      path: (_c, fx) => `/executions/${fx.id(`job:retry-${scope}`)}/retry`,
      rule: scope === 'priv' ? inProject('priv', 'tag-retention', 'update') : gcRuns('stop'),
      ok: 201,
      reset: stoppedExecution(`job:retry-${scope}`, vendorType, scope === 'priv' ? 'priv' : null),
      effect: (_c, fx, admin) => retried(`job:retry-${scope}`, vendorType, fx, admin),
    };
  }),
  {
    op: 'berth:stopTask',
    method: 'PUT',
    path: (_c, fx) => `/tasks/${fx.id('job:stoptask:task')}`,
    body: () => ({ action: 'stop' }),
    rule: inProject('priv', 'tag-retention', 'update'),
    reset: freshExecution('job:stoptask', 'RETENTION', 'priv'),
    effect: async (_c, fx, admin) => (await admin.db.jobs.getTask(fx.id('job:stoptask:task')))?.status === 'Stopped',
  },
  // `lifetime=0` ends the stream after its preamble, so the matrix can read the whole answer.
  { op: 'berth:streamEvents', method: 'GET', path: () => '/events?lifetime=0', rule: authenticated },

  // The scanner. Targets that do not exist where a real one would start work or change what other
  // cases see: allowed callers then get the 4xx named by `ok`, which still shows the permission is
  // checked first (refused callers get 401/403).
  { op: 'scanArtifact', method: 'POST', path: () => `${V1}/scan`, rule: inProject('priv', 'scan', 'create'), ok: 202 },
  {
    op: 'stopScanArtifact',
    method: 'POST',
    path: () => `${APP}/artifacts/sha256:${'0'.repeat(64)}/scan/stop`,
    body: () => ({ scan_type: 'vulnerability' }),
    rule: inProject('priv', 'scan', 'stop'),
    ok: 404,
  },
  ...privAndPub(
    { op: 'getReportLog', method: 'GET', ok: 404 },
    (p) => `/projects/${p}/repositories/app/artifacts/v1/scan/no-such-report/log`,
    'scan',
    'read',
  ),
  {
    op: 'getScannerOfProject',
    method: 'GET',
    path: () => '/projects/priv/scanner',
    rule: inProject('priv', 'scanner', 'read'),
  },
  {
    op: 'setScannerOfProject',
    method: 'PUT',
    path: () => '/projects/priv/scanner',
    body: () => ({ uuid: 'no-such-scanner' }),
    rule: inProject('priv', 'scanner', 'create'),
    ok: 404,
  },
  {
    op: 'listScannerCandidatesOfProject',
    method: 'GET',
    path: () => '/projects/priv/scanner/candidates',
    rule: inProject('priv', 'scanner', 'create'),
  },
  {
    op: 'getLatestScanAllMetrics',
    method: 'GET',
    path: () => '/scans/all/metrics',
    rule: onSystem('scan-all', 'read'),
  },
  {
    op: 'getLatestScheduledScanAllMetrics',
    method: 'GET',
    path: () => '/scans/schedule/metrics',
    rule: onSystem('scan-all', 'read'),
  },
  {
    op: 'getScanAllSchedule',
    method: 'GET',
    path: () => '/system/scanAll/schedule',
    rule: onSystem('scan-all', 'read'),
  },
  {
    // None changes nothing another case relies on; Manual would start real runs.
    op: 'createScanAllSchedule',
    method: 'POST',
    path: () => '/system/scanAll/schedule',
    body: () => ({ schedule: { type: 'None' } }),
    rule: onSystem('scan-all', 'create'),
    ok: 201,
  },
  {
    op: 'updateScanAllSchedule',
    method: 'PUT',
    path: () => '/system/scanAll/schedule',
    body: () => ({ schedule: { type: 'None' } }),
    rule: onSystem('scan-all', 'update'),
  },
  // No scan-all ever runs here: an allowed caller hears that there is none to stop.
  {
    op: 'stopScanAll',
    method: 'POST',
    path: () => '/system/scanAll/stop',
    rule: onSystem('scan-all', 'stop'),
    ok: 400,
  },
  { op: 'listScanners', method: 'GET', path: () => '/scanners', rule: onSystem('scanner', 'list') },
  {
    op: 'createScanner',
    method: 'POST',
    path: () => '/scanners',
    body: (c) => ({ name: `scanner-${c.key}`, url: `http://127.0.0.1:9/${c.key}` }),
    rule: onSystem('scanner', 'create'),
    ok: 201,
  },
  {
    // Nothing listens there: an allowed caller's ping fails with 400.
    op: 'pingScanner',
    method: 'POST',
    path: () => '/scanners/ping',
    body: () => ({ name: 'probe', url: 'http://127.0.0.1:9/' }),
    rule: onSystem('scanner', 'read'),
    ok: 400,
  },
  {
    op: 'getScanner',
    method: 'GET',
    path: () => '/scanners/no-such-scanner',
    rule: onSystem('scanner', 'read'),
    ok: 404,
  },
  {
    op: 'updateScanner',
    method: 'PUT',
    path: () => '/scanners/no-such-scanner',
    body: () => ({ name: 'probe', url: 'http://127.0.0.1:9/' }),
    rule: onSystem('scanner', 'update'),
    ok: 404,
  },
  {
    op: 'deleteScanner',
    method: 'DELETE',
    path: () => '/scanners/no-such-scanner',
    rule: onSystem('scanner', 'delete'),
    ok: 404,
  },
  {
    // The built-in scanner is the default already: allowed callers change nothing.
    op: 'setScannerAsDefault',
    method: 'PATCH',
    path: () => `/scanners/${BUILTIN_SCANNER_UUID}`,
    body: () => ({ is_default: true }),
    rule: onSystem('scanner', 'update'),
  },
  {
    op: 'getScannerMetadata',
    method: 'GET',
    path: () => `/scanners/${BUILTIN_SCANNER_UUID}/metadata`,
    rule: onSystem('scanner', 'read'),
  },
  { op: 'getSecuritySummary', method: 'GET', path: () => '/security/summary', rule: onSystem('security-hub', 'read') },
  { op: 'ListVulnerabilities', method: 'GET', path: () => '/security/vul', rule: onSystem('security-hub', 'list') },
  { op: 'getSystemCVEAllowlist', method: 'GET', path: () => '/system/CVEAllowlist', rule: authenticated },
  {
    op: 'putSystemCVEAllowlist',
    method: 'PUT',
    path: () => '/system/CVEAllowlist',
    body: () => ({ items: [] }),
    rule: onSystem('configuration', 'update'),
  },

  // Replication executions (Harbor's handler/replication.go): system replication permissions.
  {
    op: 'listReplicationExecutions',
    method: 'GET',
    path: () => '/replication/executions',
    rule: onSystem('replication', 'list'),
  },
  {
    // policy_id 0 names no policy (400): a real one would start real runs.
    op: 'startReplication',
    method: 'POST',
    path: () => '/replication/executions',
    body: () => ({ policy_id: 0 }),
    rule: onSystem('replication', 'create'),
    ok: 400,
  },
  {
    op: 'getReplicationExecution',
    method: 'GET',
    path: (_c, fx) => `/replication/executions/${fx.id('job:replication')}`,
    rule: onSystem('replication', 'read'),
    reset: sharedExecution('job:replication', 'REPLICATION', null),
  },
  {
    op: 'listReplicationTasks',
    method: 'GET',
    path: (_c, fx) => `/replication/executions/${fx.id('job:replication')}/tasks`,
    rule: onSystem('replication', 'read'),
    reset: sharedExecution('job:replication', 'REPLICATION', null),
  },
  {
    op: 'getReplicationLog',
    method: 'GET',
    path: (_c, fx) => `/replication/executions/${fx.id('job:replication')}/tasks/${fx.id('job:replication:task')}/log`,
    rule: onSystem('replication', 'read'),
    reset: sharedExecution('job:replication', 'REPLICATION', null),
  },
  {
    // Harbor asks for replication:create to stop a run.
    op: 'stopReplication',
    method: 'PUT',
    path: (_c, fx) => `/replication/executions/${fx.id('replication:stop')}`,
    rule: onSystem('replication', 'create'),
    reset: freshExecution('replication:stop', 'REPLICATION', null),
    effect: async (_c, fx, admin) =>
      (await admin.db.jobs.getExecution(fx.id('replication:stop')))?.status === 'Stopped',
  },
  // Replication endpoints and policies (Harbor's handler/registry.go and replication.go): system
  // registry, replication-adapter and replication-policy permissions.
  { op: 'listRegistries', method: 'GET', path: () => '/registries', rule: onSystem('registry', 'list') },
  {
    op: 'createRegistry',
    method: 'POST',
    path: () => '/registries',
    body: (c) => ({ name: `registry-${c.key}`, type: 'docker-registry', url: 'http://127.0.0.1:9' }),
    rule: onSystem('registry', 'create'),
    ok: 201,
    effect: (c, _fx, admin) => registryNamed(admin, `registry-${c.key}`),
  },
  {
    // Nothing listens there: an allowed caller's connection test fails with 400.
    op: 'pingRegistry',
    method: 'POST',
    path: () => '/registries/ping',
    body: () => ({ type: 'docker-registry', url: 'http://127.0.0.1:9' }),
    rule: onSystem('registry', 'read'),
    ok: 400,
  },
  {
    op: 'getRegistry',
    method: 'GET',
    path: (_c, fx) => `/registries/${fx.id('replication:registry')}`,
    rule: onSystem('registry', 'read'),
    reset: sharedRegistry,
  },
  {
    op: 'getRegistryInfo',
    method: 'GET',
    path: (_c, fx) => `/registries/${fx.id('replication:registry')}/info`,
    rule: onSystem('registry', 'read'),
    reset: sharedRegistry,
  },
  {
    op: 'updateRegistry',
    method: 'PUT',
    path: (_c, fx) => `/registries/${fx.id('registry:upd')}`,
    body: (c) => ({ description: `changed by ${c.key}` }),
    rule: onSystem('registry', 'update'),
    reset: freshRegistry('registry:upd'),
    effect: async (c, fx, admin) =>
      (await admin.db.replication.getRegistry(fx.id('registry:upd')))?.description === `changed by ${c.key}`,
  },
  {
    op: 'deleteRegistry',
    method: 'DELETE',
    path: (_c, fx) => `/registries/${fx.id('registry:del')}`,
    rule: onSystem('registry', 'delete'),
    reset: freshRegistry('registry:del'),
    effect: async (_c, fx, admin) => (await admin.db.replication.getRegistry(fx.id('registry:del'))) === undefined,
  },
  {
    op: 'listRegistryProviderTypes',
    method: 'GET',
    path: () => '/replication/adapters',
    rule: onSystem('replication-adapter', 'list'),
  },
  {
    op: 'listRegistryProviderInfos',
    method: 'GET',
    path: () => '/replication/adapterinfos',
    rule: onSystem('replication-adapter', 'list'),
  },
  {
    op: 'listReplicationPolicies',
    method: 'GET',
    path: () => '/replication/policies',
    rule: onSystem('replication-policy', 'list'),
  },
  {
    op: 'createReplicationPolicy',
    method: 'POST',
    path: () => '/replication/policies',
    body: (c, fx) => ({ name: `policy-${c.key}`, dest_registry: { id: fx.id('replication:registry') } }),
    rule: onSystem('replication-policy', 'create'),
    ok: 201,
    reset: sharedRegistry,
    effect: (c, _fx, admin) => policyNamed(admin, `policy-${c.key}`),
  },
  {
    op: 'getReplicationPolicy',
    method: 'GET',
    path: (_c, fx) => `/replication/policies/${fx.id('replication:policy')}`,
    rule: onSystem('replication-policy', 'read'),
    reset: sharedPolicy,
  },
  {
    op: 'updateReplicationPolicy',
    method: 'PUT',
    path: (_c, fx) => `/replication/policies/${fx.id('policy:upd')}`,
    body: (c) => ({ description: `changed by ${c.key}` }),
    rule: onSystem('replication-policy', 'update'),
    reset: freshPolicy('policy:upd'),
    effect: async (c, fx, admin) =>
      (await admin.db.replication.getPolicy(fx.id('policy:upd')))?.description === `changed by ${c.key}`,
  },
  {
    op: 'deleteReplicationPolicy',
    method: 'DELETE',
    path: (_c, fx) => `/replication/policies/${fx.id('policy:del')}`,
    rule: onSystem('replication-policy', 'delete'),
    reset: freshPolicy('policy:del'),
    effect: async (_c, fx, admin) => (await admin.db.replication.getPolicy(fx.id('policy:del'))) === undefined,
  },
  {
    // Both sides this registry: refused (400) before any source is listed.
    op: 'berth:previewReplicationPolicy',
    method: 'POST',
    path: () => '/replication/policies/preview',
    body: () => ({ src_registry: null, dest_registry: null, filters: [] }),
    rule: onSystem('replication-policy', 'create'),
    ok: 400,
  },
];

/** Berth's routes under /api/v2.0 that are not in Harbor's swagger, as `method path` (fastify syntax). */
export const BERTH_ROUTES: Readonly<Record<string, string>> = {
  'berth:listAccessTokens': 'GET /users/current/tokens',
  'berth:createAccessToken': 'POST /users/current/tokens',
  'berth:deleteAccessToken': 'DELETE /users/current/tokens/:id',
  'berth:listLoginLocks': 'GET /system/login-locks',
  'berth:deleteLoginLock': 'DELETE /system/login-locks/:key',
  'berth:getArtifactLayers':
    'GET /projects/:project_name/repositories/:repository_name/artifacts/:reference/additions/layers',
  'berth:listExecutions': 'GET /executions',
  'berth:getExecution': 'GET /executions/:id',
  'berth:stopExecution': 'PUT /executions/:id',
  'berth:retryExecution': 'POST /executions/:id/retry',
  'berth:listExecutionTasks': 'GET /executions/:id/tasks',
  'berth:getTask': 'GET /tasks/:id',
  'berth:getTaskLog': 'GET /tasks/:id/log',
  'berth:stopTask': 'PUT /tasks/:id',
  // The stream would not end by itself; the probe reads it to the end.
  'berth:streamEvents': 'GET /events?lifetime=0',
  'berth:previewReplicationPolicy': 'POST /replication/policies/preview',
};

/**
 * Not served: swagger operations Berth does not route (the admin gets `404 path ... was not found`).
 * The matrix test probes every operation and fails when this list and the server disagree, so a new
 * route must move its operation from here into `CASES`.
 */
export const NOT_SERVED: readonly string[] = [
  // LDAP, configuration, OIDC, certificates, icons
  ...['pingLdap', 'searchLdapUser', 'importLdapUser', 'searchLdapGroup', 'getInternalconfig', 'getConfigurations'],
  ...['updateConfigurations', 'pingOIDC', 'getCert', 'getIcon', 'setCliSecret', 'getPermissions'],
  // CVE export
  ...['exportScanData', 'getScanDataExportExecution', 'getScanDataExportExecutionList', 'downloadScanData'],
  // Accessories, project artifacts, extended audit log
  ...['listAccessories', 'listArtifactsOfProject', 'listAuditLogExts', 'listAuditLogEventTypes', 'getLogExts'],
  // Preheat
  ...['ListProviders', 'PingInstances', 'ListInstances', 'CreateInstance', 'GetInstance', 'DeleteInstance'],
  ...['UpdateInstance', 'CreatePolicy', 'ListPolicies', 'GetPolicy', 'UpdatePolicy', 'ManualPreheat', 'DeletePolicy'],
  ...['ListExecutions', 'GetExecution', 'StopExecution', 'ListTasks', 'GetPreheatLog', 'ListProvidersUnderProject'],
  // Webhooks
  'ListWebhookPoliciesOfProject',
  ...['CreateWebhookPolicyOfProject', 'GetWebhookPolicyOfProject', 'UpdateWebhookPolicyOfProject'],
  ...['DeleteWebhookPolicyOfProject', 'ListExecutionsOfWebhookPolicy', 'ListTasksOfWebhookExecution'],
  ...['GetLogsOfWebhookTask', 'LastTrigger', 'ListWebhookJobs', 'GetSupportedEventTypes'],
  // User groups
  ...['listUserGroups', 'createUserGroup', 'searchUserGroups', 'getUserGroup', 'updateUserGroup', 'deleteUserGroup'],
  // Audit purge, job service
  ...['getPurgeHistory', 'getPurgeJob', 'stopPurge', 'getPurgeJobLog', 'getPurgeSchedule', 'createPurgeSchedule'],
  'updatePurgeSchedule',
];
