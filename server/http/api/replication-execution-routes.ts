import { Invalid, NotFound } from '../../core/errors.js';
import type { Execution, JobService, JobStatus, Task, TaskFilter, Trigger } from '../../jobs/job-types.js';
import { resourceName, taskParams } from '../../replicate/engine/engine-types.js';
import { REPLICATION_JOB_TYPES, REPLICATION_VENDOR } from '../../replicate/replication-contract.js';
import type { ApiDeps } from './api-deps.js';
import { pathId } from './artifact-access.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import { parsePaging, type RawQuery } from './harbor-query.js';
import { pagingHeaders } from './paging.js';
import { harborTimeOrZero } from './json-shape.js';
import { auditReplication, idParam, replicationApi } from './replication-json.js';

/**
 * Replication executions, Harbor's `handler/replication.go` (system resource `replication`):
 *
 *   GET  /replication/executions?policy_id=&status=&trigger=   list, paged (X-Total-Count)
 *   POST /replication/executions {policy_id}                   start a manual run → 201 + Location
 *   GET  /replication/executions/{id}                          one run with its task counts
 *   PUT  /replication/executions/{id}                          stop it
 *   GET  /replication/executions/{id}/tasks?status=&resource_type=
 *   GET  /replication/executions/{id}/tasks/{task_id}/log      text/plain
 *
 * Harbor's status words (InProgress, Succeed, Failed) stand for the job system's; its counts and
 * tasks leave out the run's enumeration task, which is Berth's own. Tasks carry Berth's
 * `bytes_done`/`bytes_total`.
 */

const EXECUTION_STATUS: Record<JobStatus, string> = {
  Pending: 'InProgress',
  Running: 'InProgress',
  Success: 'Succeed',
  Error: 'Failed',
  Stopped: 'Stopped',
};
const TASK_STATUS: Record<JobStatus, string> = { ...EXECUTION_STATUS, Pending: 'Pending' };
const STATUS_QUERY: Record<string, JobStatus> = {
  Pending: 'Pending',
  InProgress: 'Running',
  Running: 'Running',
  Succeed: 'Success',
  Success: 'Success',
  Failed: 'Error',
  Error: 'Error',
  Stopped: 'Stopped',
};
const TRIGGER: Record<Trigger, string> = { MANUAL: 'manual', SCHEDULE: 'scheduled', EVENT: 'event_based' };
const TRIGGER_QUERY: Record<string, Trigger> = { manual: 'MANUAL', scheduled: 'SCHEDULE', event_based: 'EVENT' };

export const replicationExecutionRoutes: ApiRouteModule = (app, deps) => {
  app.get('/replication/executions', async (req, reply) => {
    await requireSystem(req, 'replication', 'list');
    const q = req.query as RawQuery;
    const paging = parsePaging(one(q.page), one(q.page_size));
    const policyId = one(q.policy_id);
    const status = one(q.status);
    const trigger = one(q.trigger);
    const filter = {
      vendorType: REPLICATION_VENDOR,
      ...(policyId ? { vendorId: pathId(policyId, 'policy_id') } : {}),
      ...(status ? { status: lookup(STATUS_QUERY, status, 'status') } : {}),
      ...(trigger ? { trigger: lookup(TRIGGER_QUERY, trigger, 'trigger') } : {}),
    };
    const page = await deps.jobs.listExecutions(filter, paging);
    reply.headers(pagingHeaders(req.url, page.total, paging));
    return Promise.all(page.items.map((e) => executionJson(deps.jobs, e)));
  });

  app.post('/replication/executions', async (req, reply) => {
    await requireSystem(req, 'replication', 'create');
    const body = req.body as Record<string, unknown> | null;
    const policyId = body && typeof body === 'object' ? body.policy_id : undefined;
    if (typeof policyId !== 'number' || !Number.isSafeInteger(policyId) || policyId <= 0) {
      throw new Invalid('NAME_INVALID', 'policy_id must be the id of a replication policy');
    }
    const { executionId } = await replicationApi(deps).service.start(policyId, 'MANUAL');
    auditReplication(req, deps, {
      operation: 'create',
      resourceType: 'replication',
      resource: `execution ${executionId} of policy ${policyId}`,
    });
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${executionId}`).send();
  });

  app.get<{ Params: { id: string } }>('/replication/executions/:id', async (req) => {
    await requireSystem(req, 'replication', 'read');
    return executionJson(deps.jobs, await execution(deps, req.params.id));
  });

  // Harbor asks for replication:create to stop a run.
  app.put<{ Params: { id: string } }>('/replication/executions/:id', async (req, reply) => {
    await requireSystem(req, 'replication', 'create');
    const e = await execution(deps, req.params.id);
    await deps.jobs.stopExecution(e.id);
    auditReplication(req, deps, {
      operation: 'update',
      resourceType: 'replication',
      resource: `stop execution ${e.id}`,
    });
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/replication/executions/:id/tasks', async (req, reply) => {
    await requireSystem(req, 'replication', 'read');
    const e = await execution(deps, req.params.id);
    const q = req.query as RawQuery;
    const paging = parsePaging(one(q.page), one(q.page_size));
    const status = one(q.status);
    const resourceType = one(q.resource_type);
    const filter: TaskFilter = {
      ...artifactTasks(e),
      ...(status ? { status: lookup(STATUS_QUERY, status, 'status') } : {}),
    };
    let page: { items: Task[]; total: number };
    if (resourceType) {
      // Stored in the task's parameters, not a column: filtered here, over the run's tasks.
      const all: Task[] = [];
      for (let n = 1; ; n++) {
        const chunk = await deps.jobs.listTasks(filter, { page: n, pageSize: 500 });
        all.push(...chunk.items.filter((t) => safeParams(t)?.resourceType === resourceType));
        if (chunk.items.length < 500) break;
      }
      const start = (paging.page - 1) * paging.pageSize;
      page = { items: all.slice(start, start + paging.pageSize), total: all.length };
    } else {
      page = await deps.jobs.listTasks(filter, paging);
    }
    reply.headers(pagingHeaders(req.url, page.total, paging));
    return page.items.map(taskJson);
  });

  app.get<{ Params: { id: string; task_id: string } }>(
    '/replication/executions/:id/tasks/:task_id/log',
    async (req, reply) => {
      await requireSystem(req, 'replication', 'read');
      const e = await execution(deps, req.params.id);
      const taskId = idParam(req.params.task_id);
      const task = taskId === undefined ? undefined : await deps.jobs.getTask(taskId);
      if (!task || task.executionId !== e.id) {
        throw new NotFound('NAME_UNKNOWN', `task ${req.params.task_id} of execution ${e.id} not found`);
      }
      return reply.type('text/plain; charset=utf-8').send(await deps.jobs.readLog(task.id));
    },
  );
};

async function execution(deps: ApiDeps, raw: string): Promise<Execution> {
  replicationApi(deps);
  const id = idParam(raw);
  const e = id === undefined ? undefined : await deps.jobs.getExecution(id);
  if (!e || e.vendorType !== REPLICATION_VENDOR) throw new NotFound('NAME_UNKNOWN', `execution ${raw} not found`);
  return e;
}

/** A manual or scheduled run's artifact tasks are its copy tasks; an event run has only its one task. */
function artifactTasks(e: Execution): TaskFilter {
  return e.trigger === 'EVENT' ? { executionId: e.id } : { executionId: e.id, jobType: REPLICATION_JOB_TYPES.copy };
}

export async function executionJson(jobs: JobService, e: Execution) {
  const count = async (status: JobStatus) =>
    (await jobs.listTasks({ ...artifactTasks(e), status }, { page: 1, pageSize: 1 })).total;
  const [pending, running, succeed, failed, stopped] = (await Promise.all(
    (['Pending', 'Running', 'Success', 'Error', 'Stopped'] as const).map(count),
  )) as [number, number, number, number, number];
  return {
    id: e.id,
    policy_id: e.vendorId,
    status: EXECUTION_STATUS[e.status],
    trigger: TRIGGER[e.trigger],
    start_time: harborTimeOrZero(e.startTime),
    end_time: harborTimeOrZero(e.endTime),
    status_text: e.statusMessage ?? '',
    total: pending + running + succeed + failed + stopped,
    failed,
    succeed,
    in_progress: pending + running,
    stopped,
  };
}

export function taskJson(t: Task) {
  const p = safeParams(t);
  return {
    id: t.id,
    execution_id: t.executionId,
    status: TASK_STATUS[t.status],
    job_id: String(t.id),
    operation: p?.operation ?? (t.jobType === REPLICATION_JOB_TYPES.enumerate ? 'enumerate' : ''),
    resource_type: p?.resourceType ?? '',
    src_resource: p ? resourceName(p.srcRepository, p.srcReference) : '',
    dst_resource: p ? resourceName(p.dstRepository, p.srcReference) : '',
    start_time: harborTimeOrZero(t.startTime),
    end_time: harborTimeOrZero(t.endTime),
    bytes_done: t.progress.done,
    bytes_total: t.progress.total,
  };
}

function safeParams(t: Task) {
  try {
    return taskParams(t.params);
  } catch {
    return undefined;
  }
}

function one(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function lookup<T>(table: Record<string, T>, value: string, name: string): T {
  const hit = Object.hasOwn(table, value) ? table[value] : undefined;
  if (hit === undefined) {
    throw new Invalid('NAME_INVALID', `${name} must be one of ${Object.keys(table).join(', ')}`);
  }
  return hit;
}
