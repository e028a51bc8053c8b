import { sql } from 'kysely';
import { QuotaExceeded } from '../../core/errors.js';
import type { ArgFn, SqlExecutor } from './executor.js';

/**
 * Deduplicated storage accounting per project, kept in step with `repository_blobs`:
 *
 * ```
 * link (repository r of project p, digest d):     project_blobs(p, d).refs += 1
 *     refs 0 → 1: storage_used(p) += size(d), refused with QuotaExceeded when
 *                 storage_limit(p) >= 0 and storage_used(p) + size(d) > storage_limit(p)
 * unlink / repository released:                   project_blobs(p, d).refs -= 1
 *     refs 1 → 0: row removed, storage_used(p) -= size(d)
 * ```
 * A blob linked in several repositories of a project counts once; linking it again costs nothing.
 * Every method is synchronous and must run inside the caller's write transaction (`SqlExecutor.transaction`),
 * which makes the check-then-add race-free and rolls the link back with a refused quota.
 */
export class ProjectUsage {
  private readonly addRef;
  private readonly charge;
  private readonly usageOf;
  private readonly dropRef;
  private readonly deleteBlob;
  private readonly creditBlob;
  private readonly repositoryProject;
  private readonly dropRepositoryRefs;
  private readonly creditReleased;
  private readonly deleteReleased;
  private readonly deleteRepositoryLinks;
  private readonly recount;
  private readonly clearProject;
  private readonly resum;

  constructor(sql_: SqlExecutor) {
    const qb = sql_.qb;
    this.addRef = sql_.prepare((arg: ArgFn<{ repositoryId: number; digest: string }>) =>
      qb
        .insertInto('project_blobs')
        .columns(['project_id', 'digest', 'refs'])
        .expression((eb) =>
          eb
            .selectFrom('repositories')
            .select(['project_id', eb.val(arg('digest')).as('digest'), eb.lit(1).as('refs')])
            .where('id', '=', arg('repositoryId')),
        )
        .onConflict((oc) =>
          oc.columns(['project_id', 'digest']).doUpdateSet((eb) => ({ refs: eb('project_blobs.refs', '+', 1) })),
        )
        .returning(['project_id', 'refs']),
    );
    // One statement on the push path: adds the size unless that would pass a non-negative limit.
    this.charge = sql_.prepare((arg: ArgFn<{ projectId: number; size: number }>) =>
      qb
        .updateTable('projects')
        .set((eb) => ({ storage_used: eb('storage_used', '+', arg('size')) }))
        .where('id', '=', arg('projectId'))
        .where(sql<boolean>`(storage_limit < 0 or storage_used + ${arg('size')} <= storage_limit)`),
    );
    this.usageOf = sql_.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb.selectFrom('projects').select(['name', 'storage_used', 'storage_limit']).where('id', '=', arg('projectId')),
    );
    this.dropRef = sql_.prepare((arg: ArgFn<{ projectId: number; digest: string }>) =>
      qb
        .updateTable('project_blobs')
        .set((eb) => ({ refs: eb('refs', '-', 1) }))
        .where('project_id', '=', arg('projectId'))
        .where('digest', '=', arg('digest'))
        .returning('refs'),
    );
    this.deleteBlob = sql_.prepare((arg: ArgFn<{ projectId: number; digest: string }>) =>
      qb.deleteFrom('project_blobs').where('project_id', '=', arg('projectId')).where('digest', '=', arg('digest')),
    );
    this.creditBlob = sql_.prepare((arg: ArgFn<{ projectId: number; digest: string }>) =>
      qb
        .updateTable('projects')
        .set((eb) => ({
          storage_used: eb(
            'storage_used',
            '-',
            eb.fn.coalesce(eb.selectFrom('blobs').select('size').where('digest', '=', arg('digest')), eb.lit(0)),
          ),
        }))
        .where('id', '=', arg('projectId')),
    );
    this.repositoryProject = sql_.prepare((arg: ArgFn<{ repositoryId: number }>) =>
      qb.selectFrom('repositories').select('project_id').where('id', '=', arg('repositoryId')),
    );
    this.dropRepositoryRefs = sql_.prepare((arg: ArgFn<{ projectId: number; repositoryId: number }>) =>
      qb
        .updateTable('project_blobs')
        .set((eb) => ({ refs: eb('refs', '-', 1) }))
        .where('project_id', '=', arg('projectId'))
        .where('digest', 'in', (eb) =>
          eb.selectFrom('repository_blobs').select('digest').where('repository_id', '=', arg('repositoryId')),
        ),
    );
    this.creditReleased = sql_.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb
        .updateTable('projects')
        .set((eb) => ({
          storage_used: eb(
            'storage_used',
            '-',
            eb.fn.coalesce(
              eb
                .selectFrom('project_blobs as pb')
                .innerJoin('blobs as b', 'b.digest', 'pb.digest')
                .select((s) => s.fn.sum<number>('b.size').as('freed'))
                .where('pb.project_id', '=', arg('projectId'))
                .where('pb.refs', '<=', 0),
              eb.lit(0),
            ),
          ),
        }))
        .where('id', '=', arg('projectId')),
    );
    this.deleteReleased = sql_.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb.deleteFrom('project_blobs').where('project_id', '=', arg('projectId')).where('refs', '<=', 0),
    );
    this.deleteRepositoryLinks = sql_.prepare((arg: ArgFn<{ repositoryId: number }>) =>
      qb.deleteFrom('repository_blobs').where('repository_id', '=', arg('repositoryId')),
    );
    this.clearProject = sql_.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb.deleteFrom('project_blobs').where('project_id', '=', arg('projectId')),
    );
    this.recount = sql_.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb
        .insertInto('project_blobs')
        .columns(['project_id', 'digest', 'refs'])
        .expression((eb) =>
          eb
            .selectFrom('repository_blobs as rb')
            .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
            .select(['r.project_id', 'rb.digest', eb.fn.countAll<number>().as('refs')])
            .where('r.project_id', '=', arg('projectId'))
            .groupBy(['r.project_id', 'rb.digest']),
        ),
    );
    this.resum = sql_.prepare((arg: ArgFn<{ projectId: number }>) =>
      qb
        .updateTable('projects')
        .set((eb) => ({
          storage_used: eb.fn.coalesce(
            eb
              .selectFrom('project_blobs as pb')
              .innerJoin('blobs as b', 'b.digest', 'pb.digest')
              .select((s) => s.fn.sum<number>('b.size').as('used'))
              .where('pb.project_id', '=', arg('projectId')),
            eb.lit(0),
          ),
        }))
        .where('id', '=', arg('projectId')),
    );
  }

  /**
   * Accounts for a link of `digest` (of `size` bytes) just inserted into `repositoryId`. Throws
   * `QuotaExceeded` when the blob is new to the project and does not fit its limit; the caller's
   * transaction then rolls the link back. Call only when the link row was actually inserted.
   */
  linkedSync(repositoryId: number, digest: string, size: number): void {
    const ref = this.addRef.get({ repositoryId, digest });
    if (!ref) throw new Error(`repository ${repositoryId} vanished while linking ${digest}`);
    if (ref.refs !== 1 || size === 0) return;
    if (this.charge.run({ projectId: ref.project_id, size }) === 1) return;
    const usage = this.usageOf.get({ projectId: ref.project_id });
    if (!usage) throw new Error(`project ${ref.project_id} vanished while linking ${digest}`);
    throw new QuotaExceeded(
      `storage quota exceeded in project ${usage.name}: ${formatBytes(usage.storage_used)} used of ` +
        `${formatBytes(usage.storage_limit)}, adding ${digest} needs ${formatBytes(size)} more`,
      { project: usage.name, used: usage.storage_used, limit: usage.storage_limit, size, digest },
    );
  }

  /** Accounts for a link of `digest` just deleted from a repository of `projectId`. */
  unlinkedSync(projectId: number, digest: string): void {
    const ref = this.dropRef.get({ projectId, digest });
    if (!ref || ref.refs > 0) return;
    this.creditBlob.run({ projectId, digest });
    this.deleteBlob.run({ projectId, digest });
  }

  /**
   * Deletes every blob link of the repository and releases the storage of blobs no other repository
   * of the project links. Call it inside the transaction that deletes the repository, before the
   * delete (the cascade would otherwise remove the links unaccounted). Idempotent; a no-op for an
   * unknown repository.
   */
  releaseRepositorySync(repositoryId: number): void {
    const repository = this.repositoryProject.get({ repositoryId });
    if (!repository) return;
    const projectId = repository.project_id;
    this.dropRepositoryRefs.run({ projectId, repositoryId });
    this.creditReleased.run({ projectId });
    this.deleteReleased.run({ projectId });
    this.deleteRepositoryLinks.run({ repositoryId });
  }

  /** Rebuilds the project's accounting from `repository_blobs` (a repair tool; not on any hot path). */
  recomputeSync(projectId: number): void {
    this.clearProject.run({ projectId });
    this.recount.run({ projectId });
    this.resum.run({ projectId });
  }
}

/** Bytes in binary units with one decimal: `512 B`, `12.0 MiB`; `unlimited` for a negative limit. */
export function formatBytes(bytes: number): string {
  if (bytes < 0) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
