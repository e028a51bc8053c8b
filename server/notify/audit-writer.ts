import type { Logger } from 'pino';
import type { EventBus } from '../core/events.js';
import type { MetaStore } from '../meta/meta-store.js';
import type { AuditEntry } from '../meta/project-types.js';

export type AuditRecord = Omit<AuditEntry, 'id' | 'opTime' | 'projectId'> & {
  opTime?: Date;
  /** The project the object belongs to, by name; resolved to its id when written. */
  project?: string | null;
};

/**
 * The audit trail's single writer. Records are queued and written in batches (every `flushMs` or
 * `maxBatch` records), so pulls and pushes never wait for an audit insert; `close` writes what is
 * queued. Registry activity arrives as domain events; API routes and logins call `record` directly.
 */
export class AuditWriter {
  private queue: Array<AuditRecord & { opTime: Date }> = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly projectIds = new Map<string, number | null>();
  private retentionTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { meta: MetaStore; log: Logger; flushMs?: number; maxBatch?: number }) {}

  record(record: AuditRecord): void {
    this.queue.push({ ...record, opTime: record.opTime ?? new Date() });
    if (this.queue.length >= (this.options.maxBatch ?? 500)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 250).unref();
  }

  /** Subscribes to the registry's domain events. */
  attach(events: EventBus): void {
    events.on('artifact.pushed', (e) =>
      this.record({
        username: e.actor?.name ?? 'anonymous',
        clientIp: e.actor?.clientIp ?? null,
        operation: 'create',
        resourceType: 'artifact',
        resource: e.tag ? `${e.repository}:${e.tag}` : `${e.repository}@${e.digest}`,
        project: projectOf(e.repository),
        success: true,
        detail: e.tag ? `${e.digest} (${e.mediaType})` : e.mediaType,
      }),
    );
    events.on('artifact.pulled', (e) =>
      this.record({
        username: e.actor?.name ?? 'anonymous',
        clientIp: e.actor?.clientIp ?? null,
        operation: 'pull',
        resourceType: 'artifact',
        resource: e.reference.includes(':') ? `${e.repository}@${e.reference}` : `${e.repository}:${e.reference}`,
        project: projectOf(e.repository),
        success: true,
        detail: e.digest,
      }),
    );
    events.on('artifact.deleted', (e) =>
      this.record({
        username: e.actor?.name ?? 'anonymous',
        clientIp: e.actor?.clientIp ?? null,
        operation: 'delete',
        resourceType: 'artifact',
        resource: `${e.repository}@${e.digest}`,
        project: projectOf(e.repository),
        success: true,
        detail: null,
      }),
    );
    events.on('tag.deleted', (e) =>
      this.record({
        username: e.actor?.name ?? 'anonymous',
        clientIp: e.actor?.clientIp ?? null,
        operation: 'delete',
        resourceType: 'tag',
        resource: `${e.repository}:${e.tag}`,
        project: projectOf(e.repository),
        success: true,
        detail: null,
      }),
    );
  }

  /** Writes everything queued so far. Failures are logged; the records are dropped, never retried forever. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeQueued());
    return this.flushing;
  }

  /** Purges by age and row cap now and then every `intervalMs`. */
  startRetention(policy: { retentionMs: number; maxRows: number; intervalMs: number }): void {
    const run = () => {
      void this.purge(policy).catch((err) => this.options.log.warn({ err }, 'audit log purge failed'));
    };
    run();
    this.retentionTimer = setInterval(run, policy.intervalMs).unref();
  }

  async purge(policy: { retentionMs: number; maxRows: number }): Promise<number> {
    const deleted = await this.options.meta.audit.purge({
      olderThan: new Date(Date.now() - policy.retentionMs),
      keepRows: policy.maxRows,
    });
    if (deleted > 0) this.options.log.info({ deleted }, 'audit log entries purged');
    return deleted;
  }

  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.flush();
  }

  private async writeQueued(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      const entries: Omit<AuditEntry, 'id'>[] = [];
      for (const { project, ...rest } of batch) {
        entries.push({ ...rest, projectId: project ? await this.projectId(project) : null });
      }
      await this.options.meta.audit.append(entries);
    } catch (err) {
      this.options.log.error({ err, dropped: batch.length }, 'writing audit log entries failed');
    }
  }

  private async projectId(name: string): Promise<number | null> {
    if (this.projectIds.has(name)) return this.projectIds.get(name) ?? null;
    const id = (await this.options.meta.projects.get(name))?.id ?? null;
    // Only found ids are cached: a project created later must be found then.
    if (id !== null) this.projectIds.set(name, id);
    return id;
  }

  /** A deleted project may be recreated under the same name with a new id. */
  forgetProject(name: string): void {
    this.projectIds.delete(name);
  }
}

function projectOf(repository: string): string {
  return repository.slice(0, repository.indexOf('/'));
}
