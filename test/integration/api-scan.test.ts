import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VULNERABILITY_REPORT_MIME } from '../../server/scan/scan-contract.js';
import { allBlobs, manifestsInPushOrder, type BuiltManifest } from '../fixtures/image-builder.js';
import { buildDebianImages } from '../fixtures/scan/debian-image.js';
import { EXPECTED_COUNTS } from '../fixtures/scan/debian/expected.js';
import { GUEST, MAINT, apiCallers, parseJson, send, type Json } from '../helpers/harbor-api.js';
import { expectHarborErrors, expectMatchesSwagger } from '../helpers/harbor-swagger.js';
import { seedMember, seedUser } from '../helpers/seed.js';
import { startTestServer, type Call } from './oci-client.js';

/**
 * The scanner's Harbor API on a real server with the real engine: images made of real Debian
 * packages pushed over /v2/, the Debian tracker excerpt uploaded through the API, a scan started by
 * a maintainer, its overview, report and log read back; the allowlist changing what counts; the
 * pull policy refusing a vulnerable image over /v2/ until its CVEs are allowlisted; scanner
 * registrations; the security hub.
 */

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, anonymous, guest, maintainer } = apiCallers(() => server.url);
const images = buildDebianImages();
const TRACKER = new URL('../fixtures/advisories/debian-bookworm-from-changelogs.json', import.meta.url);
const ART = '/projects/sec/repositories/app/artifacts';

async function pushBuilt(call: Call, repo: string, root: BuiltManifest, tag: string): Promise<void> {
  for (const [digest, bytes] of allBlobs(root)) {
    const res = await call('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status, `blob ${digest}`).toBe(201);
  }
  for (const m of manifestsInPushOrder(root)) {
    const res = await call('PUT', `/v2/${repo}/manifests/${m === root ? tag : m.digest}`, {
      body: m.bytes,
      headers: { 'content-type': m.mediaType },
    });
    expect(res.status, res.body.toString()).toBe(201);
  }
}

/** The artifact's overview once its scan has ended (polls; the scan runs in a worker). */
async function finishedOverview(reference: string): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const res = await send(admin, 'GET', `${ART}/${reference}?with_scan_overview=true`);
    const overview = (parseJson(res).scan_overview as Record<string, Json> | undefined)?.[VULNERABILITY_REPORT_MIME];
    if (overview && ['Success', 'Error', 'Stopped'].includes(String(overview.scan_status))) return overview;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the scan of ${reference} did not finish`);
}

beforeAll(async () => {
  server = await startTestServer();
  for (const u of [GUEST, MAINT]) await seedUser(server.dataDir, u.username, u.password);
  await seedMember(server.dataDir, 'sec', GUEST.username, 3);
  await seedMember(server.dataDir, 'sec', MAINT.username, 4);
  await pushBuilt(admin, 'sec/app', images.older, 'older');
  await pushBuilt(admin, 'sec/app', images.current, 'current');
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('scanning over the Harbor API', () => {
  it('imports advisories uploaded by a system administrator only', async () => {
    const body = await readFile(TRACKER);
    const refused = await maintainer('POST', '/api/v2.0/system/scanner/vulndb', {
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(refused.status).toBe(403);
    const res = await admin('POST', '/api/v2.0/system/scanner/vulndb', {
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status, res.body.toString()).toBe(200);
    const result = parseJson(res);
    expect(result.added as number).toBeGreaterThan(0);
    expect(result.skipped).toBe(0);
    const status = parseJson(await send(admin, 'GET', '/system/scanner/vulndb'));
    expect(status.records).toBe(result.added);
    expect(typeof status.age_seconds).toBe('number');
    // The upload was staged under the data directory (the OS temp dir may be memory) and removed after.
    const staging = join(server.dataDir, 'tmp', 'scanner');
    const instances = await readdir(staging);
    expect(instances).toHaveLength(1);
    expect(await readdir(join(staging, instances[0]!))).toEqual([]);
  });

  it('a maintainer scans; the overview, report and log follow; a guest may not scan', async () => {
    const refused = await send(guest, 'POST', `${ART}/older/scan`);
    expect(refused.status).toBe(403);
    expectHarborErrors(parseJson(refused), 'FORBIDDEN');
    expect((await send(anonymous, 'POST', `${ART}/older/scan`)).status).toBe(401);

    const started = await send(maintainer, 'POST', `${ART}/older/scan`, { scan_type: 'vulnerability' });
    expect(started.status, started.body.toString()).toBe(202);
    const overview = await finishedOverview('older');
    const counts = EXPECTED_COUNTS.older;
    expect(overview).toMatchObject({
      scan_status: 'Success',
      severity: counts.severity,
      complete_percent: 100,
      summary: {
        total: counts.total,
        fixable: counts.fixable,
        summary: { High: counts.high, Medium: counts.medium, Low: counts.low },
      },
    });

    // The listing carries the overview of the scanned artifact only.
    const list = await send(guest, 'GET', `${ART}?with_scan_overview=true`);
    expect(list.status).toBe(200);
    const byDigest = new Map(parseJson<Json[]>(list).map((a) => [a.digest, a.scan_overview]));
    expect(byDigest.get(images.older.digest)).toBeDefined();
    expect(byDigest.get(images.current.digest)).toBeUndefined();
    // A client that accepts no report Berth makes gets none.
    const other = await send(guest, 'GET', `${ART}/older?with_scan_overview=true`, undefined, {
      'x-accept-vulnerabilities': 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
    });
    expect(parseJson(other).scan_overview).toBeUndefined();

    const additions = await send(guest, 'GET', `${ART}/older/additions/vulnerabilities`);
    expect(additions.status).toBe(200);
    const report = parseJson(additions)[VULNERABILITY_REPORT_MIME] as Json;
    expect((report.vulnerabilities as Json[]).length).toBe(counts.total);
    expect(report.severity).toBe(counts.severity);
    expect(parseJson(await send(guest, 'GET', `${ART}/current/additions/vulnerabilities`))).toEqual({});

    const log = await send(guest, 'GET', `${ART}/older/scan/${String(overview.report_id)}/log`);
    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toMatch(/^text\/plain/);
    const missing = await send(guest, 'GET', `${ART}/older/scan/no-such-report/log`);
    expect(missing.status).toBe(404);
    expectMatchesSwagger('getReportLog', 404, parseJson(missing));
  });

  it('generates an SBOM through POST .../scan: the sbom_overview names the accessory it made', async () => {
    expect(parseJson(await send(guest, 'GET', `${ART}/current?with_sbom_overview=true`)).sbom_overview).toBeUndefined();
    const started = await send(maintainer, 'POST', `${ART}/current/scan`, { scan_type: 'sbom' });
    expect(started.status, started.body.toString()).toBe(202);
    let artifact: Json = {};
    for (let i = 0; i < 600; i++) {
      artifact = parseJson(await send(guest, 'GET', `${ART}/current?with_sbom_overview=true&with_accessory=true`));
      const status = (artifact.sbom_overview as Json | undefined)?.scan_status;
      if (status !== undefined && status !== 'Pending' && status !== 'Running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expectMatchesSwagger('getArtifact', 200, artifact);
    const overview = artifact.sbom_overview as Json;
    expect(overview).toMatchObject({ scan_status: 'Success', scanner: { name: 'Berth', vendor: 'Berth' } });
    expect(overview.sbom_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Date.parse(String(overview.end_time))).toBeGreaterThanOrEqual(Date.parse(String(overview.start_time)));
    const accessories = artifact.accessories as Json[];
    expect(accessories.map((a) => [a.type, a.digest])).toEqual([['harbor.sbom', overview.sbom_digest]]);
    // The listing asks once for the page: only the artifact with an SBOM carries an overview.
    const list = parseJson<Json[]>(await send(guest, 'GET', `${ART}?with_sbom_overview=true`));
    const byDigest = new Map(list.map((a) => [a.digest, a.sbom_overview as Json | undefined]));
    expect(byDigest.get(images.current.digest)?.sbom_digest).toBe(overview.sbom_digest);
    expect(byDigest.get(images.older.digest)).toBeUndefined();
    // Without the flag, no overview; the SBOM itself is downloadable.
    expect(parseJson(await send(guest, 'GET', `${ART}/current`)).sbom_overview).toBeUndefined();
    const sbom = await send(guest, 'GET', `${ART}/current/additions/sbom`);
    expect(sbom.status).toBe(200);
    expect(parseJson(sbom).bomFormat).toBe('CycloneDX');
  });

  it('prevent_vul refuses the pull over /v2/ (412 PROJECTPOLICYVIOLATION) until the CVEs are allowlisted', async () => {
    const set = await send(admin, 'PUT', '/projects/sec', { metadata: { prevent_vul: 'true', severity: 'high' } });
    expect(set.status).toBe(200);
    for (const method of ['GET', 'HEAD']) {
      const pull = await admin(method, '/v2/sec/app/manifests/older', {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(pull.status, method).toBe(412);
      if (method === 'GET') {
        const body = parseJson<{ errors: { code: string; message: string }[] }>(pull);
        expect(body.errors[0]?.code).toBe('PROJECTPOLICYVIOLATION');
        expect(body.errors[0]?.message).toContain('cannot be pulled');
      }
    }
    // Never scanned: refused too, as Harbor does.
    expect((await admin('GET', '/v2/sec/app/manifests/current')).status).toBe(412);

    const report = parseJson(await send(admin, 'GET', `${ART}/older/additions/vulnerabilities`))[
      VULNERABILITY_REPORT_MIME
    ] as { vulnerabilities: { id: string; severity: string }[] };
    const serious = [
      ...new Set(report.vulnerabilities.filter((v) => ['High', 'Critical'].includes(v.severity)).map((v) => v.id)),
    ];
    expect(serious.length).toBeGreaterThan(0);
    // A maintainer may not change the project's allowlist; its admin (here a system admin) may.
    expect(
      (await send(maintainer, 'PUT', '/projects/sec', { cve_allowlist: { items: [{ cve_id: serious[0] }] } })).status,
    ).toBe(403);
    const allow = await send(admin, 'PUT', '/projects/sec', {
      cve_allowlist: { items: serious.map((cve_id) => ({ cve_id })) },
    });
    expect(allow.status, allow.body.toString()).toBe(200);
    const project = parseJson(await send(guest, 'GET', '/projects/sec'));
    expect((project.cve_allowlist as { items: unknown[] }).items).toHaveLength(serious.length);
    // The report's severity is what the allowlist leaves.
    const after = parseJson(await send(admin, 'GET', `${ART}/older/additions/vulnerabilities`))[
      VULNERABILITY_REPORT_MIME
    ] as Json;
    expect(after.severity).toBe('Medium');
    const pull = await admin('GET', '/v2/sec/app/manifests/older', {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(pull.status, pull.body.toString()).toBe(200);
    await send(admin, 'PUT', '/projects/sec', { metadata: { prevent_vul: 'false' } });
  });

  it('keeps the system allowlist for administrators to write and everyone signed in to read', async () => {
    expect((await send(anonymous, 'GET', '/system/CVEAllowlist')).status).toBe(401);
    expect((await send(maintainer, 'PUT', '/system/CVEAllowlist', { items: [] })).status).toBe(403);
    expect((await send(admin, 'PUT', '/system/CVEAllowlist', { items: [{ cve_id: 'CVE-2099-0001' }] })).status).toBe(
      200,
    );
    const got = await send(guest, 'GET', '/system/CVEAllowlist');
    expectMatchesSwagger('getSystemCVEAllowlist', 200, parseJson(got));
    expect(parseJson(got).items).toEqual([{ cve_id: 'CVE-2099-0001' }]);
  });

  it('registers scanners: duplicates refused, the default and the built-in cannot be deleted', async () => {
    const list = await send(admin, 'GET', '/scanners');
    expectMatchesSwagger('listScanners', 200, parseJson(list));
    const builtin = parseJson<Json[]>(list).find((r) => r.is_default === true)!;
    expect(builtin).toBeDefined();
    const reg = { name: 'other', url: 'http://127.0.0.1:9/', auth: 'Bearer', access_credential: 'secret-token' };
    const created = await send(admin, 'POST', '/scanners', reg);
    expect(created.status, created.body.toString()).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v2\.0\/scanners\/.+/);
    const dup = await send(admin, 'POST', '/scanners', reg);
    expect(dup.status).toBe(409);
    const one = await admin('GET', location);
    expect(one.body.toString()).not.toContain('secret-token');
    const uuid = location.split('/').pop()!;
    expect((await send(admin, 'PATCH', `/scanners/${uuid}`, { is_default: true })).status).toBe(200);
    const refused = await send(admin, 'DELETE', `/scanners/${uuid}`);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expectHarborErrors(parseJson(refused));
    expect((await send(admin, 'PATCH', `/scanners/${String(builtin.uuid)}`, { is_default: true })).status).toBe(200);
    expect((await send(admin, 'DELETE', `/scanners/${String(builtin.uuid)}`)).status).toBe(403);
    const deleted = await send(admin, 'DELETE', `/scanners/${uuid}`);
    expect(deleted.status).toBe(200);
    expect(parseJson(deleted).name).toBe('other');
    expect((await send(maintainer, 'GET', '/scanners')).status).toBe(403);
  });

  it('summarises for the security hub', async () => {
    expect((await send(maintainer, 'GET', '/security/summary')).status).toBe(403);
    const res = await send(admin, 'GET', '/security/summary?with_dangerous_artifact=true');
    expect(res.status).toBe(200);
    const summary = parseJson(res);
    expectMatchesSwagger('getSecuritySummary', 200, summary);
    expect(summary.scanned_cnt as number).toBeGreaterThanOrEqual(1);
    expect(summary.total_artifact as number).toBeGreaterThanOrEqual(2);
    expect((summary.dangerous_artifacts as Json[])[0]?.digest).toBe(images.older.digest);
    const vul = await send(admin, 'GET', '/security/vul?q=severity%3DHigh&page_size=5');
    expect(vul.status).toBe(200);
    expect(Number(vul.headers.get('x-total-count'))).toBeGreaterThan(0);
    expect(parseJson<Json[]>(vul).every((v) => v.severity === 'High')).toBe(true);
  });
});
