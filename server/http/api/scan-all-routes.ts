import type { FastifyRequest } from 'fastify';
import { Conflict, Invalid } from '../../core/errors.js';
import { FINAL_STATUSES, type Execution, type JobStatus, type Schedule, type Trigger } from '../../jobs/job-types.js';
import { SCAN_ALL_SCHEDULE_CALLBACK, SCAN_ALL_VENDOR_TYPE } from '../../scan/scan-contract.js';
import type { ApiDeps } from './api-deps.js';
import { preconditionFailed } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireSystem } from './guards.js';
import { auditScan, objectBody, scanService } from './scan-json.js';

/**
 * Scan-all, Harbor's `handler/scan_all.go` (system resource `scan-all`):
 *
 *   GET  /system/scanAll/schedule   Harbor's `Schedule` ({} when there is none)
 *   POST /system/scanAll/schedule   {schedule: {type, cron}}: Manual starts a run now (409 while a
 *                                   manual one runs), None does nothing, a schedule is refused (412)
 *                                   while one exists; 201
 *   PUT  /system/scanAll/schedule   sets or replaces the schedule, None deletes it, Manual is a 400; 200
 *   POST /system/scanAll/stop       stops the latest run (400 when there is none); 202
 *   GET  /scans/all/metrics         `Stats` of the latest run
 *   GET  /scans/schedule/metrics    `Stats` of the latest scheduled run
 *
 * A run is one execution of vendor type SCAN_ALL whose tasks are the artifacts it scans; `Stats`
 * counts them by status. The schedule's cron has six fields (seconds first), as Harbor's.
 */

const TYPES = ['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule'] as const;
type ScheduleType = (typeof TYPES)[number];
const PRESET_CRON: Partial<Record<ScheduleType, string>> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};
const VENDOR_ID = 0;
const STATUSES: JobStatus[] = ['Pending', 'Running', 'Success', 'Error', 'Stopped'];

export const scanAllRoutes: ApiRouteModule = (app, deps) => {
  app.get('/system/scanAll/schedule', async (req) => {
    await requireSystem(req, 'scan-all', 'read');
    const schedule = await deps.jobs.getSchedule(SCAN_ALL_VENDOR_TYPE, VENDOR_ID);
    return schedule ? toScheduleJson(schedule) : {};
  });

  app.post('/system/scanAll/schedule', async (req, reply) => {
    await requireSystem(req, 'scan-all', 'create');
    const { type, cron } = readSchedule(req.body);
    if (type === 'None') return reply.code(201).send();
    if (type === 'Manual') {
      const latest = await latestExecution(deps, 'MANUAL');
      if (latest && !FINAL_STATUSES.includes(latest.status)) {
        throw new Conflict('DENIED', `a previous scan all job aleady exits, its status is ${latest.status}`);
      }
      const { executionId } = await scanService(deps).scanAll('MANUAL');
      auditScan(req, deps, { operation: 'create', resourceType: 'scan_all', resource: `scan all ${executionId}` });
      return reply.code(201).send();
    }
    if (await deps.jobs.getSchedule(SCAN_ALL_VENDOR_TYPE, VENDOR_ID)) {
      throw preconditionFailed(
        'fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule',
      );
    }
    await setSchedule(req, deps, type, cron);
    return reply.code(201).send();
  });

  app.put('/system/scanAll/schedule', async (req, reply) => {
    await requireSystem(req, 'scan-all', 'update');
    const { type, cron } = readSchedule(req.body);
    if (type === 'Manual') {
      throw new Invalid('NAME_INVALID', `fail to update scan all schedule as wrong schedule type: ${type}`);
    }
    if (type === 'None') {
      if (await deps.jobs.deleteSchedule(SCAN_ALL_VENDOR_TYPE, VENDOR_ID)) {
        auditScan(req, deps, { operation: 'delete', resourceType: 'scan_all', resource: 'scan all schedule' });
      }
      return reply.code(200).send();
    }
    await setSchedule(req, deps, type, cron);
    return reply.code(200).send();
  });

  app.post('/system/scanAll/stop', async (req, reply) => {
    await requireSystem(req, 'scan-all', 'stop');
    const latest = await latestExecution(deps);
    if (!latest) throw new Invalid('NAME_INVALID', 'no scan all job is found currently');
    await scanService(deps).stopScanAll();
    auditScan(req, deps, { operation: 'stop', resourceType: 'scan_all', resource: `scan all ${latest.id}` });
    return reply.code(202).send();
  });

  app.get('/scans/all/metrics', async (req) => {
    await requireSystem(req, 'scan-all', 'read');
    return stats(deps, await latestExecution(deps));
  });

  app.get('/scans/schedule/metrics', async (req) => {
    await requireSystem(req, 'scan-all', 'read');
    return stats(deps, await latestExecution(deps, 'SCHEDULE'));
  });
};

function readSchedule(raw: unknown): { type: ScheduleType; cron: string | undefined } {
  const body = objectBody(raw, 'the request body (Schedule)');
  const schedule = objectBody(body.schedule, 'schedule');
  const type = schedule.type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    throw new Invalid('NAME_INVALID', `schedule.type must be one of ${TYPES.join(', ')}`);
  }
  const cron = schedule.cron;
  if (cron !== undefined && cron !== null && typeof cron !== 'string') {
    throw new Invalid('NAME_INVALID', 'schedule.cron must be a string');
  }
  return { type: type as ScheduleType, cron: typeof cron === 'string' ? cron : undefined };
}

async function setSchedule(req: FastifyRequest, deps: ApiDeps, type: ScheduleType, raw: string | undefined) {
  const cron = (PRESET_CRON[type] ?? raw ?? '').trim();
  if (cron === '') throw new Invalid('NAME_INVALID', 'empty cron string for scan all schedule');
  if (cron.split(/\s+/).length !== 6) {
    throw new Invalid(
      'NAME_INVALID',
      `cron "${cron.slice(0, 80)}" must have 6 fields (seconds first), e.g. "0 0 1 * * *"`,
    );
  }
  await deps.jobs.setSchedule({
    vendorType: SCAN_ALL_VENDOR_TYPE,
    vendorId: VENDOR_ID,
    cron,
    callback: SCAN_ALL_SCHEDULE_CALLBACK,
    params: { schedule_type: type === 'Schedule' ? 'Custom' : type },
  });
  auditScan(req, deps, {
    operation: 'update',
    resourceType: 'scan_all',
    resource: 'scan all schedule',
    detail: `${type} ${cron}`,
  });
}

/** Harbor's `Schedule` of scan-all. */
function toScheduleJson(schedule: Schedule) {
  const type = typeof schedule.params.schedule_type === 'string' ? schedule.params.schedule_type : 'Custom';
  return {
    id: schedule.id,
    status: '',
    creation_time: schedule.createTime.toISOString(),
    update_time: schedule.updateTime.toISOString(),
    schedule: {
      type,
      cron: schedule.cron,
      ...(schedule.nextRun ? { next_scheduled_time: schedule.nextRun.toISOString() } : {}),
    },
  };
}

async function latestExecution(deps: ApiDeps, trigger?: Trigger): Promise<Execution | undefined> {
  const page = await deps.jobs.listExecutions(
    { vendorType: SCAN_ALL_VENDOR_TYPE, ...(trigger ? { trigger } : {}) },
    { page: 1, pageSize: 1 },
  );
  return page.items[0];
}

/** Harbor's `Stats`: the run's tasks by status; zeros before any run, as Harbor answers. */
async function stats(deps: ApiDeps, execution: Execution | undefined) {
  if (!execution) return { total: 0, completed: 0, ongoing: false };
  const counts = await Promise.all(
    STATUSES.map(async (status) => {
      const page = await deps.jobs.listTasks({ executionId: execution.id, status }, { page: 1, pageSize: 1 });
      return [status, page.total] as const;
    }),
  );
  const metrics = Object.fromEntries(counts) as Record<JobStatus, number>;
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const completed = metrics.Success + metrics.Error + metrics.Stopped;
  return {
    total,
    completed,
    metrics,
    ongoing: !FINAL_STATUSES.includes(execution.status) || total !== completed,
    trigger: execution.trigger.charAt(0) + execution.trigger.slice(1).toLowerCase(),
  };
}
