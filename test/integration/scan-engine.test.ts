import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestsInPushOrder, type BuiltManifest } from '../fixtures/image-builder.js';
import { buildDebianImages } from '../fixtures/scan/debian-image.js';
import { EXPECTED_COUNTS, EXPECTED_CURRENT, EXPECTED_OLDER } from '../fixtures/scan/debian/expected.js';
import { TRACKER_FILE } from '../fixtures/scan/debian/tracker.js';
import { advisoryDbFile, openAdvisoryDatabase } from '../../server/scan/vulndb/index.js';
import { client, pushBlob, startTestServer, type Call } from './oci-client.js';

/**
 * The scan engine inside a real server: advisories imported into the server's own advisory DB file
 * (as `berth vulndb import` does, from another connection), images built from real Debian packages
 * pushed over /v2/ into a project with `auto_scan`, and the reports the server stores read back.
 * No network: everything is local fixtures.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let call: Call;
const API = '/api/v2.0';

async function push(name: string, tag: string, root: BuiltManifest): Promise<void> {
  for (const m of manifestsInPushOrder(root)) {
    for (const [digest, bytes] of m.blobs) await pushBlob(call, name, { bytes, digest });
    const res = await call('PUT', `/v2/${name}/manifests/${m === root ? tag : m.digest}`, {
      body: m.bytes,
      headers: { 'content-type': m.mediaType },
    });
    if (res.status !== 201) throw new Error(`push failed: ${res.status} ${res.body.toString()}`);
  }
}

interface ReportRow {
  id: string;
  status: string;
  severity: string;
  total: number;
  fixable: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  none: number;
  log: string | null;
}

/** Reads what the server stored (a second connection, read-only; WAL lets it read beside the server). */
function storedReport(digest: string): { report: ReportRow | undefined; findings: Array<Record<string, unknown>> } {
  const db = new Database(join(server.dataDir, 'berth.db'), { readonly: true });
  try {
    const report = db.prepare('select * from scan_reports where digest = ?').get(digest) as ReportRow | undefined;
    const findings = report
      ? (db
          .prepare(
            `select package, version, nullif(fix_version, '') as fixVersion, cve_id as id, severity
             from scan_findings where report_id = ? order by package, cve_id`,
          )
          .all(report.id) as Array<Record<string, unknown>>)
      : [];
    return { report, findings };
  } finally {
    db.close();
  }
}

async function until<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.package).localeCompare(String(b.package)) || String(a.id).localeCompare(String(b.id));

beforeAll(async () => {
  server = await startTestServer();
  call = client(() => server.url);
  const advisories = openAdvisoryDatabase({ file: advisoryDbFile(server.dataDir) });
  try {
    const imported = await advisories.importPath(fileURLToPath(TRACKER_FILE));
    expect(imported.errors).toEqual([]);
  } finally {
    await advisories.close();
  }
  const res = await call('POST', `${API}/projects`, {
    body: JSON.stringify({ project_name: 'sec', metadata: { auto_scan: 'true' } }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('scan engine in the server', () => {
  it('scan-on-push of an image whose dpkg status records older Debian versions reports exactly the expected CVEs', async () => {
    const { older } = buildDebianImages();
    await push('sec/debian', 'older', older);
    const stored = await until(() => {
      const s = storedReport(older.digest);
      return s.report && (s.report.status === 'Success' || s.report.status === 'Error') ? s : undefined;
    }, 'the scan on push');
    expect(stored.report?.status).toBe('Success');
    const { severity, ...counts } = EXPECTED_COUNTS.older;
    expect(stored.report).toMatchObject({ severity, ...counts });
    expect(stored.findings.sort(byId)).toEqual(
      EXPECTED_OLDER.map((f) => ({
        package: f.package,
        version: f.version,
        fixVersion: f.fixVersion,
        id: f.id,
        severity: f.severity,
      })).sort(byId),
    );
  }, 90_000);

  it('the current packages: only the open CVE, and nothing that is fixed at the installed version', async () => {
    const { current } = buildDebianImages();
    await push('sec/debian', 'current', current);
    const stored = await until(() => {
      const s = storedReport(current.digest);
      return s.report?.status === 'Success' ? s : undefined;
    }, 'the scan on push');
    const { severity, ...counts } = EXPECTED_COUNTS.current;
    expect(stored.report).toMatchObject({ severity, ...counts });
    expect(stored.findings).toEqual(
      EXPECTED_CURRENT.map((f) => ({
        package: f.package,
        version: f.version,
        fixVersion: f.fixVersion,
        id: f.id,
        severity: f.severity,
      })),
    );
    expect(stored.report?.log).toMatch(/layer 1\/1 .*analysed in \d+ ms/);
  }, 90_000);
});
