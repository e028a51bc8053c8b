import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { TempDirs } from '../../../test/helpers/tmp.js';
import { main } from '../../cli.js';
import type { AdvisoryDbStatus, ImportResult } from '../scan-contract.js';
import { advisoryDbFile, openAdvisoryDatabase } from './advisory-db.js';

const OSV_DIR = new URL('../../../test/fixtures/osv/', import.meta.url).pathname;
const SECDB = new URL('../../../test/fixtures/advisories/alpine-secdb-v3.10-community.json', import.meta.url).pathname;

const temp = new TempDirs();
afterAll(() => temp.cleanup());
afterEach(() => vi.restoreAllMocks());

/** Runs the CLI in-process and collects what it writes. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args, {});
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('berth vulndb', () => {
  it('imports a folder, says so in one line, prints the result as JSON, and the status reads it back', async () => {
    const dataDir = await temp.make('vulndb-cli');
    const imported = await run(['vulndb', 'import', OSV_DIR, '--data-dir', dataDir]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toBe(
      `berth: imported ${OSV_DIR}: 22 added, 0 updated, 0 unchanged, 0 removed, 0 skipped; advisory database version 1, 22 records\n`,
    );
    const result = JSON.parse(imported.stdout) as ImportResult;
    expect(result).toMatchObject({ added: 22, skipped: 0, errors: [], status: { version: 1, records: 22 } });
    expect(result.sources).toContain('osv:npm');

    const again = await run(['vulndb', 'import', SECDB, '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      added: 9,
      sources: ['alpine-secdb:v3.10/community'],
      status: { version: 2 },
    });

    const status = await run(['vulndb', 'status', '--data-dir', dataDir]);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(
      /^berth: advisory database version 2, 31 records from 8 sources, last changed \d{4}-/,
    );
    const parsed = JSON.parse(status.stdout) as AdvisoryDbStatus;
    expect(parsed).toMatchObject({ version: 2, records: 31 });

    // The file the server opens is the one the CLI wrote.
    const db = openAdvisoryDatabase({ file: advisoryDbFile(dataDir) });
    try {
      expect((await db.status()).version).toBe(2);
    } finally {
      await db.close();
    }
  });

  it('fails with exit code 1 and a clear message for a file it cannot read', async () => {
    const dataDir = await temp.make('vulndb-cli-bad');
    const missing = await run(['vulndb', 'import', join(dataDir, 'nope.zip'), '--data-dir', dataDir]);
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `berth: vulndb import failed, nothing changed: cannot read ${join(dataDir, 'nope.zip')}: ENOENT\n`,
    });
    await writeFile(join(dataDir, 'broken.zip'), Buffer.from('PK\u0003\u0004 not really a zip'));
    const broken = await run(['vulndb', 'import', join(dataDir, 'broken.zip'), '--data-dir', dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^berth: vulndb import failed, nothing changed: .*broken\.zip: not a readable zip/);
  });

  it('explains its usage', async () => {
    const dataDir = await temp.make('vulndb-cli-usage');
    expect((await run(['vulndb', 'import', '--data-dir', dataDir])).code).toBe(2);
    expect((await run(['vulndb', 'frobnicate', '--data-dir', dataDir])).stderr).toContain('berth vulndb import PATH');
    expect((await run(['--help'])).stdout).toContain('vulndb import PATH');
  });
});
