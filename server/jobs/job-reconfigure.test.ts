import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MetaStore } from '../meta/meta-store.js';
import { openSqliteMetaStore } from '../meta/sqlite/sqlite-meta-store.js';
import { LocalJobService } from './job-service.js';

const log = pino({ level: 'silent' });
const open: Array<{ jobs: LocalJobService; meta: MetaStore }> = [];

afterEach(async () => {
  for (const { jobs, meta } of open.splice(0)) {
    await jobs.close();
    await meta.close();
  }
});

function setup() {
  const meta = openSqliteMetaStore({ file: ':memory:' });
  const jobs = new LocalJobService({
    repo: meta.jobs,
    log,
    owner: 'test-owner',
    cpuSlots: 8,
    leaseMs: 3000,
    historyPerVendor: 5,
    maxLogLines: 100,
    pollMs: 50,
  });
  open.push({ jobs, meta });
  return jobs;
}

async function until(probe: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A time window that does not contain the current local time. */
function windowExcludingNow(): string {
  const now = new Date();
  const h = (now.getHours() + 12) % 24;
  return `${String(h).padStart(2, '0')}:00-${String((h + 1) % 24).padStart(2, '0')}:00`;
}

describe('JobService.reconfigure', () => {
  it('raises a running type’s concurrency without a restart: queued tasks start at once', async () => {
    const jobs = setup();
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    jobs.define({
      type: 'hold',
      lane: 'background',
      concurrency: 1,
      cpuSlots: 1,
      maxAttempts: 1,
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => release.push(r));
        running--;
      },
    });
    await jobs.start();
    const e = await jobs.startExecution({
      vendorType: 'TEST',
      trigger: 'MANUAL',
      tasks: [1, 2, 3].map(() => ({ jobType: 'hold' })),
    });
    await until(() => running === 1, 'the first task');
    expect((await jobs.queues()).find((q) => q.jobType === 'hold')).toMatchObject({ concurrency: 1, count: 2 });
    jobs.reconfigure('hold', { concurrency: 3 });
    await until(() => running === 3, 'all three tasks at once');
    expect((await jobs.queues()).find((q) => q.jobType === 'hold')?.concurrency).toBe(3);
    for (const r of release.splice(0)) r();
    await until(async () => (await jobs.getExecution(e.id))?.status === 'Success', 'the execution');
    expect(peak).toBe(3);
  });

  it('a time window set at run time holds new tasks back; removing it lets them start', async () => {
    const jobs = setup();
    const ran: number[] = [];
    jobs.define({
      type: 'windowed',
      lane: 'background',
      concurrency: 1,
      cpuSlots: 0,
      maxAttempts: 1,
      run: async (ctx) => void ran.push(ctx.task.id),
    });
    await jobs.start();
    jobs.reconfigure('windowed', { timeWindow: windowExcludingNow() });
    const e = await jobs.startExecution({ vendorType: 'TEST', trigger: 'MANUAL', tasks: [{ jobType: 'windowed' }] });
    // Several polling rounds pass while outside the window; the task stays queued.
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toEqual([]);
    expect((await jobs.getExecution(e.id))?.status).not.toBe('Success');
    jobs.reconfigure('windowed', { timeWindow: null });
    await until(async () => (await jobs.getExecution(e.id))?.status === 'Success', 'the task after the window went');
    expect(ran).toHaveLength(1);
  });

  it('refuses unknown types and bad values, changing nothing', async () => {
    const jobs = setup();
    jobs.define({ type: 't', lane: 'background', concurrency: 2, cpuSlots: 0, maxAttempts: 1, run: async () => {} });
    expect(() => jobs.reconfigure('nope', { concurrency: 2 })).toThrow(/no job type/);
    expect(() => jobs.reconfigure('t', { concurrency: 0 })).toThrow(/at least 1/);
    expect(() => jobs.reconfigure('t', { timeWindow: '25:00-nope' })).toThrow(/time window/);
    expect((await jobs.queues()).find((q) => q.jobType === 't')?.concurrency).toBe(2);
  });
});
