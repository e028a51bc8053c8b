import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { publicProjectAllows, roleAllows } from '../../auth/rbac.js';
import type { SecurityContext } from '../../auth/security-context.js';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import { EventBus } from '../../core/events.js';
import type { Execution, JobService, Schedule, Task } from '../../jobs/job-types.js';
import type { Artifact, MetaStore, Project } from '../../meta/meta-store.js';
import type { AuditRecord } from '../../notify/audit-writer.js';
import {
  SCAN_ALL_SCHEDULE_CALLBACK,
  SCAN_ALL_VENDOR_TYPE,
  VULNERABILITY_REPORT_MIME,
  type CveAllowlist,
  type SbomOverview,
  type ScanOverview,
  type ScanService,
  type ScanTarget,
  type ScannerRegistration,
  type ScannerRegistrationInput,
  type ScannerSettings,
  type VulnerabilityQuery,
} from '../../scan/scan-contract.js';
import { MemoryDriver } from '../../storage/memory-driver.js';
import {
  expectHarborErrors,
  expectMatchesDefinition,
  expectMatchesSwagger,
} from '../../../test/helpers/harbor-swagger.js';
import type { ApiDeps } from './api-deps.js';
import { buildApiPlugin } from './api-plugin.js';
import { cveAllowlistRoutes } from './cve-allowlist-routes.js';
import { scanAllRoutes } from './scan-all-routes.js';
import { attachSbomOverviews, attachScanOverviews } from './scan-json.js';
import { scanRoutes } from './scan-routes.js';
import { scannerRoutes } from './scanner-routes.js';
import { securityHubRoutes } from './security-hub-routes.js';
import { vulndbRoutes } from './vulndb-routes.js';

/**
 * The scanner's Harbor routes against an in-memory ScanService: permissions per caller (anonymous,
 * guest, developer, maintainer, project admin, system admin; public and private projects), shapes
 * checked against Harbor's swagger, validation, and what the service is asked to do. The real engine
 * is exercised by test/integration/api-scan*.test.ts.
 */

const log = pino({ level: 'silent' });
const apps: FastifyInstance[] = [];
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-01T00:00:07Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const SBOM = `sha256:${'5'.repeat(64)}`;

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const PRIV = { id: 1, name: 'priv', public: false, metadata: {} } as unknown as Project;
const PUB = { id: 2, name: 'pub', public: true, metadata: { public: 'true' } } as unknown as Project;

type Who = 'anon' | 'admin' | 'guest' | 'dev' | 'maint' | 'padmin' | 'outsider';
const ROLE: Partial<Record<Who, number>> = { padmin: 1, dev: 2, guest: 3, maint: 4 };

/** Members of `priv` by role; everyone may do what a public project allows on `pub`. */
function securityOf(who: Who): SecurityContext {
  const role = ROLE[who];
  return {
    kind: who === 'anon' ? 'anonymous' : 'user',
    name: who,
    userId: who === 'anon' ? null : 7,
    isAuthenticated: who !== 'anon',
    isSysAdmin: who === 'admin',
    can: async (p, resource, action) =>
      who === 'admin' ||
      (role !== undefined && p.id === PRIV.id && roleAllows(role as 1, resource, action)) ||
      (p.public && publicProjectAllows(resource, action)),
    canSystem: async () => who === 'admin',
  };
}

const BUILTIN: ScannerRegistration = {
  uuid: 'builtin',
  name: 'Berth',
  description: 'built in',
  url: 'builtin://berth',
  auth: '',
  accessCredential: '',
  skipCertVerify: false,
  useInternalAddr: false,
  disabled: false,
  isDefault: true,
  builtIn: true,
  createTime: T0,
  updateTime: T0,
};

function overview(status: ScanOverview['status'] = 'Success'): ScanOverview {
  return {
    reportId: 'r-1',
    status,
    severity: 'High',
    counts: { total: 3, fixable: 2, critical: 0, high: 1, medium: 2, low: 0, unknown: 0, none: 0 },
    startTime: T0,
    endTime: status === 'Running' ? null : T1,
    completePercent: status === 'Running' ? 40 : 100,
    scanner: { name: 'Berth', vendor: 'Berth', version: '1.0.0' },
    dbVersion: 4,
    dbUpdatedAt: T0,
  };
}

function sbomOverview(): SbomOverview {
  return { reportId: '12', status: 'Success', startTime: T0, endTime: T1, sbomDigest: SBOM, scanner: BUILTIN_ID };
}

/** Just enough of a scan service to answer the routes, recording what it is asked. */
class FakeScans {
  calls: string[] = [];
  registrations: ScannerRegistration[] = [{ ...BUILTIN }];
  projectScanner = new Map<number, string>();
  running = new Set<string>();
  systemList: CveAllowlist = { projectId: 0, expiresAt: null, items: [] };
  settingsValue: ScannerSettings = {
    workers: 2,
    memoryMb: 256,
    maxLayerBytes: 1 << 30,
    niceness: 10,
    timeWindow: null,
    scanAllOnlyChanged: true,
    dbUrls: [],
    dbUpdateCron: null,
  };
  lastQuery: VulnerabilityQuery | undefined;
  imported: string[] = [];

  service(): ScanService {
    const registry: ScanService['registry'] = {
      list: async () => this.registrations,
      get: async (uuid) => this.registrations.find((r) => r.uuid === uuid),
      create: async (input: ScannerRegistrationInput) => {
        if (this.registrations.some((r) => r.name === input.name || r.url === input.url)) {
          throw new Conflict('DENIED', `scanner ${input.name} already exists`);
        }
        const r: ScannerRegistration = {
          ...BUILTIN,
          uuid: `u-${this.registrations.length}`,
          name: input.name,
          url: input.url,
          description: input.description ?? '',
          auth: input.auth ?? '',
          accessCredential: input.accessCredential ?? '',
          isDefault: false,
          builtIn: false,
        };
        this.registrations.push(r);
        return r;
      },
      update: async (uuid, input) => {
        const r = this.registrations.find((x) => x.uuid === uuid)!;
        Object.assign(r, {
          name: input.name,
          url: input.url,
          auth: input.auth,
          accessCredential: input.accessCredential,
        });
        return r;
      },
      delete: async (uuid) => {
        const r = this.registrations.find((x) => x.uuid === uuid)!;
        if (r.isDefault) throw new Invalid('PRECONDITION', 'the default scanner cannot be deleted');
        this.registrations = this.registrations.filter((x) => x !== r);
        return r;
      },
      setDefault: async (uuid) => {
        for (const r of this.registrations) r.isDefault = r.uuid === uuid;
      },
      ping: async (input) => {
        if (input.url.includes('unreachable')) throw new Invalid('NAME_INVALID', 'adapter unreachable');
        return { scanner: BUILTIN_ID, capabilities: [], properties: {} };
      },
      metadata: async () => ({
        scanner: BUILTIN_ID,
        capabilities: [
          { type: 'vulnerability', consumes_mime_types: ['m'], produces_mime_types: [VULNERABILITY_REPORT_MIME] },
        ],
        properties: { 'harbor.scanner-adapter/vulnerability-database-updated-at': T0.toISOString() },
      }),
      forProject: async (id) =>
        this.registrations.find((r) => r.uuid === this.projectScanner.get(id)) ??
        this.registrations.find((r) => r.isDefault)!,
      setForProject: async (id, uuid) => void this.projectScanner.set(id, uuid),
    };
    const lists = new Map<number, CveAllowlist>();
    return {
      tempDir: join(tmpdir(), 'berth-scan-routes-test'),
      registry,
      allowlists: {
        system: async () => this.systemList,
        setSystem: async (l) => (this.systemList = { projectId: 0, ...l }),
        project: async (id) => lists.get(id) ?? { projectId: id, expiresAt: null, items: [] },
        setProject: async (id, l) => {
          const saved = { projectId: id, ...l };
          lists.set(id, saved);
          return saved;
        },
        effective: async () => new Set(),
      },
      vulndb: {
        status: async () => ({
          version: 4,
          updatedAt: T0,
          newestRecordAt: T0,
          records: 12,
          sources: [{ name: 'debian-tracker', records: 12, importedAt: T0, newestRecordAt: T0 }],
        }),
        importPath: async (path: string) => {
          const { readFile } = await import('node:fs/promises');
          this.imported.push((await readFile(path)).toString());
          return this.importResult();
        },
        match: async () => [],
        close: async () => {},
      },
      requestScan: async (t: ScanTarget, o) => {
        this.calls.push(`scan ${t.projectId} ${t.repository} ${t.digest} ${o.scanType} ${o.trigger} ${o.operator}`);
        this.running.add(`${t.digest} ${o.scanType}`);
        return { executionId: 9 };
      },
      stopScan: async (t, type) => this.running.delete(`${t.digest} ${type}`),
      overviews: async (digests) => {
        this.calls.push(`overviews ${digests.length}`);
        return new Map(digests.filter((d) => d === DIGEST).map((d) => [d, overview()]));
      },
      sbomOverviews: async (repository, digests) => {
        this.calls.push(`sbomOverviews ${repository} ${digests.length}`);
        return new Map(digests.filter((d) => d === DIGEST).map((d) => [d, sbomOverview()]));
      },
      report: async () => undefined,
      reportLog: async (_t, id) => (id === 'r-1' ? 'scanning layer 1\n' : undefined),
      scanAll: async (trigger) => {
        this.calls.push(`scanAll ${trigger}`);
        return { executionId: 50 };
      },
      stopScanAll: async () => {
        this.calls.push('stopScanAll');
        return true;
      },
      settings: async () => this.settingsValue,
      updateSettings: async (patch) => (this.settingsValue = { ...this.settingsValue, ...patch }),
      pullRefusal: async () => null,
      sbom: async () => undefined,
      securitySummary: async () => ({
        totalArtifacts: 10,
        scannedArtifacts: 4,
        counts: { total: 5, fixable: 3, critical: 1, high: 2, medium: 1, low: 1, unknown: 0, none: 0 },
        dangerousCves: [
          {
            cveId: 'CVE-2024-1',
            severity: 'Critical',
            cvssScore: 9.8,
            package: 'openssl',
            version: '3.0.1',
            desc: 'bad',
          },
        ],
        dangerousArtifacts: [{ projectId: 1, repository: 'priv/app', digest: DIGEST, critical: 1, high: 2, medium: 1 }],
      }),
      listVulnerabilities: async (q) => {
        this.lastQuery = q;
        return {
          total: 1500,
          items: [
            {
              projectId: 1,
              repository: 'priv/app',
              digest: DIGEST,
              tags: ['v1'],
              cveId: 'CVE-2024-1',
              severity: 'Critical',
              cvssScore: 9.8,
              package: 'openssl',
              version: '3.0.1',
              fixVersion: '3.0.2',
              desc: 'bad',
              links: ['https://example.test/CVE-2024-1'],
            },
          ],
        };
      },
      importDbFromArtifact: async (t) => {
        this.imported.push(`artifact ${t.repository}@${t.digest}`);
        return this.importResult();
      },
      updateDbFromUrls: async () => this.importResult(),
    } as ScanService;
  }

  importResult() {
    return {
      added: 3,
      updated: 0,
      unchanged: 1,
      removed: 0,
      skipped: 0,
      errors: [],
      sources: ['osv:npm'],
      status: { version: 5, updatedAt: T1, newestRecordAt: T0, records: 4, sources: [] },
    };
  }
}
const BUILTIN_ID = { name: 'Berth', vendor: 'Berth', version: '1.0.0' };

class FakeJobs {
  schedules = new Map<string, Schedule>();
  executions: Execution[] = [];
  tasks: Task[] = [];
  getSchedule = async (type: string, id = -1) => this.schedules.get(`${type} ${id}`);
  setSchedule = async (input: {
    vendorType: string;
    vendorId?: number;
    cron: string;
    callback: string;
    params?: Record<string, unknown>;
  }) => {
    const s: Schedule = {
      id: 3,
      vendorType: input.vendorType,
      vendorId: input.vendorId ?? -1,
      cron: input.cron,
      callback: input.callback,
      params: input.params ?? {},
      nextRun: T1,
      createTime: T0,
      updateTime: T0,
    };
    this.schedules.set(`${s.vendorType} ${s.vendorId}`, s);
    return s;
  };
  deleteSchedule = async (type: string, id = -1) => this.schedules.delete(`${type} ${id}`);
  listExecutions = async (f: { vendorType?: string; trigger?: string }, p: { page: number; pageSize: number }) => {
    const all = this.executions
      .filter((e) => e.vendorType === f.vendorType && (f.trigger === undefined || e.trigger === f.trigger))
      .sort((a, b) => b.id - a.id);
    return { items: all.slice((p.page - 1) * p.pageSize, p.page * p.pageSize), total: all.length };
  };
  listTasks = async (f: { executionId?: number; status?: string }) => {
    const all = this.tasks.filter(
      (t) => t.executionId === f.executionId && (f.status === undefined || t.status === f.status),
    );
    return { items: all.slice(0, 1), total: all.length };
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, checked by the assertions.
type Json = any;

async function setup(options: { scans?: boolean } = {}) {
  const fake = new FakeScans();
  const jobs = new FakeJobs();
  const audit: AuditRecord[] = [];
  const projects = [PRIV, PUB];
  const artifact = { id: 5, digest: DIGEST, repository: 'priv/app' } as Artifact;
  const meta = {
    projects: {
      getById: async (id: number) => projects.find((p) => p.id === id),
      get: async (name: string) => projects.find((p) => p.name === name),
    },
    repositories: {
      get: async (name: string) => (['priv/app', 'pub/app'].includes(name) ? { name } : undefined),
    },
  } as unknown as MetaStore;
  const deps: ApiDeps = {
    meta,
    log,
    events: new EventBus(() => {}),
    storage: new MemoryDriver(),
    system: { version: '0', volumeDir: process.cwd(), storageProvider: 'memory' },
    audit: { record: (r: AuditRecord) => audit.push(r) } as unknown as ApiDeps['audit'],
    authenticator: undefined as unknown as ApiDeps['authenticator'],
    manifests: {
      resolve: async (repo: { name: string }, ref: string) => {
        if (ref !== 'v1' && ref !== DIGEST) throw new NotFound('MANIFEST_UNKNOWN', 'no such artifact');
        return { ...artifact, repository: repo.name };
      },
    } as unknown as ApiDeps['manifests'],
    blobs: undefined as unknown as ApiDeps['blobs'],
    jobs: jobs as unknown as JobService,
    ...(options.scans === false ? {} : { scans: fake.service() }),
  };
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, forceCloseConnections: 'idle' });
  apps.push(app);
  app.decorateRequest('security', undefined as unknown as SecurityContext);
  app.addHook('onRequest', async (req) => {
    req.security = securityOf((req.headers['x-who'] as Who | undefined) ?? 'anon');
  });
  await app.register(
    buildApiPlugin(deps, [
      scanRoutes,
      scannerRoutes,
      scanAllRoutes,
      cveAllowlistRoutes,
      securityHubRoutes,
      vulndbRoutes({ maxUploadBytes: 64 }),
    ]),
  );
  await app.ready();
  const call = async (who: Who, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url: `/api/v2.0${url}`,
      headers: {
        'x-who': who,
        ...(body === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let json: Json;
    try {
      json = res.body === '' ? undefined : JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, text: res.body, headers: res.headers };
  };
  return { fake, jobs, audit, call };
}

const ART = '/projects/priv/repositories/app/artifacts';

describe('scanning an artifact', () => {
  it('lets a maintainer scan (202) and tells the service who and what', async () => {
    const { call, fake, audit } = await setup();
    const res = await call('maint', 'POST', `${ART}/v1/scan`);
    expect(res.status, res.text).toBe(202);
    expect(res.text).toBe('');
    expect(fake.calls).toEqual([`scan 1 priv/app ${DIGEST} vulnerability MANUAL maint`]);
    expect(audit).toMatchObject([
      { operation: 'create', resourceType: 'scan', resource: `priv/app@${DIGEST}`, project: 'priv' },
    ]);
    const sbom = await call('maint', 'POST', `${ART}/${DIGEST}/scan`, { scan_type: 'sbom' });
    expect(sbom.status).toBe(202);
    expect(fake.calls[1]).toContain(' sbom MANUAL ');
  });

  it('refuses guests and developers (403), anonymous callers (401), and hides private projects from outsiders', async () => {
    const { call, fake } = await setup();
    for (const [who, status] of [
      ['guest', 403],
      ['dev', 403],
      ['anon', 401],
      ['outsider', 403],
    ] as const) {
      const res = await call(who, 'POST', `${ART}/v1/scan`);
      expect(res.status, who).toBe(status);
      expectHarborErrors(res.json, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
    }
    // A public project lets anyone read, nobody outside it scan.
    expect((await call('outsider', 'POST', '/projects/pub/repositories/app/artifacts/v1/scan')).status).toBe(403);
    expect(fake.calls).toEqual([]);
  });

  it('answers 422 for an unknown scan_type and 404 for a missing artifact', async () => {
    const { call } = await setup();
    const bad = await call('maint', 'POST', `${ART}/v1/scan`, { scan_type: 'malware' });
    expect(bad.status).toBe(422);
    expectHarborErrors(bad.json, 'UNPROCESSABLE_ENTITY');
    const missing = await call('maint', 'POST', `${ART}/v9/scan`);
    expect(missing.status).toBe(404);
    expectMatchesSwagger('scanArtifact', 404, missing.json);
  });

  it('stops a running scan (202), and says 400 when none runs', async () => {
    const { call } = await setup();
    expect((await call('maint', 'POST', `${ART}/v1/scan/stop`, { scan_type: 'vulnerability' })).status).toBe(400);
    await call('maint', 'POST', `${ART}/v1/scan`);
    expect((await call('guest', 'POST', `${ART}/v1/scan/stop`, { scan_type: 'vulnerability' })).status).toBe(403);
    expect((await call('maint', 'POST', `${ART}/v1/scan/stop`, { scan_type: 'vulnerability' })).status).toBe(202);
  });

  it('serves the scan log as text to readers (guests too), 404 for an unknown report', async () => {
    const { call } = await setup();
    const res = await call('guest', 'GET', `${ART}/v1/scan/r-1/log`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('scanning layer 1\n');
    expect((await call('guest', 'GET', `${ART}/v1/scan/nope/log`)).status).toBe(404);
    expect((await call('anon', 'GET', `${ART}/v1/scan/r-1/log`)).status).toBe(401);
    expect((await call('anon', 'GET', '/projects/pub/repositories/app/artifacts/v1/scan/r-1/log')).status).toBe(200);
  });

  it('answers 405 where the server has no scanner', async () => {
    const { call } = await setup({ scans: false });
    const res = await call('maint', 'POST', `${ART}/v1/scan`);
    expect(res.status).toBe(405);
    expectHarborErrors(res.json);
  });
});

describe('scan overviews', () => {
  it('adds Harbor NativeReportSummary under the report mime, asking once for the whole page', async () => {
    const { fake } = await setup();
    const scans = fake.service();
    const items: Json[] = [{ digest: DIGEST }, { digest: `sha256:${'b'.repeat(64)}` }, { digest: DIGEST }];
    await attachScanOverviews(items, scans, undefined);
    expect(fake.calls).toEqual(['overviews 2']);
    const summary = items[0].scan_overview[VULNERABILITY_REPORT_MIME];
    expectMatchesDefinition('NativeReportSummary', summary);
    expect(summary).toMatchObject({
      report_id: 'r-1',
      scan_status: 'Success',
      severity: 'High',
      duration: 7,
      complete_percent: 100,
      summary: { total: 3, fixable: 2, summary: { High: 1, Medium: 2 } },
      scanner: BUILTIN_ID,
    });
    expect(items[1].scan_overview).toBeUndefined();
    expect(items[2].scan_overview).toEqual(items[0].scan_overview);
  });

  it('honours X-Accept-Vulnerabilities: only a header naming the 1.1 report gets one', async () => {
    const { fake } = await setup();
    const scans = fake.service();
    const one: Json[] = [{ digest: DIGEST }];
    await attachScanOverviews(one, scans, 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0');
    expect(one[0].scan_overview).toBeUndefined();
    await attachScanOverviews(
      one,
      scans,
      'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0, application/vnd.security.vulnerability.report;version=1.1',
    );
    expect(Object.keys(one[0].scan_overview)).toEqual([VULNERABILITY_REPORT_MIME]);
  });
});

describe('SBOM overviews', () => {
  it("adds Harbor's SBOMOverview, asking once for the page of one repository", async () => {
    const { fake } = await setup();
    const items: Json[] = [{ digest: DIGEST }, { digest: `sha256:${'b'.repeat(64)}` }, { digest: DIGEST }];
    await attachSbomOverviews(items, fake.service(), 'lib/app');
    expect(fake.calls).toEqual(['sbomOverviews lib/app 2']);
    expectMatchesDefinition('SBOMOverview', items[0].sbom_overview);
    expect(items[0].sbom_overview).toEqual({
      start_time: '2026-01-01T00:00:00.000Z',
      end_time: '2026-01-01T00:00:07.000Z',
      scan_status: 'Success',
      sbom_digest: SBOM,
      report_id: '12',
      duration: 7,
      scanner: BUILTIN_ID,
    });
    expect(items[1].sbom_overview).toBeUndefined();
  });
});

describe('scanner registrations', () => {
  it('lists for system administrators only, never with the credential', async () => {
    const { call } = await setup();
    await call('admin', 'POST', '/scanners', {
      name: 'trivy',
      url: 'http://trivy:8080',
      auth: 'Bearer',
      access_credential: 's3cret',
    });
    const res = await call('admin', 'GET', '/scanners');
    expect(res.status).toBe(200);
    expectMatchesSwagger('listScanners', 200, res.json);
    expect(res.headers['x-total-count']).toBe('2');
    expect(res.text).not.toContain('s3cret');
    expect(res.json.map((r: Json) => r.name)).toEqual(['Berth', 'trivy']);
    expect((await call('admin', 'GET', '/scanners?q=name%3D~triv')).json.map((r: Json) => r.name)).toEqual(['trivy']);
    expect((await call('admin', 'GET', '/scanners?url=builtin')).json.map((r: Json) => r.name)).toEqual(['Berth']);
    expect((await call('padmin', 'GET', '/scanners')).status).toBe(403);
    expect((await call('anon', 'GET', '/scanners')).status).toBe(401);
  });

  it('creates (201 with Location), refuses a duplicate (409) and bad input (400)', async () => {
    const { call, audit } = await setup();
    const created = await call('admin', 'POST', '/scanners', { name: 'trivy', url: 'http://trivy:8080' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/api/v2.0/scanners/u-1');
    expect(audit).toMatchObject([{ operation: 'create', resourceType: 'scanner', resource: 'trivy' }]);
    const dup = await call('admin', 'POST', '/scanners', { name: 'trivy', url: 'http://other:8080' });
    expect(dup.status).toBe(409);
    expectHarborErrors(dup.json, 'CONFLICT');
    for (const body of [
      { name: 'x' },
      { name: '', url: 'http://a' },
      { name: 'x', url: 'ftp://a' },
      { name: 'x', url: 'http://a', auth: 'Magic' },
      { name: 'x', url: 'http://a', auth: 'Basic' },
      { name: 'x', url: 'http://a', disabled: 'yes' },
    ]) {
      const res = await call('admin', 'POST', '/scanners', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectHarborErrors(res.json, 'BAD_REQUEST');
    }
  });

  it('keeps the stored credential on an update without one; the built-in scanner is immutable (403)', async () => {
    const { call, fake } = await setup();
    await call('admin', 'POST', '/scanners', {
      name: 'trivy',
      url: 'http://trivy:8080',
      auth: 'Bearer',
      access_credential: 'tok',
    });
    const put = await call('admin', 'PUT', '/scanners/u-1', {
      name: 'trivy2',
      url: 'http://trivy:8080',
      auth: 'Bearer',
    });
    expect(put.status, put.text).toBe(200);
    expect(fake.registrations[1]).toMatchObject({ name: 'trivy2', accessCredential: 'tok' });
    expect((await call('admin', 'PUT', '/scanners/builtin', { name: 'x', url: 'http://x' })).status).toBe(403);
    expect((await call('admin', 'DELETE', '/scanners/builtin')).status).toBe(403);
    expect((await call('admin', 'GET', '/scanners/nope')).status).toBe(404);
  });

  it('makes a scanner the default (PATCH), and refuses to delete the default (412)', async () => {
    const { call, fake } = await setup();
    await call('admin', 'POST', '/scanners', { name: 'trivy', url: 'http://trivy:8080' });
    expect((await call('admin', 'PATCH', '/scanners/u-1', { is_default: true })).status).toBe(200);
    expect(fake.registrations.find((r) => r.isDefault)?.name).toBe('trivy');
    const del = await call('admin', 'DELETE', '/scanners/u-1');
    expect(del.status).toBe(412);
    expectHarborErrors(del.json, 'PRECONDITION');
    await call('admin', 'PATCH', '/scanners/builtin', { is_default: true });
    const ok = await call('admin', 'DELETE', '/scanners/u-1');
    expect(ok.status).toBe(200);
    expectMatchesSwagger('deleteScanner', 200, ok.json);
    expect(ok.json.name).toBe('trivy');
  });

  it('pings (400 when unreachable) and reads metadata', async () => {
    const { call } = await setup();
    expect((await call('admin', 'POST', '/scanners/ping', { name: 'a', url: 'http://ok:1' })).status).toBe(200);
    expect((await call('admin', 'POST', '/scanners/ping', { name: 'a', url: 'http://unreachable:1' })).status).toBe(
      400,
    );
    const md = await call('admin', 'GET', '/scanners/builtin/metadata');
    expect(md.status).toBe(200);
    expectMatchesSwagger('getScannerMetadata', 200, md.json);
    expect(md.json.scanner).toEqual(BUILTIN_ID);
  });

  it('project scanner: members read it, project admins choose it', async () => {
    const { call, fake } = await setup();
    await call('admin', 'POST', '/scanners', { name: 'trivy', url: 'http://trivy:8080' });
    const got = await call('guest', 'GET', '/projects/priv/scanner');
    expect(got.status).toBe(200);
    expectMatchesSwagger('getScannerOfProject', 200, got.json);
    expect(got.json.name).toBe('Berth');
    expect((await call('maint', 'PUT', '/projects/priv/scanner', { uuid: 'u-1' })).status).toBe(403);
    expect((await call('padmin', 'PUT', '/projects/priv/scanner', { uuid: 'nope' })).status).toBe(404);
    expect((await call('padmin', 'PUT', '/projects/priv/scanner', { uuid: 'u-1' })).status).toBe(200);
    expect(fake.projectScanner.get(1)).toBe('u-1');
    expect((await call('guest', 'GET', '/projects/1/scanner')).json.name).toBe('trivy');
    const candidates = await call('padmin', 'GET', '/projects/priv/scanner/candidates');
    expect(candidates.status).toBe(200);
    expect(candidates.headers['x-total-count']).toBe('2');
    expect((await call('dev', 'GET', '/projects/priv/scanner/candidates')).status).toBe(403);
  });
});

describe('scan-all', () => {
  it('Manual starts a run (201), 409 while a manual run is going', async () => {
    const { call, fake, jobs } = await setup();
    const res = await call('admin', 'POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } });
    expect(res.status).toBe(201);
    expect(fake.calls).toEqual(['scanAll MANUAL']);
    jobs.executions.push({
      id: 50,
      vendorType: SCAN_ALL_VENDOR_TYPE,
      trigger: 'MANUAL',
      status: 'Running',
    } as Execution);
    const again = await call('admin', 'POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } });
    expect(again.status).toBe(409);
    expectHarborErrors(again.json, 'CONFLICT');
    expect((await call('padmin', 'POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status).toBe(
      403,
    );
  });

  it('sets, reads, refuses a second POST (412), replaces with PUT and deletes with None', async () => {
    const { call, jobs } = await setup();
    expect((await call('admin', 'GET', '/system/scanAll/schedule')).json).toEqual({});
    expect((await call('admin', 'POST', '/system/scanAll/schedule', { schedule: { type: 'Daily' } })).status).toBe(201);
    const got = await call('admin', 'GET', '/system/scanAll/schedule');
    expectMatchesSwagger('getScanAllSchedule', 200, got.json);
    expect(got.json.schedule).toMatchObject({ type: 'Daily', cron: '0 0 0 * * *' });
    expect(jobs.schedules.get(`${SCAN_ALL_VENDOR_TYPE} 0`)?.callback).toBe(SCAN_ALL_SCHEDULE_CALLBACK);
    const second = await call('admin', 'POST', '/system/scanAll/schedule', { schedule: { type: 'Hourly' } });
    expect(second.status).toBe(412);
    const put = await call('admin', 'PUT', '/system/scanAll/schedule', {
      schedule: { type: 'Custom', cron: '0 30 2 * * *' },
    });
    expect(put.status).toBe(200);
    expect((await call('admin', 'GET', '/system/scanAll/schedule')).json.schedule).toMatchObject({
      type: 'Custom',
      cron: '0 30 2 * * *',
    });
    expect((await call('admin', 'PUT', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status).toBe(400);
    expect(
      (await call('admin', 'PUT', '/system/scanAll/schedule', { schedule: { type: 'Custom', cron: '* * *' } })).status,
    ).toBe(400);
    expect((await call('admin', 'PUT', '/system/scanAll/schedule', { schedule: { type: 'None' } })).status).toBe(200);
    expect(jobs.schedules.size).toBe(0);
  });

  it('metrics count the latest run tasks by status; stop needs a run', async () => {
    const { call, jobs, fake } = await setup();
    const empty = await call('admin', 'GET', '/scans/all/metrics');
    expect(empty.json).toEqual({ total: 0, completed: 0, ongoing: false });
    expect((await call('admin', 'POST', '/system/scanAll/stop')).status).toBe(400);
    jobs.executions.push({
      id: 60,
      vendorType: SCAN_ALL_VENDOR_TYPE,
      trigger: 'SCHEDULE',
      status: 'Running',
    } as Execution);
    for (const status of ['Success', 'Success', 'Error', 'Running', 'Pending']) {
      jobs.tasks.push({ executionId: 60, status } as Task);
    }
    const res = await call('admin', 'GET', '/scans/all/metrics');
    expectMatchesSwagger('getLatestScanAllMetrics', 200, res.json);
    expect(res.json).toEqual({
      total: 5,
      completed: 3,
      metrics: { Pending: 1, Running: 1, Success: 2, Error: 1, Stopped: 0 },
      ongoing: true,
      trigger: 'Schedule',
    });
    expect((await call('admin', 'GET', '/scans/schedule/metrics')).json.total).toBe(5);
    expect((await call('admin', 'POST', '/system/scanAll/stop')).status).toBe(202);
    expect(fake.calls).toContain('stopScanAll');
    expect((await call('dev', 'GET', '/scans/all/metrics')).status).toBe(403);
  });
});

describe('CVE allowlists and the security hub', () => {
  it('system allowlist: anyone signed in reads, only admins write; duplicates refused', async () => {
    const { call, audit } = await setup();
    expect((await call('anon', 'GET', '/system/CVEAllowlist')).status).toBe(401);
    const put = await call('admin', 'PUT', '/system/CVEAllowlist', {
      expires_at: 1900000000,
      items: [{ cve_id: 'CVE-2024-1' }, { cve_id: ' GHSA-xxxx-yyyy-zzzz ' }],
    });
    expect(put.status, put.text).toBe(200);
    const got = await call('guest', 'GET', '/system/CVEAllowlist');
    expectMatchesSwagger('getSystemCVEAllowlist', 200, got.json);
    expect(got.json).toMatchObject({
      project_id: 0,
      expires_at: 1900000000,
      items: [{ cve_id: 'CVE-2024-1' }, { cve_id: 'GHSA-xxxx-yyyy-zzzz' }],
    });
    expect(audit).toMatchObject([{ resourceType: 'cve_allowlist', resource: 'system' }]);
    expect((await call('padmin', 'PUT', '/system/CVEAllowlist', { items: [] })).status).toBe(403);
    const dup = await call('admin', 'PUT', '/system/CVEAllowlist', {
      items: [{ cve_id: 'CVE-1' }, { cve_id: 'CVE-1' }],
    });
    expect(dup.status).toBe(400);
    expect(dup.json.errors[0].message).toContain('duplicate');
  });

  it('security summary and vulnerability list are for system administrators, in Harbor shapes', async () => {
    const { call, fake } = await setup();
    expect((await call('padmin', 'GET', '/security/summary')).status).toBe(403);
    const plain = await call('admin', 'GET', '/security/summary');
    expectMatchesSwagger('getSecuritySummary', 200, plain.json);
    expect(plain.json).toMatchObject({
      total_vuls: 5,
      critical_cnt: 1,
      scanned_cnt: 4,
      total_artifact: 10,
      fixable_cnt: 3,
    });
    expect(plain.json.dangerous_cves).toBeUndefined();
    const full = await call('admin', 'GET', '/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true');
    expectMatchesSwagger('getSecuritySummary', 200, full.json);
    expect(full.json.dangerous_cves[0]).toMatchObject({ cve_id: 'CVE-2024-1', cvss_score_v3: 9.8 });
    expect(full.json.dangerous_artifacts[0]).toMatchObject({ repository_name: 'priv/app', critical_cnt: 1 });

    const list = await call(
      'admin',
      'GET',
      '/security/vul?q=cvss_score_v3%3D%5B7~10%5D,severity%3Dcritical,project_id%3D1&tune_count=true&with_tag=true',
    );
    expect(list.status, list.text).toBe(200);
    expectMatchesSwagger('ListVulnerabilities', 200, list.json);
    expect(list.headers['x-total-count']).toBe('-1');
    expect(list.json[0]).toMatchObject({
      cve_id: 'CVE-2024-1',
      tags: ['v1'],
      cvss_v3_score: 9.8,
      fixed_version: '3.0.2',
    });
    expect(fake.lastQuery).toEqual({ cvssMin: 7, cvssMax: 10, severity: 'Critical', projectIds: [1] });
    expect((await call('admin', 'GET', '/security/vul')).headers['x-total-count']).toBe('1500');
    expect((await call('admin', 'GET', '/security/vul?q=owner%3Dme')).status).toBe(400);
    expect((await call('dev', 'GET', '/security/vul')).status).toBe(403);
  });
});

describe('Berth scanner administration', () => {
  it('settings: read and patch with validation, admins only', async () => {
    const { call, audit } = await setup();
    expect((await call('padmin', 'GET', '/system/scanner/settings')).status).toBe(403);
    const got = await call('admin', 'GET', '/system/scanner/settings');
    expect(got.json).toEqual({
      workers: 2,
      memory_mb: 256,
      max_layer_bytes: 1 << 30,
      niceness: 10,
      time_window: null,
      scan_all_only_changed: true,
      db_urls: [],
      db_update_cron: null,
    });
    const put = await call('admin', 'PUT', '/system/scanner/settings', {
      workers: 3,
      time_window: '01:00-06:00',
      db_urls: ['https://x.test/all.zip'],
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ workers: 3, time_window: '01:00-06:00', db_urls: ['https://x.test/all.zip'] });
    expect(audit).toMatchObject([{ resourceType: 'scanner_settings', detail: 'workers, time_window, db_urls' }]);
    for (const body of [
      { workers: 0 },
      { workers: 2.5 },
      { memory_mb: 1 },
      { niceness: 20 },
      { time_window: '25:00-01:00' },
      { db_urls: ['file:///etc/passwd'] },
      { db_update_cron: '* * *' },
      { scan_all_only_changed: 'yes' },
      { bogus: 1 },
    ]) {
      const res = await call('admin', 'PUT', '/system/scanner/settings', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectHarborErrors(res.json, 'BAD_REQUEST');
    }
  });

  it('vulndb: status, upload streamed to a file (size-capped), import from an artifact', async () => {
    const { call, fake } = await setup();
    const status = await call('admin', 'GET', '/system/scanner/vulndb');
    expect(status.json).toMatchObject({ version: 4, records: 12, sources: [{ name: 'debian-tracker', records: 12 }] });
    expect(typeof status.json.age_seconds).toBe('number');
    const up = await call('admin', 'POST', '/system/scanner/vulndb', '{"id":"OSV-1"}', {
      'content-type': 'application/json',
    });
    expect(up.status, up.text).toBe(200);
    expect(up.json).toMatchObject({ added: 3, unchanged: 1, sources: ['osv:npm'], status: { version: 5 } });
    expect(fake.imported).toEqual(['{"id":"OSV-1"}']);
    const big = await call('admin', 'POST', '/system/scanner/vulndb', 'x'.repeat(100), {
      'content-type': 'application/zip',
    });
    expect(big.status).toBe(413);
    expect(
      (await call('padmin', 'POST', '/system/scanner/vulndb', 'x', { 'content-type': 'application/zip' })).status,
    ).toBe(403);
    const imp = await call('admin', 'POST', '/system/scanner/vulndb/import', {
      project_name: 'priv',
      repository_name: 'app',
      reference: 'v1',
    });
    expect(imp.status, imp.text).toBe(200);
    expect(fake.imported[1]).toBe(`artifact priv/app@${DIGEST}`);
    expect((await call('admin', 'POST', '/system/scanner/vulndb/update')).json.added).toBe(3);
  });
});
