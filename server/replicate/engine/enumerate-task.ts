import { FINAL_STATUSES, type JobService, type NewTask, type TaskContext } from '../../jobs/job-types.js';
import { REPLICATION_JOB_TYPES } from '../replication-contract.js';
import type { EngineTunables, EnumerateParams } from './engine-types.js';
import type { ExecutionState } from './execution-state.js';
import { copyTask, selectArtifact } from './select.js';

/**
 * The one enumeration task of a manual or scheduled run: streams the source page by page and queues
 * a copy task per selected artifact as each page arrives, so copying starts with the first page and
 * the catalogue is never held whole. Queuing waits while the execution already has about twice the
 * policy's concurrency of unfinished tasks: the run's tasks then never fill the shared copy queue
 * (other policies keep their turn) and a huge source is not written to the task table ahead of need.
 *
 * Deletions are not enumerated: like Harbor, Berth replicates a deletion only from the event of it
 * (`replicate_deletion` on an event-based policy); a manual or scheduled run only copies.
 */
export async function runEnumerate(
  ctx: TaskContext<EnumerateParams>,
  state: ExecutionState,
  jobs: JobService,
  tunables: EngineTunables,
): Promise<{ message: string }> {
  const { policy, source } = state;
  const executionId = ctx.task.executionId;
  const trigger = ctx.params.trigger;
  if (policy.replicateDeletion) {
    ctx.log.info('deletions are replicated from deletion events only (as Harbor does), not by this run');
  }
  ctx.log.info(`enumerating the source of policy "${policy.name}" (${policy.filters.length} filters)`);
  const batch = Math.max(1, policy.concurrency);
  let listed = 0;
  let queued = 0;
  // A re-run (after a crash or a transport failure) lists the source again, and the job system's
  // dedupe keys only guard unfinished tasks: skip what this execution queued before, finished or not.
  const before = await queuedKeys(jobs, executionId);
  for await (const page of source.enumerate(policy.filters, ctx.signal)) {
    listed += page.length;
    const tasks: NewTask[] = [];
    for (const artifact of page) {
      const chosen = selectArtifact(policy.filters, artifact);
      if (!chosen) continue;
      try {
        const task = copyTask(executionId, policy, chosen, trigger);
        if (!task.dedupeKey || !before.has(task.dedupeKey)) tasks.push(task);
      } catch (err) {
        // The namespace rule cannot name a destination for this repository (too few path components).
        ctx.log.warn(`${artifact.repository} skipped: ${(err as Error).message}`);
      }
    }
    for (let i = 0; i < tasks.length; i += batch) {
      await roomFor(jobs, executionId, 2 * batch, ctx.signal, tunables.backpressurePollMs);
      queued += await jobs.addTasks(executionId, tasks.slice(i, i + batch));
    }
    ctx.log.info(`listed ${page.length} artifacts, ${tasks.length} selected (${listed} listed so far)`);
    ctx.progress(queued, queued);
  }
  await jobs.seal(executionId);
  ctx.log.info(`enumeration done: ${listed} listed, ${queued} copy tasks queued`);
  return { message: JSON.stringify({ listed, queued }) };
}

/** Dedupe keys of the copy tasks the execution already has, whatever their status. */
async function queuedKeys(jobs: JobService, executionId: number): Promise<Set<string>> {
  const keys = new Set<string>();
  const pageSize = 500;
  for (let page = 1; ; page++) {
    const { items } = await jobs.listTasks({ executionId, jobType: REPLICATION_JOB_TYPES.copy }, { page, pageSize });
    for (const t of items) if (t.dedupeKey) keys.add(t.dedupeKey);
    if (items.length < pageSize) return keys;
  }
}

/**
 * Waits until the execution has fewer than `bound` unfinished tasks besides this one. A task of the
 * execution ending wakes it at once (the job system's events); the poll is only the fallback, so
 * the queue refills at the pace tasks finish, not at the poll's.
 */
async function roomFor(jobs: JobService, executionId: number, bound: number, signal: AbortSignal, pollMs: number) {
  for (;;) {
    const page = { page: 1, pageSize: 1 };
    const pending = (await jobs.listTasks({ executionId, status: 'Pending' }, page)).total;
    const running = (await jobs.listTasks({ executionId, status: 'Running' }, page)).total - 1;
    if (pending + running < bound) return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener('abort', aborted);
      };
      const timer = setTimeout(() => (done(), resolve()), pollMs);
      const unsubscribe = jobs.subscribe((event) => {
        if (event.kind === 'task' && event.task.executionId === executionId && FINAL.has(event.task.status)) {
          done();
          resolve();
        }
      });
      const aborted = () => (done(), reject(signal.reason));
      signal.addEventListener('abort', aborted, { once: true });
      if (signal.aborted) aborted();
    });
  }
}

const FINAL = new Set<string>(FINAL_STATUSES);
