import { Invalid } from '../../core/errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { toScheduleTaskJson } from './execution-json.js';
import { requireAuthenticated, requireSystem } from './guards.js';
import { parsePaging } from './harbor-query.js';
import { JOBSERVICE_MONITOR } from './job-permissions.js';
import { pagingHeaders } from './paging.js';

/**
 * Harbor's schedule dashboard: listSchedules (every schedule the job system holds, paged; system
 * `jobservice-monitor:list`, as Harbor's handler/schedule.go asks) and getSchedulePaused (any
 * authenticated caller; only `all` is accepted as the job type, as in Harbor).
 *
 * Harbor's scheduler is paused when its own queue is, which pausing `all` queues does. Berth fires
 * schedules in-process; what stops their work is the queues, so the scheduler counts as paused when
 * every queue is paused (and there is at least one).
 */
export const scheduleRoutes: ApiRouteModule = (app, deps) => {
  app.get<{ Querystring: Record<string, string | undefined> }>('/schedules', async (req, reply) => {
    await requireSystem(req, JOBSERVICE_MONITOR.resource, JOBSERVICE_MONITOR.read);
    const paging = parsePaging(first(req.query.page), first(req.query.page_size));
    const all = (await deps.jobs.listSchedules()).sort((a, b) => a.id - b.id);
    const start = (paging.page - 1) * paging.pageSize;
    reply.headers(pagingHeaders(req.url, all.length, paging));
    return all.slice(start, start + paging.pageSize).map(toScheduleTaskJson);
  });

  app.get<{ Params: { job_type: string } }>('/schedules/:job_type/paused', async (req) => {
    requireAuthenticated(req);
    if (req.params.job_type.toLowerCase() !== 'all') throw new Invalid('NAME_INVALID', "job_type can only be 'all'");
    const queues = await deps.jobs.queues();
    return { paused: queues.length > 0 && queues.every((q) => q.paused) };
  });
};

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
