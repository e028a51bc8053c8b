import type { Selectable } from 'kysely';
import { Conflict } from '../../core/errors.js';
import type { UploadRepo, UploadSession } from '../meta-store.js';
import type { ArgFn, SqlExecutor } from './executor.js';
import type { UploadSessionsTable } from './schema.js';

type UploadRow = Selectable<UploadSessionsTable>;

/** Upload sessions: which upload id belongs to which repository, and since when (for the purger). */
export class SqliteUploadRepo implements UploadRepo {
  private readonly insert;
  private readonly byId;
  private readonly deleteById;
  private readonly startedBefore;

  constructor(sql: SqlExecutor) {
    const qb = sql.qb;
    this.insert = sql.prepare((arg: ArgFn<{ id: string; repository: string; startedAt: number }>) =>
      qb
        .insertInto('upload_sessions')
        .values({ id: arg('id'), repository: arg('repository'), started_at: arg('startedAt') })
        // Ids are random; a clash is a caller bug, reported below as a conflict rather than a raw
        // constraint error.
        .onConflict((oc) => oc.column('id').doNothing()),
    );
    this.byId = sql.prepare((arg: ArgFn<{ id: string }>) =>
      qb.selectFrom('upload_sessions').selectAll().where('id', '=', arg('id')),
    );
    this.deleteById = sql.prepare((arg: ArgFn<{ id: string }>) =>
      qb.deleteFrom('upload_sessions').where('id', '=', arg('id')),
    );
    this.startedBefore = sql.prepare((arg: ArgFn<{ cutoff: number }>) =>
      qb
        .selectFrom('upload_sessions')
        .selectAll()
        .where('started_at', '<', arg('cutoff'))
        .orderBy('started_at')
        .orderBy('id'),
    );
  }

  /** Throws `Conflict(BLOB_UPLOAD_INVALID)` when the id is taken. */
  async create(session: UploadSession): Promise<void> {
    const changes = this.insert.run({
      id: session.id,
      repository: session.repository,
      startedAt: session.startedAt.getTime(),
    });
    if (changes === 0) throw new Conflict('BLOB_UPLOAD_INVALID', `upload session ${session.id} already exists`);
  }

  async get(id: string): Promise<UploadSession | undefined> {
    const row = this.byId.get({ id });
    return row && toSession(row);
  }

  async delete(id: string): Promise<boolean> {
    return this.deleteById.run({ id }) > 0;
  }

  async listStartedBefore(cutoff: Date): Promise<UploadSession[]> {
    return this.startedBefore.all({ cutoff: cutoff.getTime() }).map(toSession);
  }
}

function toSession(row: UploadRow): UploadSession {
  return { id: row.id, repository: row.repository, startedAt: new Date(row.started_at) };
}
