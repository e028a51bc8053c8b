import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnonymousSecurity } from '../../server/auth/security-contexts.js';
import { scannerAdapterRoutes } from '../../server/http/scanner-adapter/adapter-routes.js';
import { BerthAdapter } from '../../server/scan/adapter/berth-adapter.js';
import { createFileImageScanner } from '../../server/scan/adapter/file-image-scanner.js';
import { createExternalScanner } from '../../server/scan/adapter/scanner-client.js';
import { openAdvisoryDatabase } from '../../server/scan/vulndb/index.js';
import type {
  AdvisoryDatabase,
  HarborVulnerabilityReport,
  ImageScanner,
  ScannerRegistration,
} from '../../server/scan/scan-contract.js';
import {
  allBlobs,
  buildImage,
  buildLayer,
  manifestsInPushOrder,
  type BuiltManifest,
} from '../fixtures/image-builder.js';
import { ADMIN_HEADERS } from '../helpers/berth.js';
import { client, startTestServer, type Call } from './oci-client.js';

/**
 * Berth's own scanner adapter end to end: a real Berth is the registry, the adapter pulls the image
 * from it over HTTP with a registry token (as Harbor hands one over), scans the layers, and serves
 * the report through the spec's 302-then-200 polling; then Berth's adapter client drives the same
 * adapter, so both directions of the protocol meet.
 *
 * The scanner behind the adapter is the server's pipeline on pulled files over a real advisory DB
 * holding the OSV fixtures; the adapter runs on its own port here, with the API key only.
 */

const API_KEY = 'harbor-adapter-key-0123456789';
const OSV_DIR = new URL('../fixtures/osv/', import.meta.url);

const dpkgStatus = [
  'Package: nginx',
  'Status: install ok installed',
  'Architecture: amd64',
  'Version: 1.2.1-2.2+wheezy2',
  'Description: small, powerful, scalable web/proxy server',
  '',
  'Package: base-files',
  'Status: install ok installed',
  'Architecture: amd64',
  'Version: 7.1wheezy8',
  'Description: Debian base system miscellaneous files',
  '',
].join('\n');
const base = buildLayer([
  { path: 'etc/os-release', data: 'PRETTY_NAME="Debian GNU/Linux 7 (wheezy)"\nID=debian\nVERSION_ID="7"\n' },
  { path: 'var/lib/dpkg/status', data: dpkgStatus },
]);
const app = buildLayer([{ path: 'srv/www/index.html', data: '<h1>hello</h1>\n' }]);
const image = buildImage({ layers: [base, app] });

/** The server's pipeline on pulled files, held at a gate so a test can see the scan running. */
function gatedScanner(vulndb: AdvisoryDatabase, gate: () => Promise<void>): ImageScanner {
  const inner = createFileImageScanner({
    vulndb,
    identity: { name: 'Berth', vendor: 'Berth', version: '0.1.0-test' },
    limits: async () => ({ memoryMb: 128, maxLayerBytes: 64 * 1024 * 1024 }),
  });
  return {
    identity: () => inner.identity(),
    async scanLayers(layers, signal) {
      await gate();
      return inner.scanLayers(layers, signal);
    },
  };
}

let berth: Awaited<ReturnType<typeof startTestServer>>;
let adapterApp: FastifyInstance;
let adapter: BerthAdapter;
let adapterUrl: string;
let tempDir: string;
let adapterTemp: string;
let vulndb: AdvisoryDatabase;
let releaseGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
const admin: Call = client(() => berth.url);

async function push(repo: string, root: BuiltManifest, tag: string): Promise<void> {
  for (const [digest, bytes] of allBlobs(root)) {
    const res = await admin('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(201);
  }
  for (const m of manifestsInPushOrder(root)) {
    const res = await admin('PUT', `/v2/${repo}/manifests/${m === root ? tag : m.digest}`, {
      body: m.bytes,
      headers: { 'content-type': m.mediaType },
    });
    expect(res.status).toBe(201);
  }
}

async function registryToken(repo: string): Promise<string> {
  const res = await admin('GET', `/service/token?service=berth-registry&scope=repository:${repo}:pull`);
  expect(res.status).toBe(200);
  return (res.json() as { token: string }).token;
}

function adapterCall(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  return fetch(adapterUrl + path, {
    method: init.method ?? 'GET',
    headers: { 'x-scanneradapter-api-key': API_KEY, ...init.headers },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    redirect: 'manual',
  });
}

const SCAN_REQUEST_TYPE = 'application/vnd.scanner.adapter.scan.request+json; version=1.0';
const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';

function scanBody(authorization: string) {
  return {
    registry: { url: berth.url, authorization },
    artifact: {
      repository: 'library/web',
      digest: image.digest,
      tag: '1.2',
      mime_type: 'application/vnd.oci.image.manifest.v1+json',
    },
  };
}

async function submit(body: unknown): Promise<string> {
  const res = await adapterCall('/api/v1/scan', {
    method: 'POST',
    headers: { 'content-type': SCAN_REQUEST_TYPE },
    body,
  });
  expect(res.status).toBe(202);
  expect(res.headers.get('content-type')).toBe('application/vnd.scanner.adapter.scan.response+json; version=1.0');
  return ((await res.json()) as { id: string }).id;
}

/** Polls like Harbor: until the status is no longer 302. */
async function pollReport(id: string, accept = REPORT_MIME): Promise<Response> {
  for (;;) {
    const res = await adapterCall(`/api/v1/scan/${id}/report`, { headers: { accept } });
    if (res.status !== 302) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  berth = await startTestServer();
  await push('library/web', image, '1.2');
  tempDir = await mkdtemp(join(tmpdir(), 'berth-adapter-it-'));
  vulndb = openAdvisoryDatabase({ file: join(tempDir, 'advisories.db') });
  expect((await vulndb.importPath(fileURLToPath(OSV_DIR))).errors).toEqual([]);
  adapterTemp = join(tempDir, 'pulls');
  adapter = new BerthAdapter({
    scanner: gatedScanner(vulndb, () => gate),
    vulndb,
    log: pino({ level: 'silent' }),
    version: '0.1.0-test',
    tempDir: adapterTemp,
    refreshAfterSeconds: 1,
  });
  // Berth's HTTP app sets `request.security` in its auth hook; this app only has the API key.
  adapterApp = Fastify();
  adapterApp.decorateRequest('security', undefined as unknown as FastifyRequest['security']);
  adapterApp.addHook('onRequest', async (req) => {
    req.security = new AnonymousSecurity();
  });
  await adapterApp.register(scannerAdapterRoutes({ adapter, apiKey: API_KEY }));
  adapterUrl = await adapterApp.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await adapter?.close();
  await adapterApp?.close();
  await berth?.stop();
  await vulndb?.close();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

describe("Berth's scanner adapter", () => {
  it('describes itself: capabilities, scanner type and the advisory database date', async () => {
    const res = await adapterCall('/api/v1/metadata');
    expect(res.status).toBe(200);
    expect((await vulndb.status()).updatedAt).toBeInstanceOf(Date);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata).toEqual({
      scanner: { name: 'Berth', vendor: 'Berth', version: '0.1.0-test' },
      capabilities: [
        {
          type: 'vulnerability',
          consumes_mime_types: [
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.v2+json',
          ],
          produces_mime_types: [REPORT_MIME, 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0'],
        },
        {
          type: 'sbom',
          consumes_mime_types: [
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.v2+json',
          ],
          produces_mime_types: ['application/vnd.security.sbom.report+json; version=1.0'],
          additional_attributes: { sbom_media_types: ['application/vnd.cyclonedx+json', 'application/spdx+json'] },
        },
      ],
      properties: expect.objectContaining({
        'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
        'harbor.scanner-adapter/vulnerability-database-updated-at': (await vulndb.status()).updatedAt?.toISOString(),
        'berth.io/vulnerability-database-version': String((await vulndb.status()).version),
      }),
    });
  });

  it('refuses callers without credentials or with a wrong key, in the spec error shape', async () => {
    const none = await fetch(`${adapterUrl}/api/v1/metadata`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { message: 'authentication required' } });
    const wrong = await adapterCall('/api/v1/metadata', { headers: { 'x-scanneradapter-api-key': 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('application/vnd.scanner.adapter.error+json; version=1.0');
    expect(await wrong.json()).toEqual({ error: { message: 'wrong scanner adapter API key' } });
    const bearer = await fetch(`${adapterUrl}/api/v1/metadata`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(bearer.status).toBe(200);
  });

  it('accepts a scan at once, answers 302 with Refresh-After while it runs, then the report', async () => {
    gate = new Promise((resolve) => (releaseGate = resolve));
    let id: string;
    try {
      id = await submit(scanBody(`Bearer ${await registryToken('library/web')}`));
      const running = await adapterCall(`/api/v1/scan/${id}/report`, { headers: { accept: REPORT_MIME } });
      expect(running.status).toBe(302);
      expect(running.headers.get('refresh-after')).toBe('1');
    } finally {
      // Later scans must not wait on this one's gate when an assertion failed.
      releaseGate();
      gate = Promise.resolve();
    }

    const res = await pollReport(id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(REPORT_MIME);
    const report = (await res.json()) as HarborVulnerabilityReport;
    expect(report.artifact).toEqual(scanBody('').artifact);
    expect(report.scanner).toEqual({ name: 'Berth', vendor: 'Berth', version: '0.1.0-test' });
    expect(report.vulnerabilities).toHaveLength(1);
    expect(report.vulnerabilities[0]).toMatchObject({
      id: 'CVE-2014-3616',
      package: 'nginx',
      version: '1.2.1-2.2+wheezy2',
      fix_version: '1.2.1-2.2+wheezy3',
      layer: { digest: base.digest, diff_id: base.diffId },
    });
    expect(report.vulnerabilities[0]!.links).toContain('https://www.debian.org/security/2014/dsa-3029');

    // The older report type Harbor may ask for is the same document.
    const older = await pollReport(id, 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0');
    expect(older.status).toBe(200);
    expect(older.headers.get('content-type')).toBe(
      'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
    );
    expect(((await older.json()) as HarborVulnerabilityReport).vulnerabilities).toEqual(report.vulnerabilities);
    // Pulled layers do not outlive the scan.
    expect(await readdir(adapterTemp)).toEqual([]);
  });

  it('fails the scan with the registry refusal when the token does not allow the pull', async () => {
    const otherToken = await registryToken('library/other');
    const id = await submit(scanBody(`Bearer ${otherToken}`));
    const res = await pollReport(id);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(
      /^the registry refused to serve manifest library\/web@sha256:[a-f0-9]{64} \(HTTP 401\)/,
    );
  });

  it('validates scan requests as the spec says: 400 for bad JSON, 422 for bad fields, 404 for unknown ids', async () => {
    const badJson = await adapterCall('/api/v1/scan', {
      method: 'POST',
      headers: { 'content-type': SCAN_REQUEST_TYPE },
      body: '{"registry":',
    });
    expect(badJson.status).toBe(400);
    const body = scanBody('Bearer x');
    const noDigest = await adapterCall('/api/v1/scan', {
      method: 'POST',
      headers: { 'content-type': SCAN_REQUEST_TYPE },
      body: { ...body, artifact: { ...body.artifact, digest: '' } },
    });
    expect(noDigest.status).toBe(422);
    expect(await noDigest.json()).toEqual({ error: { message: 'missing artifact.digest' } });
    const notImage = await adapterCall('/api/v1/scan', {
      method: 'POST',
      headers: { 'content-type': SCAN_REQUEST_TYPE },
      body: { ...body, artifact: { ...body.artifact, mime_type: 'application/vnd.cncf.helm.config.v1+json' } },
    });
    expect(notImage.status).toBe(501);
    const unknown = await adapterCall('/api/v1/scan/no-such-id/report', { headers: { accept: REPORT_MIME } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { message: 'cannot find scan job: no-such-id' } });
  });
});

describe("Berth's adapter client against Berth's adapter", () => {
  const registration = (): ScannerRegistration => ({
    uuid: 'u-berth',
    name: 'Other Berth',
    description: '',
    url: adapterUrl,
    auth: 'X-ScannerAdapter-API-Key',
    accessCredential: API_KEY,
    skipCertVerify: false,
    useInternalAddr: false,
    disabled: false,
    isDefault: false,
    builtIn: false,
    createTime: new Date(),
    updateTime: new Date(),
  });

  it('reads the metadata and gets the same findings through submit and polling', async () => {
    const scanner = createExternalScanner(registration(), { log: pino({ level: 'silent' }), minPollMs: 50 });
    const metadata = await scanner.metadata();
    expect(metadata.scanner.name).toBe('Berth');
    const report = (await scanner.scan(
      {
        registry: { url: berth.url, authorization: `Bearer ${await registryToken('library/web')}` },
        artifact: {
          repository: 'library/web',
          digest: image.digest,
          mime_type: 'application/vnd.oci.image.manifest.v1+json',
        },
        reportMime: REPORT_MIME,
      },
      new AbortController().signal,
    )) as HarborVulnerabilityReport;
    expect(report.vulnerabilities.map((v) => [v.id, v.package, v.version, v.fix_version])).toEqual([
      ['CVE-2014-3616', 'nginx', '1.2.1-2.2+wheezy2', '1.2.1-2.2+wheezy3'],
    ]);
  });

  it('asks for an SBOM (spec 1.2) and gets a CycloneDX document listing the packages', async () => {
    const scanner = createExternalScanner(
      { ...registration(), auth: 'Bearer' },
      { log: pino({ level: 'silent' }), minPollMs: 50 },
    );
    const report = (await scanner.scan(
      {
        registry: { url: berth.url, authorization: ADMIN_HEADERS.authorization },
        artifact: {
          repository: 'library/web',
          digest: image.digest,
          tag: '1.2',
          mime_type: 'application/vnd.oci.image.manifest.v1+json',
        },
        reportMime: 'application/vnd.security.sbom.report+json; version=1.0',
      },
      new AbortController().signal,
    )) as { media_type: string; sbom: { bomFormat: string; components: Array<{ name: string; version: string }> } };
    expect(report.media_type).toBe('application/vnd.cyclonedx+json');
    expect(report.sbom.bomFormat).toBe('CycloneDX');
    expect(report.sbom.components).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'nginx', version: '1.2.1-2.2+wheezy2' }),
        expect.objectContaining({ name: 'base-files', version: '7.1wheezy8' }),
      ]),
    );
  });
});
