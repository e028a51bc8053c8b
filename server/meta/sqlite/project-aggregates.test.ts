import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeMetaProjectsContract } from '../../../test/contract/meta-projects-contract.js';
import { describeAgainstSqlite } from '../../../test/contract/sqlite-factories.js';
import { digestOf } from '../../core/digest.js';
import { QuotaExceeded } from '../../core/errors.js';
import { openSqliteDatabase } from './connection.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { formatBytes } from './project-usage.js';
import { SqlExecutor } from './executor.js';
import { SqliteProjectRepo } from './project-repo.js';
import { SqliteRepositoryRepo } from './repository-repo.js';
import { SqliteBlobRepo } from './blob-repo.js';

describeAgainstSqlite(describeMetaProjectsContract);

describe('formatBytes', () => {
  it('uses binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12.0 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(-1)).toBe('unlimited');
  });
});

describe('sqlite project accounting', () => {
  let db: Database.Database;
  let sql: SqlExecutor;
  let projects: SqliteProjectRepo;
  let repositories: SqliteRepositoryRepo;
  let blobs: SqliteBlobRepo;

  beforeEach(() => {
    db = openSqliteDatabase({ file: ':memory:' });
    migrate(db);
    sql = new SqlExecutor(db);
    projects = new SqliteProjectRepo(sql);
    repositories = new SqliteRepositoryRepo(sql, projects);
    blobs = new SqliteBlobRepo(sql, repositories);
  });
  afterEach(() => db.close());

  const usage = () =>
    db.prepare('select name, storage_used as used from projects order by name').all() as {
      name: string;
      used: number;
    }[];

  it('names project, usage, limit and size in human units when refusing', async () => {
    const project = await projects.create({ name: 'team', public: false, ownerId: null, storageLimit: 15 * 1024 ** 2 });
    await blobs.link({
      repository: 'team/app',
      project: 'team',
      createProject: false,
      blob: { digest: digestOf('a'), size: 12 * 1024 ** 2 },
    });
    const err = await blobs
      .link({
        repository: 'team/app',
        project: 'team',
        createProject: false,
        blob: { digest: digestOf('b'), size: 5 * 1024 ** 2 },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceeded);
    expect((err as QuotaExceeded).message).toBe(
      `storage quota exceeded in project team: 12.0 MiB used of 15.0 MiB, adding ${digestOf('b')} needs 5.0 MiB more`,
    );
    expect((err as QuotaExceeded).detail).toMatchObject({ project: 'team', used: 12 * 1024 ** 2, size: 5 * 1024 ** 2 });
    expect((await projects.getById(project.id))!.storageUsed).toBe(12 * 1024 ** 2);
  });

  it('random links, unlinks and repository deletions match a recount from the links', async () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const repos = ['a/one', 'a/two', 'a/three', 'b/one', 'b/two'];
    const digests = Array.from({ length: 12 }, (_, i) => digestOf(`blob-${i}`));
    const size = (d: string) => digests.indexOf(d) * 100 + 1;
    for (let step = 0; step < 400; step++) {
      const repository = repos[random(repos.length)]!;
      const d = digests[random(digests.length)]!;
      const op = random(10);
      if (op < 6) {
        await blobs.link({
          repository,
          project: repository.split('/')[0]!,
          createProject: true,
          blob: { digest: d, size: size(d) },
        });
      } else if (op < 9) {
        await blobs.unlink(repository, d);
      } else {
        const id = repositories.findId(repository);
        if (id !== undefined) sql.transaction(() => projects.usage.releaseRepositorySync(id));
      }
    }
    const incremental = usage();
    const expected = db
      .prepare(
        `select p.name, coalesce((select sum(b.size) from blobs b where b.digest in (
           select rb.digest from repository_blobs rb join repositories r on r.id = rb.repository_id
           where r.project_id = p.id)), 0) as used
         from projects p order by p.name`,
      )
      .all();
    expect(incremental).toEqual(expected);
    const refs = db
      .prepare(
        `select pb.project_id, pb.digest, pb.refs, (select count(*) from repository_blobs rb join repositories r
           on r.id = rb.repository_id where r.project_id = pb.project_id and rb.digest = pb.digest) as links
         from project_blobs pb`,
      )
      .all() as { refs: number; links: number }[];
    for (const row of refs) expect(row.refs).toBe(row.links);
    for (const { name } of incremental) {
      sql.transaction(() => projects.usage.recomputeSync(projects.findSync(name)!.id));
    }
    expect(usage()).toEqual(incremental);
  });
});

describe('migration 4 backfill', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-meta-m4-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fills updated_at, public metadata, project_blobs and storage_used from existing data', () => {
    const db = openSqliteDatabase({ file: join(dir, 'meta.db') });
    try {
      migrate(
        db,
        MIGRATIONS.filter((m) => m.version < 4),
      );
      db.exec(`
        insert into projects (name, public, created_at) values ('team', 0, 1000);
        insert into repositories (project_id, name, created_at, updated_at) values
          ((select id from projects where name = 'team'), 'team/a', 1, 1),
          ((select id from projects where name = 'team'), 'team/b', 1, 1),
          ((select id from projects where name = 'library'), 'library/x', 1, 1);
        insert into blobs (digest, size, created_at) values ('d1', 100, 1), ('d2', 20, 1), ('d3', 3, 1);
        insert into repository_blobs (repository_id, digest, created_at) values
          ((select id from repositories where name = 'team/a'), 'd1', 1),
          ((select id from repositories where name = 'team/b'), 'd1', 1),
          ((select id from repositories where name = 'team/b'), 'd2', 1),
          ((select id from repositories where name = 'library/x'), 'd3', 1);
      `);
      migrate(db);
      expect(
        db
          .prepare('select name, updated_at, created_at, storage_limit, storage_used from projects order by name')
          .all(),
      ).toEqual([
        {
          name: 'library',
          updated_at: expect.any(Number),
          created_at: expect.any(Number),
          storage_limit: -1,
          storage_used: 3,
        },
        { name: 'team', updated_at: 1000, created_at: 1000, storage_limit: -1, storage_used: 120 },
      ]);
      const library = db.prepare("select updated_at, created_at from projects where name = 'library'").get() as {
        updated_at: number;
        created_at: number;
      };
      expect(library.updated_at).toBe(library.created_at);
      expect(
        db
          .prepare(
            'select p.name, m.name as key, m.value from project_metadata m join projects p on p.id = m.project_id order by p.name',
          )
          .all(),
      ).toEqual([
        { name: 'library', key: 'public', value: 'true' },
        { name: 'team', key: 'public', value: 'false' },
      ]);
      expect(
        db
          .prepare(
            'select p.name, pb.digest, pb.refs from project_blobs pb join projects p on p.id = pb.project_id order by 1, 2',
          )
          .all(),
      ).toEqual([
        { name: 'library', digest: 'd3', refs: 1 },
        { name: 'team', digest: 'd1', refs: 2 },
        { name: 'team', digest: 'd2', refs: 1 },
      ]);
    } finally {
      db.close();
    }
  });
});
