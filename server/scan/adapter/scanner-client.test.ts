import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScannerRegistration } from '../scan-contract.js';
import { authorizationHeaders, createExternalScanner, ScannerAdapterError } from './scanner-client.js';

/**
 * The client against a fake adapter on 127.0.0.1 that answers as harbor-scanner-trivy does: 202 with
 * an id, 302 with Refresh-After while the scan runs, then 200 with the report; errors in the spec's
 * `{"error":{"message"}}` shape.
 */

const API_KEY = 'adapter-secret-key-1234';
const REGISTRY_AUTH = 'Bearer registry-token-that-must-not-leak';
const DIGEST = `sha256:${'a'.repeat(64)}`;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let handler: Handler = () => undefined;
const logLines: string[] = [];
const log = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      if (req.headers['x-scanneradapter-api-key'] !== API_KEY) {
        return json(res, 401, { error: { message: 'invalid API key' } });
      }
      handler(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  logLines.length = 0;
});

function json(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}

function registration(overrides: Partial<ScannerRegistration> = {}): ScannerRegistration {
  return {
    uuid: 'u-1',
    name: 'Trivy',
    description: '',
    url: baseUrl,
    auth: 'X-ScannerAdapter-API-Key',
    accessCredential: API_KEY,
    skipCertVerify: false,
    useInternalAddr: false,
    disabled: false,
    isDefault: false,
    builtIn: false,
    createTime: new Date(),
    updateTime: new Date(),
    ...overrides,
  };
}

const scanRequest = {
  registry: { url: 'https://berth.example', authorization: REGISTRY_AUTH },
  artifact: {
    repository: 'library/nginx',
    digest: DIGEST,
    tag: '1.2',
    mime_type: 'application/vnd.oci.image.manifest.v1+json',
  },
  reportMime: 'application/vnd.security.vulnerability.report; version=1.1',
};

const trivyReport = {
  generated_at: '2024-05-01T10:00:00Z',
  artifact: {
    repository: 'library/nginx',
    digest: DIGEST,
    tag: '1.2',
    mime_type: 'application/vnd.oci.image.manifest.v1+json',
  },
  scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.50.1' },
  severity: 'High',
  vulnerabilities: [
    {
      id: 'CVE-2014-3616',
      package: 'nginx',
      version: '1.2.1-2.2+wheezy2',
      fix_version: '1.2.1-2.2+wheezy3',
      severity: 'High',
      description: 'SSL session reuse across virtual hosts',
      links: ['https://avd.aquasec.com/nvd/cve-2014-3616'],
      preferred_cvss: { score_v3: 7.5, vector_v3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' },
      cwe_ids: null,
      layer: { digest: `sha256:${'b'.repeat(64)}`, diff_id: `sha256:${'c'.repeat(64)}` },
    },
    { id: 'CVE-2020-0001', package: 'libc6', version: '2.13', fix_version: '', severity: 'Negligible', links: null },
  ],
};

/** Records the waits the client asks for instead of waiting. */
function recordingSleep() {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number, signal: AbortSignal) => {
      signal.throwIfAborted();
      waits.push(ms);
    },
  };
}

describe('createExternalScanner', () => {
  it('reads and checks the metadata, authenticating with the API key header', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.50.1' },
        capabilities: [
          {
            type: 'vulnerability',
            consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json'],
            produces_mime_types: ['application/vnd.security.vulnerability.report; version=1.1'],
          },
        ],
        properties: { 'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability', ignored: 5 },
      });
    const metadata = await createExternalScanner(registration(), { log }).metadata();
    expect(metadata).toEqual({
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.50.1' },
      capabilities: [
        {
          type: 'vulnerability',
          consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json'],
          produces_mime_types: ['application/vnd.security.vulnerability.report; version=1.1'],
        },
      ],
      properties: { 'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability' },
    });
    expect(seen[0]!.url).toBe('/api/v1/metadata');
    expect(seen[0]!.headers.accept).toContain('application/vnd.scanner.adapter.metadata+json; version=1.0');
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('refuses metadata without capabilities', async () => {
    handler = (_req, res) => json(res, 200, { scanner: { name: 'X', vendor: 'Y', version: '1' }, capabilities: [] });
    await expect(createExternalScanner(registration(), { log }).metadata()).rejects.toThrow(/no capabilities/);
  });

  it('submits the scan, waits as Refresh-After says while the report is not ready, then returns it', async () => {
    let polls = 0;
    handler = (req, res) => {
      if (req.method === 'POST' && req.url === '/api/v1/scan') return json(res, 202, { id: 'job-42' });
      if (req.url === '/api/v1/scan/job-42/report') {
        polls++;
        if (polls <= 3) {
          res.writeHead(302, { 'refresh-after': '3', location: req.url });
          return res.end();
        }
        return json(res, 200, trivyReport, 'application/vnd.security.vulnerability.report; version=1.1');
      }
      json(res, 404, { error: { message: 'no such path' } });
    };
    const { waits, sleep } = recordingSleep();
    const report = (await createExternalScanner(registration(), { log, sleep }).scan(
      scanRequest,
      new AbortController().signal,
    )) as typeof trivyReport;

    expect(waits).toEqual([3000, 3000, 3000]);
    const submit = seen[0]!;
    expect(submit.headers['content-type']).toBe('application/vnd.scanner.adapter.scan.request+json; version=1.0');
    expect(JSON.parse(submit.body)).toEqual({
      registry: { url: 'https://berth.example', authorization: REGISTRY_AUTH },
      artifact: scanRequest.artifact,
    });
    expect(seen.slice(1).map((s) => s.headers.accept)).toEqual(Array(4).fill(scanRequest.reportMime));
    expect(report.severity).toBe('High');
    expect(report.vulnerabilities).toEqual([
      { ...trivyReport.vulnerabilities[0], cwe_ids: [] },
      {
        id: 'CVE-2020-0001',
        package: 'libc6',
        version: '2.13',
        fix_version: '',
        // Harbor's counts have no Negligible column; it is counted one level up rather than lost.
        severity: 'Low',
        description: '',
        links: [],
        cwe_ids: [],
      },
    ]);
    // The registry token is sent to the adapter but never logged.
    expect(logLines.join('')).not.toContain('registry-token-that-must-not-leak');
    expect(logLines.join('')).not.toContain(API_KEY);
  });

  it('backs off (doubling, bounded) when the adapter gives no Refresh-After, as Trivy does', async () => {
    let polls = 0;
    handler = (req, res) => {
      if (req.method === 'POST') return json(res, 202, { id: 'x' });
      if (++polls <= 5) {
        res.writeHead(302, { location: req.url });
        return res.end();
      }
      json(res, 200, { ...trivyReport, vulnerabilities: null, severity: 'None' });
    };
    const { waits, sleep } = recordingSleep();
    const report = (await createExternalScanner(registration(), { log, sleep, minPollMs: 500, maxPollMs: 3000 }).scan(
      scanRequest,
      new AbortController().signal,
    )) as { vulnerabilities: unknown[]; severity: string };
    expect(waits).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(report.vulnerabilities).toEqual([]);
    expect(report.severity).toBe('None');
  });

  it("fails with the adapter's message when the scan failed", async () => {
    handler = (req, res) => {
      if (req.method === 'POST') return json(res, 202, { id: 'bad' });
      json(res, 500, { error: { message: 'running trivy wrapper: unable to pull image: 401 unauthorized' } });
    };
    const err = await createExternalScanner(registration(), { log, sleep: recordingSleep().sleep })
      .scan(scanRequest, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScannerAdapterError);
    expect((err as ScannerAdapterError).status).toBe(500);
    expect((err as Error).message).toBe(
      'scanner Trivy: scan bad failed with HTTP 500: running trivy wrapper: unable to pull image: 401 unauthorized',
    );
  });

  it('fails when the adapter no longer knows the scan id', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') return json(res, 202, { id: 'lost' });
      json(res, 404, { error: { message: 'cannot find scan job: lost' } });
    };
    await expect(
      createExternalScanner(registration(), { log }).scan(scanRequest, new AbortController().signal),
    ).rejects.toThrow('scanner Trivy no longer knows scan lost (was the adapter restarted?)');
  });

  it('refuses a scan request the adapter rejects, with its message', async () => {
    handler = (_req, res) => json(res, 422, { error: { message: 'missing artifact.digest' } });
    await expect(
      createExternalScanner(registration(), { log }).scan(scanRequest, new AbortController().signal),
    ).rejects.toThrow('scanner Trivy: scan request failed with HTTP 422: missing artifact.digest');
  });

  it('says the credentials were refused when the API key is wrong, without repeating it', async () => {
    handler = () => undefined;
    const err = await createExternalScanner(registration({ accessCredential: 'wrong-key-value' }), { log })
      .metadata()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScannerAdapterError);
    expect((err as ScannerAdapterError).status).toBe(401);
    expect((err as Error).message).toBe('scanner Trivy refused the credentials (metadata, HTTP 401): invalid API key');
    expect((err as Error).message).not.toContain('wrong-key-value');
  });

  it('stops waiting for a slow adapter when the signal aborts', async () => {
    let answered!: () => void;
    const posted = new Promise<void>((resolve) => (answered = resolve));
    // The adapter accepts the connection and never answers.
    handler = () => answered();
    const controller = new AbortController();
    const scan = createExternalScanner(registration(), { log }).scan(scanRequest, controller.signal);
    await posted;
    controller.abort(new Error('scan stopped by the user'));
    await expect(scan).rejects.toThrow('scan stopped by the user');
  });

  it('stops polling when the signal aborts during a wait', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') return json(res, 202, { id: 'long' });
      res.writeHead(302, { 'refresh-after': '30' });
      res.end();
    };
    const controller = new AbortController();
    const scan = createExternalScanner(registration(), {
      log,
      sleep: async (_ms, signal) => {
        controller.abort(new Error('stopped'));
        signal.throwIfAborted();
      },
    }).scan(scanRequest, controller.signal);
    await expect(scan).rejects.toThrow('stopped');
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
  });

  it('gives up when the report would come after the overall timeout', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') return json(res, 202, { id: 'slow' });
      res.writeHead(302, { 'refresh-after': '10' });
      res.end();
    };
    await expect(
      createExternalScanner(registration(), { log, scanTimeoutMs: 5_000, sleep: recordingSleep().sleep }).scan(
        scanRequest,
        new AbortController().signal,
      ),
    ).rejects.toThrow('scanner Trivy: scan slow did not finish within 5 s');
  });

  it('refuses a report larger than the cap', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') return json(res, 202, { id: 'big' });
      json(res, 200, { ...trivyReport, padding: 'x'.repeat(10_000) });
    };
    await expect(
      createExternalScanner(registration(), { log, maxReportBytes: 4096 }).scan(
        scanRequest,
        new AbortController().signal,
      ),
    ).rejects.toThrow(/larger than 4096 bytes/);
  });

  it('asks a 1.2 adapter for an SBOM with enabled_capabilities and sbom_media_type', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') return json(res, 202, { id: 'sbom-1' });
      json(res, 200, {
        generated_at: '2024-05-01T10:00:00Z',
        media_type: 'application/vnd.cyclonedx+json',
        sbom: { bomFormat: 'CycloneDX', specVersion: '1.5' },
      });
    };
    const report = await createExternalScanner(registration(), { log }).scan(
      { ...scanRequest, reportMime: 'application/vnd.security.sbom.report+json; version=1.0' },
      new AbortController().signal,
    );
    expect(report).toMatchObject({ sbom: { bomFormat: 'CycloneDX' } });
    expect(seen[0]!.headers['content-type']).toBe('application/vnd.scanner.adapter.scan.request+json; version=1.1');
    expect(JSON.parse(seen[0]!.body).enabled_capabilities).toEqual([
      {
        type: 'sbom',
        produces_mime_types: ['application/vnd.security.sbom.report+json; version=1.0'],
        parameters: { sbom_media_types: ['application/vnd.cyclonedx+json'] },
      },
    ]);
    expect(seen[1]!.url).toBe('/api/v1/scan/sbom-1/report?sbom_media_type=application%2Fvnd.cyclonedx%2Bjson');
  });

  it('reports an unreachable adapter as such', async () => {
    const scanner = createExternalScanner(registration({ url: 'http://127.0.0.1:1' }), { log });
    await expect(scanner.metadata()).rejects.toThrow(/scanner Trivy: cannot reach http:\/\/127\.0\.0\.1:1\/api\/v1/);
  });
});

describe('authorizationHeaders', () => {
  it('sends credentials the way Harbor does for each authentication type', () => {
    expect(authorizationHeaders('None', '')).toEqual({});
    expect(authorizationHeaders('Basic', 'user:pa:ss')).toEqual({
      authorization: `Basic ${Buffer.from('user:pa:ss').toString('base64')}`,
    });
    // Already encoded (no colon): sent as is.
    expect(authorizationHeaders('Basic', 'dXNlcjpwYXNz')).toEqual({ authorization: 'Basic dXNlcjpwYXNz' });
    expect(authorizationHeaders('Bearer', 'tok')).toEqual({ authorization: 'Bearer tok' });
    expect(authorizationHeaders('X-ScannerAdapter-API-Key', 'k')).toEqual({ 'x-scanneradapter-api-key': 'k' });
    expect(() => authorizationHeaders('Bearer', '')).toThrow(/needs an access credential/);
    expect(() => authorizationHeaders('Digest', 'x')).toThrow(/unknown scanner authentication type/);
  });
});

describe('skipCertVerify', () => {
  it("refuses an adapter's self-signed certificate unless the registration skips verification", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-adapter-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const tls = createHttpsServer(
        { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
        (_req, res) =>
          json(res, 200, {
            scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.50.1' },
            capabilities: [{ consumes_mime_types: ['a'], produces_mime_types: ['b'] }],
          }),
      );
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
      try {
        await expect(createExternalScanner(registration({ url }), { log }).metadata()).rejects.toThrow(
          /cannot reach .*certificate/i,
        );
        const metadata = await createExternalScanner(registration({ url, skipCertVerify: true }), { log }).metadata();
        expect(metadata.scanner.name).toBe('Trivy');
      } finally {
        tls.closeAllConnections();
        await new Promise((r) => tls.close(r));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
