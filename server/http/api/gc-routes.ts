import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound, Unsupported } from '../../core/errors.js';
import { GC_SCHEDULE_CALLBACK, GC_VENDOR_TYPE, scheduleParams, type GcService } from '../../gc/gc-job.js';
import type { Execution, ExecutionFilter, JobStatus, Schedule, Trigger } from '../../jobs/job-types.js';
import type { Filter } from '../../meta/list-query.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { pathId } from './artifact-access.js';
import { requireSystem } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { sendPage } from './paging.js';

/**
 * Garbage collection, Harbor's `handler/gc.go`, for system administrators (resource
 * `garbage-collection`):
 *
 *   GET  /system/gc                 history (GCHistory[]), paged; q: job_status, job_kind (exact)
 *   GET  /system/gc/{gc_id}         one run
 *   PUT  /system/gc/{gc_id}         stop it
 *   GET  /system/gc/{gc_id}/log     its log, text/plain
 *   GET  /system/gc/schedule        the schedule as a GCHistory (an empty object when there is none)
 *   POST /system/gc/schedule        {schedule: {type, cron}, parameters: {dry_run, delete_untagged, workers}}
 *   PUT  /system/gc/schedule        same; type Manual runs now (POST answers 201 with its Location),
 *                                   None deletes the schedule, Hourly/Daily/Weekly/Custom set it
 *
 * A run is one execution of vendor type GARBAGE_COLLECTION; its parameters and results (dry_run,
 * delete_untagged, workers, time_window in hours, purged_blobs, purged_manifests, freed_space...)
 * are the execution's attributes, shown as `job_parameters` like Harbor's.
 */

type ScheduleType = 'Hourly' | 'Daily' | 'Weekly' | 'Custom' | 'Manual' | 'None' | 'Schedule';
const PRESET_CRON: Partial<Record<ScheduleType, string>> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};
const RESOURCE = 'garbage-collection';

export interface GcHistoryJson {
  id: number;
  job_name: string;
  job_kind: string;
  job_parameters: string;
  schedule: { type: string; cron?: string; next_scheduled_time?: string };
  job_status: string;
  deleted: boolean;
  creation_time: string;
  update_time: string;
}

export const gcRoutes: ApiRouteModule = (app, deps) => {
  app.get('/system/gc', async (req, reply) => {
    await requireSystem(req, RESOURCE, 'list');
    const list = parseListRequest(req.query);
    const filter = historyFilter(list.query.filters);
    const page = await deps.jobs.listExecutions(filter, { page: list.page, pageSize: list.pageSize });
    return sendPage(req, reply, list, page, toHistory);
  });

  app.get('/system/gc/schedule', async (req) => {
    await requireSystem(req, RESOURCE, 'read');
    const schedule = await deps.jobs.getSchedule(GC_VENDOR_TYPE, -1);
    return schedule ? scheduleJson(schedule) : {};
  });

  app.post('/system/gc/schedule', async (req, reply) => {
    await requireSystem(req, RESOURCE, 'create');
    const started = await applySchedule(req, deps);
    if (started) {
      return reply.code(201).header('location', `/api/v2.0/system/gc/${started.id}`).send();
    }
    return reply.code(201).send();
  });

  app.put('/system/gc/schedule', async (req, reply) => {
    await requireSystem(req, RESOURCE, 'update');
    await applySchedule(req, deps);
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/system/gc/:id', async (req) => {
    await requireSystem(req, RESOURCE, 'read');
    return toHistory(await gcExecution(deps, req.params.id));
  });

  app.put<{ Params: { id: string } }>('/system/gc/:id', async (req, reply) => {
    await requireSystem(req, RESOURCE, 'stop');
    const execution = await gcExecution(deps, req.params.id);
    await deps.jobs.stopExecution(execution.id);
    record(req, deps, 'stop', `gc ${execution.id}`, null);
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/system/gc/:id/log', async (req, reply) => {
    await requireSystem(req, RESOURCE, 'read');
    const execution = await gcExecution(deps, req.params.id);
    const tasks = await deps.jobs.listTasks({ executionId: execution.id }, { page: 1, pageSize: 1 });
    const task = tasks.items[0];
    if (!task) throw new NotFound('NAME_UNKNOWN', `garbage collection ${execution.id} log is not found`);
    return reply.type('text/plain; charset=utf-8').send(await deps.jobs.readLog(task.id));
  });
};

/** Runs, sets or deletes per the body; returns the execution a Manual run started. */
async function applySchedule(req: FastifyRequest, deps: ApiDeps): Promise<Execution | undefined> {
  const gc = service(deps);
  const body = asRecord(req.body, 'the request body (a Schedule)');
  const schedule = asRecord(body.schedule ?? {}, 'schedule');
  const type = schedule.type;
  if (
    typeof type !== 'string' ||
    !['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule'].includes(type)
  ) {
    throw new Invalid(
      'NAME_INVALID',
      'schedule.type must be one of Hourly, Daily, Weekly, Custom, Manual, None, Schedule',
    );
  }
  const parameters = readParameters(body.parameters);
  if (type === 'Manual') {
    const execution = await gc.start({ ...parameters, trigger: 'MANUAL' });
    record(req, deps, 'create', `gc ${execution.id}`, JSON.stringify(execution.extraAttrs));
    return execution;
  }
  if (type === 'None') {
    await deps.jobs.deleteSchedule(GC_VENDOR_TYPE, -1);
    record(req, deps, 'delete', 'gc schedule', null);
    return undefined;
  }
  const cron = PRESET_CRON[type as ScheduleType] ?? schedule.cron;
  if (typeof cron !== 'string' || cron.trim() === '')
    throw new Invalid('NAME_INVALID', 'empty cron string for gc schedule');
  if (cron.trim().split(/\s+/).length !== 6) {
    throw new Invalid('NAME_INVALID', `cron "${cron}" must have 6 fields (seconds first), e.g. "0 0 1 * * *"`);
  }
  await deps.jobs.setSchedule({
    vendorType: GC_VENDOR_TYPE,
    vendorId: -1,
    cron: cron.trim(),
    callback: GC_SCHEDULE_CALLBACK,
    params: {
      schedule_type: type === 'Schedule' ? 'Custom' : type,
      dry_run: parameters.dryRun,
      delete_untagged: parameters.deleteUntagged,
      workers: parameters.workers,
    },
  });
  record(req, deps, 'update', 'gc schedule', `${type} ${cron}`);
  return undefined;
}

function readParameters(raw: unknown): { dryRun: boolean; deleteUntagged: boolean; workers: number } {
  const p = raw === undefined || raw === null ? {} : asRecord(raw, 'parameters');
  const flag = (key: string): boolean => {
    const value = p[key];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') throw new Invalid('NAME_INVALID', `parameters.${key} must be a boolean`);
    return value;
  };
  const workers = p.workers ?? 1;
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 5) {
    throw new Invalid('NAME_INVALID', 'parameters.workers must be an integer from 1 to 5');
  }
  return { dryRun: flag('dry_run'), deleteUntagged: flag('delete_untagged'), workers };
}

function service(deps: ApiDeps): GcService {
  if (!deps.gc) throw new Unsupported('garbage collection is not available on this server');
  return deps.gc;
}

async function gcExecution(deps: ApiDeps, raw: string): Promise<Execution> {
  const id = pathId(raw, 'gc_id');
  const execution = await deps.jobs.getExecution(id);
  if (!execution || execution.vendorType !== GC_VENDOR_TYPE) {
    throw new NotFound('NAME_UNKNOWN', `garbage collection ${id} not found`);
  }
  return execution;
}

function historyFilter(filters: Filter[]): ExecutionFilter {
  const filter: ExecutionFilter = { vendorType: GC_VENDOR_TYPE };
  for (const f of filters) {
    if (f.kind !== 'exact') throw new Invalid('NAME_INVALID', `"${f.key}" takes an exact value`);
    const value = String(f.value);
    if (f.key === 'job_status' || f.key === 'status') filter.status = value as JobStatus;
    else if (f.key === 'job_kind' || f.key === 'trigger') filter.trigger = value as Trigger;
    else throw new Invalid('NAME_INVALID', `unsupported query key "${f.key}"; supported: job_status, job_kind`);
  }
  return filter;
}

export function toHistory(execution: Execution): GcHistoryJson {
  return {
    id: execution.id,
    job_name: GC_VENDOR_TYPE,
    job_kind: execution.trigger,
    job_parameters: JSON.stringify(execution.extraAttrs),
    // Harbor puts the trigger here; the swagger's enum spells it Manual or Schedule.
    schedule: { type: execution.trigger === 'SCHEDULE' ? 'Schedule' : 'Manual' },
    job_status: execution.status,
    deleted: false,
    creation_time: execution.startTime.toISOString(),
    update_time: (execution.endTime ?? execution.updateTime).toISOString(),
  };
}

function scheduleJson(schedule: Schedule): GcHistoryJson {
  const params = scheduleParams(schedule.params);
  const type = typeof schedule.params.schedule_type === 'string' ? schedule.params.schedule_type : 'Custom';
  return {
    id: schedule.id,
    job_name: GC_VENDOR_TYPE,
    job_kind: type,
    job_parameters: JSON.stringify({
      dry_run: params.dryRun,
      delete_untagged: params.deleteUntagged,
      workers: params.workers,
    }),
    schedule: {
      type,
      cron: schedule.cron,
      ...(schedule.nextRun ? { next_scheduled_time: schedule.nextRun.toISOString() } : {}),
    },
    job_status: '',
    deleted: false,
    creation_time: schedule.createTime.toISOString(),
    update_time: schedule.updateTime.toISOString(),
  };
}

function record(req: FastifyRequest, deps: ApiDeps, operation: string, resource: string, detail: string | null) {
  deps.audit.record({
    username: req.security.name,
    clientIp: req.ip,
    operation,
    resourceType: 'garbage_collection',
    resource,
    project: null,
    success: true,
    detail,
  });
}

function asRecord(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Invalid('NAME_INVALID', `${what} must be a JSON object`);
  }
  return raw as Record<string, unknown>;
}
