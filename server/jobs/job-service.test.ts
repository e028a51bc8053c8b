import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MetaStore } from '../meta/meta-store.js';
import { openSqliteMetaStore } from '../meta/sqlite/sqlite-meta-store.js';
import { LocalJobService, parseConcurrency, type LocalJobServiceOptions } from './job-service.js';
import { PermanentTaskError, type Execution, type JobDefinition, type TaskContext } from './job-types.js';

const log = pino({ level: 'silent' });
const open: Array<{ jobs: LocalJobService; meta: MetaStore }> = [];

afterEach(async () => {
  for (const { jobs, meta } of open.splice(0)) {
    await jobs.close();
    await meta.close();
  }
});

function setup(options: Partial<LocalJobServiceOptions> = {}, meta = openSqliteMetaStore({ file: ':memory:' })) {
  const jobs = new LocalJobService({
    repo: meta.jobs,
    log,
    owner: options.owner ?? 'test-owner',
    cpuSlots: 4,
    leaseMs: 3000,
    historyPerVendor: 5,
    maxLogLines: 100,
    pollMs: 50,
    ...options,
  });
  open.push({ jobs, meta });
  return { jobs, meta };
}

function job(type: string, run: JobDefinition['run'], extra: Partial<JobDefinition> = {}): JobDefinition {
  return { type, lane: 'delivery', concurrency: 2, cpuSlots: 0, maxAttempts: 1, run, ...extra };
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ended = (jobs: LocalJobService, id: number) =>
  until(async () => {
    const e = await jobs.getExecution(id);
    return e?.endTime ? e : undefined;
  }, `execution ${id} to end`);

describe('LocalJobService', () => {
  it('runs tasks and ends the execution in Success with progress counted from its tasks', async () => {
    const { jobs } = setup();
    const seen: unknown[] = [];
    jobs.define(job('echo', async (ctx) => void seen.push(ctx.params.n)));
    await jobs.start();
    const e = await jobs.startExecution({
      vendorType: 'TEST',
      trigger: 'MANUAL',
      tasks: [1, 2, 3].map((n) => ({ jobType: 'echo', params: { n } })),
    });
    const done = await ended(jobs, e.id);
    expect(done.status).toBe('Success');
    expect(done.progress).toEqual({ done: 3, total: 3 });
    expect(seen.sort()).toEqual([1, 2, 3]);
  });

  it('an execution with a failed task ends in Error; retries back off and count attempts', async () => {
    const { jobs } = setup();
    let calls = 0;
    jobs.define(
      job(
        'flaky',
        async () => {
          calls++;
          if (calls < 3) throw new Error(`boom ${calls}`);
        },
        { maxAttempts: 3, retryBaseMs: 5 },
      ),
    );
    jobs.define(job('broken', async () => Promise.reject(new PermanentTaskError('bad input')), { maxAttempts: 5 }));
    await jobs.start();
    const ok = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'flaky' }] });
    expect((await ended(jobs, ok.id)).status).toBe('Success');
    const [task] = (await jobs.listTasks({ executionId: ok.id }, { page: 1, pageSize: 10 })).items;
    expect(task?.attempts).toBe(3);
    expect(await jobs.readLog(task!.id)).toMatch(/attempt 1 of 3 failed: boom 1; retrying/);

    const bad = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'broken' }] });
    const failed = await ended(jobs, bad.id);
    expect(failed.status).toBe('Error');
    const [badTask] = (await jobs.listTasks({ executionId: bad.id }, { page: 1, pageSize: 10 })).items;
    expect(badTask).toMatchObject({ status: 'Error', statusMessage: 'bad input', attempts: 1 });
  });

  it('stopping a running task aborts its signal at once and the task ends Stopped', async () => {
    const { jobs } = setup();
    let aborted = false;
    jobs.define(
      job(
        'wait',
        (ctx) =>
          new Promise<void>((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
              reject(ctx.signal.reason as Error);
            });
          }),
      ),
    );
    await jobs.start();
    const e = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'wait' }] });
    const running = await until(async () => {
      const t = (await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 1 })).items[0];
      return t?.status === 'Running' ? t : undefined;
    }, 'the task to run');
    expect(await jobs.stopTask(running.id)).toBe(true);
    expect(aborted).toBe(true);
    expect((await jobs.getTask(running.id))?.status).toBe('Stopped');
    expect((await ended(jobs, e.id)).status).toBe('Stopped');
  });

  it('a stop cuts a task streaming a blob mid-stream: the socket closes and the file stops growing', async () => {
    const chunk = Buffer.alloc(256 * 1024, 1);
    let serverSawClose = false;
    const source = createHttpServer((_req, res) => {
      res.on('close', () => (serverSawClose = true));
      const pump = () => {
        while (!res.destroyed) if (!res.write(chunk)) return void res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
    const dir = await mkdtemp(join(tmpdir(), 'berth-stop-'));
    const file = join(dir, 'blob');
    try {
      const { jobs } = setup();
      jobs.define(
        job('copy', async (ctx) => {
          const { port } = source.address() as AddressInfo;
          const res = await fetch(`http://127.0.0.1:${port}/blob`, { signal: ctx.signal });
          await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file), { signal: ctx.signal });
        }),
      );
      await jobs.start();
      const e = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'copy' }] });
      await until(async () => ((await stat(file).catch(() => undefined))?.size ?? 0) > 8 * 1024 * 1024, '8 MiB copied');
      const [task] = (await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 1 })).items;
      await jobs.stopTask(task!.id);
      await until(async () => serverSawClose, 'the source connection to close');
      const size = (await stat(file)).size;
      await new Promise((r) => setTimeout(r, 100));
      expect((await stat(file)).size).toBe(size);
      expect((await jobs.getTask(task!.id))?.status).toBe('Stopped');
    } finally {
      source.closeAllConnections();
      source.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stopping an execution stops its queued tasks (including retries waiting) in one go', async () => {
    const { jobs } = setup();
    let started = 0;
    jobs.define(
      job(
        'slow',
        (ctx) =>
          new Promise<void>((_resolve, reject) => {
            started++;
            ctx.signal.addEventListener('abort', () => reject(new Error('stopped')));
          }),
        { concurrency: 1 },
      ),
    );
    await jobs.start();
    const e = await jobs.startExecution({
      vendorType: 'T',
      trigger: 'MANUAL',
      tasks: Array.from({ length: 500 }, () => ({ jobType: 'slow' })),
    });
    await until(async () => started === 1, 'the first task');
    await jobs.stopExecution(e.id);
    const stopped = await jobs.getExecution(e.id);
    expect(stopped).toMatchObject({ status: 'Stopped', progress: { done: 500, total: 500 } });
    expect((await jobs.listTasks({ executionId: e.id, status: 'Pending' }, { page: 1, pageSize: 1 })).total).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(started).toBe(1);
    expect(await jobs.addTasks(e.id, [{ jobType: 'slow' }])).toBe(0);
  });

  it('deduplicates unfinished tasks by key, and refuses a second active execution of a single-active vendor', async () => {
    const { jobs } = setup();
    jobs.define(job('idle', async () => {}));
    // Not started: tasks stay Pending.
    const e = await jobs.startExecution({
      vendorType: 'POLICY',
      vendorId: 7,
      trigger: 'MANUAL',
      singleActive: true,
      tasks: [
        { jobType: 'idle', dedupeKey: 'a' },
        { jobType: 'idle', dedupeKey: 'a' },
        { jobType: 'idle', dedupeKey: 'b' },
      ],
    });
    expect((await jobs.getExecution(e.id))?.progress.total).toBe(2);
    await expect(
      jobs.startExecution({ vendorType: 'POLICY', vendorId: 7, trigger: 'MANUAL', singleActive: true }),
    ).rejects.toMatchObject({ kind: 'conflict' });
    await jobs.start();
    await ended(jobs, e.id);
    // Finished work may be queued again under the same key.
    const again = await jobs.startExecution({
      vendorType: 'POLICY',
      vendorId: 7,
      trigger: 'MANUAL',
      singleActive: true,
      tasks: [{ jobType: 'idle', dedupeKey: 'a' }],
    });
    expect(again.progress.total).toBe(1);
  });

  it('a retry runs again the failed and stopped tasks of a finished execution, as a new execution', async () => {
    const { jobs } = setup();
    const runs: number[] = [];
    let brokenOnce = true;
    jobs.define(
      job('step', async (ctx) => {
        const n = Number(ctx.params.n);
        runs.push(n);
        if (n === 2 && brokenOnce) {
          brokenOnce = false;
          throw new PermanentTaskError('step 2 broke');
        }
      }),
    );
    jobs.define(job('held', async () => {}));
    await jobs.start();
    // Step 4 waits in a paused queue and is stopped there: stopped work is retried too.
    await jobs.pauseType('held');
    const first = await jobs.startExecution({
      vendorType: 'POLICY',
      vendorId: 9,
      projectId: 3,
      trigger: 'SCHEDULE',
      extraAttrs: { dry_run: true },
      tasks: [
        { jobType: 'step', params: { n: 1 }, dedupeKey: 'k1' },
        { jobType: 'step', params: { n: 2 }, dedupeKey: 'k2', priority: 5 },
        { jobType: 'step', params: { n: 3 } },
        { jobType: 'held', params: { n: 4 }, dedupeKey: 'k4' },
      ],
    });
    await until(async () => runs.length === 3, 'the three steps to run');
    await until(
      async () => (await jobs.listTasks({ executionId: first.id, status: 'Error' }, { page: 1, pageSize: 5 })).total,
      'step 2 to fail',
    );
    await expect(jobs.retryExecution(first.id)).rejects.toMatchObject({ kind: 'invalid', code: 'PRECONDITION' });
    await jobs.stopExecution(first.id);
    expect((await ended(jobs, first.id)).status).toBe('Error');
    await jobs.resumeType('held');

    const retry = await jobs.retryExecution(first.id);
    expect(retry).toMatchObject({
      vendorType: 'POLICY',
      vendorId: 9,
      projectId: 3,
      trigger: 'MANUAL',
      extraAttrs: { dry_run: true, retry_of: first.id },
    });
    expect(retry.id).not.toBe(first.id);
    const done = await ended(jobs, retry.id);
    expect(done.status).toBe('Success');
    expect(done.progress).toEqual({ done: 2, total: 2 });
    const copies = (await jobs.listTasks({ executionId: retry.id }, { page: 1, pageSize: 10 })).items;
    expect(copies.map((t) => [t.jobType, t.params, t.dedupeKey, t.priority, t.attempts])).toEqual([
      ['step', { n: 2 }, 'k2', 5, 1],
      ['held', { n: 4 }, 'k4', 0, 1],
    ]);
    expect(runs.filter((n) => n === 2)).toHaveLength(2);
    expect(runs.filter((n) => n === 1)).toHaveLength(1);
    // The old execution is history: unchanged.
    expect((await jobs.getExecution(first.id))?.status).toBe('Error');
  });

  it('refuses a retry with nothing to retry, of an unknown execution, or beside an active run of the vendor', async () => {
    const { jobs } = setup();
    jobs.define(job('ok', async () => {}));
    jobs.define(job('bad', async () => Promise.reject(new PermanentTaskError('no'))));
    await jobs.start();
    const fine = await jobs.startExecution({
      vendorType: 'P',
      vendorId: 1,
      trigger: 'MANUAL',
      tasks: [{ jobType: 'ok' }],
    });
    await ended(jobs, fine.id);
    await expect(jobs.retryExecution(fine.id)).rejects.toMatchObject({ kind: 'invalid', code: 'PRECONDITION' });
    await expect(jobs.retryExecution(fine.id)).rejects.toThrow(/no failed or stopped task/);
    await expect(jobs.retryExecution(999_999)).rejects.toMatchObject({ kind: 'not-found' });

    const failed = await jobs.startExecution({
      vendorType: 'P',
      vendorId: 1,
      trigger: 'MANUAL',
      tasks: [{ jobType: 'bad' }],
    });
    expect((await ended(jobs, failed.id)).status).toBe('Error');
    // Another run of the same policy is active: the retry waits for it, like a second run would.
    await jobs.pauseType('ok');
    const active = await jobs.startExecution({
      vendorType: 'P',
      vendorId: 1,
      trigger: 'MANUAL',
      tasks: [{ jobType: 'ok' }],
    });
    await expect(jobs.retryExecution(failed.id)).rejects.toMatchObject({ kind: 'conflict' });
    await jobs.resumeType('ok');
    await ended(jobs, active.id);
    const retry = await jobs.retryExecution(failed.id);
    expect((await ended(jobs, retry.id)).status).toBe('Error');
    // A retry is itself retried like any execution, and names the run it retried.
    const again = await jobs.retryExecution(retry.id);
    expect(again.extraAttrs.retry_of).toBe(retry.id);
    await ended(jobs, again.id);

    // Work queued elsewhere under the same dedupe key is not queued twice; with nothing left, no retry.
    const keyed = await jobs.startExecution({
      vendorType: 'P',
      vendorId: 2,
      trigger: 'MANUAL',
      tasks: [{ jobType: 'bad', dedupeKey: 'repo/x' }],
    });
    await ended(jobs, keyed.id);
    await jobs.pauseType('bad');
    const queued = await jobs.startExecution({
      vendorType: 'Q',
      trigger: 'MANUAL',
      tasks: [{ jobType: 'bad', dedupeKey: 'repo/x' }],
    });
    await expect(jobs.retryExecution(keyed.id)).rejects.toThrow(/already queued/);
    expect((await jobs.listExecutions({ vendorType: 'P', vendorId: 2 }, { page: 1, pageSize: 10 })).total).toBe(1);
    await jobs.stopExecution(queued.id);
  });

  it('a paused queue claims nothing until resumed; stopType stops every unfinished task of the type', async () => {
    const { jobs } = setup();
    let ran = 0;
    jobs.define(job('p', async () => void ran++));
    await jobs.start();
    await jobs.pauseType('p');
    const e = await jobs.startExecution({
      vendorType: 'T',
      trigger: 'MANUAL',
      tasks: [{ jobType: 'p' }, { jobType: 'p' }],
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(ran).toBe(0);
    expect((await jobs.queues()).find((q) => q.jobType === 'p')).toMatchObject({ paused: true, count: 2 });
    await jobs.resumeType('p');
    await ended(jobs, e.id);
    expect(ran).toBe(2);

    await jobs.pauseType('p');
    const e2 = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'p' }] });
    expect(await jobs.stopType('p')).toBe(1);
    expect((await jobs.getExecution(e2.id))?.status).toBe('Stopped');
  });

  it('interactive work is not queued behind a background backlog', async () => {
    const { jobs } = setup({ cpuSlots: 2 });
    const order: string[] = [];
    const release: Array<() => void> = [];
    jobs.define(
      job('scan', () => new Promise<void>((resolve) => release.push(resolve)), {
        lane: 'background',
        concurrency: 4,
        cpuSlots: 1,
      }),
    );
    jobs.define(job('click', async () => void order.push('click'), { lane: 'interactive', cpuSlots: 1 }));
    await jobs.start();
    await jobs.startExecution({
      vendorType: 'SCAN_ALL',
      trigger: 'MANUAL',
      tasks: Array.from({ length: 50 }, () => ({ jobType: 'scan' })),
    });
    await until(async () => release.length >= 1, 'a scan to start');
    await new Promise((r) => setTimeout(r, 50));
    // Two slots, background keeps one free: only one scan runs.
    expect(release.length).toBe(1);
    const click = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'click' }] });
    expect((await ended(jobs, click.id)).status).toBe('Success');
    expect(order).toEqual(['click']);
    await jobs.stopType('scan');
    release.forEach((r) => r());
  });

  it('jobs.concurrency overrides a type’s concurrency', async () => {
    expect(() => parseConcurrency('retention=0')).toThrow(/jobs.concurrency/);
    expect(() => parseConcurrency('retention')).toThrow(/jobs.concurrency/);
    expect(parseConcurrency(' retention=4, gc=1 ')).toEqual(
      new Map([
        ['retention', 4],
        ['gc', 1],
      ]),
    );
    const { jobs } = setup({ concurrency: parseConcurrency('wide=3') });
    let running = 0;
    let most = 0;
    const release: Array<() => void> = [];
    jobs.define(
      job(
        'wide',
        () =>
          new Promise<void>((resolve) => {
            most = Math.max(most, ++running);
            release.push(() => {
              running--;
              resolve();
            });
          }),
        { concurrency: 1, lane: 'background' },
      ),
    );
    await jobs.start();
    const e = await jobs.startExecution({
      vendorType: 'T',
      trigger: 'MANUAL',
      tasks: Array.from({ length: 6 }, () => ({ jobType: 'wide' })),
    });
    await until(async () => release.length === 3, 'three tasks at once');
    await new Promise((r) => setTimeout(r, 50));
    expect(most).toBe(3);
    while ((await jobs.getExecution(e.id))?.endTime === null) {
      release.splice(0).forEach((r) => r());
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(most).toBe(3);
  });

  it('a job type outside its time window starts nothing; background types take the configured window', async () => {
    const now = new Date();
    const h = (n: number) => String((now.getHours() + n + 24) % 24).padStart(2, '0');
    // A window that closed an hour ago and opens again in an hour.
    const closed = `${h(2)}:00-${h(-1)}:00`;
    const { jobs } = setup({ backgroundWindow: closed });
    let ran = 0;
    jobs.define(job('nightly', async () => void ran++, { lane: 'background' }));
    jobs.define(job('anytime', async () => void ran++, { lane: 'background', timeWindow: '00:00-24:00' }));
    // Null: never held by a window, not even the background one (a scan a user asked for).
    jobs.define(job('asked-for', async () => void ran++, { lane: 'background', timeWindow: null }));
    await jobs.start();
    const e = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'nightly' }] });
    const other = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'anytime' }] });
    const asked = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'asked-for' }] });
    await ended(jobs, other.id);
    await ended(jobs, asked.id);
    await new Promise((r) => setTimeout(r, 150));
    expect(ran).toBe(2);
    expect((await jobs.getExecution(e.id))?.status).toBe('Pending');
  });

  it('task logs are readable while the task runs, and progress of a one-task execution is the task’s', async () => {
    const { jobs } = setup();
    let finish!: () => void;
    jobs.define(
      job('long', async (ctx: TaskContext) => {
        ctx.log.info('phase one');
        ctx.progress(3, 10);
        await new Promise<void>((r) => (finish = r));
        ctx.log.info('phase two');
      }),
    );
    await jobs.start();
    const e = await jobs.startExecution({ vendorType: 'GC', trigger: 'MANUAL', tasks: [{ jobType: 'long' }] });
    const task = await until(async () => {
      const t = (await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 1 })).items[0];
      return t?.status === 'Running' ? t : undefined;
    }, 'running');
    await until(async () => (await jobs.readLog(task.id)).includes('phase one'), 'the log line');
    await until(async () => (await jobs.getExecution(e.id))?.progress.done === 3, 'progress');
    expect((await jobs.getExecution(e.id))?.progress).toEqual({ done: 3, total: 10 });
    finish();
    await ended(jobs, e.id);
    expect(await jobs.readLog(task.id)).toMatch(/phase one[\s\S]*phase two/);
  });

  it('a log past its limit keeps its first half and its latest lines', async () => {
    const { jobs } = setup({ maxLogLines: 100 });
    jobs.define(
      job('chatty', async (ctx) => {
        for (let i = 1; i <= 1000; i++) ctx.log.info(`line ${i}`);
      }),
    );
    await jobs.start();
    const e = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'chatty' }] });
    await ended(jobs, e.id);
    const [task] = (await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 1 })).items;
    const lines = (await jobs.readLog(task!.id)).trim().split('\n');
    expect(lines).toHaveLength(100);
    expect(lines[0]).toMatch(/line 1$/);
    expect(lines[49]).toMatch(/line 50$/);
    expect(lines[50]).toMatch(/\[WARN\] \(log truncated/);
    expect(lines[99]).toMatch(/line 1000$/);
    expect(lines[51]).toMatch(/line 952$/);
  });

  it('keeps only the newest executions per vendor', async () => {
    const { jobs } = setup({ historyPerVendor: 3 });
    jobs.define(job('x', async () => {}));
    await jobs.start();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const e = await jobs.startExecution({ vendorType: 'GC', trigger: 'MANUAL', tasks: [{ jobType: 'x' }] });
      await ended(jobs, e.id);
      ids.push(e.id);
    }
    await until(
      async () => (await jobs.listExecutions({ vendorType: 'GC' }, { page: 1, pageSize: 10 })).total === 3,
      'trim',
    );
    const left = (await jobs.listExecutions({ vendorType: 'GC' }, { page: 1, pageSize: 10 })).items.map((e) => e.id);
    expect(left).toEqual(ids.slice(3).reverse());
  });

  it('after a crash, the same owner re-runs interrupted tasks with attempts left and fails the others', async () => {
    const meta = openSqliteMetaStore({ file: ':memory:' });
    // First life: claims two tasks and "crashes" (never closes, never finishes them).
    const first = new LocalJobService({
      repo: meta.jobs,
      log,
      owner: 'me',
      cpuSlots: 2,
      leaseMs: 60_000,
      historyPerVendor: 5,
      maxLogLines: 10,
    });
    const hang = () => new Promise<void>(() => {});
    first.define(job('retryable', hang, { maxAttempts: 2 }));
    first.define(job('once', hang, { maxAttempts: 1 }));
    await first.start();
    const e = await first.startExecution({
      vendorType: 'T',
      trigger: 'MANUAL',
      tasks: [{ jobType: 'retryable' }, { jobType: 'once' }],
    });
    await until(
      async () =>
        (await first.listTasks({ executionId: e.id, status: 'Running' }, { page: 1, pageSize: 5 })).total === 2,
      'claims',
    );
    // Second life, same owner id: no waiting for the 60 s lease.
    const { jobs } = setup({ owner: 'me' }, meta);
    const ran: string[] = [];
    jobs.define(job('retryable', async () => void ran.push('retryable'), { maxAttempts: 2 }));
    jobs.define(job('once', async () => void ran.push('once'), { maxAttempts: 1 }));
    await jobs.start();
    const done = await ended(jobs, e.id);
    expect(ran).toEqual(['retryable']);
    expect(done.status).toBe('Error');
    const tasks = (await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 5 })).items;
    expect(tasks.map((t) => [t.jobType, t.status])).toEqual([
      ['retryable', 'Success'],
      ['once', 'Error'],
    ]);
    expect(tasks[1]?.statusMessage).toMatch(/lease expired/);
  });

  it('another instance returns an expired lease of a dead one', async () => {
    const meta = openSqliteMetaStore({ file: ':memory:' });
    const now = Date.now();
    // The dead instance claimed the task with a short lease and then vanished.
    const e = await meta.jobs.createExecution(
      {
        vendorType: 'T',
        vendorId: -1,
        projectId: null,
        trigger: 'MANUAL',
        extraAttrs: {},
        singleActive: false,
        open: false,
        tasks: [{ jobType: 'w', params: {}, dedupeKey: null, priority: 0, maxAttempts: 3, runAfter: now }],
      },
      now,
    );
    const claimed = await meta.jobs.tick({
      owner: 'dead',
      now,
      leaseUntil: now + 200,
      finished: [],
      claims: [{ jobType: 'w', limit: 1, cpuSlots: 0, reserve: 0 }],
      cpuFree: 0,
    });
    expect(claimed.claimed).toHaveLength(1);
    const { jobs } = setup({ owner: 'alive', leaseMs: 200 }, meta);
    let ran = 0;
    jobs.define(job('w', async () => void ran++, { maxAttempts: 3 }));
    await jobs.start();
    expect((await ended(jobs, e.id)).status).toBe('Success');
    expect(ran).toBe(1);
    expect((await jobs.listTasks({ executionId: e.id }, { page: 1, pageSize: 1 })).items[0]?.attempts).toBe(2);
  });

  it('fires a schedule by its callback name and moves its next run', async () => {
    const { jobs } = setup();
    const fired: number[] = [];
    jobs.onSchedule('tick', async (s) => void fired.push(s.vendorId));
    await jobs.start();
    const s = await jobs.setSchedule({ vendorType: 'GC', vendorId: 3, cron: '* * * * * *', callback: 'tick' });
    expect(s.nextRun).toBeInstanceOf(Date);
    await until(async () => fired.length >= 1, 'the schedule to fire', 3000);
    expect(fired[0]).toBe(3);
    await expect(jobs.setSchedule({ vendorType: 'GC', cron: 'every day', callback: 'tick' })).rejects.toMatchObject({
      kind: 'invalid',
    });
    expect(await jobs.deleteSchedule('GC', 3)).toBe(true);
  });

  it('emits execution and task events to subscribers', async () => {
    const { jobs } = setup();
    jobs.define(job('e', async (ctx) => ctx.progress(1, 1)));
    const events: string[] = [];
    const seen = new Set<Execution['status']>();
    jobs.subscribe((ev) => {
      events.push(ev.kind);
      if (ev.kind === 'execution') seen.add(ev.execution.status);
    });
    await jobs.start();
    const e = await jobs.startExecution({ vendorType: 'T', trigger: 'MANUAL', tasks: [{ jobType: 'e' }] });
    await ended(jobs, e.id);
    await until(async () => seen.has('Success'), 'the final event');
    expect(events).toContain('task');
  });
});
