import type { Execution, QueueInfo, Schedule, Task, WorkerPoolInfo } from '../../jobs/job-types.js';
import { harborTime } from './json-shape.js';

/**
 * The job system as JSON, in Harbor's snake_case style. Executions and tasks are Berth's own listing
 * (`/executions`, `/tasks`, and the live event stream); the rest are Harbor's jobservice and schedule
 * models (`WorkerPool`, `Worker`, `JobQueue`, `ScheduleTask`). Times are RFC 3339; a time that has not
 * happened yet (a task not started, an execution still running) is null rather than Go's zero time,
 * since no Harbor client reads these objects.
 */

export interface ExecutionJson {
  id: number;
  vendor_type: string;
  vendor_id: number;
  /** Null for system-wide work (GC, replication). */
  project_id: number | null;
  status: string;
  status_message: string;
  trigger: string;
  progress: { done: number; total: number };
  extra_attrs: Record<string, unknown>;
  start_time: string;
  end_time: string | null;
  update_time: string;
}

export interface TaskJson {
  id: number;
  execution_id: number;
  job_type: string;
  status: string;
  status_message: string;
  attempts: number;
  max_attempts: number;
  run_after: string;
  progress: { done: number; total: number };
  creation_time: string;
  start_time: string | null;
  end_time: string | null;
  update_time: string;
}

export function toExecutionJson(e: Execution): ExecutionJson {
  return {
    id: e.id,
    vendor_type: e.vendorType,
    vendor_id: e.vendorId,
    project_id: e.projectId,
    status: e.status,
    status_message: e.statusMessage ?? '',
    trigger: e.trigger,
    progress: { done: e.progress.done, total: e.progress.total },
    extra_attrs: e.extraAttrs,
    start_time: harborTime(e.startTime),
    end_time: timeOrNull(e.endTime),
    update_time: harborTime(e.updateTime),
  };
}

/**
 * A task without its parameters (they may carry what a policy's author put there) or its lease
 * (which instance runs it is an operator's concern: see `/jobservice/pools/{id}/workers`).
 */
export function toTaskJson(t: Omit<Task, 'params'>): TaskJson {
  return {
    id: t.id,
    execution_id: t.executionId,
    job_type: t.jobType,
    status: t.status,
    status_message: t.statusMessage ?? '',
    attempts: t.attempts,
    max_attempts: t.maxAttempts,
    run_after: harborTime(t.runAfter),
    progress: { done: t.progress.done, total: t.progress.total },
    creation_time: harborTime(t.createTime),
    start_time: timeOrNull(t.startTime),
    end_time: timeOrNull(t.endTime),
    update_time: harborTime(t.updateTime),
  };
}

/** Harbor's `WorkerPool`: this process is the one pool. */
export function toWorkerPoolJson(pool: WorkerPoolInfo) {
  return {
    pid: pool.pid,
    worker_pool_id: pool.poolId,
    start_at: harborTime(pool.startedAt),
    heartbeat_at: harborTime(pool.heartbeatAt),
    concurrency: pool.concurrency,
    host: pool.host,
  };
}

/**
 * Harbor's `Worker` list: one worker per running task, then idle workers up to the pool's
 * concurrency (Harbor lists idle workers without a job). A job id is a task id.
 */
export function toWorkersJson(pool: WorkerPoolInfo) {
  const busy = pool.running.map((r, i) => ({
    id: `${pool.poolId}-${i + 1}`,
    pool_id: pool.poolId,
    job_name: r.jobType,
    job_id: String(r.taskId),
    start_at: harborTime(r.startedAt),
    check_in: `execution ${r.executionId}`,
    checkin_at: harborTime(pool.heartbeatAt),
  }));
  const idle = Array.from({ length: Math.max(0, pool.concurrency - busy.length) }, (_, i) => ({
    id: `${pool.poolId}-${busy.length + i + 1}`,
    pool_id: pool.poolId,
  }));
  return [...busy, ...idle];
}

/** Harbor's `JobQueue`; latency in whole seconds. */
export function toJobQueueJson(q: QueueInfo) {
  return { job_type: q.jobType, count: q.count, latency: Math.round(q.latency), paused: q.paused };
}

/** Harbor's `ScheduleTask`. */
export function toScheduleTaskJson(s: Schedule) {
  return {
    id: s.id,
    vendor_type: s.vendorType,
    vendor_id: s.vendorId,
    cron: s.cron,
    update_time: harborTime(s.updateTime),
  };
}

function timeOrNull(date: Date | null): string | null {
  return date ? harborTime(date) : null;
}
