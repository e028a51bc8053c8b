import { describe, expect, it } from 'vitest';
import type { Execution, Task, WorkerPoolInfo } from '../../jobs/job-types.js';
import {
  toExecutionJson,
  toJobQueueJson,
  toScheduleTaskJson,
  toTaskJson,
  toWorkerPoolJson,
  toWorkersJson,
} from './execution-json.js';

const T0 = new Date('2026-01-02T03:04:05.000Z');
const T1 = new Date('2026-01-02T03:05:00.000Z');

const execution: Execution = {
  id: 7,
  vendorType: 'RETENTION',
  vendorId: 3,
  projectId: 2,
  trigger: 'MANUAL',
  status: 'Running',
  statusMessage: null,
  progress: { done: 1, total: 4 },
  extraAttrs: { dry_run: true },
  startTime: T0,
  endTime: null,
  updateTime: T1,
};

const task: Task = {
  id: 11,
  executionId: 7,
  jobType: 'retention',
  status: 'Error',
  statusMessage: 'boom',
  priority: 5,
  attempts: 2,
  maxAttempts: 3,
  runAfter: T0,
  dedupeKey: 'secret-key',
  params: { token: 'never shown' },
  progress: { done: 2, total: 2 },
  leaseOwner: 'host-1',
  leaseUntil: T1,
  createTime: T0,
  startTime: T0,
  endTime: T1,
  updateTime: T1,
};

describe('execution and task JSON', () => {
  it('writes an execution in snake_case, with null for times that have not happened', () => {
    expect(toExecutionJson(execution)).toEqual({
      id: 7,
      vendor_type: 'RETENTION',
      vendor_id: 3,
      project_id: 2,
      status: 'Running',
      status_message: '',
      trigger: 'MANUAL',
      progress: { done: 1, total: 4 },
      extra_attrs: { dry_run: true },
      start_time: '2026-01-02T03:04:05.000Z',
      end_time: null,
      update_time: '2026-01-02T03:05:00.000Z',
    });
  });

  it('writes a task without its parameters, dedupe key or lease', () => {
    const json = toTaskJson(task);
    expect(json).toEqual({
      id: 11,
      execution_id: 7,
      job_type: 'retention',
      status: 'Error',
      status_message: 'boom',
      attempts: 2,
      max_attempts: 3,
      run_after: '2026-01-02T03:04:05.000Z',
      progress: { done: 2, total: 2 },
      creation_time: '2026-01-02T03:04:05.000Z',
      start_time: '2026-01-02T03:04:05.000Z',
      end_time: '2026-01-02T03:05:00.000Z',
      update_time: '2026-01-02T03:05:00.000Z',
    });
    expect(JSON.stringify(json)).not.toMatch(/never shown|secret-key|host-1/);
  });
});

describe("Harbor's jobservice models", () => {
  const pool: WorkerPoolInfo = {
    poolId: 'pool-a',
    pid: 42,
    host: 'box',
    startedAt: T0,
    heartbeatAt: T1,
    concurrency: 3,
    running: [{ jobType: 'gc', taskId: 9, executionId: 4, startedAt: T1 }],
  };

  it('describes this process as the one worker pool', () => {
    expect(toWorkerPoolJson(pool)).toEqual({
      pid: 42,
      worker_pool_id: 'pool-a',
      start_at: '2026-01-02T03:04:05.000Z',
      heartbeat_at: '2026-01-02T03:05:00.000Z',
      concurrency: 3,
      host: 'box',
    });
  });

  it('lists busy workers with their job (a task id), then idle ones up to the concurrency', () => {
    const workers = toWorkersJson(pool);
    expect(workers).toHaveLength(3);
    expect(workers[0]).toMatchObject({ pool_id: 'pool-a', job_name: 'gc', job_id: '9' });
    expect(workers[1]).toEqual({ id: 'pool-a-2', pool_id: 'pool-a' });
    expect(new Set(workers.map((w) => w.id)).size).toBe(3);
  });

  it('writes queues and schedules', () => {
    expect(
      toJobQueueJson({
        jobType: 'gc',
        lane: 'background',
        count: 4,
        running: 1,
        concurrency: 1,
        paused: true,
        latency: 2.6,
      }),
    ).toEqual({ job_type: 'gc', count: 4, latency: 3, paused: true });
    expect(
      toScheduleTaskJson({
        id: 1,
        vendorType: 'GARBAGE_COLLECTION',
        vendorId: -1,
        cron: '0 0 1 * * *',
        callback: 'gc',
        params: {},
        nextRun: null,
        createTime: T0,
        updateTime: T1,
      }),
    ).toEqual({
      id: 1,
      vendor_type: 'GARBAGE_COLLECTION',
      vendor_id: -1,
      cron: '0 0 1 * * *',
      update_time: '2026-01-02T03:05:00.000Z',
    });
  });
});
