import type { Generated } from 'kysely';

/**
 * The job system's tables (migration 6).
 *
 * ```
 * executions ─< tasks ─< task_logs
 * schedules   (standalone; keyed by vendor type and id)
 * job_queues  (standalone; one row per paused job type)
 * ```
 */
export interface JobTables {
  executions: ExecutionsTable;
  tasks: TasksTable;
  task_logs: TaskLogsTable;
  schedules: SchedulesTable;
  job_queues: JobQueuesTable;
}

export interface ExecutionsTable {
  id: Generated<number>;
  vendor_type: string;
  vendor_id: number;
  project_id: number | null;
  trigger: string;
  status: string;
  status_message: Generated<string | null>;
  /** Counters kept by every task transition, so finishing one task never counts the others. */
  tasks_total: Generated<number>;
  tasks_succeeded: Generated<number>;
  tasks_failed: Generated<number>;
  tasks_stopped: Generated<number>;
  /** 1 while the vendor may still add tasks (streaming enumeration); the execution cannot end before. */
  open: number;
  /** Set by a stop: tasks added afterwards are refused. */
  stopped: Generated<number>;
  /** A single-task execution shows its task's progress. */
  progress_done: Generated<number>;
  progress_total: Generated<number>;
  extra_attrs: string;
  start_time: number;
  end_time: Generated<number | null>;
  update_time: number;
}

export interface TasksTable {
  id: Generated<number>;
  execution_id: number;
  job_type: string;
  status: string;
  status_message: Generated<string | null>;
  priority: number;
  attempts: Generated<number>;
  max_attempts: number;
  run_after: number;
  dedupe_key: string | null;
  params: string;
  progress_done: Generated<number>;
  progress_total: Generated<number>;
  lease_owner: Generated<string | null>;
  lease_until: Generated<number | null>;
  create_time: number;
  start_time: Generated<number | null>;
  end_time: Generated<number | null>;
  update_time: number;
}

export interface TaskLogsTable {
  id: Generated<number>;
  task_id: number;
  at: number;
  level: string;
  message: string;
}

export interface SchedulesTable {
  id: Generated<number>;
  vendor_type: string;
  vendor_id: number;
  cron: string;
  callback: string;
  params: string;
  next_run: number | null;
  create_time: number;
  update_time: number;
}

export interface JobQueuesTable {
  job_type: string;
  paused: number;
  update_time: number;
}
