import type { Logger } from 'pino';
import type { EventBus } from '../../core/events.js';
import type { JobService } from '../../jobs/job-types.js';
import type {
  AdapterFactory,
  ReplicationPolicies,
  ReplicationRegistries,
  ReplicationTaskParams,
} from '../replication-contract.js';
import type { Clock } from './token-bucket.js';

const MiB = 1024 * 1024;

/** How the engine moves bytes; every field has a default (`ENGINE_DEFAULTS`). */
export interface EngineTunables {
  /** Chunk size of resumable uploads, used above `chunkAboveBytes` or when the policy asks for chunks. */
  chunkBytes: number;
  chunkAboveBytes: number;
  /** Blobs of one manifest copied at once, per task. */
  blobParallelism: number;
  /** No byte moving for this long aborts a blob's attempt. */
  idleTimeoutMs: number;
  /** Failed requests of one blob retried in a row (by the adapter, resuming at the destination's offset). */
  blobRetries: number;
  /** Attempts of a copy/delete task (the job system retries transport errors). */
  taskMaxAttempts: number;
  /** The first task retry's delay (doubled per attempt by the job system). */
  retryBaseMs: number;
  /** `replication.copy` tasks running at once in this process, all policies together. */
  copyConcurrency: number;
  enumerateConcurrency: number;
  /** How deep referrers of referrers are followed (a signature of an SBOM of an image is depth 2). */
  referrerDepth: number;
  /** How often a blocked enumeration re-counts its execution's unfinished tasks. */
  backpressurePollMs: number;
  /** Unfinished copy tasks a run keeps queued ahead (at least twice its policy's concurrency). */
  queueAhead: number;
  /** The bandwidth throttle's clock (tests). */
  clock?: Clock;
}

export const ENGINE_DEFAULTS: EngineTunables = {
  chunkBytes: 16 * MiB,
  chunkAboveBytes: 64 * MiB,
  blobParallelism: 4,
  idleTimeoutMs: 60_000,
  blobRetries: 5,
  taskMaxAttempts: 3,
  retryBaseMs: 2000,
  copyConcurrency: 48,
  enumerateConcurrency: 4,
  referrerDepth: 3,
  backpressurePollMs: 1000,
  queueAhead: 32,
};

export interface ReplicationEngineDeps {
  jobs: JobService;
  events: EventBus;
  registries: ReplicationRegistries;
  policies: ReplicationPolicies;
  adapters: AdapterFactory;
  log: Logger;
  tunables?: Partial<EngineTunables>;
}

/** Params of the one enumeration task of an execution. */
export interface EnumerateParams {
  policyId: number;
  trigger: 'MANUAL' | 'SCHEDULE' | 'EVENT';
}

export const SCHEDULE_CALLBACK = 'replication';

/** Reads a copy/delete task's params back from its row; throws on anything else. */
export function taskParams(raw: Record<string, unknown>): ReplicationTaskParams {
  const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  const operation = raw.operation;
  if (
    typeof raw.policyId !== 'number' ||
    (operation !== 'copy' && operation !== 'deletion') ||
    !str('srcRepository') ||
    !str('srcReference') ||
    !str('dstRepository')
  ) {
    throw new Error('not a replication task');
  }
  return {
    policyId: raw.policyId,
    operation,
    resourceType: raw.resourceType === 'artifact' ? 'artifact' : 'image',
    srcRepository: str('srcRepository')!,
    srcReference: str('srcReference')!,
    extraTags: Array.isArray(raw.extraTags) ? raw.extraTags.filter((t): t is string => typeof t === 'string') : [],
    dstRepository: str('dstRepository')!,
    ...(str('digest') ? { digest: str('digest')! } : {}),
  };
}

/** `repo:tag` or `repo@sha256:...`, as Harbor's task JSON names resources. */
export function resourceName(repository: string, reference: string): string {
  return reference.includes(':') ? `${repository}@${reference}` : `${repository}:${reference}`;
}
