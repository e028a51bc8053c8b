import { Invalid, NotFound } from '../../core/errors.js';
import type { JobService } from '../../jobs/job-types.js';
import {
  LOCAL_REGISTRY_ID,
  type AdapterFactory,
  type ReplicationAdapter,
  type ReplicationPolicy,
  type ReplicationRegistries,
} from '../replication-contract.js';
import { Semaphore } from './semaphore.js';
import { TokenBucket, type Clock } from './token-bucket.js';

/**
 * What the tasks of one execution share in this process: the policy as first read (so an edit in
 * the middle of a run does not change it halfway), both adapters (their token caches), the
 * per-policy concurrency permits, the bandwidth bucket, which destination repository already holds
 * which blob (to mount instead of pushing again), the namespaces already ensured and blobs being
 * pushed right now (a second task needing the same layer waits and mounts it).
 *
 * In process only: several Berth processes sharing one database each enforce the concurrency and
 * the bandwidth for the tasks they run.
 */
export class ExecutionState {
  readonly permits: Semaphore;
  readonly bucket: TokenBucket | undefined;
  /** digest → a destination repository that has it (pushed or found by this execution). */
  readonly blobHomes = new Map<string, string>();
  readonly inflight = new Map<string, Promise<void>>();
  /** `<destination repository>@<digest>` → the one attempt making that blob present there. */
  readonly ensuring = new Map<string, Promise<void>>();
  readonly namespaces = new Map<string, Promise<void>>();

  constructor(
    readonly policy: ReplicationPolicy,
    readonly source: ReplicationAdapter,
    readonly destination: ReplicationAdapter,
    clock?: Clock,
  ) {
    this.permits = new Semaphore(policy.concurrency > 0 ? policy.concurrency : 4);
    this.bucket = policy.speedKbps > 0 ? new TokenBucket(policy.speedKbps * 1024, clock) : undefined;
  }

  /** Ensures the destination namespace once per repository per execution. */
  ensureNamespace(repository: string, signal: AbortSignal): Promise<void> {
    const ensure = this.destination.ensureNamespace;
    if (!ensure) return Promise.resolve();
    let pending = this.namespaces.get(repository);
    if (!pending) {
      pending = ensure.call(this.destination, repository, signal);
      this.namespaces.set(repository, pending);
      // A failed attempt may succeed on the task's retry.
      pending.catch(() => this.namespaces.delete(repository));
    }
    return pending;
  }
}

/** Adapters of a policy's two sides. */
export async function policyAdapters(
  policy: Pick<ReplicationPolicy, 'srcRegistryId' | 'destRegistryId'>,
  registries: ReplicationRegistries,
  adapters: AdapterFactory,
): Promise<{ source: ReplicationAdapter; destination: ReplicationAdapter }> {
  const side = async (id: number, what: string) => {
    if (id === LOCAL_REGISTRY_ID) return adapters.local();
    const endpoint = await registries.get(id);
    if (!endpoint) throw new NotFound('NAME_UNKNOWN', `the ${what} registry ${id} of the policy no longer exists`);
    return adapters.forEndpoint(endpoint);
  };
  if ((policy.srcRegistryId === LOCAL_REGISTRY_ID) === (policy.destRegistryId === LOCAL_REGISTRY_ID)) {
    throw new Invalid('NAME_INVALID', 'exactly one side of a replication policy must be this registry');
  }
  return {
    source: await side(policy.srcRegistryId, 'source'),
    destination: await side(policy.destRegistryId, 'destination'),
  };
}

/** The states of running executions, dropped when the job system says an execution ended. */
export class ExecutionStates {
  readonly #states = new Map<number, Promise<ExecutionState>>();

  constructor(
    jobs: JobService,
    readonly load: (policyId: number) => Promise<ExecutionState>,
    readonly limit = 256,
  ) {
    jobs.subscribe((event) => {
      if (event.kind === 'execution' && event.execution.endTime) this.#states.delete(event.execution.id);
    });
  }

  get(executionId: number, policyId: number): Promise<ExecutionState> {
    let state = this.#states.get(executionId);
    if (!state) {
      if (this.#states.size >= this.limit) this.#states.delete(this.#states.keys().next().value as number);
      state = this.load(policyId);
      this.#states.set(executionId, state);
      state.catch(() => this.#states.delete(executionId));
    }
    return state;
  }

  has(executionId: number): boolean {
    return this.#states.has(executionId);
  }
}
