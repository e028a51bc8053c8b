import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import type {
  Execution,
  ExecutionFilter,
  JobService,
  JobStatus,
  Task,
  TaskFilter,
  Trigger,
} from '../../jobs/job-types.js';
import type { Filter } from '../../meta/list-query.js';
import type { ApiDeps } from './api-deps.js';
import { API_PREFIX, type ApiRouteModule } from './api-plugin.js';
import { pathId } from './artifact-access.js';
import { toExecutionJson, toTaskJson } from './execution-json.js';
import { requireAuthenticated } from './guards.js';
import { parseListRequest, type Paging } from './harbor-query.js';
import { jobAccess, type JobAccess } from './job-permissions.js';
import { readAction } from './jobservice-routes.js';
import { sendPage } from './paging.js';

/**
 * Berth's own view of the job system (Harbor has one per feature, `/retention/.../executions`,
 * `/system/gc`, ...; this one lists them all):
 *
 *   GET /executions                  q: vendor_type, vendor_id, status, trigger, project_id; paged
 *   GET /executions/{id}
 *   PUT /executions/{id}             {"action":"stop"}
 *   POST /executions/{id}/retry      a new execution of the failed and stopped tasks; 201, Location
 *   GET /executions/{id}/tasks       q: status, job_type; paged
 *   GET /tasks/{id}
 *   GET /tasks/{id}/log              text/plain, readable while the task runs
 *   PUT /tasks/{id}                  {"action":"stop"}
 *
 * Who sees and stops what is `job-permissions.ts`; retrying takes the permission to stop. A caller who may not read an execution gets
 * 401/403 for it (ids are not secret, and an id that does not exist is a plain 404); a listing
 * shows only the executions the caller may read.
 */
export const executionRoutes: ApiRouteModule = (app, deps) => {
  app.get('/executions', async (req, reply) => {
    requireAuthenticated(req);
    const list = parseListRequest(req.query);
    const filter = executionFilter(list.query.filters);
    const page = await listVisibleExecutions(deps.jobs, jobAccess(req, deps.meta), filter, list);
    return sendPage(req, reply, list, page, toExecutionJson);
  });

  app.get<{ Params: { id: string } }>('/executions/:id', async (req) => {
    const execution = await readableExecution(req, deps, req.params.id, 'read');
    return toExecutionJson(execution);
  });

  app.put<{ Params: { id: string } }>('/executions/:id', async (req, reply) => {
    readAction(req.body, ['stop']);
    const execution = await readableExecution(req, deps, req.params.id, 'stop');
    await deps.jobs.stopExecution(execution.id);
    await record(req, deps, execution, `execution ${execution.id}`);
    return reply.code(200).send();
  });

  app.post<{ Params: { id: string } }>('/executions/:id/retry', async (req, reply) => {
    const execution = await readableExecution(
      req,
      deps,
      req.params.id,
      'stop',
      ' (retrying takes the permission to stop)',
    );
    const retry = await deps.jobs.retryExecution(execution.id);
    await record(req, deps, execution, `execution ${retry.id}`, 'create', `retry of execution ${execution.id}`);
    return reply.code(201).header('location', `${API_PREFIX}/executions/${retry.id}`).send();
  });

  app.get<{ Params: { id: string } }>('/executions/:id/tasks', async (req, reply) => {
    const execution = await readableExecution(req, deps, req.params.id, 'read');
    const list = parseListRequest(req.query);
    const filter = { ...taskFilter(list.query.filters), executionId: execution.id };
    const page = await deps.jobs.listTasks(filter, { page: list.page, pageSize: list.pageSize });
    return sendPage(req, reply, list, page, toTaskJson);
  });

  app.get<{ Params: { id: string } }>('/tasks/:id', async (req) => {
    const { task } = await readableTask(req, deps, req.params.id, 'read');
    return toTaskJson(task);
  });

  app.get<{ Params: { id: string } }>('/tasks/:id/log', async (req, reply) => {
    const { task } = await readableTask(req, deps, req.params.id, 'read');
    return reply.type('text/plain; charset=utf-8').send(await deps.jobs.readLog(task.id));
  });

  app.put<{ Params: { id: string } }>('/tasks/:id', async (req, reply) => {
    readAction(req.body, ['stop']);
    const { task, execution } = await readableTask(req, deps, req.params.id, 'stop');
    await deps.jobs.stopTask(task.id);
    await record(req, deps, execution, `task ${task.id}`);
    return reply.code(200).send();
  });
};

const STATUSES: readonly JobStatus[] = ['Pending', 'Running', 'Success', 'Error', 'Stopped'];
const TRIGGERS: readonly Trigger[] = ['MANUAL', 'SCHEDULE', 'EVENT'];
/** How many executions a listing for a caller who sees only some of them looks through, newest first. */
export const VISIBILITY_SCAN_LIMIT = 10_000;
const SCAN_PAGE = 100;

/** `q` of GET /executions as a filter. Exact values only; unknown keys are refused. */
export function executionFilter(filters: Filter[]): ExecutionFilter {
  const out: ExecutionFilter = {};
  for (const f of filters) {
    const value = exactValue(f, 'vendor_type, vendor_id, status, trigger, project_id');
    if (f.key === 'vendor_type') out.vendorType = value;
    else if (f.key === 'vendor_id') out.vendorId = integer(f.key, value, true);
    else if (f.key === 'project_id') out.projectId = integer(f.key, value, false);
    else if (f.key === 'status') out.status = oneOf(f.key, value, STATUSES);
    else if (f.key === 'trigger') out.trigger = oneOf(f.key, value.toUpperCase(), TRIGGERS);
    else throw unsupportedKey(f.key, 'vendor_type, vendor_id, status, trigger, project_id');
  }
  return out;
}

/** `q` of GET /executions/{id}/tasks as a filter. */
export function taskFilter(filters: Filter[]): Omit<TaskFilter, 'executionId'> {
  const out: Omit<TaskFilter, 'executionId'> = {};
  for (const f of filters) {
    const value = exactValue(f, 'status, job_type');
    if (f.key === 'status') out.status = oneOf(f.key, value, STATUSES);
    else if (f.key === 'job_type') out.jobType = value;
    else throw unsupportedKey(f.key, 'status, job_type');
  }
  return out;
}

/**
 * One page of the executions `access` may read. A system administrator's page comes straight from
 * the job system, as does a page filtered to one project and vendor type (one permission decides
 * it). Otherwise the matching executions are read in batches, newest first, and filtered here, up
 * to `VISIBILITY_SCAN_LIMIT` of them: the job system filters by one project at a time.
 */
export async function listVisibleExecutions(
  jobs: Pick<JobService, 'listExecutions'>,
  access: JobAccess,
  filter: ExecutionFilter,
  paging: Paging,
): Promise<{ items: Execution[]; total: number }> {
  const wanted = { page: paging.page, pageSize: paging.pageSize };
  if (access.security.isSysAdmin) return jobs.listExecutions(filter, wanted);
  if (filter.projectId !== undefined && filter.vendorType !== undefined) {
    const target = { projectId: filter.projectId, vendorType: filter.vendorType };
    return (await access.can(target, 'read')) ? jobs.listExecutions(filter, wanted) : { items: [], total: 0 };
  }
  const skip = (paging.page - 1) * paging.pageSize;
  const items: Execution[] = [];
  let visible = 0;
  for (let page = 1; (page - 1) * SCAN_PAGE < VISIBILITY_SCAN_LIMIT; page++) {
    const batch = await jobs.listExecutions(filter, { page, pageSize: SCAN_PAGE });
    for (const e of batch.items) {
      if (!(await access.can(e, 'read'))) continue;
      if (visible >= skip && items.length < paging.pageSize) items.push(e);
      visible++;
    }
    if (batch.items.length < SCAN_PAGE || page * SCAN_PAGE >= batch.total) break;
  }
  return { items, total: visible };
}

async function readableExecution(
  req: FastifyRequest,
  deps: ApiDeps,
  rawId: string,
  action: 'read' | 'stop',
  why = '',
): Promise<Execution> {
  requireAuthenticated(req);
  const id = pathId(rawId, 'id');
  const execution = await deps.jobs.getExecution(id);
  if (!execution) throw new NotFound('NAME_UNKNOWN', `execution ${id} not found`);
  await jobAccess(req, deps.meta).require(execution, action, `execution ${id}${why}`);
  return execution;
}

async function readableTask(
  req: FastifyRequest,
  deps: ApiDeps,
  rawId: string,
  action: 'read' | 'stop',
): Promise<{ task: Task; execution: Execution }> {
  requireAuthenticated(req);
  const id = pathId(rawId, 'id');
  const task = await deps.jobs.getTask(id);
  const execution = task && (await deps.jobs.getExecution(task.executionId));
  if (!task || !execution) throw new NotFound('NAME_UNKNOWN', `task ${id} not found`);
  await jobAccess(req, deps.meta).require(execution, action, `task ${id}`);
  return { task, execution };
}

async function record(
  req: FastifyRequest,
  deps: ApiDeps,
  execution: Execution,
  resource: string,
  operation: 'stop' | 'create' = 'stop',
  detail = '',
): Promise<void> {
  const project = execution.projectId === null ? undefined : await deps.meta.projects.getById(execution.projectId);
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType: 'execution',
    resource,
    project: project?.name ?? null,
    success: true,
    detail: detail
      ? `${detail}: ${execution.vendorType} ${execution.vendorId}`
      : `${execution.vendorType} ${execution.vendorId}`,
  });
}

function exactValue(f: Filter, supported: string): string {
  if (f.kind !== 'exact')
    throw new Invalid('NAME_INVALID', `"${f.key}" takes an exact value (supported: ${supported})`);
  return String(f.value);
}

function integer(key: string, value: string, allowNegative: boolean): number {
  const pattern = allowNegative ? /^-?\d{1,15}$/ : /^\d{1,15}$/;
  if (!pattern.test(value)) throw new Invalid('NAME_INVALID', `${key} must be an integer`);
  return Number(value);
}

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!found) throw new Invalid('NAME_INVALID', `${key} must be one of ${allowed.join(', ')}`);
  return found;
}

function unsupportedKey(key: string, supported: string): Invalid {
  return new Invalid('NAME_INVALID', `unsupported query key "${key}"; supported: ${supported}`);
}
