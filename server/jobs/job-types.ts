import type { WorkerRun } from './worker-pool.js';

/**
 * The job system's vocabulary (Harbor's): an **execution** is one run of something a user or a
 * schedule started (one GC, one retention run, one replication); it groups **tasks**, the units a
 * runner leases and runs. Every background feature (GC, retention, scans, replication, webhooks) goes
 * through the one `JobService`.
 *
 * Task status machine. Terminal states never change; a retry or a lease returned after a crash moves a
 * task back to Pending only together with a new attempt number, so (attempt, status) only moves forward:
 *
 *   Pending ──claim──► Running ──► Success
 *      ▲                  │   ├──► Error    (attempts used up, or a non-retryable failure)
 *      └─ retry / lease ──┘   └──► Stopped  (stop requested; also straight from Pending)
 *         expired (attempt+1)
 *
 * An execution is Running while any of its tasks is Pending or Running, then Error if any task failed,
 * else Stopped if any was stopped, else Success (Harbor's rule). An execution without tasks yet is Pending.
 */

export type JobStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
export const FINAL_STATUSES: readonly JobStatus[] = ['Success', 'Error', 'Stopped'];
export type Trigger = 'MANUAL' | 'SCHEDULE' | 'EVENT';

/**
 * Lanes order claims across job types when CPU slots are scarce and, within one type, which task goes
 * first. Interactive work (a user clicked) and delivery (webhooks, replication) are never queued behind
 * a background backlog (scan-all, GC): each job type has its own concurrency, and a background type
 * cannot take the CPU slots the others need (see `JobDefinition.cpuSlots`).
 */
export type Lane = 'interactive' | 'delivery' | 'background';

export interface Progress {
  done: number;
  total: number;
}

export interface Execution {
  id: number;
  /** What started it: `GARBAGE_COLLECTION`, `RETENTION`, `REPLICATION`, `SCAN_ALL`, `WEBHOOK`, ... */
  vendorType: string;
  /** The policy it runs (retention policy id, replication policy id); -1 when there is none (GC). */
  vendorId: number;
  /** The project it belongs to, for authorisation; null for system-wide work. */
  projectId: number | null;
  trigger: Trigger;
  status: JobStatus;
  statusMessage: string | null;
  /** Tasks finished of tasks created, unless the vendor reports its own progress. */
  progress: Progress;
  /** Free-form attributes the vendor stores with the run (GC's parameters, a dry-run flag). */
  extraAttrs: Record<string, unknown>;
  startTime: Date;
  endTime: Date | null;
  updateTime: Date;
}

export interface Task {
  id: number;
  executionId: number;
  /** The job type: which `JobDefinition` runs it (`gc`, `retention`, `replication.copy`, ...). */
  jobType: string;
  status: JobStatus;
  statusMessage: string | null;
  priority: number;
  /** Attempts started so far (1 while the first attempt runs). */
  attempts: number;
  maxAttempts: number;
  runAfter: Date;
  dedupeKey: string | null;
  params: Record<string, unknown>;
  progress: Progress;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createTime: Date;
  startTime: Date | null;
  endTime: Date | null;
  updateTime: Date;
}

export interface TaskLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a running task gets. */
export interface TaskContext<P = Record<string, unknown>> {
  task: Pick<Task, 'id' | 'executionId' | 'jobType' | 'attempts'>;
  params: P;
  /**
   * Aborted at once when the task (or its execution, or its queue) is stopped, when the lease is lost,
   * and when the server closes. Pass it to every stream and request the task makes.
   */
  signal: AbortSignal;
  /** Lines land in the task's log, readable through the API while the task runs. */
  log: TaskLog;
  /** Reports progress; cheap to call often (writes are coalesced). */
  progress(done: number, total: number): void;
  /** Merged into the execution's `extraAttrs` (results a dry run reports, counts). */
  setExecutionAttrs(attrs: Record<string, unknown>): void;
  /**
   * Runs heavy work in a worker thread within the job type's `memoryMb`, terminated at once when the
   * task stops (see `worker-pool.ts`).
   */
  runInWorker<I, O>(run: WorkerRun<I>, onReport?: (value: unknown) => void): Promise<O>;
}

/** Thrown (or rejected with) by a task to fail without retrying, whatever attempts remain. */
export class PermanentTaskError extends Error {
  override name = 'PermanentTaskError';
}

export interface JobDefinition<P = Record<string, unknown>> {
  /** The job type name tasks are stored under; also Harbor's jobservice queue name. */
  type: string;
  lane: Lane;
  /** Tasks of this type running at once in this process. */
  concurrency: number;
  /**
   * CPU slots a running task takes from the global budget (`jobs.cpuSlots`); 0 for I/O-bound work.
   * Background lanes may use at most the budget minus one slot, so interactive CPU work always finds one.
   */
  cpuSlots: number;
  /** Attempts in all (1 = never retried). Retries wait an exponential backoff with jitter. */
  maxAttempts: number;
  /** The first retry's delay; doubled per attempt, with ±50% jitter, capped at 10 minutes. */
  retryBaseMs?: number;
  /** Heap limit of the worker threads its tasks start (`ctx.runInWorker`); default 256 MiB. */
  memoryMb?: number;
  /**
   * Local-time window in which new tasks of this type start, e.g. `01:00-06:00`; null for always.
   * Left out, a background-lane type takes `jobs.backgroundWindow` and any other type has none.
   */
  timeWindow?: string | null;
  run(ctx: TaskContext<P>): Promise<{ message?: string } | void>;
}

export interface JobReconfiguration {
  concurrency?: number;
  memoryMb?: number;
  timeWindow?: string | null;
}

export interface NewTask {
  jobType: string;
  params?: Record<string, unknown>;
  /** A task with the same key already Pending or Running is not queued again. */
  dedupeKey?: string | null;
  /** Higher runs first within a job type. */
  priority?: number;
  runAfter?: Date;
}

export interface StartExecution {
  vendorType: string;
  vendorId?: number;
  projectId?: number | null;
  trigger: Trigger;
  extraAttrs?: Record<string, unknown>;
  /** Refuse (Conflict) while another execution of the same vendor type and id is Pending or Running. */
  singleActive?: boolean;
  tasks?: NewTask[];
  /**
   * The vendor will add more tasks (`addTasks`) and then `seal` it: the execution cannot end while
   * open, so streaming enumeration may run ahead of or behind the copying.
   */
  open?: boolean;
}

export interface ExecutionFilter {
  vendorType?: string;
  vendorId?: number;
  projectId?: number;
  status?: JobStatus;
  trigger?: Trigger;
}

export interface TaskFilter {
  executionId?: number;
  jobType?: string;
  status?: JobStatus;
}

export interface Schedule {
  id: number;
  vendorType: string;
  vendorId: number;
  /** Six-field cron (seconds first), as Harbor stores it: `0 0 1 * * *`. */
  cron: string;
  /** The registered callback that runs when it fires (`onSchedule(name, ...)`). */
  callback: string;
  params: Record<string, unknown>;
  nextRun: Date | null;
  createTime: Date;
  updateTime: Date;
}

export type JobEvent =
  | { kind: 'execution'; execution: Execution }
  | { kind: 'task'; task: Omit<Task, 'params'>; projectId: number | null; vendorType: string };

export interface QueueInfo {
  jobType: string;
  lane: Lane;
  /** Pending tasks (including those waiting for a retry). */
  count: number;
  running: number;
  concurrency: number;
  paused: boolean;
  /** Seconds the oldest pending task has waited. */
  latency: number;
}

export interface WorkerPoolInfo {
  /** This process's lease owner id (stable across restarts of the same data directory). */
  poolId: string;
  pid: number;
  host: string;
  startedAt: Date;
  heartbeatAt: Date;
  /** Sum of the job types' concurrency. */
  concurrency: number;
  running: Array<{ jobType: string; taskId: number; executionId: number; startedAt: Date }>;
}

/**
 * The one job system. Task rows live in the metadata database; runners claim them with a lease
 * (`lease_owner`, `lease_until`) renewed by heartbeats, so a crash never leaves a task Running: a
 * reconciler returns expired leases (re-run while attempts remain, else Error).
 */
export interface JobService {
  /** Registers a job type. Call before `start()`. */
  define<P>(definition: JobDefinition<P>): void;
  /**
   * Changes a defined job type's budget while running: tasks started from now on use it (running
   * ones keep theirs; a lower concurrency lets them finish). `timeWindow` null removes the type's own
   * window (a background type falls back to `jobs.backgroundWindow`).
   * Throws `NotFound` for an unknown type, `Invalid` for a bad value.
   */
  reconfigure(type: string, change: JobReconfiguration): void;
  /** Registers what a schedule's `callback` does when it fires. */
  onSchedule(callback: string, fire: (schedule: Schedule) => Promise<void>): void;

  /** Creates an execution with its first tasks in one transaction. Throws `Conflict` (single active). */
  startExecution(input: StartExecution): Promise<Execution>;
  /** Adds tasks to a running execution (streaming enumeration). Ignored when the execution was stopped. */
  addTasks(executionId: number, tasks: NewTask[]): Promise<number>;
  /** Marks an open execution complete: it ends when its tasks have. */
  seal(executionId: number): Promise<void>;
  getExecution(id: number): Promise<Execution | undefined>;
  listExecutions(
    filter: ExecutionFilter,
    page: { page: number; pageSize: number },
  ): Promise<{ items: Execution[]; total: number }>;
  getTask(id: number): Promise<Task | undefined>;
  listTasks(filter: TaskFilter, page: { page: number; pageSize: number }): Promise<{ items: Task[]; total: number }>;
  /** The task's log so far (includes lines not yet flushed). */
  readLog(taskId: number): Promise<string>;

  /**
   * Runs again what a finished execution did not get done: a new execution of the same vendor (type,
   * id, project), triggered `MANUAL`, with the old one's extra attributes plus `retry_of: <id>`, whose
   * tasks are copies (job type, params, dedupe key, priority; fresh attempts) of the old one's failed
   * and stopped tasks. Throws `NotFound`; `Invalid` with code `PRECONDITION` while the execution has
   * not ended or when none of its tasks failed or was stopped; `Invalid` when a task's job type no
   * longer exists; `Conflict` while another execution of the same vendor is Pending or Running (a
   * retry never runs beside the policy's own run), or when every task to retry is queued elsewhere.
   */
  retryExecution(id: number): Promise<Execution>;
  /** Stops every unfinished task of the execution (queued ones in one statement; running ones aborted at once). */
  stopExecution(id: number): Promise<boolean>;
  stopTask(id: number): Promise<boolean>;
  /** Stops every unfinished task of a job type. */
  stopType(jobType: string): Promise<number>;
  pauseType(jobType: string): Promise<void>;
  resumeType(jobType: string): Promise<void>;
  queues(): Promise<QueueInfo[]>;
  /** This process's worker pool and what each busy worker runs (Harbor's jobservice pools/workers). */
  runtime(): WorkerPoolInfo;

  /** Creates or replaces the schedule of (vendorType, vendorId). Throws `Invalid` for a bad cron. */
  setSchedule(input: {
    vendorType: string;
    vendorId?: number;
    cron: string;
    callback: string;
    params?: Record<string, unknown>;
  }): Promise<Schedule>;
  getSchedule(vendorType: string, vendorId?: number): Promise<Schedule | undefined>;
  deleteSchedule(vendorType: string, vendorId?: number): Promise<boolean>;
  listSchedules(): Promise<Schedule[]>;

  /** Execution and task changes, for the GUI's event stream. Returns an unsubscribe function. */
  subscribe(listener: (event: JobEvent) => void): () => void;
}
