import type { Logger } from 'pino';
import { Conflict } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import type { JobService, NewTask } from '../../jobs/job-types.js';
import { matchesRepository, selectTags } from '../filters.js';
import {
  LOCAL_REGISTRY_ID,
  REPLICATION_VENDOR,
  type ReplicationPolicies,
  type ReplicationPolicy,
} from '../replication-contract.js';
import { SCHEDULE_CALLBACK } from './engine-types.js';
import { copyTask, deleteTask, selectArtifact } from './select.js';

/**
 * Event-based policies: each push (or, with `replicate_deletion`, each deletion) of this registry
 * that a policy's filters select starts one execution of that policy holding exactly that artifact's
 * task. Event executions are never single-active: pushes in quick succession each get theirs.
 */
export function listenToEvents(
  events: EventBus,
  policies: ReplicationPolicies,
  startEvent: (policy: ReplicationPolicy, task: NewTask) => Promise<void>,
  log: Logger,
): () => void {
  let cached: Promise<ReplicationPolicy[]> | undefined;
  policies.onChange(() => {
    cached = undefined;
  });
  const eventPolicies = async () => {
    cached ??= policies
      .eventBased()
      .then((all) =>
        all.filter((p) => p.enabled && p.trigger.type === 'event_based' && p.srcRegistryId === LOCAL_REGISTRY_ID),
      );
    try {
      return await cached;
    } catch (err) {
      cached = undefined;
      throw err;
    }
  };
  const each = async (pick: (policy: ReplicationPolicy) => NewTask | undefined) => {
    for (const policy of await eventPolicies()) {
      try {
        const task = pick(policy);
        if (task) await startEvent(policy, task);
      } catch (err) {
        log.warn({ err, policyId: policy.id }, 'event-based replication did not start');
      }
    }
  };
  const offs = [
    events.on('artifact.pushed', (e) =>
      each((policy) => {
        const artifact = {
          repository: e.repository,
          tags: e.tag ? [e.tag] : [],
          digest: e.digest,
          mediaType: e.mediaType,
        };
        const chosen = selectArtifact(policy.filters, artifact);
        return chosen ? copyTask('event', policy, chosen, 'EVENT') : undefined;
      }),
    ),
    // The deleted artifact's tags are gone with it: only the name filter can be applied.
    events.on('artifact.deleted', (e) =>
      each((policy) =>
        policy.replicateDeletion && matchesRepository(policy.filters, e.repository)
          ? deleteTask(policy, e.repository, e.digest)
          : undefined,
      ),
    ),
    events.on('tag.deleted', (e) =>
      each((policy) =>
        policy.replicateDeletion &&
        matchesRepository(policy.filters, e.repository) &&
        selectTags(policy.filters, [e.tag]).length > 0
          ? deleteTask(policy, e.repository, e.tag)
          : undefined,
      ),
    ),
  ];
  return () => offs.forEach((off) => off());
}

/** Scheduled policies' schedules in the job system: one per enabled scheduled policy, none otherwise. */
export class ScheduleSync {
  constructor(
    private readonly jobs: JobService,
    private readonly policies: ReplicationPolicies,
    private readonly start: (policyId: number) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  register(): void {
    this.jobs.onSchedule(SCHEDULE_CALLBACK, async (schedule) => {
      const policy = await this.policies.get(schedule.vendorId);
      if (!policy || !scheduledCron(policy)) {
        // The policy went or changed without its schedule (another process, a crash in between).
        await this.jobs.deleteSchedule(REPLICATION_VENDOR, schedule.vendorId);
        return;
      }
      try {
        await this.start(policy.id);
      } catch (err) {
        if (!(err instanceof Conflict)) throw err;
        this.log.info({ policyId: policy.id }, 'scheduled replication skipped: the previous run is still active');
      }
    });
    this.policies.onChange((change) => {
      const done = 'deleted' in change ? this.drop(change.id) : this.sync(change);
      done.catch((err: unknown) => this.log.warn({ err, policyId: change.id }, 'replication schedule not updated'));
    });
  }

  async sync(policy: ReplicationPolicy): Promise<void> {
    const cron = scheduledCron(policy);
    if (!cron) {
      await this.drop(policy.id);
      return;
    }
    const current = await this.jobs.getSchedule(REPLICATION_VENDOR, policy.id);
    if (current?.cron === cron && current.callback === SCHEDULE_CALLBACK) return;
    await this.jobs.setSchedule({
      vendorType: REPLICATION_VENDOR,
      vendorId: policy.id,
      cron,
      callback: SCHEDULE_CALLBACK,
    });
  }

  async drop(policyId: number): Promise<void> {
    await this.jobs.deleteSchedule(REPLICATION_VENDOR, policyId);
  }

  /** Makes the schedules match the policies (at start: edits made while no engine listened). */
  async reconcile(): Promise<void> {
    const wanted = new Set<number>();
    for (let page = 1; ; page++) {
      const { items, total } = await this.policies.list({ page, pageSize: 100 });
      for (const policy of items) {
        if (scheduledCron(policy)) wanted.add(policy.id);
        await this.sync(policy);
      }
      if (items.length === 0 || page * 100 >= total) break;
    }
    for (const s of await this.jobs.listSchedules()) {
      if (s.vendorType === REPLICATION_VENDOR && !wanted.has(s.vendorId)) await this.drop(s.vendorId);
    }
  }
}

function scheduledCron(policy: ReplicationPolicy): string | undefined {
  const cron = policy.trigger.cron?.trim();
  return policy.enabled && policy.trigger.type === 'scheduled' && cron ? cron : undefined;
}
