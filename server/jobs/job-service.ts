import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Invalid, NotFound } from '../core/errors.js';
import type { FinishedAttempt, JobRepo, LogLine, TaskRow } from './job-repo.js';
import {
  PermanentTaskError,
  type Execution,
  type ExecutionFilter,
  type JobDefinition,
  type JobEvent,
  type JobReconfiguration,
  type JobService,
  type Lane,
  type NewTask,
  type QueueInfo,
  type Schedule,
  type StartExecution,
  type Task,
  type TaskContext,
  type TaskFilter,
  type WorkerPoolInfo,
} from './job-types.js';
import { runInWorker, type WorkerRun } from './worker-pool.js';
import { insideWindow, nextCronRun, parseCron, parseTimeWindow, retryDelay, type TimeWindow } from './schedule-time.js';

export interface LocalJobServiceOptions {
  repo: JobRepo;
  log: Logger;
  /** This process's lease owner id; stable across restarts of one data directory (see `app.ts`). */
  owner: string;
  /** CPU slots shared by every job type's `cpuSlots`. */
  cpuSlots: number;
  /** How long a lease lasts without a heartbeat; heartbeats come every third of it. */
  leaseMs: number;
  /** Finished executions kept per vendor (type and id); older ones are deleted with their tasks and logs. */
  historyPerVendor: number;
  /** Lines kept per task log. */
  maxLogLines: number;
  /** A window (`01:00-06:00`) for every background-lane job type that has none of its own. */
  backgroundWindow?: string | null;
  /** How often to look for work another process queued, or retries that came due. */
  pollMs?: number;
  /** Concurrency per job type, overriding the definitions' (`parseConcurrency`). */
  concurrency?: ReadonlyMap<string, number>;
}

/** Reads `retention=4,gc=1`; throws `Invalid` naming the bad part. */
export function parseConcurrency(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_.-]+)\s*=\s*(\d{1,4})$/.exec(part);
    if (!m || Number(m[2]) < 1) {
      throw new Invalid('NAME_INVALID', `jobs.concurrency: "${part}" must look like retention=4 (at least 1)`);
    }
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const LANE_ORDER: Record<Lane, number> = { interactive: 0, delivery: 1, background: 2 };
const FLUSH_MS = 200;
/** How long finished attempts may wait to be recorded while claimed-ahead tasks keep the slots busy. */
const BATCH_MS = 50;

interface RunningTask {
  task: Task;
  definition: JobDefinition<Record<string, unknown>>;
  controller: AbortController;
  startedAt: Date;
  /** Why it was aborted: a stop (the row is already Stopped) or shutdown (requeue it). */
  abortedFor?: 'stop' | 'shutdown';
}

/** Raised into a task's signal when a user stops it. */
export class TaskStopped extends Error {
  override name = 'TaskStopped';
}

/**
 * The job system of one Berth process (see `JobService`). Scheduling is a loop of `tick`s: each one
 * records the attempts that ended since the last and claims new tasks for every job type with free
 * capacity, in one transaction, so a backlog drains at the rate the tasks themselves allow; the
 * database sees one commit per batch of finished tasks, not several per task.
 */
export class LocalJobService implements JobService {
  readonly #o: LocalJobServiceOptions;
  readonly #log: Logger;
  readonly #definitions = new Map<string, JobDefinition<Record<string, unknown>>>();
  readonly #windows = new Map<string, TimeWindow>();
  readonly #callbacks = new Map<string, (schedule: Schedule) => Promise<void>>();
  readonly #running = new Map<number, RunningTask>();
  /**
   * Claimed ahead of a free slot (I/O-bound types outside the background lane): when a task ends, the
   * next one starts at once instead of after the next scheduling step's commit. At most twice the
   * type's concurrency.
   */
  readonly #ready = new Map<number, Task>();
  readonly #finished: FinishedAttempt[] = [];
  readonly #progress = new Map<number, { done: number; total: number }>();
  readonly #logLines: LogLine[] = [];
  readonly #listeners = new Set<(event: JobEvent) => void>();
  readonly #vendors = new Map<number, { projectId: number | null; vendorType: string }>();
  readonly #startedAt = new Date();
  #heartbeatAt = new Date();
  #paused = new Set<string>();
  #cpuUsed = 0;
  #tickQueued = false;
  #ticking: Promise<void> | undefined;
  #again = false;
  #started = false;
  #closed = false;
  #timers: NodeJS.Timeout[] = [];
  #scheduleTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #batchTimer: NodeJS.Timeout | undefined;

  constructor(options: LocalJobServiceOptions) {
    this.#o = options;
    this.#log = options.log;
  }

  define<P>(given: JobDefinition<P>): void {
    const override = this.#o.concurrency?.get(given.type);
    const definition = override === undefined ? given : { ...given, concurrency: override };
    if (this.#definitions.has(definition.type)) throw new Error(`job type ${definition.type} is already defined`);
    if (definition.concurrency < 1) throw new Error(`job type ${definition.type} needs a concurrency of at least 1`);
    if (definition.cpuSlots > this.#o.cpuSlots) {
      throw new Error(
        `job type ${definition.type} needs ${definition.cpuSlots} CPU slots; the budget is ${this.#o.cpuSlots}`,
      );
    }
    // Not given: a background type takes `jobs.backgroundWindow`. Null: no window at all (user-requested
    // work that happens to run in the background lane, such as a scan someone asked for).
    const window =
      definition.timeWindow === undefined
        ? definition.lane === 'background'
          ? this.#o.backgroundWindow
          : null
        : definition.timeWindow;
    if (window) this.#windows.set(definition.type, parseTimeWindow(window));
    this.#definitions.set(definition.type, definition as unknown as JobDefinition<Record<string, unknown>>);
  }

  reconfigure(type: string, change: JobReconfiguration): void {
    const current = this.#definitions.get(type);
    if (!current) throw new NotFound('NAME_UNKNOWN', `no job type ${type}`);
    const next = { ...current };
    if (change.concurrency !== undefined) {
      if (!Number.isInteger(change.concurrency) || change.concurrency < 1) {
        throw new Invalid('NAME_INVALID', `job type ${type} needs a concurrency of at least 1`);
      }
      next.concurrency = change.concurrency;
    }
    if (change.memoryMb !== undefined) {
      if (!Number.isInteger(change.memoryMb) || change.memoryMb < 16) {
        throw new Invalid('NAME_INVALID', `job type ${type} needs a worker memory limit of at least 16 MiB`);
      }
      next.memoryMb = change.memoryMb;
    }
    if (change.timeWindow !== undefined) {
      // Parsed first, so a bad window changes nothing.
      const window = change.timeWindow ? parseTimeWindow(change.timeWindow) : undefined;
      next.timeWindow = change.timeWindow;
      const effective =
        window ??
        (next.lane === 'background' && this.#o.backgroundWindow
          ? parseTimeWindow(this.#o.backgroundWindow)
          : undefined);
      if (effective) this.#windows.set(type, effective);
      else this.#windows.delete(type);
    }
    // Running tasks hold the old definition object (their heap limit stays); new launches read this one.
    this.#definitions.set(type, next);
    this.#wake();
  }

  onSchedule(callback: string, fire: (schedule: Schedule) => Promise<void>): void {
    this.#callbacks.set(callback, fire);
  }

  /**
   * Returns the leases this owner held before a crash (its tasks re-run or fail now, not after the
   * lease would have expired), then starts claiming, heartbeats, the reconciler and the schedules.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const type of this.#o.concurrency?.keys() ?? []) {
      if (!this.#definitions.has(type))
        this.#log.warn({ type }, 'jobs.concurrency names a job type that does not exist');
    }
    const now = Date.now();
    const recovered = await this.#o.repo.reconcile(now, this.#o.owner);
    if (recovered.requeued + recovered.failed > 0) {
      this.#log.warn(recovered, 'tasks interrupted by the last shutdown were requeued or failed');
      await this.#emitExecutions(recovered.executions);
    }
    this.#paused = new Set(await this.#o.repo.pausedTypes());
    const every = (ms: number, fn: () => Promise<unknown>, what: string) => {
      const timer = setInterval(() => {
        fn().catch((err: unknown) => this.#log.warn({ err }, what));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(Math.max(50, Math.floor(this.#o.leaseMs / 3)), () => this.#heartbeat(), 'job heartbeat failed');
    every(Math.max(100, Math.floor(this.#o.leaseMs / 2)), () => this.#reconcile(), 'job reconciler failed');
    every(this.#o.pollMs ?? 1000, async () => this.#wake(), 'job poll failed');
    this.#flushTimer = setInterval(() => {
      this.#flush().catch((err: unknown) => this.#log.warn({ err }, 'job progress/log flush failed'));
    }, FLUSH_MS);
    this.#flushTimer.unref();
    await this.#armSchedules();
    this.#wake();
  }

  /**
   * Stops claiming, aborts running tasks and requeues them (they run again at the next start, here
   * or in another process), writes pending logs and progress.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    if (this.#scheduleTimer) clearTimeout(this.#scheduleTimer);
    if (this.#batchTimer) clearTimeout(this.#batchTimer);
    for (const task of this.#ready.values()) {
      this.#finished.push({ taskId: task.id, outcome: 'Retry', message: 'requeued at shutdown', runAfter: Date.now() });
    }
    this.#ready.clear();
    const running = [...this.#running.values()];
    for (const r of running) {
      r.abortedFor ??= 'shutdown';
      r.controller.abort(new TaskStopped('the server is shutting down'));
    }
    // Give aborted tasks a moment to unwind (their finally blocks close files).
    const deadline = Date.now() + 2000;
    while (this.#running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.#ticking;
    await this.#flush();
    if (this.#finished.length > 0) {
      await this.#o.repo.tick({
        owner: this.#o.owner,
        now: Date.now(),
        leaseUntil: Date.now(),
        finished: this.#finished.splice(0),
        claims: [],
        cpuFree: 0,
      });
    }
  }

  async startExecution(input: StartExecution): Promise<Execution> {
    const execution = await this.#o.repo.createExecution(
      {
        vendorType: input.vendorType,
        vendorId: input.vendorId ?? -1,
        projectId: input.projectId ?? null,
        trigger: input.trigger,
        extraAttrs: input.extraAttrs ?? {},
        singleActive: input.singleActive ?? false,
        open: input.open ?? false,
        tasks: (input.tasks ?? []).map((t) => this.#taskRow(t)),
      },
      Date.now(),
    );
    this.#emit({ kind: 'execution', execution });
    this.#wake();
    return execution;
  }

  async retryExecution(id: number): Promise<Execution> {
    const execution = await this.#o.repo.retryExecution(
      id,
      (task) =>
        this.#taskRow({
          jobType: task.jobType,
          params: task.params,
          dedupeKey: task.dedupeKey,
          priority: task.priority,
        }),
      Date.now(),
    );
    this.#emit({ kind: 'execution', execution });
    this.#wake();
    return execution;
  }

  async addTasks(executionId: number, tasks: NewTask[]): Promise<number> {
    const added = await this.#o.repo.addTasks(
      executionId,
      tasks.map((t) => this.#taskRow(t)),
      Date.now(),
    );
    if (added > 0) this.#wake();
    return added;
  }

  async seal(executionId: number): Promise<void> {
    await this.#o.repo.seal(executionId, Date.now());
    await this.#emitExecutions([executionId]);
  }

  #taskRow(t: NewTask): TaskRow {
    const definition = this.#definitions.get(t.jobType);
    if (!definition) throw new Invalid('NAME_INVALID', `unknown job type ${t.jobType}`);
    return {
      jobType: t.jobType,
      params: t.params ?? {},
      dedupeKey: t.dedupeKey ?? null,
      priority: t.priority ?? 0,
      maxAttempts: Math.max(1, definition.maxAttempts),
      runAfter: (t.runAfter ?? new Date()).getTime(),
    };
  }

  getExecution(id: number): Promise<Execution | undefined> {
    return this.#o.repo.getExecution(id);
  }

  listExecutions(filter: ExecutionFilter, page: { page: number; pageSize: number }) {
    return this.#o.repo.listExecutions(filter, toOffset(page));
  }

  getTask(id: number): Promise<Task | undefined> {
    return this.#o.repo.getTask(id);
  }

  listTasks(filter: TaskFilter, page: { page: number; pageSize: number }) {
    return this.#o.repo.listTasks(filter, toOffset(page));
  }

  async readLog(taskId: number): Promise<string> {
    await this.#flushLogs();
    const lines = await this.#o.repo.readLog(taskId);
    return lines.map((l) => `${new Date(l.at).toISOString()} [${l.level.toUpperCase()}] ${l.message}\n`).join('');
  }

  async stopExecution(id: number): Promise<boolean> {
    const result = await this.#o.repo.stopExecution(id, Date.now());
    if (!result) return false;
    for (const taskId of result.running) this.#abortLocal(taskId);
    await this.#emitExecutions([id]);
    return true;
  }

  async stopTask(id: number): Promise<boolean> {
    const result = await this.#o.repo.stopTask(id, Date.now());
    if (!result) return false;
    if (result.wasRunning) this.#abortLocal(id);
    await this.#emitExecutions([result.executionId]);
    return true;
  }

  async stopType(jobType: string): Promise<number> {
    const result = await this.#o.repo.stopType(jobType, Date.now());
    for (const taskId of result.running) this.#abortLocal(taskId);
    await this.#emitExecutions(result.executions);
    return result.stopped;
  }

  async pauseType(jobType: string): Promise<void> {
    this.#requireType(jobType);
    await this.#o.repo.setPaused(jobType, true, Date.now());
    this.#paused.add(jobType);
    for (const task of [...this.#ready.values()]) {
      if (task.jobType !== jobType) continue;
      this.#ready.delete(task.id);
      this.#finished.push({ taskId: task.id, outcome: 'Retry', message: 'queue paused', runAfter: Date.now() });
    }
    this.#wake();
  }

  async resumeType(jobType: string): Promise<void> {
    this.#requireType(jobType);
    await this.#o.repo.setPaused(jobType, false, Date.now());
    this.#paused.delete(jobType);
    this.#wake();
  }

  #requireType(jobType: string): void {
    if (!this.#definitions.has(jobType)) throw new NotFound('NAME_UNKNOWN', `no job type ${jobType}`);
  }

  async queues(): Promise<QueueInfo[]> {
    const stats = new Map((await this.#o.repo.queueStats()).map((s) => [s.jobType, s]));
    const now = Date.now();
    return [...this.#definitions.values()].map((d) => {
      const s = stats.get(d.type);
      return {
        jobType: d.type,
        lane: d.lane,
        count: s?.pending ?? 0,
        running: s?.running ?? 0,
        concurrency: d.concurrency,
        paused: this.#paused.has(d.type),
        latency: s?.oldestPending ? Math.max(0, Math.round((now - s.oldestPending) / 1000)) : 0,
      };
    });
  }

  runtime(): WorkerPoolInfo {
    let concurrency = 0;
    for (const d of this.#definitions.values()) concurrency += d.concurrency;
    return {
      poolId: this.#o.owner,
      pid: process.pid,
      host: hostname(),
      startedAt: this.#startedAt,
      heartbeatAt: this.#heartbeatAt,
      concurrency,
      running: [...this.#running.values()].map((r) => ({
        jobType: r.task.jobType,
        taskId: r.task.id,
        executionId: r.task.executionId,
        startedAt: r.startedAt,
      })),
    };
  }

  async setSchedule(input: {
    vendorType: string;
    vendorId?: number;
    cron: string;
    callback: string;
    params?: Record<string, unknown>;
  }): Promise<Schedule> {
    parseCron(input.cron);
    const schedule = await this.#o.repo.putSchedule(
      {
        vendorType: input.vendorType,
        vendorId: input.vendorId ?? -1,
        cron: input.cron.trim(),
        callback: input.callback,
        params: input.params ?? {},
        nextRun: nextCronRun(input.cron, new Date()),
      },
      Date.now(),
    );
    if (this.#started) await this.#armSchedules();
    return schedule;
  }

  getSchedule(vendorType: string, vendorId = -1): Promise<Schedule | undefined> {
    return this.#o.repo.getSchedule(vendorType, vendorId);
  }

  async deleteSchedule(vendorType: string, vendorId = -1): Promise<boolean> {
    const deleted = await this.#o.repo.deleteSchedule(vendorType, vendorId);
    if (deleted && this.#started) await this.#armSchedules();
    return deleted;
  }

  listSchedules(): Promise<Schedule[]> {
    return this.#o.repo.listSchedules();
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ── the scheduling loop ────────────────────────────────────────────────────────────────────────

  #hasReady(jobType: string): boolean {
    for (const t of this.#ready.values()) if (t.jobType === jobType) return true;
    return false;
  }

  #wakeSoon(): void {
    if (this.#batchTimer || this.#closed) return;
    this.#batchTimer = setTimeout(() => {
      this.#batchTimer = undefined;
      this.#wake();
    }, BATCH_MS);
    this.#batchTimer.unref();
  }

  #wake(): void {
    if (this.#closed || !this.#started) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    if (this.#tickQueued) return;
    this.#tickQueued = true;
    setImmediate(() => {
      this.#tickQueued = false;
      this.#ticking = this.#tick().finally(() => {
        this.#ticking = undefined;
        if (this.#again || this.#finished.length > 0) {
          this.#again = false;
          this.#wake();
        }
      });
    });
  }

  async #tick(): Promise<void> {
    const now = Date.now();
    const finished = this.#finished.splice(0);
    const plan = this.#closed ? [] : this.#claimPlan(new Date(now));
    if (finished.length === 0 && plan.length === 0) return;
    let result;
    try {
      result = await this.#o.repo.tick({
        owner: this.#o.owner,
        now,
        leaseUntil: now + this.#o.leaseMs,
        finished,
        claims: plan,
        cpuFree: this.#o.cpuSlots - this.#cpuUsed,
      });
    } catch (err) {
      // Keep the outcomes: the next tick records them (the leases stay ours meanwhile).
      this.#finished.unshift(...finished);
      this.#log.warn({ err }, 'job scheduling step failed');
      return;
    }
    for (const task of result.claimed) this.#ready.set(task.id, task);
    for (const d of this.#definitions.values()) {
      for (let free = d.concurrency - this.#runningOf(d.type); free > 0; free--) {
        if (!this.#launchReady(d.type)) break;
      }
    }
    if (result.touchedExecutions.length > 0) await this.#afterExecutionsChanged(result.touchedExecutions);
  }

  /** What each type may claim now: free concurrency; the CPU budget is spent in lane order by the claim. */
  #claimPlan(now: Date): Array<{ jobType: string; limit: number; cpuSlots: number; reserve: number }> {
    const heldByType = new Map<string, number>();
    for (const r of this.#running.values()) {
      heldByType.set(r.task.jobType, (heldByType.get(r.task.jobType) ?? 0) + 1);
    }
    for (const t of this.#ready.values()) heldByType.set(t.jobType, (heldByType.get(t.jobType) ?? 0) + 1);
    const plan: Array<{ jobType: string; limit: number; cpuSlots: number; reserve: number }> = [];
    const definitions = [...this.#definitions.values()].sort((a, b) => LANE_ORDER[a.lane] - LANE_ORDER[b.lane]);
    for (const d of definitions) {
      if (this.#paused.has(d.type)) continue;
      const window = this.#windows.get(d.type);
      if (window && !insideWindow(window, now)) continue;
      // Claiming ahead pays for short I/O-bound tasks (webhooks, replication copies). A task claimed
      // ahead reads as Running before it starts, so long background work (GC, retention, scans) is
      // claimed only when a slot is free.
      const ahead = d.cpuSlots === 0 && d.lane !== 'background' ? 2 * d.concurrency : 0;
      const limit = d.concurrency + ahead - (heldByType.get(d.type) ?? 0);
      if (limit <= 0) continue;
      // Background work leaves one slot for interactive CPU work, so a scan backlog never takes them all.
      const reserve = d.lane === 'background' && this.#o.cpuSlots > 1 ? 1 : 0;
      plan.push({ jobType: d.type, limit, cpuSlots: d.cpuSlots, reserve });
    }
    return plan;
  }

  #runningOf(jobType: string): number {
    let n = 0;
    for (const r of this.#running.values()) if (r.task.jobType === jobType) n++;
    return n;
  }

  /** Starts the oldest ready task of the type, if any; false when there was none. */
  #launchReady(jobType: string): boolean {
    if (this.#closed || this.#paused.has(jobType)) return false;
    for (const task of this.#ready.values()) {
      if (task.jobType !== jobType) continue;
      this.#ready.delete(task.id);
      this.#launch(task);
      return true;
    }
    return false;
  }

  #launch(task: Task): void {
    const definition = this.#definitions.get(task.jobType);
    if (!definition) {
      this.#finished.push({ taskId: task.id, outcome: 'Error', message: `no runner for job type ${task.jobType}` });
      return;
    }
    const running: RunningTask = { task, definition, controller: new AbortController(), startedAt: new Date() };
    this.#running.set(task.id, running);
    this.#cpuUsed += definition.cpuSlots;
    this.#emitTask(task, 'Running');
    const write = (level: LogLine['level']) => (message: string) => {
      this.#logLines.push({ taskId: task.id, at: Date.now(), level, message });
    };
    const ctx: TaskContext<Record<string, unknown>> = {
      task: { id: task.id, executionId: task.executionId, jobType: task.jobType, attempts: task.attempts },
      params: task.params,
      signal: running.controller.signal,
      log: { info: write('info'), warn: write('warn'), error: write('error') },
      progress: (done, total) => {
        this.#progress.set(task.id, { done, total });
      },
      runInWorker: <I, O>(run: WorkerRun<I>, onReport?: (value: unknown) => void) =>
        runInWorker<I, O>(run, {
          signal: running.controller.signal,
          memoryMb: definition.memoryMb ?? 256,
          ...(onReport ? { onReport } : {}),
        }),
      setExecutionAttrs: (attrs) => {
        this.#o.repo
          .mergeExecutionAttrs(task.executionId, attrs, Date.now())
          .catch((err: unknown) => this.#log.warn({ err, taskId: task.id }, 'execution attributes not saved'));
      },
    };
    const attempt = Promise.resolve().then(() => definition.run(ctx));
    attempt.then(
      (result) => this.#settle(running, { taskId: task.id, outcome: 'Success', message: result?.message ?? null }),
      (err: unknown) => this.#settle(running, this.#failure(running, err)),
    );
  }

  #failure(running: RunningTask, err: unknown): FinishedAttempt {
    const { task, definition } = running;
    const message = err instanceof Error ? err.message : String(err);
    if (running.abortedFor === 'shutdown') return { taskId: task.id, outcome: 'Retry', message, runAfter: Date.now() };
    if (err instanceof PermanentTaskError || task.attempts >= task.maxAttempts) {
      return { taskId: task.id, outcome: 'Error', message };
    }
    const delay = retryDelay(task.attempts, definition.retryBaseMs ?? 1000);
    this.#logLines.push({
      taskId: task.id,
      at: Date.now(),
      level: 'warn',
      message: `attempt ${task.attempts} of ${task.maxAttempts} failed: ${message}; retrying in ${delay} ms`,
    });
    return { taskId: task.id, outcome: 'Retry', message, runAfter: Date.now() + delay };
  }

  #settle(running: RunningTask, outcome: FinishedAttempt): void {
    const { task, definition } = running;
    this.#running.delete(task.id);
    this.#cpuUsed -= definition.cpuSlots;
    if (outcome.outcome === 'Error') {
      this.#logLines.push({ taskId: task.id, at: Date.now(), level: 'error', message: outcome.message ?? 'failed' });
    }
    // A stopped task's row is already Stopped; recording its attempt would change nothing.
    if (running.abortedFor !== 'stop') this.#finished.push(outcome);
    const status =
      running.abortedFor === 'stop' ? 'Stopped' : outcome.outcome === 'Retry' ? 'Pending' : outcome.outcome;
    this.#emitTask({ ...task, statusMessage: outcome.message }, status);
    this.#launchReady(task.jobType);
    // While tasks claimed ahead keep the slots busy, outcomes are recorded in batches: every commit
    // fsyncs and better-sqlite3 commits on the event loop, so one commit per task would stall the
    // very I/O the tasks are doing.
    if (this.#hasReady(task.jobType)) this.#wakeSoon();
    else this.#wake();
  }

  #abortLocal(taskId: number): void {
    // A task claimed ahead and not started yet: its row is already Stopped (or taken); just forget it.
    if (this.#ready.delete(taskId)) return;
    const running = this.#running.get(taskId);
    if (!running) return;
    running.abortedFor ??= 'stop';
    running.controller.abort(new TaskStopped('stopped'));
  }

  async #heartbeat(): Promise<void> {
    const now = Date.now();
    // Only tasks launched before the renewal are judged by it; later claims hold fresh leases.
    const before = [...this.#running.keys(), ...this.#ready.keys()];
    const held = new Set(await this.#o.repo.heartbeat(this.#o.owner, now + this.#o.leaseMs, now));
    this.#heartbeatAt = new Date(now);
    for (const id of before) {
      if (held.has(id) || !(this.#running.has(id) || this.#ready.has(id))) continue;
      // Stopped by another process, or taken back by a reconciler after we stalled: stop working on it.
      this.#log.warn({ taskId: id }, 'task lease lost; aborting it');
      this.#abortLocal(id);
    }
  }

  async #reconcile(): Promise<void> {
    const result = await this.#o.repo.reconcile(Date.now());
    if (result.requeued + result.failed > 0) {
      this.#log.warn(result, 'expired task leases returned');
      await this.#emitExecutions(result.executions);
      this.#wake();
    }
  }

  async #flush(): Promise<void> {
    await this.#flushLogs();
    if (this.#progress.size === 0) return;
    const updates = [...this.#progress].map(([taskId, p]) => ({ taskId, ...p }));
    this.#progress.clear();
    await this.#o.repo.setProgress(updates, Date.now());
    if (this.#listeners.size > 0) {
      for (const u of updates) {
        const running = this.#running.get(u.taskId);
        if (running) this.#emitTask({ ...running.task, progress: { done: u.done, total: u.total } }, 'Running');
      }
    }
  }

  async #flushLogs(): Promise<void> {
    if (this.#logLines.length === 0) return;
    const lines = this.#logLines.splice(0);
    await this.#o.repo.appendLogs(lines, this.#o.maxLogLines);
  }

  async #afterExecutionsChanged(ids: number[]): Promise<void> {
    for (const id of ids) {
      const execution = await this.#o.repo.getExecution(id);
      if (!execution) continue;
      this.#emit({ kind: 'execution', execution });
      if (execution.endTime) {
        await this.#flushLogs();
        await this.#o.repo.trimHistory(execution.vendorType, execution.vendorId, this.#o.historyPerVendor);
      }
    }
  }

  async #emitExecutions(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#afterExecutionsChanged(ids);
  }

  #emitTask(task: Task, status: Task['status']): void {
    if (this.#listeners.size === 0) return;
    const { params: _params, ...rest } = task;
    const send = (vendor: { projectId: number | null; vendorType: string }) =>
      this.#emit({ kind: 'task', task: { ...rest, status }, ...vendor });
    const cached = this.#vendors.get(task.executionId);
    if (cached) return send(cached);
    this.#o.repo
      .getExecution(task.executionId)
      .then((execution) => {
        if (!execution) return;
        send(this.#rememberVendor(execution));
      })
      .catch((err: unknown) => this.#log.warn({ err }, 'task event dropped'));
  }

  /** Which project and vendor an execution belongs to, for task events (listeners filter by project). */
  #rememberVendor(execution: Execution): { projectId: number | null; vendorType: string } {
    const vendor = { projectId: execution.projectId, vendorType: execution.vendorType };
    if (this.#vendors.size >= 1000) this.#vendors.delete(this.#vendors.keys().next().value as number);
    this.#vendors.set(execution.id, vendor);
    return vendor;
  }

  #emit(event: JobEvent): void {
    if (event.kind === 'execution') this.#rememberVendor(event.execution);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#log.warn({ err }, 'job event listener failed');
      }
    }
  }

  // ── schedules ──────────────────────────────────────────────────────────────────────────────────

  async #armSchedules(): Promise<void> {
    if (this.#scheduleTimer) clearTimeout(this.#scheduleTimer);
    if (this.#closed) return;
    const schedules = await this.#o.repo.listSchedules();
    const now = Date.now();
    let next = now + 60_000;
    for (const s of schedules) {
      if (s.nextRun && s.nextRun.getTime() < next) next = s.nextRun.getTime();
    }
    this.#scheduleTimer = setTimeout(
      () => {
        this.#fireDue().catch((err: unknown) => this.#log.warn({ err }, 'schedule check failed'));
      },
      Math.max(0, next - now),
    );
    this.#scheduleTimer.unref();
  }

  async #fireDue(): Promise<void> {
    const now = new Date();
    for (const s of await this.#o.repo.listSchedules()) {
      if (!s.nextRun || s.nextRun.getTime() > now.getTime()) continue;
      let next: Date | null = null;
      try {
        next = nextCronRun(s.cron, now);
      } catch (err) {
        this.#log.warn({ err, schedule: s.id }, 'schedule has an invalid cron; disabled');
      }
      // Only the process that moves next_run fires it, so several instances fire a schedule once.
      if (!(await this.#o.repo.claimSchedule(s.id, s.nextRun.getTime(), next ? next.getTime() : null, now.getTime()))) {
        continue;
      }
      const fire = this.#callbacks.get(s.callback);
      if (!fire) {
        this.#log.warn({ schedule: s.id, callback: s.callback }, 'schedule callback not registered');
        continue;
      }
      this.#log.info({ vendorType: s.vendorType, vendorId: s.vendorId }, 'schedule fired');
      fire(s).catch((err: unknown) => this.#log.warn({ err, schedule: s.id }, 'scheduled job did not start'));
    }
    await this.#armSchedules();
  }
}

function toOffset(page: { page: number; pageSize: number }): { offset: number; limit: number } {
  const pageSize = Math.max(1, Math.floor(page.pageSize));
  return { offset: (Math.max(1, Math.floor(page.page)) - 1) * pageSize, limit: pageSize };
}
