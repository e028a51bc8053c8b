import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Invalid } from '../../core/errors.js';
import { matchOsv, normalizePackageName, type OsvRecord } from '../advisory/osv-match.js';
import { advisorySeverity, maxSeverity } from '../advisory/severity.js';
import type {
  AdvisoryDatabase,
  AdvisoryDbStatus,
  ImagePackage,
  ImportResult,
  VulnerabilityFinding,
} from '../scan-contract.js';
import { comparatorFor } from '../versions/index.js';
import { Lru } from './lru.js';
import { readAdvisories, type ImportSink } from './readers.js';
import { migrate } from './schema.js';

export interface AdvisoryDatabaseOptions {
  /** The SQLite file; `advisoryDbFile(dataDir)` by convention. Created with its folder when missing. */
  file: string;
  /** Parsed records kept in memory between scans. */
  cacheRecords?: number;
  /** How long a reader or the import waits for another process's lock. */
  busyTimeoutMs?: number;
}

/** `<dataDir>/vulndb/advisories.db`: a file of its own, so a large import neither bloats nor locks the metadata database. */
export function advisoryDbFile(dataDir: string): string {
  return join(dataDir, 'vulndb', 'advisories.db');
}

/** Package kinds whose advisories are filed under the distribution's source package. */
const OS_KINDS: ReadonlySet<string> = new Set(['dpkg', 'apk', 'rpm']);
const MAX_ERRORS_KEPT = 10;

function connect(file: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // WAL: the server keeps matching while the CLI's import transaction is open in another process.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // An import writes its whole transaction to the WAL; without a limit the file keeps that size after the checkpoint.
    db.pragma('journal_size_limit = 67108864');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function openAdvisoryDatabase(options: AdvisoryDatabaseOptions): SqliteAdvisoryDatabase {
  mkdirSync(dirname(options.file), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const db = connect(options.file, busyTimeoutMs);
  try {
    migrate(db, options.file);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteAdvisoryDatabase(db, options.file, busyTimeoutMs, options.cacheRecords ?? 5_000);
}

interface RecordRow {
  id: number;
  source: string;
}

interface CachedRecord {
  record: OsvRecord;
  source: string;
}

export class SqliteAdvisoryDatabase implements AdvisoryDatabase {
  private closed = false;
  private importChain: Promise<unknown> = Promise.resolve();
  /** Parsed records by row id, valid for `cacheVersion` only: an import may rewrite a row in place. */
  private readonly cache: Lru<number, CachedRecord>;
  private cacheVersion = -1;
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly busyTimeoutMs: number,
    cacheRecords: number,
  ) {
    this.cache = new Lru(cacheRecords);
    this.statements = {
      meta: db.prepare<[], { key: string; value: string }>('SELECT key, value FROM meta'),
      version: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'version'"),
      sources: db.prepare<[], { name: string; records: number; imported_at: number; newest_modified: number | null }>(
        'SELECT name, records, imported_at, newest_modified FROM sources ORDER BY name',
      ),
      lookup: db.prepare<[string, string], RecordRow>(
        'SELECT r.id AS id, r.source AS source FROM affects a JOIN records r ON r.id = a.record WHERE a.ecosystem = ? AND a.name = ?',
      ),
      body: db.prepare<[number], { body: Buffer }>('SELECT body FROM records WHERE id = ?'),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the advisory database is closed');
  }

  async status(): Promise<AdvisoryDbStatus> {
    this.assertOpen();
    return this.db.transaction(() => {
      const meta = new Map(this.statements.meta.all().map((r) => [r.key, r.value]));
      const sources = this.statements.sources.all().map((s) => ({
        name: s.name,
        records: s.records,
        importedAt: new Date(s.imported_at),
        newestRecordAt: s.newest_modified === null ? null : new Date(s.newest_modified),
      }));
      const newest = sources.reduce<number | null>(
        (max, s) =>
          s.newestRecordAt && (max === null || s.newestRecordAt.getTime() > max) ? s.newestRecordAt.getTime() : max,
        null,
      );
      const updatedAt = meta.get('updated_at');
      return {
        version: Number(meta.get('version') ?? 0),
        updatedAt: updatedAt ? new Date(updatedAt) : null,
        newestRecordAt: newest === null ? null : new Date(newest),
        records: sources.reduce((n, s) => n + s.records, 0),
        sources,
      };
    })();
  }

  importPath(path: string, options: { signal?: AbortSignal } = {}): Promise<ImportResult> {
    this.assertOpen();
    // One import at a time per process; another process's import waits on SQLite's write lock.
    const run = this.importChain.then(() => this.runImport(path, options.signal));
    this.importChain = run.catch(() => undefined);
    return run;
  }

  private async runImport(path: string, signal: AbortSignal | undefined): Promise<ImportResult> {
    try {
      await stat(path);
    } catch (err) {
      throw new Invalid('NAME_INVALID', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    // Its own connection: the import's transaction stays open across awaits, and scans running
    // meanwhile on the main connection must keep seeing the committed data, not half an import.
    const db = connect(this.file, Math.max(this.busyTimeoutMs, 60_000));
    let run: ImportRun;
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        run = new ImportRun(db);
        await readAdvisories(path, run, signal);
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('import aborted');
        run.finish(Date.now());
        db.exec('COMMIT');
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      db.close();
    }
    return {
      added: run.added,
      updated: run.updated,
      unchanged: run.unchanged,
      removed: run.removed,
      skipped: run.skipped,
      errors: run.errors,
      sources: [...run.sources.keys()].sort(),
      status: await this.status(),
    };
  }

  async match(packages: readonly ImagePackage[]): Promise<VulnerabilityFinding[]> {
    this.assertOpen();
    const lookups = new Map<string, { ecosystem: string; name: string; packages: Map<string, ImagePackage> }>();
    for (const pkg of packages) {
      // Distributions file advisories under the source package (openssl for libssl3); when the
      // package database names no source, the binary is its own source.
      const lookupName = OS_KINDS.has(pkg.kind) ? pkg.sourceName || pkg.name : pkg.name;
      const normalized = normalizePackageName(pkg.ecosystem, lookupName);
      const key = `${pkg.ecosystem}\0${normalized}`;
      let lookup = lookups.get(key);
      if (!lookup) lookups.set(key, (lookup = { ecosystem: pkg.ecosystem, name: normalized, packages: new Map() }));
      lookup.packages.set(`${pkg.name}\0${pkg.version}\0${pkg.kind}`, pkg);
    }

    const found = this.db.transaction(() => {
      const version = Number(this.statements.version.get()?.value ?? 0);
      if (version !== this.cacheVersion) {
        this.cache.clear();
        this.cacheVersion = version;
      }
      const out: Array<{ ecosystem: string; name: string; packages: Iterable<ImagePackage>; records: CachedRecord[] }> =
        [];
      for (const lookup of lookups.values()) {
        const rows = this.statements.lookup.all(lookup.ecosystem, lookup.name);
        if (rows.length === 0) continue;
        const records = rows.map((row) => {
          let cached = this.cache.get(row.id);
          if (!cached) {
            const body = this.statements.body.get(row.id)!.body;
            cached = { record: JSON.parse(inflateRawSync(body).toString('utf8')) as OsvRecord, source: row.source };
            this.cache.set(row.id, cached);
          }
          return cached;
        });
        records.sort((a, b) => cmp(a.source, b.source) || cmp(a.record.id, b.record.id));
        out.push({ ecosystem: lookup.ecosystem, name: lookup.name, packages: lookup.packages.values(), records });
      }
      return out;
    })();

    const findings = new Map<string, VulnerabilityFinding>();
    for (const { ecosystem, name, packages: group, records } of found) {
      for (const pkg of group) {
        for (const { record, source } of records) {
          // The BINARY package's version is compared, also when the lookup went by the source
          // name: the installed version is what dpkg/apk record, the fixed versions of the tracker
          // and secdb are source versions, and the two agree except for binNMUs (`1.2-3+b1`, which
          // sorts above the `1.2-3` fix, correctly) and the few binaries versioned on their own.
          // That is also Trivy's choice; the source version is not always recorded.
          const hit = matchOsv(record, { ecosystem, name, version: pkg.version });
          if (!hit) continue;
          const entry = record.affected.find(
            (a) => a.package?.ecosystem === ecosystem && normalizePackageName(ecosystem, a.package.name) === name,
          );
          const urgency = entry?.ecosystem_specific?.urgency;
          const rated = advisorySeverity({
            severity: hit.severity,
            databaseSpecific: record.database_specific,
            urgency: typeof urgency === 'string' ? urgency : null,
          });
          const id = primaryId(record);
          const finding: VulnerabilityFinding = {
            id,
            aliases: unique([record.id, ...record.aliases]).filter((a) => a !== id),
            package: pkg.name,
            version: pkg.version,
            fixVersion: hit.fixedVersion,
            severity: rated.severity,
            summary: record.summary ?? null,
            description: record.details ?? null,
            links: unique(record.references.map((r) => r.url)),
            cweIds: cweIdsOf(record),
            ecosystem: pkg.ecosystem,
            source: source.split(':')[0]!,
            modified: record.modified,
          };
          if (rated.cvss) finding.cvss = rated.cvss;
          const key = `${pkg.ecosystem}\0${pkg.name}\0${pkg.version}\0${id}`;
          const known = findings.get(key);
          findings.set(key, known ? mergeFindings(known, finding) : finding);
        }
      }
    }
    return [...findings.values()].sort(
      (a, b) =>
        cmp(a.package, b.package) || cmp(a.id, b.id) || cmp(a.version, b.version) || cmp(a.ecosystem, b.ecosystem),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.importChain;
    this.db.close();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/** A CVE id where the record has one (its id, else its first CVE alias): the same issue from GHSA, Debian and Alpine reads alike. */
export function primaryId(record: OsvRecord): string {
  if (record.id.startsWith('CVE-')) return record.id;
  return record.aliases.find((a) => a.startsWith('CVE-')) ?? record.id;
}

function cweIdsOf(record: OsvRecord): string[] {
  const ids = record.database_specific?.cwe_ids;
  return Array.isArray(ids) ? unique(ids.filter((id): id is string => typeof id === 'string')) : [];
}

/**
 * One finding from two records on the same issue and package (a GHSA record and a tracker entry for
 * one CVE): ids, aliases, links and CWEs joined, the higher severity and CVSS score, the higher fix
 * (below it some record still calls the version affected), the first summary and the longest description.
 */
function mergeFindings(a: VulnerabilityFinding, b: VulnerabilityFinding): VulnerabilityFinding {
  const merged: VulnerabilityFinding = {
    ...a,
    aliases: unique([...a.aliases, ...b.aliases]).filter((x) => x !== a.id),
    severity: maxSeverity(a.severity, b.severity),
    summary: a.summary ?? b.summary,
    // The longer text says more: a DSA's account rather than the tracker's one-line NVD summary.
    description: (b.description?.length ?? 0) > (a.description?.length ?? 0) ? b.description : a.description,
    links: unique([...a.links, ...b.links]),
    cweIds: unique([...a.cweIds, ...b.cweIds]),
    fixVersion: higherFix(a.ecosystem, a.fixVersion, b.fixVersion),
    modified:
      a.modified && b.modified
        ? Date.parse(a.modified) >= Date.parse(b.modified)
          ? a.modified
          : b.modified
        : (a.modified ?? b.modified),
  };
  const cvss = !a.cvss ? b.cvss : !b.cvss ? a.cvss : b.cvss.score > a.cvss.score ? b.cvss : a.cvss;
  if (cvss) merged.cvss = cvss;
  else delete merged.cvss;
  return merged;
}

function higherFix(ecosystem: string, a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  try {
    return comparatorFor(ecosystem)(a, b) >= 0 ? a : b;
  } catch {
    return a;
  }
}

/** The import's writes on its own connection, inside the transaction `runImport` opened. */
class ImportRun implements ImportSink {
  added = 0;
  updated = 0;
  unchanged = 0;
  removed = 0;
  skipped = 0;
  readonly errors: string[] = [];
  /** Sources seen, and whether this import holds each one's whole data set. */
  readonly sources = new Map<string, boolean>();
  private readonly st;

  constructor(private readonly db: Database.Database) {
    db.exec('CREATE TEMP TABLE IF NOT EXISTS touched (id INTEGER PRIMARY KEY)');
    db.exec('DELETE FROM temp.touched');
    this.st = {
      find: db.prepare<[string, string], { id: number; hash: Buffer }>(
        'SELECT id, hash FROM records WHERE source = ? AND key = ?',
      ),
      insert: db.prepare<[string, string, number | null, Buffer, Buffer]>(
        'INSERT INTO records (source, key, modified, hash, body) VALUES (?, ?, ?, ?, ?)',
      ),
      update: db.prepare<[number | null, Buffer, Buffer, number]>(
        'UPDATE records SET modified = ?, hash = ?, body = ? WHERE id = ?',
      ),
      clearAffects: db.prepare<[number]>('DELETE FROM affects WHERE record = ?'),
      affects: db.prepare<[string, string, number]>(
        'INSERT OR IGNORE INTO affects (ecosystem, name, record) VALUES (?, ?, ?)',
      ),
      touch: db.prepare<[number]>('INSERT OR IGNORE INTO temp.touched (id) VALUES (?)'),
      staleAffects: db.prepare<[string]>(
        'DELETE FROM affects WHERE record IN (SELECT id FROM records WHERE source = ? AND id NOT IN (SELECT id FROM temp.touched))',
      ),
      staleRecords: db.prepare<[string]>(
        'DELETE FROM records WHERE source = ? AND id NOT IN (SELECT id FROM temp.touched)',
      ),
      count: db.prepare<[string], { n: number; newest: number | null }>(
        'SELECT COUNT(*) AS n, MAX(modified) AS newest FROM records WHERE source = ?',
      ),
      upsertSource: db.prepare<[string, number, number, number | null]>(
        `INSERT INTO sources (name, records, imported_at, newest_modified) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET records = excluded.records, imported_at = excluded.imported_at,
           newest_modified = excluded.newest_modified`,
      ),
      dropSource: db.prepare<[string]>('DELETE FROM sources WHERE name = ?'),
      bump: db.prepare<[]>(`UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'version';`),
      updatedAt: db.prepare<[string]>("INSERT OR REPLACE INTO meta (key, value) VALUES ('updated_at', ?)"),
    };
  }

  declareSource(source: string, complete: boolean): void {
    if (!this.sources.has(source)) this.sources.set(source, complete);
  }

  put(entry: { source: string; key: string; record: OsvRecord; converted: boolean }): void {
    const { source, key, record } = entry;
    this.declareSource(source, false);
    const json = JSON.stringify(record);
    // A converted feed has no per-record dates (`modified` is the file's time): only content counts.
    const hash = createHash('sha256')
      .update(entry.converted ? JSON.stringify({ ...record, modified: undefined }) : json)
      .digest();
    const modified = Date.parse(record.modified);
    const known = this.st.find.get(source, key);
    let id: number;
    if (known && known.hash.equals(hash)) {
      this.unchanged++;
      this.st.touch.run(known.id);
      return;
    }
    if (known) {
      id = known.id;
      this.st.update.run(Number.isNaN(modified) ? null : modified, hash, deflateRawSync(json), id);
      this.st.clearAffects.run(id);
      this.updated++;
    } else {
      id = Number(
        this.st.insert.run(source, key, Number.isNaN(modified) ? null : modified, hash, deflateRawSync(json))
          .lastInsertRowid,
      );
      this.added++;
    }
    for (const affected of record.affected) {
      if (!affected.package) continue;
      const { ecosystem, name } = affected.package;
      this.st.affects.run(ecosystem, normalizePackageName(ecosystem, name), id);
    }
    this.st.touch.run(id);
  }

  skip(where: string, reason: string): void {
    this.skipped++;
    if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push(`${where}: ${reason}`);
  }

  finish(now: number): void {
    for (const [source, complete] of this.sources) {
      if (complete) {
        this.st.staleAffects.run(source);
        this.removed += this.st.staleRecords.run(source).changes;
      }
      const { n, newest } = this.st.count.get(source)!;
      if (n === 0) this.st.dropSource.run(source);
      else this.st.upsertSource.run(source, n, now, newest);
    }
    if (this.added + this.updated + this.removed > 0) {
      this.st.bump.run();
      this.st.updatedAt.run(new Date(now).toISOString());
    }
  }
}
