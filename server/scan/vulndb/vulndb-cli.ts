import type { Config } from '../../config/settings.js';
import type { AdvisoryDbStatus, ImportResult } from '../scan-contract.js';
import { advisoryDbFile, openAdvisoryDatabase } from './advisory-db.js';

/**
 * `berth vulndb import PATH` and `berth vulndb status`. They open the advisory database file
 * directly, so they work with the server stopped or running: SQLite's WAL lets the server keep
 * matching during the import, and it reads the new version on its next scan. A person reads the
 * one-line summary on stderr; stdout carries the JSON (`ImportResult`, or the status) for scripts.
 */
export async function vulndbCommand(config: Config, args: readonly string[]): Promise<number> {
  const [sub, path] = args;
  if (sub === 'import' && path) return runImport(config, path);
  if (sub === 'status' && args.length === 1) return runStatus(config);
  process.stderr.write('berth: usage: berth vulndb import PATH | berth vulndb status\n');
  return 2;
}

async function runImport(config: Config, path: string): Promise<number> {
  const file = advisoryDbFile(config.dataDir);
  let result: ImportResult;
  try {
    const db = openAdvisoryDatabase({ file });
    try {
      result = await db.importPath(path);
    } finally {
      await db.close();
    }
  } catch (err) {
    process.stderr.write(`berth: vulndb import failed, nothing changed: ${(err as Error).message}\n`);
    return 1;
  }
  const { added, updated, unchanged, removed, skipped, status } = result;
  process.stderr.write(
    `berth: imported ${path}: ${added} added, ${updated} updated, ${unchanged} unchanged, ${removed} removed, ` +
      `${skipped} skipped; advisory database version ${status.version}, ${status.records} records\n`,
  );
  for (const error of result.errors) process.stderr.write(`berth:   skipped ${error}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

async function runStatus(config: Config): Promise<number> {
  let status: AdvisoryDbStatus;
  try {
    const db = openAdvisoryDatabase({ file: advisoryDbFile(config.dataDir) });
    try {
      status = await db.status();
    } finally {
      await db.close();
    }
  } catch (err) {
    process.stderr.write(`berth: cannot read the advisory database: ${(err as Error).message}\n`);
    return 1;
  }
  const age = status.updatedAt ? `last changed ${status.updatedAt.toISOString()}` : 'empty';
  process.stderr.write(
    `berth: advisory database version ${status.version}, ${status.records} records from ${status.sources.length} sources, ${age}\n`,
  );
  process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  return 0;
}
