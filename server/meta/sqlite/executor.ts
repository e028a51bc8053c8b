import Database from 'better-sqlite3';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Compilable } from 'kysely';
import { Conflict, DomainError } from '../../core/errors.js';
import { MetaStoreError } from '../meta-errors.js';
import type { MetaDatabase } from './schema.js';

/**
 * Runs Kysely-built SQL synchronously through better-sqlite3.
 *
 * Kysely is used only as a query builder (over a `DummyDriver`) so the SQL stays portable to
 * PostgreSQL; execution is better-sqlite3's, which is synchronous. That is what lets an atomic method
 * run entirely inside `db.transaction(...)`: no transaction ever spans an `await`.
 *
 * Queries are compiled once, when a repository is constructed, with named placeholders (`arg('x')`)
 * in place of values; each call only binds values to an already prepared statement. Statements are
 * cached by SQL text, so repositories that build the same query share one statement.
 *
 * Every entry point translates driver errors (`SqliteError`, use after close) into domain errors or
 * `MetaStoreError`, so nothing dialect-specific leaves the metadata layer.
 */
export class SqlExecutor {
  readonly qb: Kysely<MetaDatabase> = createQueryBuilder<MetaDatabase>();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  /**
   * Compiles `build`'s query once and returns a prepared statement. `arg(name)` stands for a value
   * bound at call time; it may appear several times.
   */
  prepare<A extends object, O>(build: (arg: ArgFn<A>) => Compilable<O>): Prepared<A, O> {
    const compiled = build(((name: string) => new Placeholder(name)) as ArgFn<A>).compile();
    const statement = this.statement(compiled.sql);
    const slots = compiled.parameters.map((p) => (p instanceof Placeholder ? p : new Literal(p)));
    const bind = (args: A): unknown[] =>
      slots.map((s) => {
        const value = s instanceof Placeholder ? (args as Record<string, unknown>)[s.name] : s.value;
        // better-sqlite3 refuses undefined; an omitted optional value means SQL NULL.
        return value === undefined ? null : value;
      });
    return {
      get: (args) => this.guard(() => statement.get(...bind(args)) as O | undefined),
      all: (args) => this.guard(() => statement.all(...bind(args)) as O[]),
      run: (args) => this.guard(() => statement.run(...bind(args)).changes),
    };
  }

  /**
   * Runs `fn` in one write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
   * concurrent writer makes us wait `busy_timeout` instead of failing on the read-to-write upgrade.
   * `fn` must be synchronous; throwing rolls everything back.
   */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  /** Runs `fn`, translating driver errors at the boundary. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translateError(err, this.db);
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.guard(() => this.db.prepare(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** A statement compiled once; values are bound per call. */
export interface Prepared<A, O> {
  get(args: A): O | undefined;
  all(args: A): O[];
  /** Executes and returns the number of changed rows. */
  run(args: A): number;
}

/** Produces a placeholder for the named argument, typed as that argument's value for Kysely. */
export type ArgFn<A> = <K extends keyof A & string>(name: K) => A[K];

class Placeholder {
  constructor(readonly name: string) {}
}

class Literal {
  constructor(readonly value: unknown) {}
}

/** A Kysely instance that can compile but never execute: execution goes through better-sqlite3. */
export function createQueryBuilder<DB>(): Kysely<DB> {
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}

/** Maps an error thrown by better-sqlite3 to what may cross the MetaStore boundary. */
export function translateError(err: unknown, db: Database.Database): unknown {
  if (err instanceof DomainError || err instanceof MetaStoreError) return err;
  if (err instanceof Database.SqliteError) {
    const code = err.code;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new MetaStoreError(
        'busy',
        'metadata database is busy: another writer held the lock longer than the busy timeout',
        { cause: err },
      );
    }
    if (code.startsWith('SQLITE_CONSTRAINT')) {
      // Our checks run before our writes inside one transaction, so a constraint only fires when
      // another process changed the same rows meanwhile: a conflict the client can retry.
      const conflict = new Conflict('DENIED', 'conflicting metadata change; retry the request');
      conflict.cause = err;
      return conflict;
    }
    return new MetaStoreError('failure', `metadata database error (${code}): ${err.message}`, { cause: err });
  }
  if (!db.open) return new MetaStoreError('closed', 'metadata store is closed', { cause: err });
  return err;
}
