import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import { RETENTION_VENDOR, retentionService } from '../../gc/retention-job.js';
import { readRetentionPolicy, retentionMetadata } from '../../gc/retention-policy.js';
import type { Execution, Task } from '../../jobs/job-types.js';
import type { Project } from '../../meta/meta-store.js';
import type { RetentionPolicy } from '../../meta/retention-types.js';
import { repositoryPath } from '../../registry/immutability.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireAuthenticated, requireProject, resolveProject } from './guards.js';
import { parsePaging, type RawQuery } from './harbor-query.js';
import { harborTime } from './json-shape.js';
import { pagingHeaders } from './paging.js';
import { actor } from './project-routes.js';

/**
 * Tag retention (Harbor's `handler/retention.go`): the metadata, one policy per project (its id in
 * the project's `retention_id` metadata), runs on the job system (vendor `RETENTION`, one task per
 * repository) and their task logs. Every operation needs an authenticated caller; policy operations
 * ask the `tag-retention` resource of the policy's project (developers and up): read for the
 * policy and a task log, list for executions and tasks, create/update/delete for the policy, and
 * update to run or stop it, as Harbor does.
 */
export const retentionRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;
  const service = () => retentionService(deps.jobs, meta);

  app.get('/retentions/metadatas', async (req) => {
    requireAuthenticated(req);
    return retentionMetadata();
  });

  app.post('/retentions', async (req, reply) => {
    requireAuthenticated(req);
    const input = readRetentionPolicy(req.body);
    const project = await policyProject(req, deps, input.scope.ref);
    await requireProject(req, project, 'tag-retention', 'create');
    const existing = await meta.retentionPolicies.getByProject(project.id);
    if (existing) {
      throw new Invalid('NAME_INVALID', `project ${project.id} already has retention policy ${existing.id}`);
    }
    const policy = await meta.retentionPolicies.create(input);
    try {
      await service().syncSchedule(policy);
    } catch (err) {
      // A cron the scheduler refuses: the policy must not stay half made.
      await meta.retentionPolicies.delete(policy.id);
      throw err;
    }
    record(req, deps, project, 'create', policy);
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${policy.id}`).send();
  });

  app.get<{ Params: { id: string } }>('/retentions/:id', async (req) => {
    const { policy } = await openPolicy(req, deps, 'read');
    return toPolicyJson(policy);
  });

  app.put<{ Params: { id: string } }>('/retentions/:id', async (req, reply) => {
    requireAuthenticated(req);
    const input = readRetentionPolicy(req.body);
    const { policy, project } = await openPolicy(req, deps, 'update');
    // Harbor's requirePolicyAccess: the body's project must be the one whose retention_id this is.
    if (input.scope.ref !== project.id) {
      throw new NotFound('NAME_UNKNOWN', `the retention policy id ${policy.id} does not match`);
    }
    const previous = policy;
    const updated = await meta.retentionPolicies.update(policy.id, input);
    try {
      await service().syncSchedule(updated);
    } catch (err) {
      await meta.retentionPolicies.update(policy.id, previous);
      throw err;
    }
    record(req, deps, project, 'update', updated);
    return reply.code(200).send();
  });

  app.delete<{ Params: { id: string } }>('/retentions/:id', async (req, reply) => {
    const { policy, project } = await openPolicy(req, deps, 'delete');
    await service().dropSchedule(policy.id);
    await meta.retentionPolicies.delete(policy.id);
    record(req, deps, project, 'delete', policy);
    return reply.code(200).send();
  });

  app.post<{ Params: { id: string } }>('/retentions/:id/executions', async (req, reply) => {
    const body = req.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body))
      throw new Invalid('NAME_INVALID', 'the body must be an object');
    const dryRun = (body as { dry_run?: unknown }).dry_run ?? false;
    if (typeof dryRun !== 'boolean') throw new Invalid('NAME_INVALID', 'dry_run must be a boolean');
    const { policy, project } = await openPolicy(req, deps, 'update');
    const execution = await service().launch(policy, 'MANUAL', dryRun);
    deps.audit.record({
      ...actor(req),
      operation: 'create',
      resourceType: 'retention_execution',
      resource: `${project.name}/retention/${policy.id}/${execution.id}`,
      project: project.name,
      success: true,
      detail: dryRun ? 'dry run' : 'run',
    });
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${execution.id}`).send();
  });

  app.get<{ Params: { id: string } }>('/retentions/:id/executions', async (req, reply) => {
    const paging = pagingOf(req);
    const { policy } = await openPolicy(req, deps, 'list');
    const page = await deps.jobs.listExecutions(
      { vendorType: RETENTION_VENDOR, vendorId: policy.id },
      { page: paging.page, pageSize: paging.pageSize },
    );
    reply.headers(pagingHeaders(req.url, page.total, paging));
    return page.items.map(toRetentionExecutionJson);
  });

  app.patch<{ Params: { id: string; eid: string } }>('/retentions/:id/executions/:eid', async (req, reply) => {
    const action = (req.body as { action?: unknown } | null)?.action;
    if (action !== 'stop') throw new Invalid('NAME_INVALID', "action should be 'stop'");
    const { policy, project } = await openPolicy(req, deps, 'update');
    const execution = await executionOf(deps, policy, req.params.eid);
    await deps.jobs.stopExecution(execution.id);
    deps.audit.record({
      ...actor(req),
      operation: 'stop',
      resourceType: 'retention_execution',
      resource: `${project.name}/retention/${policy.id}/${execution.id}`,
      project: project.name,
      success: true,
      detail: null,
    });
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string; eid: string } }>('/retentions/:id/executions/:eid/tasks', async (req, reply) => {
    const paging = pagingOf(req);
    const { policy, project } = await openPolicy(req, deps, 'list');
    const execution = await executionOf(deps, policy, req.params.eid);
    const page = await deps.jobs.listTasks(
      { executionId: execution.id },
      { page: paging.page, pageSize: paging.pageSize },
    );
    reply.headers(pagingHeaders(req.url, page.total, paging));
    return page.items.map((t) => toRetentionTaskJson(t, project));
  });

  app.get<{ Params: { id: string; eid: string; tid: string } }>(
    '/retentions/:id/executions/:eid/tasks/:tid',
    async (req, reply) => {
      const { policy } = await openPolicy(req, deps, 'read');
      const execution = await executionOf(deps, policy, req.params.eid);
      const task = await deps.jobs.getTask(positiveId(req.params.tid, 'tid'));
      if (!task || task.executionId !== execution.id) {
        throw new NotFound('NAME_UNKNOWN', `task ${req.params.tid} of execution ${execution.id} not found`);
      }
      return reply.type('text/plain; charset=utf-8').send(await deps.jobs.readLog(task.id));
    },
  );
};

/** Harbor's `RetentionPolicy` JSON. */
export function toPolicyJson(policy: RetentionPolicy) {
  return {
    id: policy.id,
    algorithm: policy.algorithm,
    rules: policy.rules.map((r) => ({
      id: r.id,
      priority: r.priority,
      disabled: r.disabled,
      action: r.action,
      template: r.template,
      params: r.params,
      tag_selectors: r.tagSelectors,
      scope_selectors: r.scopeSelectors,
    })),
    trigger: policy.trigger,
    scope: policy.scope,
  };
}

/** Harbor's `RetentionExecution`. */
export function toRetentionExecutionJson(e: Execution) {
  return {
    id: e.id,
    policy_id: e.vendorId,
    start_time: harborTime(e.startTime),
    ...(e.endTime ? { end_time: harborTime(e.endTime) } : {}),
    status: e.status,
    trigger: e.trigger,
    dry_run: e.extraAttrs.dry_run === true,
  };
}

/** Harbor's jobservice status codes: pending 0, running 2, final 3. */
const STATUS_CODE: Record<string, number> = { Pending: 0, Running: 2, Stopped: 3, Error: 3, Success: 3 };

/** Harbor's `RetentionExecutionTask`; total and retained come from the task's result message. */
export function toRetentionTaskJson(t: Task, project: Project) {
  const repository = typeof t.params.repository === 'string' ? repositoryPath(project.name, t.params.repository) : '';
  const counts = resultCounts(t.statusMessage);
  return {
    id: t.id,
    execution_id: t.executionId,
    repository,
    job_id: String(t.id),
    status: t.status,
    status_code: STATUS_CODE[t.status] ?? 0,
    status_revision: t.attempts,
    start_time: harborTime(t.startTime ?? t.createTime),
    ...(t.endTime ? { end_time: harborTime(t.endTime) } : {}),
    total: counts.total,
    retained: counts.retained,
  };
}

function resultCounts(message: string | null): { total: number; retained: number } {
  if (!message) return { total: 0, retained: 0 };
  try {
    const parsed = JSON.parse(message) as { total?: unknown; retained?: unknown };
    return {
      total: typeof parsed.total === 'number' ? parsed.total : 0,
      retained: typeof parsed.retained === 'number' ? parsed.retained : 0,
    };
  } catch {
    return { total: 0, retained: 0 };
  }
}

/** The policy's project; a missing one is Harbor's 400 "invalid Project id" (to a system admin). */
async function policyProject(req: FastifyRequest, deps: ApiDeps, ref: number): Promise<Project> {
  try {
    return await resolveProject(deps.meta, String(ref), false, req.security);
  } catch (err) {
    if (err instanceof NotFound) throw new Invalid('NAME_INVALID', `invalid Project id ${ref}`);
    throw err;
  }
}

/** The policy named by `:id` and its project, after checking `action` on its `tag-retention`. */
async function openPolicy(
  req: FastifyRequest,
  deps: ApiDeps,
  action: string,
): Promise<{ policy: RetentionPolicy; project: Project }> {
  requireAuthenticated(req);
  const id = positiveId((req.params as { id: string }).id, 'id');
  const policy = await deps.meta.retentionPolicies.get(id);
  if (!policy) throw new NotFound('NAME_UNKNOWN', `retention policy ${id} not found`);
  const project = await resolveProject(deps.meta, String(policy.scope.ref), false, req.security);
  await requireProject(req, project, 'tag-retention', action);
  return { policy, project };
}

async function executionOf(deps: ApiDeps, policy: RetentionPolicy, raw: string): Promise<Execution> {
  const execution = await deps.jobs.getExecution(positiveId(raw, 'eid'));
  if (!execution || execution.vendorType !== RETENTION_VENDOR || execution.vendorId !== policy.id) {
    throw new NotFound('NAME_UNKNOWN', `execution ${raw} of retention policy ${policy.id} not found`);
  }
  return execution;
}

function positiveId(raw: string, name: string): number {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new Invalid('NAME_INVALID', `${name} must be a positive integer`);
  return id;
}

function pagingOf(req: FastifyRequest) {
  const q = (req.query ?? {}) as RawQuery;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return parsePaging(first(q.page), first(q.page_size));
}

function record(
  req: FastifyRequest,
  deps: ApiDeps,
  project: Project,
  operation: string,
  policy: RetentionPolicy,
): void {
  deps.audit.record({
    ...actor(req),
    operation,
    resourceType: 'retention_policy',
    resource: `${project.name}/retention/${policy.id}`,
    project: project.name,
    success: true,
    detail: `${policy.rules.length} rules, cron "${String(policy.trigger.settings.cron ?? '')}"`,
  });
}
