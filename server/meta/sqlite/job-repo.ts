import { sql, type Selectable } from 'kysely';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import type { FinishedAttempt, JobRepo, LogLine, NewExecutionRow, TaskRow, TickInput } from '../../jobs/job-repo.js';
import type {
  Execution,
  ExecutionFilter,
  JobStatus,
  Schedule,
  Task,
  TaskFilter,
  Trigger,
} from '../../jobs/job-types.js';
import type { Filter } from '../list-query.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import { listPage, type ListSpec } from './list-sql.js';
import type { ExecutionsTable, SchedulesTable, TasksTable } from './schema-jobs.js';

type ExecutionRow = Selectable<ExecutionsTable>;
type TaskRowDb = Selectable<TasksTable>;
type ScheduleRow = Selectable<SchedulesTable>;

/** The columns a stop writes: final status, end time, lease released. */
function stoppedAt(now: number) {
  return {
    status: 'Stopped',
    status_message: 'stopped',
    end_time: now,
    update_time: now,
    lease_owner: null,
    lease_until: null,
  };
}

const LEASE_LOST = 'the process running it stopped before it finished (lease expired)';

/**
 * SQLite storage of the job system. Execution counters (`tasks_total`, `tasks_succeeded`, ...) are
 * kept by every transition, so settling an execution after a task ends reads one row, never counts
 * its tasks: a 10,000-task execution costs the same per task as a one-task one.
 */
export class SqliteJobRepo implements JobRepo {
  private readonly s;

  constructor(private readonly exec: SqlExecutor) {
    const qb = exec.qb;
    this.s = {
      insertExecution: exec.prepare(
        (
          arg: ArgFn<{
            vendorType: string;
            vendorId: number;
            projectId: number | null;
            trigger: string;
            open: number;
            extra: string;
            now: number;
          }>,
        ) =>
          qb
            .insertInto('executions')
            .values({
              vendor_type: arg('vendorType'),
              vendor_id: arg('vendorId'),
              project_id: arg('projectId'),
              trigger: arg('trigger'),
              status: 'Pending',
              open: arg('open'),
              extra_attrs: arg('extra'),
              start_time: arg('now'),
              update_time: arg('now'),
            })
            .returning('id'),
      ),
      activeOfVendor: exec.prepare((arg: ArgFn<{ vendorType: string; vendorId: number }>) =>
        qb
          .selectFrom('executions')
          .select('id')
          .where('vendor_type', '=', arg('vendorType'))
          .where('vendor_id', '=', arg('vendorId'))
          .where('status', 'in', ['Pending', 'Running'])
          .limit(1),
      ),
      insertTask: exec.prepare(
        (
          arg: ArgFn<{
            executionId: number;
            jobType: string;
            priority: number;
            maxAttempts: number;
            runAfter: number;
            dedupeKey: string | null;
            params: string;
            now: number;
          }>,
        ) =>
          qb
            .insertInto('tasks')
            .values({
              execution_id: arg('executionId'),
              job_type: arg('jobType'),
              status: 'Pending',
              priority: arg('priority'),
              max_attempts: arg('maxAttempts'),
              run_after: arg('runAfter'),
              dedupe_key: arg('dedupeKey'),
              params: arg('params'),
              create_time: arg('now'),
              update_time: arg('now'),
            })
            // Only the partial unique index on unfinished dedupe keys can conflict here.
            .onConflict((oc) => oc.doNothing()),
      ),
      addTotal: exec.prepare((arg: ArgFn<{ id: number; n: number; now: number }>) =>
        qb
          .updateTable('executions')
          .set((eb) => ({ tasks_total: eb('tasks_total', '+', arg('n')), update_time: arg('now') }))
          .where('id', '=', arg('id')),
      ),
      execution: exec.prepare((arg: ArgFn<{ id: number }>) =>
        qb.selectFrom('executions').selectAll().where('id', '=', arg('id')),
      ),
      task: exec.prepare((arg: ArgFn<{ id: number }>) =>
        qb.selectFrom('tasks').selectAll().where('id', '=', arg('id')),
      ),
      seal: exec.prepare((arg: ArgFn<{ id: number; now: number }>) =>
        qb
          .updateTable('executions')
          .set({ open: 0, update_time: arg('now') })
          .where('id', '=', arg('id')),
      ),
      finishTask: exec.prepare((arg: ArgFn<{ id: number; status: string; message: string | null; now: number }>) =>
        qb
          .updateTable('tasks')
          .set({
            status: arg('status'),
            status_message: arg('message'),
            end_time: arg('now'),
            update_time: arg('now'),
            lease_owner: null,
            lease_until: null,
          })
          .where('id', '=', arg('id'))
          .where('status', '=', 'Running')
          .returning('execution_id'),
      ),
      retryTask: exec.prepare((arg: ArgFn<{ id: number; message: string | null; runAfter: number; now: number }>) =>
        qb
          .updateTable('tasks')
          .set({
            status: 'Pending',
            status_message: arg('message'),
            run_after: arg('runAfter'),
            update_time: arg('now'),
            lease_owner: null,
            lease_until: null,
          })
          .where('id', '=', arg('id'))
          .where('status', '=', 'Running')
          .returning('execution_id'),
      ),
      countOutcome: {
        Success: this.counter('tasks_succeeded'),
        Error: this.counter('tasks_failed'),
        Stopped: this.counter('tasks_stopped'),
      },
      claimable: exec.prepare((arg: ArgFn<{ jobType: string; now: number; limit: number }>) =>
        qb
          .selectFrom('tasks')
          .select('id')
          .where('job_type', '=', arg('jobType'))
          .where('status', '=', 'Pending')
          .where('run_after', '<=', arg('now'))
          .orderBy('priority', 'desc')
          .orderBy('id', 'asc')
          .limit(arg('limit')),
      ),
      claim: exec.prepare((arg: ArgFn<{ id: number; owner: string; leaseUntil: number; now: number }>) =>
        qb
          .updateTable('tasks')
          .set((eb) => ({
            status: 'Running',
            attempts: eb('attempts', '+', 1),
            lease_owner: arg('owner'),
            lease_until: arg('leaseUntil'),
            start_time: sql<number>`coalesce(start_time, ${arg('now')})`,
            update_time: arg('now'),
          }))
          .where('id', '=', arg('id'))
          .where('status', '=', 'Pending')
          .returningAll(),
      ),
      startExecution: exec.prepare((arg: ArgFn<{ id: number; now: number }>) =>
        qb
          .updateTable('executions')
          .set({ status: 'Running', update_time: arg('now') })
          .where('id', '=', arg('id'))
          .where('status', '=', 'Pending'),
      ),
      settle: exec.prepare((arg: ArgFn<{ id: number; now: number }>) =>
        qb
          .updateTable('executions')
          .set({
            status: sql<string>`case when tasks_failed > 0 then 'Error' when tasks_stopped > 0 or stopped = 1 then 'Stopped' else 'Success' end`,
            end_time: arg('now'),
            update_time: arg('now'),
          })
          .where('id', '=', arg('id'))
          .where('status', 'in', ['Pending', 'Running'])
          .where('open', '=', 0)
          .where(sql<boolean>`tasks_succeeded + tasks_failed + tasks_stopped >= tasks_total`),
      ),
      renew: exec.prepare((arg: ArgFn<{ owner: string; leaseUntil: number }>) =>
        qb
          .updateTable('tasks')
          .set({ lease_until: arg('leaseUntil') })
          .where('lease_owner', '=', arg('owner'))
          .where('status', '=', 'Running')
          .returning('id'),
      ),
      expired: exec.prepare((arg: ArgFn<{ now: number; owner: string | null }>) =>
        qb
          .selectFrom('tasks')
          .select(['id', 'execution_id', 'attempts', 'max_attempts'])
          .where('status', '=', 'Running')
          .where((eb) => eb.or([eb('lease_until', '<', arg('now')), eb('lease_owner', '=', arg('owner'))])),
      ),
      unsuccessfulOfExecution: exec.prepare((arg: ArgFn<{ id: number }>) =>
        qb
          .selectFrom('tasks')
          .selectAll()
          .where('execution_id', '=', arg('id'))
          .where('status', 'in', ['Error', 'Stopped'])
          .orderBy('id'),
      ),
      runningOfExecution: exec.prepare((arg: ArgFn<{ id: number }>) =>
        qb.selectFrom('tasks').select('id').where('execution_id', '=', arg('id')).where('status', '=', 'Running'),
      ),
      stopOfExecution: exec.prepare((arg: ArgFn<{ id: number; now: number }>) =>
        qb
          .updateTable('tasks')
          .set(stoppedAt(arg('now')))
          .where('execution_id', '=', arg('id'))
          .where('status', 'in', ['Pending', 'Running']),
      ),
      markExecutionStopped: exec.prepare((arg: ArgFn<{ id: number; n: number; now: number }>) =>
        qb
          .updateTable('executions')
          .set((eb) => ({
            stopped: 1,
            open: 0,
            tasks_stopped: eb('tasks_stopped', '+', arg('n')),
            update_time: arg('now'),
          }))
          .where('id', '=', arg('id')),
      ),
      stopOne: exec.prepare((arg: ArgFn<{ id: number; now: number }>) =>
        qb
          .updateTable('tasks')
          .set(stoppedAt(arg('now')))
          .where('id', '=', arg('id'))
          .where('status', 'in', ['Pending', 'Running']),
      ),
      runningOfType: exec.prepare((arg: ArgFn<{ jobType: string }>) =>
        qb.selectFrom('tasks').select('id').where('job_type', '=', arg('jobType')).where('status', '=', 'Running'),
      ),
      stopOfType: exec.prepare((arg: ArgFn<{ jobType: string; now: number }>) =>
        qb
          .updateTable('tasks')
          .set(stoppedAt(arg('now')))
          .where('job_type', '=', arg('jobType'))
          .where('status', 'in', ['Pending', 'Running'])
          .returning('execution_id'),
      ),
      progress: exec.prepare((arg: ArgFn<{ id: number; done: number; total: number; now: number }>) =>
        qb
          .updateTable('tasks')
          .set({ progress_done: arg('done'), progress_total: arg('total'), update_time: arg('now') })
          .where('id', '=', arg('id'))
          .returning('execution_id'),
      ),
      executionProgress: exec.prepare((arg: ArgFn<{ id: number; done: number; total: number; now: number }>) =>
        qb
          .updateTable('executions')
          .set({ progress_done: arg('done'), progress_total: arg('total'), update_time: arg('now') })
          .where('id', '=', arg('id'))
          .where('tasks_total', '=', 1),
      ),
      logCount: exec.prepare((arg: ArgFn<{ taskId: number }>) =>
        qb
          .selectFrom('task_logs')
          .select(sql<number>`count(*)`.as('n'))
          .where('task_id', '=', arg('taskId')),
      ),
      insertLog: exec.prepare((arg: ArgFn<{ taskId: number; at: number; level: string; message: string }>) =>
        qb.insertInto('task_logs').values({
          task_id: arg('taskId'),
          at: arg('at'),
          level: arg('level'),
          message: arg('message'),
        }),
      ),
      logLineAt: exec.prepare((arg: ArgFn<{ taskId: number; offset: number }>) =>
        qb
          .selectFrom('task_logs')
          .select('id')
          .where('task_id', '=', arg('taskId'))
          .orderBy('id')
          .limit(1)
          .offset(arg('offset')),
      ),
      markLogLine: exec.prepare((arg: ArgFn<{ id: number; message: string }>) =>
        qb
          .updateTable('task_logs')
          .set({ level: 'warn', message: arg('message') })
          .where('id', '=', arg('id')),
      ),
      dropLogLineAfter: exec.prepare((arg: ArgFn<{ taskId: number; after: number }>) =>
        qb
          .deleteFrom('task_logs')
          .where(
            'id',
            '=',
            sql<number>`(select id from task_logs where task_id = ${arg('taskId')} and id > ${arg('after')} order by id limit 1)`,
          ),
      ),
      readLog: exec.prepare((arg: ArgFn<{ taskId: number }>) =>
        qb
          .selectFrom('task_logs')
          .select(['task_id', 'at', 'level', 'message'])
          .where('task_id', '=', arg('taskId'))
          .orderBy('id'),
      ),
      setAttrs: exec.prepare((arg: ArgFn<{ id: number; attrs: string; now: number }>) =>
        qb
          .updateTable('executions')
          .set({ extra_attrs: arg('attrs'), update_time: arg('now') })
          .where('id', '=', arg('id')),
      ),
      trim: exec.prepare((arg: ArgFn<{ vendorType: string; vendorId: number; keep: number }>) =>
        qb
          .deleteFrom('executions')
          .where('vendor_type', '=', arg('vendorType'))
          .where('vendor_id', '=', arg('vendorId'))
          .where('status', 'in', ['Success', 'Error', 'Stopped'])
          .where(
            'id',
            '<=',
            // The newest execution beyond the `keep` newest; it and everything older goes.
            sql<number>`coalesce((select id from executions where vendor_type = ${arg('vendorType')} and vendor_id = ${arg('vendorId')} order by id desc limit 1 offset ${arg('keep')}), -1)`,
          ),
      ),
      setPaused: exec.prepare((arg: ArgFn<{ jobType: string; paused: number; now: number }>) =>
        qb
          .insertInto('job_queues')
          .values({ job_type: arg('jobType'), paused: arg('paused'), update_time: arg('now') })
          .onConflict((oc) => oc.column('job_type').doUpdateSet({ paused: arg('paused'), update_time: arg('now') })),
      ),
      paused: exec.prepare(() => qb.selectFrom('job_queues').select('job_type').where('paused', '=', 1)),
      queueStats: exec.prepare(() =>
        qb
          .selectFrom('tasks')
          .select([
            'job_type',
            sql<number>`sum(case when status = 'Pending' then 1 else 0 end)`.as('pending'),
            sql<number>`sum(case when status = 'Running' then 1 else 0 end)`.as('running'),
            sql<number | null>`min(case when status = 'Pending' then create_time end)`.as('oldest'),
          ])
          .where('status', 'in', ['Pending', 'Running'])
          .groupBy('job_type'),
      ),
      upsertSchedule: exec.prepare(
        (
          arg: ArgFn<{
            vendorType: string;
            vendorId: number;
            cron: string;
            callback: string;
            params: string;
            nextRun: number | null;
            now: number;
          }>,
        ) =>
          qb
            .insertInto('schedules')
            .values({
              vendor_type: arg('vendorType'),
              vendor_id: arg('vendorId'),
              cron: arg('cron'),
              callback: arg('callback'),
              params: arg('params'),
              next_run: arg('nextRun'),
              create_time: arg('now'),
              update_time: arg('now'),
            })
            .onConflict((oc) =>
              oc.columns(['vendor_type', 'vendor_id']).doUpdateSet({
                cron: arg('cron'),
                callback: arg('callback'),
                params: arg('params'),
                next_run: arg('nextRun'),
                update_time: arg('now'),
              }),
            )
            .returningAll(),
      ),
      schedule: exec.prepare((arg: ArgFn<{ vendorType: string; vendorId: number }>) =>
        qb
          .selectFrom('schedules')
          .selectAll()
          .where('vendor_type', '=', arg('vendorType'))
          .where('vendor_id', '=', arg('vendorId')),
      ),
      deleteSchedule: exec.prepare((arg: ArgFn<{ vendorType: string; vendorId: number }>) =>
        qb
          .deleteFrom('schedules')
          .where('vendor_type', '=', arg('vendorType'))
          .where('vendor_id', '=', arg('vendorId')),
      ),
      schedules: exec.prepare(() => qb.selectFrom('schedules').selectAll().orderBy('id')),
      claimSchedule: exec.prepare((arg: ArgFn<{ id: number; expected: number; next: number | null; now: number }>) =>
        qb
          .updateTable('schedules')
          .set({ next_run: arg('next'), update_time: arg('now') })
          .where('id', '=', arg('id'))
          .where('next_run', '=', arg('expected')),
      ),
    };
  }

  private counter(column: 'tasks_succeeded' | 'tasks_failed' | 'tasks_stopped') {
    return this.exec.prepare((arg: ArgFn<{ id: number; n: number; now: number }>) =>
      this.exec.qb
        .updateTable('executions')
        .set((eb) => ({ [column]: eb(column, '+', arg('n')), update_time: arg('now') }))
        .where('id', '=', arg('id')),
    );
  }

  async createExecution(input: NewExecutionRow, now: number): Promise<Execution> {
    return this.exec.transaction(() => this.createExecutionSync(input, now).execution);
  }

  async retryExecution(id: number, copy: (task: Task) => TaskRow, now: number): Promise<Execution> {
    return this.exec.transaction(() => {
      const old = this.s.execution.get({ id });
      if (!old) throw new NotFound('NAME_UNKNOWN', `execution ${id} not found`);
      if (!isFinal(old.status)) {
        throw new Invalid('PRECONDITION', `execution ${id} is ${old.status}; it can be retried once it has ended`);
      }
      const unsuccessful = this.s.unsuccessfulOfExecution.all({ id });
      if (unsuccessful.length === 0) {
        throw new Invalid('PRECONDITION', `execution ${id} has no failed or stopped task to retry`);
      }
      const { execution, added } = this.createExecutionSync(
        {
          vendorType: old.vendor_type,
          vendorId: old.vendor_id,
          projectId: old.project_id,
          trigger: 'MANUAL',
          extraAttrs: { ...parseObject(old.extra_attrs), retry_of: id },
          singleActive: true,
          open: false,
          tasks: unsuccessful.map((row) => copy(toTask(row))),
        },
        now,
      );
      // Throwing rolls the new execution back: an empty retry would end at once as a Success.
      if (added === 0) {
        throw new Conflict('DENIED', `every task of execution ${id} to retry is already queued in another execution`);
      }
      return execution;
    });
  }

  private createExecutionSync(input: NewExecutionRow, now: number): { execution: Execution; added: number } {
    if (input.singleActive) {
      const active = this.s.activeOfVendor.get({ vendorType: input.vendorType, vendorId: input.vendorId });
      if (active) {
        throw new Conflict(
          'DENIED',
          `another ${input.vendorType} execution (${active.id}) is still running; stop it or wait for it to finish`,
        );
      }
    }
    const row = this.s.insertExecution.get({
      vendorType: input.vendorType,
      vendorId: input.vendorId,
      projectId: input.projectId,
      trigger: input.trigger,
      open: input.open ? 1 : 0,
      extra: JSON.stringify(input.extraAttrs),
      now,
    });
    if (!row) throw new Error('execution was not stored');
    const added = this.insertTasksSync(row.id, input.tasks, now);
    this.s.settle.run({ id: row.id, now });
    return { execution: toExecution(this.s.execution.get({ id: row.id })!), added };
  }

  async addTasks(executionId: number, tasks: TaskRow[], now: number): Promise<number> {
    return this.exec.transaction(() => {
      const execution = this.s.execution.get({ id: executionId });
      if (!execution) throw new NotFound('NAME_UNKNOWN', `execution ${executionId} not found`);
      if (execution.stopped === 1 || isFinal(execution.status)) return 0;
      return this.insertTasksSync(executionId, tasks, now);
    });
  }

  private insertTasksSync(executionId: number, tasks: TaskRow[], now: number): number {
    let added = 0;
    for (const t of tasks) {
      added += this.s.insertTask.run({
        executionId,
        jobType: t.jobType,
        priority: t.priority,
        maxAttempts: t.maxAttempts,
        runAfter: t.runAfter,
        dedupeKey: t.dedupeKey,
        params: JSON.stringify(t.params),
        now,
      });
    }
    if (added > 0) this.s.addTotal.run({ id: executionId, n: added, now });
    return added;
  }

  async seal(executionId: number, now: number): Promise<void> {
    this.exec.transaction(() => {
      this.s.seal.run({ id: executionId, now });
      this.s.settle.run({ id: executionId, now });
    });
  }

  async tick(input: TickInput): Promise<{ claimed: Task[]; touchedExecutions: number[] }> {
    return this.exec.transaction(() => {
      const touched = new Set<number>();
      for (const f of input.finished) {
        const executionId = this.finishSync(f, input.now);
        if (executionId !== undefined) touched.add(executionId);
      }
      const claimed: Task[] = [];
      let cpuFree = input.cpuFree;
      for (const { jobType, limit: wanted, cpuSlots, reserve } of input.claims) {
        const limit = cpuSlots > 0 ? Math.min(wanted, Math.floor((cpuFree - reserve) / cpuSlots)) : wanted;
        if (limit <= 0) continue;
        for (const { id } of this.s.claimable.all({ jobType, now: input.now, limit })) {
          const row = this.s.claim.get({ id, owner: input.owner, leaseUntil: input.leaseUntil, now: input.now });
          if (!row) continue;
          cpuFree -= cpuSlots;
          if (this.s.startExecution.run({ id: row.execution_id, now: input.now }) > 0) touched.add(row.execution_id);
          claimed.push(toTask(row));
        }
      }
      for (const id of touched) this.s.settle.run({ id, now: input.now });
      return { claimed, touchedExecutions: [...touched] };
    });
  }

  /** Records one attempt's end; a task no longer Running (stopped meanwhile) is left as it is. */
  private finishSync(f: FinishedAttempt, now: number): number | undefined {
    if (f.outcome === 'Retry') {
      const row = this.s.retryTask.get({ id: f.taskId, message: f.message, runAfter: f.runAfter ?? now, now });
      return row?.execution_id;
    }
    const row = this.s.finishTask.get({ id: f.taskId, status: f.outcome, message: f.message, now });
    if (!row) return undefined;
    this.s.countOutcome[f.outcome].run({ id: row.execution_id, n: 1, now });
    return row.execution_id;
  }

  async heartbeat(owner: string, leaseUntil: number): Promise<number[]> {
    return this.exec.transaction(() => this.s.renew.all({ owner, leaseUntil }).map((r) => r.id));
  }

  async reconcile(
    now: number,
    ownLeases?: string,
  ): Promise<{ requeued: number; failed: number; executions: number[] }> {
    return this.exec.transaction(() => {
      let requeued = 0;
      let failed = 0;
      const touched = new Set<number>();
      for (const t of this.s.expired.all({ now, owner: ownLeases ?? null })) {
        touched.add(t.execution_id);
        if (t.attempts < t.max_attempts) {
          if (this.s.retryTask.get({ id: t.id, message: LEASE_LOST, runAfter: now, now })) requeued++;
        } else if (this.finishSync({ taskId: t.id, outcome: 'Error', message: LEASE_LOST }, now) !== undefined) {
          failed++;
        }
      }
      for (const id of touched) this.s.settle.run({ id, now });
      return { requeued, failed, executions: [...touched] };
    });
  }

  async stopExecution(id: number, now: number): Promise<{ running: number[] } | undefined> {
    return this.exec.transaction(() => {
      const execution = this.s.execution.get({ id });
      if (!execution) return undefined;
      const running = this.s.runningOfExecution.all({ id }).map((r) => r.id);
      // One statement for every queued task, however many, including those waiting for a retry.
      const n = this.s.stopOfExecution.run({ id, now });
      this.s.markExecutionStopped.run({ id, n, now });
      this.s.settle.run({ id, now });
      return { running };
    });
  }

  async stopTask(id: number, now: number): Promise<{ wasRunning: boolean; executionId: number } | undefined> {
    return this.exec.transaction(() => {
      const task = this.s.task.get({ id });
      if (!task) return undefined;
      if (this.s.stopOne.run({ id, now }) === 0) return { wasRunning: false, executionId: task.execution_id };
      this.s.countOutcome.Stopped.run({ id: task.execution_id, n: 1, now });
      this.s.settle.run({ id: task.execution_id, now });
      return { wasRunning: task.status === 'Running', executionId: task.execution_id };
    });
  }

  async stopType(jobType: string, now: number): Promise<{ stopped: number; running: number[]; executions: number[] }> {
    return this.exec.transaction(() => {
      const running = this.s.runningOfType.all({ jobType }).map((r) => r.id);
      const perExecution = new Map<number, number>();
      const rows = this.s.stopOfType.all({ jobType, now });
      for (const r of rows) perExecution.set(r.execution_id, (perExecution.get(r.execution_id) ?? 0) + 1);
      for (const [id, n] of perExecution) {
        this.s.countOutcome.Stopped.run({ id, n, now });
        this.s.settle.run({ id, now });
      }
      return { stopped: rows.length, running, executions: [...perExecution.keys()] };
    });
  }

  async setProgress(updates: Array<{ taskId: number; done: number; total: number }>, now: number): Promise<void> {
    if (updates.length === 0) return;
    this.exec.transaction(() => {
      for (const u of updates) {
        const row = this.s.progress.get({ id: u.taskId, done: u.done, total: u.total, now });
        if (row) this.s.executionProgress.run({ id: row.execution_id, done: u.done, total: u.total, now });
      }
    });
  }

  /**
   * Keeps the first half of a long log and its most recent lines: a 100,000-blob GC logs a line per
   * blob, and its summary at the end matters as much as its start.
   */
  async appendLogs(lines: LogLine[], maxLinesPerTask: number): Promise<void> {
    if (lines.length === 0) return;
    const head = Math.floor(maxLinesPerTask / 2);
    const marker = `(log truncated: lines between the first ${head} and the latest ones were dropped)`;
    this.exec.transaction(() => {
      const counts = new Map<number, number>();
      // The marker line's id per task, found once per batch: each dropped line is then one index seek.
      const markers = new Map<number, number>();
      for (const line of lines) {
        const n = counts.get(line.taskId) ?? this.s.logCount.get({ taskId: line.taskId })?.n ?? 0;
        if (n >= maxLinesPerTask) {
          let markerId = markers.get(line.taskId);
          if (markerId === undefined) {
            markerId = this.s.logLineAt.get({ taskId: line.taskId, offset: head })?.id ?? 0;
            this.s.markLogLine.run({ id: markerId, message: marker });
            markers.set(line.taskId, markerId);
          }
          this.s.dropLogLineAfter.run({ taskId: line.taskId, after: markerId });
        }
        this.s.insertLog.run(line);
        counts.set(line.taskId, Math.min(maxLinesPerTask, n + 1));
      }
    });
  }

  async readLog(taskId: number): Promise<LogLine[]> {
    return this.s.readLog.all({ taskId }).map((r) => ({
      taskId: r.task_id,
      at: r.at,
      level: r.level as LogLine['level'],
      message: r.message,
    }));
  }

  async mergeExecutionAttrs(id: number, attrs: Record<string, unknown>, now: number): Promise<void> {
    this.exec.transaction(() => {
      const row = this.s.execution.get({ id });
      if (!row) return;
      const merged = { ...parseObject(row.extra_attrs), ...attrs };
      this.s.setAttrs.run({ id, attrs: JSON.stringify(merged), now });
    });
  }

  async getExecution(id: number): Promise<Execution | undefined> {
    const row = this.s.execution.get({ id });
    return row && toExecution(row);
  }

  async listExecutions(
    filter: ExecutionFilter,
    page: { offset: number; limit: number },
  ): Promise<{ items: Execution[]; total: number }> {
    const filters = exactFilters({
      vendor_type: filter.vendorType,
      vendor_id: filter.vendorId,
      project_id: filter.projectId,
      status: filter.status,
      trigger: filter.trigger,
    });
    const base = this.exec.qb.selectFrom('executions').selectAll();
    return listPage(this.exec, base, { filters, sort: [], ...page }, EXECUTION_LIST, toExecution);
  }

  async getTask(id: number): Promise<Task | undefined> {
    const row = this.s.task.get({ id });
    return row && toTask(row);
  }

  async listTasks(
    filter: TaskFilter,
    page: { offset: number; limit: number },
  ): Promise<{ items: Task[]; total: number }> {
    const filters = exactFilters({
      execution_id: filter.executionId,
      job_type: filter.jobType,
      status: filter.status,
    });
    const base = this.exec.qb.selectFrom('tasks').selectAll();
    return listPage(this.exec, base, { filters, sort: [], ...page }, TASK_LIST, toTask);
  }

  async trimHistory(vendorType: string, vendorId: number, keep: number): Promise<number> {
    return this.exec.transaction(() => this.s.trim.run({ vendorType, vendorId, keep: Math.max(0, keep) }));
  }

  async setPaused(jobType: string, paused: boolean, now: number): Promise<void> {
    this.exec.transaction(() => this.s.setPaused.run({ jobType, paused: paused ? 1 : 0, now }));
  }

  async pausedTypes(): Promise<string[]> {
    return this.s.paused.all({}).map((r) => r.job_type);
  }

  async queueStats(): Promise<
    Array<{ jobType: string; pending: number; running: number; oldestPending: number | null }>
  > {
    return this.s.queueStats.all({}).map((r) => ({
      jobType: r.job_type,
      pending: r.pending,
      running: r.running,
      oldestPending: r.oldest,
    }));
  }

  async putSchedule(input: Omit<Schedule, 'id' | 'createTime' | 'updateTime'>, now: number): Promise<Schedule> {
    const row = this.exec.transaction(() =>
      this.s.upsertSchedule.get({
        vendorType: input.vendorType,
        vendorId: input.vendorId,
        cron: input.cron,
        callback: input.callback,
        params: JSON.stringify(input.params),
        nextRun: input.nextRun ? input.nextRun.getTime() : null,
        now,
      }),
    );
    if (!row) throw new Error('schedule was not stored');
    return toSchedule(row);
  }

  async getSchedule(vendorType: string, vendorId: number): Promise<Schedule | undefined> {
    const row = this.s.schedule.get({ vendorType, vendorId });
    return row && toSchedule(row);
  }

  async deleteSchedule(vendorType: string, vendorId: number): Promise<boolean> {
    return this.exec.transaction(() => this.s.deleteSchedule.run({ vendorType, vendorId }) > 0);
  }

  async listSchedules(): Promise<Schedule[]> {
    return this.s.schedules.all({}).map(toSchedule);
  }

  async claimSchedule(id: number, expected: number, next: number | null, now: number): Promise<boolean> {
    return this.exec.transaction(() => this.s.claimSchedule.run({ id, expected, next, now }) > 0);
  }
}

const EXECUTION_LIST: ListSpec = {
  keys: {
    vendor_type: { column: 'vendor_type', type: 'text' },
    vendor_id: { column: 'vendor_id', type: 'number' },
    project_id: { column: 'project_id', type: 'number' },
    status: { column: 'status', type: 'text' },
    trigger: { column: 'trigger', type: 'text' },
  },
  sortable: {},
  defaultSort: [{ column: 'id', desc: true }],
};

const TASK_LIST: ListSpec = {
  keys: {
    execution_id: { column: 'execution_id', type: 'number' },
    job_type: { column: 'job_type', type: 'text' },
    status: { column: 'status', type: 'text' },
  },
  sortable: {},
  defaultSort: [{ column: 'id', desc: false }],
};

/** Exact-match filters for the keys that are set. */
function exactFilters(values: Record<string, string | number | undefined>): Filter[] {
  return Object.entries(values).flatMap(([key, value]) =>
    value === undefined ? [] : [{ key, kind: 'exact' as const, value }],
  );
}

function isFinal(status: string): boolean {
  return status === 'Success' || status === 'Error' || status === 'Stopped';
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toExecution(row: ExecutionRow): Execution {
  const finished = row.tasks_succeeded + row.tasks_failed + row.tasks_stopped;
  const ownProgress = row.tasks_total === 1 && row.progress_total > 0;
  return {
    id: row.id,
    vendorType: row.vendor_type,
    vendorId: row.vendor_id,
    projectId: row.project_id,
    trigger: row.trigger as Trigger,
    status: row.status as JobStatus,
    statusMessage: row.status_message,
    progress: ownProgress
      ? { done: row.progress_done, total: row.progress_total }
      : { done: finished, total: row.tasks_total },
    extraAttrs: parseObject(row.extra_attrs),
    startTime: new Date(row.start_time),
    endTime: row.end_time === null ? null : new Date(row.end_time),
    updateTime: new Date(row.update_time),
  };
}

function toTask(row: TaskRowDb): Task {
  return {
    id: row.id,
    executionId: row.execution_id,
    jobType: row.job_type,
    status: row.status as JobStatus,
    statusMessage: row.status_message,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAfter: new Date(row.run_after),
    dedupeKey: row.dedupe_key,
    params: parseObject(row.params),
    progress: { done: row.progress_done, total: row.progress_total },
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until === null ? null : new Date(row.lease_until),
    createTime: new Date(row.create_time),
    startTime: row.start_time === null ? null : new Date(row.start_time),
    endTime: row.end_time === null ? null : new Date(row.end_time),
    updateTime: new Date(row.update_time),
  };
}

function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    vendorType: row.vendor_type,
    vendorId: row.vendor_id,
    cron: row.cron,
    callback: row.callback,
    params: parseObject(row.params),
    nextRun: row.next_run === null ? null : new Date(row.next_run),
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
}
