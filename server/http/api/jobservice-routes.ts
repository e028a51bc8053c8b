import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import type { JobService, QueueInfo } from '../../jobs/job-types.js';
import type { ApiDeps } from './api-deps.js';
import { unprocessable } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { toJobQueueJson, toWorkerPoolJson, toWorkersJson } from './execution-json.js';
import { requireSystem } from './guards.js';
import { JOBSERVICE_MONITOR } from './job-permissions.js';

/**
 * Harbor's job service dashboard on Berth's job system: getWorkerPools, getWorkers, stopRunningJob,
 * actionGetJobLog, listJobQueues and actionPendingJobs. Harbor's handler (handler/jobservice.go) asks
 * for the system `jobservice-monitor` resource: `list` to look, `stop` to act.
 *
 * Mapping: there is one worker pool, this process (`JobService.runtime()`); a worker is a running
 * task, or an idle slot; a Harbor job id is a task id; a queue is a job type, and `all` in
 * `/jobservice/queues/{job_type}` means every queue. Job types are matched exactly first, then
 * ignoring case, since Harbor's clients send them in upper case.
 */
export const jobserviceRoutes: ApiRouteModule = (app, deps) => {
  const monitor = (req: FastifyRequest, action: 'read' | 'stop') =>
    requireSystem(req, JOBSERVICE_MONITOR.resource, JOBSERVICE_MONITOR[action]);

  app.get('/jobservice/pools', async (req) => {
    await monitor(req, 'read');
    return [toWorkerPoolJson(deps.jobs.runtime())];
  });

  app.get<{ Params: { pool_id: string } }>('/jobservice/pools/:pool_id/workers', async (req) => {
    await monitor(req, 'read');
    const pool = deps.jobs.runtime();
    const id = req.params.pool_id;
    if (id.toLowerCase() !== 'all' && id !== pool.poolId) {
      throw new NotFound('NAME_UNKNOWN', `worker pool ${clip(id)} not found`);
    }
    return toWorkersJson(pool);
  });

  app.put<{ Params: { job_id: string } }>('/jobservice/jobs/:job_id', async (req, reply) => {
    await monitor(req, 'stop');
    const task = await taskOf(deps.jobs, req.params.job_id);
    await deps.jobs.stopTask(task.id);
    record(req, deps, 'stop', 'job', `task ${task.id}`, `${task.jobType}, execution ${task.executionId}`);
    return reply.code(200).send();
  });

  app.get<{ Params: { job_id: string } }>('/jobservice/jobs/:job_id/log', async (req, reply) => {
    await monitor(req, 'read');
    const task = await taskOf(deps.jobs, req.params.job_id);
    return reply.type('text/plain; charset=utf-8').send(await deps.jobs.readLog(task.id));
  });

  app.get('/jobservice/queues', async (req) => {
    await monitor(req, 'read');
    return (await deps.jobs.queues()).map(toJobQueueJson);
  });

  app.put<{ Params: { job_type: string } }>('/jobservice/queues/:job_type', async (req, reply) => {
    await monitor(req, 'stop');
    const action = readAction(req.body, ['stop', 'pause', 'resume']);
    const queues = selectQueues(await deps.jobs.queues(), req.params.job_type);
    for (const q of queues) {
      if (action === 'stop') await deps.jobs.stopType(q.jobType);
      else if (action === 'pause') await deps.jobs.pauseType(q.jobType);
      else await deps.jobs.resumeType(q.jobType);
    }
    const what = queues.length === 1 ? (queues[0] as QueueInfo).jobType : `all (${queues.length})`;
    record(req, deps, action, 'job_queue', what, null);
    return reply.code(200).send();
  });
};

/** Harbor's `ActionRequest.action` values. */
const HARBOR_ACTIONS = ['stop', 'pause', 'resume'];

/**
 * The `action` of Harbor's `ActionRequest` body. A value outside Harbor's enum is a 422 (as
 * go-swagger's validation answers); a missing one, or one this operation does not take, is a 400.
 */
export function readAction<A extends string>(body: unknown, allowed: readonly A[]): A {
  const action = body !== null && typeof body === 'object' ? (body as { action?: unknown }).action : undefined;
  if (action === undefined || action === null || action === '') {
    throw new Invalid('NAME_INVALID', `action is required: ${allowed.join(', ')}`);
  }
  if (typeof action !== 'string' || !HARBOR_ACTIONS.includes(action.toLowerCase())) {
    throw unprocessable(`action in body should be one of [${HARBOR_ACTIONS.join(' ')}]`);
  }
  const wanted = action.toLowerCase() as A;
  if (!allowed.includes(wanted)) throw new Invalid('NAME_INVALID', `the action ${wanted} is not supported here`);
  return wanted;
}

/** The queues `/jobservice/queues/{job_type}` names: `all`, or one job type (exact, then any case). */
export function selectQueues(queues: QueueInfo[], jobType: string): QueueInfo[] {
  if (jobType.toLowerCase() === 'all') return queues;
  const exact = queues.find((q) => q.jobType === jobType);
  const found = exact ?? queues.find((q) => q.jobType.toLowerCase() === jobType.toLowerCase());
  if (!found) throw new NotFound('NAME_UNKNOWN', `job queue ${clip(jobType)} not found`);
  return [found];
}

/** A Harbor job id as a task: an unknown or malformed id is a 404, like an unknown Harbor job id. */
async function taskOf(jobs: JobService, raw: string) {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  const task = Number.isSafeInteger(id) && id > 0 ? await jobs.getTask(id) : undefined;
  if (!task) throw new NotFound('NAME_UNKNOWN', `job ${clip(raw)} not found`);
  return task;
}

function record(
  req: FastifyRequest,
  deps: ApiDeps,
  operation: string,
  resourceType: string,
  resource: string,
  detail: string | null,
): void {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType,
    resource,
    project: null,
    success: true,
    detail,
  });
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
