import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalScanner } from '../../server/scan/adapter/scanner-client.js';
import type { HarborVulnerabilityReport, ScannerRegistration } from '../../server/scan/scan-contract.js';
import { advisoryDbFile, openAdvisoryDatabase } from '../../server/scan/vulndb/index.js';
import { manifestsInPushOrder, type BuiltManifest } from '../fixtures/image-builder.js';
import { buildDebianImages } from '../fixtures/scan/debian-image.js';
import { EXPECTED_OLDER } from '../fixtures/scan/debian/expected.js';
import { TRACKER_FILE } from '../fixtures/scan/debian/tracker.js';
import { basicAuth, TEST_ADMIN } from '../helpers/berth.js';
import { apiCallers, OUTSIDER, parseJson, send } from '../helpers/harbor-api.js';
import { seedUser } from '../helpers/seed.js';
import { client, pushBlob, startTestServer, type Call } from './oci-client.js';

/**
 * Berth's scanner adapter as the server serves it (`/api/v1` on Berth's own port), driven the way a
 * Harbor drives it: Berth's adapter client registered with Berth's own URL asks for a scan of an
 * image in that same Berth, with a pull token Berth issued, and gets exactly the findings the real
 * Debian fixtures call for. Who may call the adapter is Berth's own credentials or the API key.
 */

const API_KEY = 'adapter-api-key-for-harbor-42';
const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';

let server: Awaited<ReturnType<typeof startTestServer>>;
const { admin, outsider } = apiCallers(() => server.url);
let robot: { name: string; secret: string };
let older: BuiltManifest;

async function push(call: Call, name: string, tag: string, root: BuiltManifest): Promise<void> {
  for (const m of manifestsInPushOrder(root)) {
    for (const [digest, bytes] of m.blobs) await pushBlob(call, name, { bytes, digest });
    const res = await call('PUT', `/v2/${name}/manifests/${m === root ? tag : m.digest}`, {
      body: m.bytes,
      headers: { 'content-type': m.mediaType },
    });
    expect(res.status).toBe(201);
  }
}

function registration(auth: string, accessCredential: string): ScannerRegistration {
  return {
    uuid: 'u-self',
    name: 'Berth itself',
    description: '',
    url: server.url,
    auth,
    accessCredential,
    skipCertVerify: false,
    useInternalAddr: false,
    disabled: false,
    isDefault: false,
    builtIn: false,
    createTime: new Date(),
    updateTime: new Date(),
  };
}

beforeAll(async () => {
  server = await startTestServer({ scanner: { adapterApiKey: API_KEY } });
  const advisories = openAdvisoryDatabase({ file: advisoryDbFile(server.dataDir) });
  try {
    expect((await advisories.importPath(fileURLToPath(TRACKER_FILE))).errors).toEqual([]);
  } finally {
    await advisories.close();
  }
  await seedUser(server.dataDir, OUTSIDER.username, OUTSIDER.password);
  expect((await send(admin, 'POST', '/projects', { project_name: 'sec', public: false })).status).toBe(201);
  older = buildDebianImages().older;
  await push(
    client(() => server.url),
    'sec/debian',
    'older',
    older,
  );
  const created = await send(admin, 'POST', '/robots', {
    name: 'harbor-scanner',
    level: 'system',
    duration: -1,
    permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'scan-all', action: 'create' }] }],
  });
  expect(created.status).toBe(201);
  robot = parseJson<{ name: string; secret: string }>(created);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe("Berth's scanner adapter on Berth's port", () => {
  it('lets in administrators, robots allowed to scan and the API key; refuses everyone else', async () => {
    const get = (headers: Record<string, string>) => fetch(`${server.url}/api/v1/metadata`, { headers });
    expect((await get({ authorization: basicAuth(TEST_ADMIN.username, TEST_ADMIN.password) })).status).toBe(200);
    expect((await get({ authorization: basicAuth(robot.name, robot.secret) })).status).toBe(200);
    expect((await get({ 'x-scanneradapter-api-key': API_KEY })).status).toBe(200);
    expect((await get({ authorization: `Bearer ${API_KEY}` })).status).toBe(200);

    const anonymous = await get({});
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { message: 'authentication required' } });
    const user = await get({ authorization: basicAuth(OUTSIDER.username, OUTSIDER.password) });
    expect(user.status).toBe(403);
    expect(await user.json()).toEqual({ error: { message: 'outsider may not use the scanner' } });
    const wrongPassword = await get({ authorization: basicAuth(TEST_ADMIN.username, 'not-the-password') });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers.get('content-type')).toBe('application/vnd.scanner.adapter.error+json; version=1.0');
    expect((await get({ 'x-scanneradapter-api-key': 'guess' })).status).toBe(401);
    // The outsider is refused by the adapter, not by a missing route.
    expect((await outsider('GET', '/api/v1/metadata')).status).toBe(403);
  });

  it('scans an image of this Berth for a client that registered it, with exactly the expected findings', async () => {
    const token = await admin('GET', '/service/token?service=berth-registry&scope=repository:sec/debian:pull');
    expect(token.status).toBe(200);
    const scanner = createExternalScanner(registration('Basic', `${robot.name}:${robot.secret}`), {
      log: pino({ level: 'silent' }),
      minPollMs: 100,
    });
    const metadata = await scanner.metadata();
    expect(metadata.scanner).toMatchObject({ name: 'Berth', vendor: 'Berth' });
    expect(metadata.properties['harbor.scanner-adapter/vulnerability-database-updated-at']).toMatch(
      /^\d{4}-\d\d-\d\dT/,
    );

    const report = (await scanner.scan(
      {
        registry: { url: server.url, authorization: `Bearer ${parseJson<{ token: string }>(token).token}` },
        artifact: { repository: 'sec/debian', digest: older.digest, tag: 'older', mime_type: older.mediaType },
        reportMime: REPORT_MIME,
      },
      new AbortController().signal,
    )) as HarborVulnerabilityReport;

    const key = (v: { package: string; id: string }) => `${v.package} ${v.id}`;
    expect(report.vulnerabilities.map((v) => [v.package, v.version, v.fix_version, v.id, v.severity]).sort()).toEqual(
      [...EXPECTED_OLDER]
        .sort((a, b) => key(a).localeCompare(key(b)))
        .map((f) => [f.package, f.version, f.fixVersion ?? '', f.id, f.severity])
        .sort(),
    );
    expect(report.severity).toBe('High');
    expect(report.artifact).toEqual({
      repository: 'sec/debian',
      digest: older.digest,
      tag: 'older',
      mime_type: older.mediaType,
    });
    // The adapter's layers went through the engine's layer cache (by digest), so a Harbor scanning
    // many images that share a base layer through this adapter has it read once.
    const db = new Database(join(server.dataDir, 'berth.db'), { readonly: true });
    try {
      const layerDigests = (older.json.layers as Array<{ digest: string }>).map((l) => l.digest);
      const cached = db
        .prepare(
          `select layer_digest from scan_layer_cache where layer_digest in (${layerDigests.map(() => '?').join(',')})`,
        )
        .all(...layerDigests) as Array<{ layer_digest: string }>;
      expect(cached.map((r) => r.layer_digest).sort()).toEqual([...layerDigests].sort());
    } finally {
      db.close();
    }
  });

  it('is used by a project that chose it: the engine calls it, and its pull passes the prevent_vul policy', async () => {
    const registered = await send(admin, 'POST', '/scanners', {
      name: 'berth-via-adapter',
      url: server.url,
      auth: 'Basic',
      access_credential: `${robot.name}:${robot.secret}`,
    });
    expect(registered.status, registered.body.toString()).toBe(201);
    const uuid = String(registered.headers.get('location')).split('/').pop()!;
    const project = await send(admin, 'POST', '/projects', {
      project_name: 'guarded',
      public: false,
      metadata: { prevent_vul: 'true', severity: 'high' },
    });
    expect(project.status).toBe(201);
    const chosen = await send(admin, 'PUT', '/projects/guarded/scanner', { uuid }, { 'x-is-resource-name': 'true' });
    expect(chosen.status, chosen.body.toString()).toBe(200);
    await push(
      client(() => server.url),
      'guarded/debian',
      'older',
      older,
    );
    const artifact = `/projects/guarded/repositories/debian/artifacts/${older.digest}`;
    // Not scanned yet: the policy refuses the image to everyone but a scanner.
    const refused = await client(() => server.url)('GET', `/v2/guarded/debian/manifests/older`, {
      headers: { accept: older.mediaType },
    });
    expect(refused.status).toBe(412);

    expect((await send(admin, 'POST', `${artifact}/scan`)).status).toBe(202);
    let overview: Record<string, unknown> | undefined;
    for (let i = 0; i < 600 && !overview; i++) {
      const res = await send(admin, 'GET', `${artifact}?with_scan_overview=true`);
      const o = (parseJson(res).scan_overview as Record<string, Record<string, unknown>> | undefined)?.[REPORT_MIME];
      if (o && ['Success', 'Error', 'Stopped'].includes(String(o.scan_status))) overview = o;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(overview?.scan_status).toBe('Success');
    // The external scanner's report names it, and its findings are the real Debian ones.
    expect(overview?.scanner).toMatchObject({ name: 'Berth', vendor: 'Berth' });
    const additions = await send(admin, 'GET', `${artifact}/additions/vulnerabilities`);
    const report = parseJson<Record<string, HarborVulnerabilityReport>>(additions)[REPORT_MIME]!;
    expect(report.vulnerabilities.map((v) => `${v.package} ${v.version} ${v.id}`).sort()).toEqual(
      EXPECTED_OLDER.map((f) => `${f.package} ${f.version} ${f.id}`).sort(),
    );
    // Scanned and High: still refused, now because of what the scan found.
    const stillRefused = await client(() => server.url)('GET', `/v2/guarded/debian/manifests/older`, {
      headers: { accept: older.mediaType },
    });
    expect(stillRefused.status).toBe(412);
    expect(stillRefused.body.toString()).toContain('PROJECTPOLICYVIOLATION');
  }, 120_000);
});
