import type { Logger } from 'pino';
import { DomainError, Invalid, NotFound } from '../../core/errors.js';
import { PermanentTaskError, type JobService, type NewTask, type TaskContext } from '../../jobs/job-types.js';
import { destinationRepository } from '../naming.js';
import {
  REPLICATION_JOB_TYPES,
  REPLICATION_VENDOR,
  ReplicationTransportError,
  type AdapterFactory,
  type NewPolicy,
  type ReplicationPolicies,
  type ReplicationPolicy,
  type ReplicationRegistries,
  type ReplicationService,
  type SourceArtifact,
} from '../replication-contract.js';
import { copyArtifact } from './copy-artifact.js';
import { ByteProgress } from './copy-blobs.js';
import { deleteArtifact } from './delete-artifact.js';
import {
  ENGINE_DEFAULTS,
  taskParams,
  type EngineTunables,
  type EnumerateParams,
  type ReplicationEngineDeps,
} from './engine-types.js';
import { runEnumerate } from './enumerate-task.js';
import { ExecutionState, ExecutionStates, policyAdapters } from './execution-state.js';
import { selectArtifact } from './select.js';
import { listenToEvents, ScheduleSync } from './triggers.js';

/**
 * Replication on the job system (Harbor's model): an execution per run of a policy (vendor
 * `REPLICATION`, vendor id = policy id), holding one `replication.enumerate` task that streams the
 * source and queues a `replication.copy` task per artifact, or (event runs) just the one copy or
 * `replication.delete` task of the event. Tasks are idempotent and retried on transport errors; a
 * stop aborts every task's signal, which every request and byte stream below honours.
 */
export class ReplicationEngine implements ReplicationService {
  readonly #jobs: JobService;
  readonly #policies: ReplicationPolicies;
  readonly #registries: ReplicationRegistries;
  readonly #adapters: AdapterFactory;
  readonly #log: Logger;
  readonly #deps: ReplicationEngineDeps;
  readonly tunables: EngineTunables;
  readonly #states: ExecutionStates;
  readonly #schedules: ScheduleSync;
  #registered = false;

  constructor(deps: ReplicationEngineDeps) {
    this.#deps = deps;
    this.#jobs = deps.jobs;
    this.#policies = deps.policies;
    this.#registries = deps.registries;
    this.#adapters = deps.adapters;
    this.#log = deps.log;
    this.tunables = { ...ENGINE_DEFAULTS, ...deps.tunables };
    this.#states = new ExecutionStates(deps.jobs, (policyId) => this.#loadState(policyId));
    this.#schedules = new ScheduleSync(deps.jobs, deps.policies, (id) => this.start(id, 'SCHEDULE'), deps.log);
  }

  async register(): Promise<void> {
    if (this.#registered) return;
    this.#registered = true;
    const t = this.tunables;
    this.#jobs.define<EnumerateParams>({
      type: REPLICATION_JOB_TYPES.enumerate,
      lane: 'delivery',
      concurrency: t.enumerateConcurrency,
      cpuSlots: 0,
      maxAttempts: t.taskMaxAttempts,
      retryBaseMs: t.retryBaseMs,
      run: (ctx) => this.#guard(ctx, () => this.#enumerate(ctx)),
    });
    for (const type of [REPLICATION_JOB_TYPES.copy, REPLICATION_JOB_TYPES.delete]) {
      this.#jobs.define<Record<string, unknown>>({
        type,
        lane: 'delivery',
        concurrency: t.copyConcurrency,
        cpuSlots: 0,
        maxAttempts: t.taskMaxAttempts,
        retryBaseMs: t.retryBaseMs,
        run: (ctx) => this.#guard(ctx, () => this.#artifactTask(ctx)),
      });
    }
    this.#schedules.register();
    listenToEvents(this.#deps.events, this.#policies, (policy, task) => this.#startEvent(policy, task), this.#log);
    await this.#schedules.reconcile();
  }

  async start(policyId: number, trigger: 'MANUAL' | 'SCHEDULE' | 'EVENT'): Promise<{ executionId: number }> {
    const policy = await this.#policies.get(policyId);
    if (!policy) throw new NotFound('NAME_UNKNOWN', `replication policy ${policyId} not found`);
    if (!policy.enabled) throw new Invalid('NAME_INVALID', `replication policy "${policy.name}" is disabled`);
    const params: EnumerateParams = { policyId, trigger };
    const execution = await this.#jobs.startExecution({
      vendorType: REPLICATION_VENDOR,
      vendorId: policyId,
      projectId: null,
      trigger,
      singleActive: policy.singleActive && trigger !== 'EVENT',
      open: true,
      tasks: [{ jobType: REPLICATION_JOB_TYPES.enumerate, params: { ...params } }],
    });
    return { executionId: execution.id };
  }

  async preview(
    policy: NewPolicy,
    limit: number,
    signal: AbortSignal,
  ): Promise<{ items: Array<SourceArtifact & { dstRepository: string }>; truncated: boolean }> {
    const { source } = await policyAdapters(policy, this.#registries, this.#adapters);
    const items: Array<SourceArtifact & { dstRepository: string }> = [];
    for await (const page of source.enumerate(policy.filters, signal)) {
      for (const artifact of page) {
        const chosen = selectArtifact(policy.filters, artifact);
        if (!chosen) continue;
        // Leaving the loop ends the enumeration (its iterator's return), so no further page is read.
        if (items.length >= limit) return { items, truncated: true };
        items.push({ ...chosen, dstRepository: destinationRepository(policy, chosen.repository) });
      }
    }
    return { items, truncated: false };
  }

  destinationRepository(
    policy: Pick<ReplicationPolicy, 'destNamespace' | 'destNamespaceReplaceCount'>,
    src: string,
  ): string {
    return destinationRepository(policy, src);
  }

  async #startEvent(policy: ReplicationPolicy, task: NewTask): Promise<void> {
    const execution = await this.#jobs.startExecution({
      vendorType: REPLICATION_VENDOR,
      vendorId: policy.id,
      projectId: null,
      trigger: 'EVENT',
      singleActive: false,
      tasks: [task],
    });
    this.#log.debug({ policyId: policy.id, executionId: execution.id }, 'event-based replication started');
  }

  async #loadState(policyId: number): Promise<ExecutionState> {
    const policy = await this.#policies.get(policyId);
    if (!policy) throw new NotFound('NAME_UNKNOWN', `replication policy ${policyId} was deleted`);
    const { source, destination } = await policyAdapters(policy, this.#registries, this.#adapters);
    return new ExecutionState(policy, source, destination, this.tunables.clock);
  }

  async #enumerate(ctx: TaskContext<EnumerateParams>): Promise<{ message: string }> {
    const state = await this.#states.get(ctx.task.executionId, ctx.params.policyId);
    return runEnumerate(ctx, state, this.#jobs, this.tunables);
  }

  async #artifactTask(ctx: TaskContext<Record<string, unknown>>): Promise<{ message: string }> {
    let p;
    try {
      p = taskParams(ctx.params);
    } catch {
      throw new PermanentTaskError('the task has no replication parameters');
    }
    const state = await this.#states.get(ctx.task.executionId, p.policyId);
    // The policy's concurrency: tasks of one execution beyond it wait here for a permit.
    const release = await state.permits.acquire(ctx.signal);
    try {
      if (p.operation === 'deletion') return { message: await deleteArtifact(state, p, ctx.signal, ctx.log) };
      ctx.log.info(`copy ${p.srcRepository}:${p.srcReference} → ${p.dstRepository} (attempt ${ctx.task.attempts})`);
      const progress = new ByteProgress((done, total) => ctx.progress(done, total));
      const message = await copyArtifact(
        {
          state,
          tunables: this.tunables,
          signal: ctx.signal,
          log: ctx.log,
          progress,
          srcRepository: p.srcRepository,
          dstRepository: p.dstRepository,
        },
        p,
      );
      ctx.log.info(`done: ${message} (${progress.done} of ${progress.total} bytes at the destination)`);
      return { message };
    } finally {
      release();
    }
  }

  /**
   * Transport failures (network, 5xx, 429) are left to the job system's retries; refusals and bad
   * content fail the task at once with a message saying why. An enumeration that fails for good
   * seals its execution so the run can end with the tasks it queued.
   */
  async #guard<T>(ctx: TaskContext<Record<string, unknown>> | TaskContext<EnumerateParams>, run: () => Promise<T>) {
    try {
      return await run();
    } catch (err) {
      const failure = classify(err, ctx.signal);
      const enumeration = ctx.task.jobType === REPLICATION_JOB_TYPES.enumerate;
      const last = failure instanceof PermanentTaskError || ctx.task.attempts >= this.tunables.taskMaxAttempts;
      if (enumeration && last && !ctx.signal.aborted) {
        await this.#jobs.seal(ctx.task.executionId).catch(() => undefined);
      }
      throw failure;
    }
  }
}

/** What the job system should make of a failure. */
export function classify(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || err instanceof ReplicationTransportError || err instanceof PermanentTaskError) return err;
  if (err instanceof DomainError) {
    switch (err.kind) {
      case 'unauthorized':
        return new PermanentTaskError(`the registry refused the credentials: ${err.message}`);
      case 'denied':
        return new PermanentTaskError(`the registry denied access: ${err.message}`);
      case 'range':
        return err;
      default:
        return new PermanentTaskError(err.message);
    }
  }
  return err;
}
