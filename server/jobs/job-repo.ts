import type { Execution, ExecutionFilter, JobStatus, Schedule, Task, TaskFilter, Trigger } from './job-types.js';

/**
 * The job system's storage: executions, tasks, logs, schedules and paused queues. Each method is one
 * atomic change (one transaction in SQLite), so several Berth processes may share the tables: a task
 * is claimed by exactly one of them (`tick`), and a crashed one's leases are returned by any other
 * (`reconcile`).
 */
export interface JobRepo {
  createExecution(input: NewExecutionRow, now: number): Promise<Execution>;
  /**
   * The retry of a finished execution, in one transaction: a new execution of the same vendor (type,
   * id, project), triggered `MANUAL`, with the old one's extra attributes plus `retry_of`, and `copy`
   * of each of its failed or stopped tasks. Throws as `JobService.retryExecution` says.
   */
  retryExecution(id: number, copy: (task: Task) => TaskRow, now: number): Promise<Execution>;
  /** Inserts tasks, skipping those whose dedupe key is already Pending or Running. Returns the count added. */
  addTasks(executionId: number, tasks: TaskRow[], now: number): Promise<number>;
  seal(executionId: number, now: number): Promise<void>;
  /**
   * One scheduling step: records finished attempts, then claims up to `limit` runnable tasks per job
   * type for `owner` with a lease until `leaseUntil`.
   */
  tick(input: TickInput): Promise<{ claimed: Task[]; touchedExecutions: number[] }>;
  /** Renews `owner`'s leases; returns the ids of the tasks it still holds (others were stopped or taken). */
  heartbeat(owner: string, leaseUntil: number, now: number): Promise<number[]>;
  /**
   * Returns expired leases (and, with `ownLeases`, every lease this owner held in a previous life): a
   * task with attempts left goes back to Pending, the others end in Error.
   */
  reconcile(now: number, ownLeases?: string): Promise<{ requeued: number; failed: number; executions: number[] }>;
  /** Stops unfinished tasks; returns the ids of those that were Running (to abort), or undefined when absent. */
  stopExecution(id: number, now: number): Promise<{ running: number[] } | undefined>;
  stopTask(id: number, now: number): Promise<{ wasRunning: boolean; executionId: number } | undefined>;
  stopType(jobType: string, now: number): Promise<{ stopped: number; running: number[]; executions: number[] }>;
  setProgress(updates: Array<{ taskId: number; done: number; total: number }>, now: number): Promise<void>;
  appendLogs(lines: LogLine[], maxLinesPerTask: number): Promise<void>;
  readLog(taskId: number): Promise<LogLine[]>;
  mergeExecutionAttrs(id: number, attrs: Record<string, unknown>, now: number): Promise<void>;
  getExecution(id: number): Promise<Execution | undefined>;
  listExecutions(
    filter: ExecutionFilter,
    page: { offset: number; limit: number },
  ): Promise<{ items: Execution[]; total: number }>;
  getTask(id: number): Promise<Task | undefined>;
  listTasks(filter: TaskFilter, page: { offset: number; limit: number }): Promise<{ items: Task[]; total: number }>;
  /** Deletes the oldest finished executions of a vendor beyond `keep` (tasks and logs go with them). */
  trimHistory(vendorType: string, vendorId: number, keep: number): Promise<number>;
  setPaused(jobType: string, paused: boolean, now: number): Promise<void>;
  pausedTypes(): Promise<string[]>;
  queueStats(): Promise<Array<{ jobType: string; pending: number; running: number; oldestPending: number | null }>>;

  putSchedule(input: Omit<Schedule, 'id' | 'createTime' | 'updateTime'>, now: number): Promise<Schedule>;
  getSchedule(vendorType: string, vendorId: number): Promise<Schedule | undefined>;
  deleteSchedule(vendorType: string, vendorId: number): Promise<boolean>;
  listSchedules(): Promise<Schedule[]>;
  /** Moves a schedule's next run from `expected` to `next`; false when another process fired it first. */
  claimSchedule(id: number, expected: number, next: number | null, now: number): Promise<boolean>;
}

export interface NewExecutionRow {
  vendorType: string;
  vendorId: number;
  projectId: number | null;
  trigger: Trigger;
  extraAttrs: Record<string, unknown>;
  singleActive: boolean;
  open: boolean;
  tasks: TaskRow[];
}

export interface TaskRow {
  jobType: string;
  params: Record<string, unknown>;
  dedupeKey: string | null;
  priority: number;
  maxAttempts: number;
  runAfter: number;
}

export interface FinishedAttempt {
  taskId: number;
  /** Retry: back to Pending until `runAfter` (the attempt is counted). */
  outcome: 'Success' | 'Error' | 'Retry';
  message: string | null;
  runAfter?: number;
}

export interface TickInput {
  owner: string;
  now: number;
  leaseUntil: number;
  finished: FinishedAttempt[];
  /**
   * In order (lanes first): up to `limit` tasks of the type, each taking `cpuSlots` of `cpuFree`; a type
   * may not take the last `reserve` slots. Slots are spent by what is actually claimed, so an empty
   * queue reserves nothing.
   */
  claims: Array<{ jobType: string; limit: number; cpuSlots: number; reserve: number }>;
  cpuFree: number;
}

export interface LogLine {
  taskId: number;
  at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export const UNFINISHED: readonly JobStatus[] = ['Pending', 'Running'];
