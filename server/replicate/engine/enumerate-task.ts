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
  // Queued ahead of the copying: enough that a task finishing always finds the next one claimed,
  // few enough that one run's waiting tasks do not hold every copy slot of the process.
  const bound = Math.max(2 * policy.concurrency, tunables.queueAhead);
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
    // Each wait fills the run up to the bound in one commit, not a few tasks per commit.
    for (let i = 0; i < tasks.length;) {
      const room = await roomFor(jobs, executionId, bound, ctx.signal, tunables.backpressurePollMs);
      const slice = tasks.slice(i, i + room);
      i += slice.length;
      queued += await jobs.addTasks(executionId, slice);
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
 * Waits until the execution has at most half of `bound` unfinished tasks besides this one, then
 * says how many fit below `bound`: the run is refilled in batches, one commit each, rather than a
 * task per finished task. Tasks of the execution ending (the job system's events) are counted as
 * they come; the tables are counted again only once enough have ended, or after `pollMs` in case
 * an event was missed.
 */
async function roomFor(
  jobs: JobService,
  executionId: number,
  bound: number,
  signal: AbortSignal,
  pollMs: number,
): Promise<number> {
  const low = Math.floor(bound / 2);
  for (;;) {
    const page = { page: 1, pageSize: 1 };
    const pending = (await jobs.listTasks({ executionId, status: 'Pending' }, page)).total;
    const running = (await jobs.listTasks({ executionId, status: 'Running' }, page)).total - 1;
    const unfinished = pending + running;
    if (unfinished <= low) return bound - unfinished;
    let awaited = unfinished - low;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal.removeEventListener('abort', aborted);
      };
      const timer = setTimeout(() => (done(), resolve()), pollMs);
      const unsubscribe = jobs.subscribe((event) => {
        if (event.kind === 'task' && event.task.executionId === executionId && FINAL.has(event.task.status)) {
          if (--awaited <= 0) {
            done();
            resolve();
          }
        }
      });
      const aborted = () => (done(), reject(signal.reason));
      signal.addEventListener('abort', aborted, { once: true });
      if (signal.aborted) aborted();
    });
  }
}

const FINAL = new Set<string>(FINAL_STATUSES);
