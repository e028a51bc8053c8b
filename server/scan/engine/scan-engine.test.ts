import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildImage,
  buildIndex,
  manifestsInPushOrder,
  type BuiltManifest,
  type Layer,
} from '../../../test/fixtures/image-builder.js';
import { gzipLayer, type LayerEntry } from '../../../test/fixtures/scan/layer-builder.js';
import { EventBus } from '../../core/events.js';
import { resolveRepositoryName } from '../../core/names.js';
import { LocalJobService } from '../../jobs/job-service.js';
import type { MetaStore } from '../../meta/meta-store.js';
import { openSqliteMetaStore } from '../../meta/sqlite/sqlite-meta-store.js';
import { ManifestService } from '../../registry/manifest-service.js';
import { BlobStore } from '../../storage/blob-store.js';
import { FilesystemDriver } from '../../storage/filesystem-driver.js';
import { MemoryDriver } from '../../storage/memory-driver.js';
import type { ImagePackage } from '../layers/layer-types.js';
import type {
  AdvisoryDatabase,
  AdvisoryDbStatus,
  ImportResult,
  Severity,
  VulnerabilityFinding,
} from '../scan-contract.js';
import { JOB_SCAN, ScanEngine } from './scan-service.js';

const log = pino({ level: 'silent' });
const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url));

/**
 * A small advisory database: advisories by package name with the exact affected versions. It stands
 * in for vulndb/ so these tests pin what the engine does with findings (the matching itself is
 * vulndb's and is tested there); `matched` counts calls and `bump()` acts as an import that changed
 * something.
 */
/** The newest advisory record's modification time the in-test database reports. */
const NEWEST_RECORD = new Date('2026-01-02T03:04:05Z');

class TestAdvisories implements AdvisoryDatabase {
  version = 1;
  matched = 0;
  advisories: Array<{
    id: string;
    package: string;
    affected: string[];
    fixed: string | null;
    severity: Severity;
    score?: number;
  }> = [
    {
      id: 'CVE-2021-23337',
      package: 'lodash',
      affected: ['4.17.15', '4.17.20'],
      fixed: '4.17.21',
      severity: 'High',
      score: 7.2,
    },
    {
      id: 'CVE-2021-44906',
      package: 'minimist',
      affected: ['1.2.5'],
      fixed: '1.2.6',
      severity: 'Critical',
      score: 9.8,
    },
    { id: 'CVE-2099-0001', package: 'left-pad', affected: ['1.0.0'], fixed: null, severity: 'Low' },
  ];

  async status(): Promise<AdvisoryDbStatus> {
    return {
      version: this.version,
      updatedAt: new Date(0),
      newestRecordAt: NEWEST_RECORD,
      records: this.advisories.length,
      sources: [],
    };
  }

  async importPath(): Promise<ImportResult> {
    throw new Error('not used');
  }

  async match(packages: readonly ImagePackage[]): Promise<VulnerabilityFinding[]> {
    this.matched++;
    const out: VulnerabilityFinding[] = [];
    for (const p of packages) {
      for (const a of this.advisories) {
        if (a.package !== p.name || !a.affected.includes(p.version)) continue;
        out.push({
          id: a.id,
          aliases: [],
          package: p.name,
          version: p.version,
          fixVersion: a.fixed,
          severity: a.severity,
          ...(a.score ? { cvss: { vector: 'CVSS:3.1/AV:N', score: a.score, version: '3.1' as const } } : {}),
          summary: `${a.id} in ${a.package}`,
          description: null,
          links: [`https://osv.dev/${a.id}`],
          cweIds: [],
          ecosystem: p.ecosystem,
          source: 'test',
          modified: null,
        });
      }
    }
    return out.sort((x, y) => x.package.localeCompare(y.package) || x.id.localeCompare(y.id));
  }

  bump(): void {
    this.version++;
  }

  async close(): Promise<void> {}
}

const pkgJson = (name: string, version: string) => `{"name":"${name}","version":"${version}"}`;
const BASE: LayerEntry[] = [
  { path: 'usr/lib/os-release', data: fixture('pkgdb/os-release-debian-12.txt') },
  { path: 'etc/os-release', type: 'symlink', linkTarget: '../usr/lib/os-release' },
  { path: 'var/lib/dpkg/status', data: fixture('pkgdb/dpkg-status-debian12.txt').toString() },
];

function layer(entries: readonly LayerEntry[]): Layer {
  const data = gzipLayer(entries);
  const digest = sha256(data);
  return { data, digest, size: data.length, diffId: digest, compression: 'gzip' };
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function appLayer(packages: Record<string, string>, extra = ''): Layer {
  return layer([
    ...Object.entries(packages).map(([name, version]) => ({
      path: `app/node_modules/${name}/package.json`,
      data: pkgJson(name, version),
    })),
    ...(extra ? [{ path: 'app/extra.txt', data: extra }] : []),
  ]);
}

const baseLayer = layer(BASE);

interface Harness {
  dir: string;
  meta: MetaStore;
  jobs: LocalJobService;
  engine: ScanEngine;
  vulndb: TestAdvisories;
  manifests: ManifestService;
  blobs: BlobStore;
  events: EventBus;
  projectId: number;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.engine.close();
    await h.jobs.close();
    await h.meta.close();
    await rm(h.dir, { recursive: true, force: true });
  }
});

async function setup(
  options: { memory?: boolean; metadata?: Record<string, string>; cpuSlots?: number } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-scan-engine-'));
  const meta = openSqliteMetaStore({ file: join(dir, 'meta.db') });
  const blobs = new BlobStore(options.memory ? new MemoryDriver() : new FilesystemDriver(join(dir, 'storage')));
  const events = new EventBus((err) => {
    throw err;
  });
  const jobs = new LocalJobService({
    repo: meta.jobs,
    log,
    owner: 'test',
    cpuSlots: options.cpuSlots ?? 4,
    leaseMs: 5000,
    historyPerVendor: 50,
    maxLogLines: 1000,
    pollMs: 50,
  });
  const manifests = new ManifestService({ blobs, meta, events, log, autoCreateProjects: false, cacheBytes: 1 << 20 });
  const vulndb = new TestAdvisories();
  const engine = new ScanEngine({ meta, blobs, manifests, jobs, events, vulndb, log, dbWatchMs: 60_000 });
  await engine.register();
  await jobs.start();
  const project = await meta.projects.create({
    name: 'scan',
    public: false,
    ownerId: null,
    metadata: options.metadata ?? {},
  });
  const h = { dir, meta, jobs, engine, vulndb, manifests, blobs, events, projectId: project.id };
  harnesses.push(h);
  return h;
}

async function push(h: Harness, repository: string, tag: string, root: BuiltManifest): Promise<void> {
  const repo = resolveRepositoryName(repository);
  for (const m of manifestsInPushOrder(root)) {
    for (const [digest, data] of m.blobs) {
      let incarnation: number | undefined;
      await h.blobs.putSmall(data, digest, {
        beforePublish: async (b) => {
          incarnation = await h.meta.blobs.pin(b);
        },
      });
      await h.meta.blobs.link({
        repository: repo.name,
        project: repo.project,
        createProject: false,
        blob: { digest, size: data.length },
        ...(incarnation === undefined ? {} : { expectIncarnation: incarnation }),
      });
    }
    await h.manifests.put(repo, m === root ? tag : m.digest, m.bytes, m.mediaType);
  }
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ended = (h: Harness, id: number) =>
  until(async () => {
    const e = await h.jobs.getExecution(id);
    return e?.endTime ? e : undefined;
  }, `execution ${id}`);

const target = (h: Harness, repository: string, digest: string) => ({ projectId: h.projectId, repository, digest });

describe('ScanEngine', () => {
  it('scans an image in a worker: exact findings, summary columns, findings rows, per-layer log', async () => {
    const h = await setup();
    // Incompressible padding makes the app layer larger than IN_PROCESS_MAX_BYTES, so it goes to a worker.
    const padding = randomBytes(400 * 1024).toString('base64');
    const image = buildImage({
      layers: [baseLayer, appLayer({ lodash: '4.17.15', minimist: '1.2.5', express: '4.18.2' }, padding)],
    });
    await push(h, 'scan/app', 'v1', image);
    const { executionId } = await h.engine.requestScan(target(h, 'scan/app', image.digest), {
      scanType: 'vulnerability',
      trigger: 'MANUAL',
    });
    expect((await ended(h, executionId)).status).toBe('Success');
    const report = await h.engine.report(target(h, 'scan/app', image.digest));
    expect(report?.severity).toBe('Critical');
    // Most severe first, as the report module orders items.
    expect(report?.vulnerabilities.map((v) => [v.id, v.package, v.version, v.fix_version, v.severity])).toEqual([
      ['CVE-2021-44906', 'minimist', '1.2.5', '1.2.6', 'Critical'],
      ['CVE-2021-23337', 'lodash', '4.17.15', '4.17.21', 'High'],
    ]);
    // The findings point at the layer that holds the package.
    expect(report?.vulnerabilities[0]?.layer?.digest).toBe(
      image.json.layers && (image.json.layers as Array<{ digest: string }>)[1]!.digest,
    );
    // What the portal reads under `vendor_attributes.berth`: where the package was found, its ecosystem.
    expect(report?.vulnerabilities[0]?.vendor_attributes?.berth).toMatchObject({
      ecosystem: 'npm',
      package_path: 'app/node_modules/minimist/package.json',
      fixed: true,
    });
    const overview = (await h.engine.overviews([image.digest])).get(image.digest);
    expect(overview).toMatchObject({
      status: 'Success',
      severity: 'Critical',
      completePercent: 100,
      counts: { total: 2, fixable: 2, critical: 1, high: 1, medium: 0, low: 0, unknown: 0, none: 0 },
      dbVersion: 1,
      // How current the data was (its newest record), not when it was imported.
      dbUpdatedAt: NEWEST_RECORD,
    });
    const log = await h.engine.reportLog(target(h, 'scan/app', image.digest), overview!.reportId);
    expect(log).toMatch(/layer 1\/2 .*analysed in \d+ ms/);
    expect(log).toMatch(/layer 2\/2 .*analysed in \d+ ms/);
    // The worker thread lowered its own priority (default niceness 10), read back from /proc/thread-self/stat.
    // The small base layer was read on the main thread: starting a worker would cost more than it.
    if (process.platform === 'linux') expect(log).toMatch(/layer 2\/2 .*worker thread nice 10\b/);
    expect(log).not.toMatch(/layer 1\/2 .*worker thread/);
    const rows = await h.engine.listVulnerabilities({ projectIds: [h.projectId] }, { page: 1, pageSize: 10 });
    expect(rows.total).toBe(2);
    expect(rows.items.map((r) => [r.cveId, r.tags, r.cvssScore])).toEqual([
      ['CVE-2021-44906', ['v1'], 9.8],
      ['CVE-2021-23337', ['v1'], 7.2],
    ]);
    const summary = await h.engine.securitySummary('all');
    expect(summary).toMatchObject({
      totalArtifacts: 1,
      scannedArtifacts: 1,
      counts: { total: 2, critical: 1, high: 1 },
    });
    expect(summary.dangerousCves[0]?.cveId).toBe('CVE-2021-44906');
  });

  it('a second scan reads no layer (cached inventory); a new DB version re-matches without reading layers', async () => {
    const h = await setup();
    const image = buildImage({ layers: [baseLayer, appLayer({ lodash: '4.17.20' })] });
    await push(h, 'scan/app', 'v1', image);
    const t = target(h, 'scan/app', image.digest);
    await ended(h, (await h.engine.requestScan(t, { scanType: 'vulnerability', trigger: 'MANUAL' })).executionId);
    expect(h.engine.layers.reads).toBe(2);
    await ended(h, (await h.engine.requestScan(t, { scanType: 'vulnerability', trigger: 'MANUAL' })).executionId);
    expect(h.engine.layers.reads).toBe(2);
    const second = (await h.engine.overviews([image.digest])).get(image.digest)!;
    expect(await h.engine.reportLog(t, second.reportId)).toMatch(/inventory from cache: .*no layer read/);

    // An import adds an advisory for a package the image has and raises the DB version.
    h.vulndb.advisories.push({
      id: 'CVE-2099-7777',
      package: 'lodash',
      affected: ['4.17.20'],
      fixed: null,
      severity: 'Medium',
    });
    h.vulndb.bump();
    const matchedBefore = h.vulndb.matched;
    await h.engine.checkDb();
    await until(async () => (await h.engine.overviews([image.digest])).get(image.digest)?.dbVersion === 2, 're-match');
    const after = (await h.engine.overviews([image.digest])).get(image.digest)!;
    expect(after.counts).toMatchObject({ total: 2, high: 1, medium: 1, fixable: 1 });
    expect(h.engine.layers.reads).toBe(2);
    expect(h.vulndb.matched).toBe(matchedBefore + 1);
    expect(await h.engine.reportLog(t, after.reportId)).toMatch(/re-matched stored inventory/);
  });

  it('scan-all of many images sharing a base layer reads that layer once, and a second run skips current reports', async () => {
    const h = await setup({ cpuSlots: 5 });
    await h.engine.updateSettings({ workers: 4 });
    const images: BuiltManifest[] = [];
    for (let i = 0; i < 12; i++) {
      const image = buildImage({ layers: [baseLayer, appLayer({ lodash: '4.17.15' }, `image ${i}`)] });
      images.push(image);
      await push(h, `scan/app${i}`, 'v1', image);
    }
    const first = await h.engine.scanAll('MANUAL');
    await Promise.all([...h.engine.enumerations]);
    const done = await ended(h, first.executionId);
    expect(done.status).toBe('Success');
    // 12 app layers + the shared base layer once.
    expect(h.engine.layers.reads).toBe(13);
    const overviews = await h.engine.overviews(images.map((i) => i.digest));
    expect([...overviews.values()].every((o) => o.status === 'Success' && o.counts.high === 1)).toBe(true);

    const second = await h.engine.scanAll('MANUAL');
    await Promise.all([...h.engine.enumerations]);
    await ended(h, second.executionId);
    expect((await h.jobs.listTasks({ executionId: second.executionId }, { page: 1, pageSize: 100 })).total).toBe(0);
    expect(h.engine.layers.reads).toBe(13);

    const forced = await h.engine.scanAll('MANUAL', { force: true });
    await Promise.all([...h.engine.enumerations]);
    await ended(h, forced.executionId);
    expect((await h.jobs.listTasks({ executionId: forced.executionId }, { page: 1, pageSize: 100 })).total).toBe(12);
    expect(h.engine.layers.reads).toBe(13);
  });

  it('an index scans each child once and its report merges the children’s', async () => {
    const h = await setup();
    const amd = buildImage({
      layers: [baseLayer, appLayer({ lodash: '4.17.15' })],
      platform: { architecture: 'amd64', os: 'linux' },
    });
    const arm = buildImage({
      layers: [baseLayer, appLayer({ minimist: '1.2.5', lodash: '4.17.15' }, 'arm')],
      platform: { architecture: 'arm64', os: 'linux' },
    });
    const index = buildIndex([amd, arm]);
    await push(h, 'scan/multi', 'v1', index);
    const { executionId } = await h.engine.requestScan(target(h, 'scan/multi', index.digest), {
      scanType: 'vulnerability',
      trigger: 'MANUAL',
    });
    await ended(h, executionId);
    const tasks = await h.jobs.listTasks({ executionId }, { page: 1, pageSize: 10 });
    expect(tasks.items.map((t) => t.params.digest).sort()).toEqual([amd.digest, arm.digest].sort());
    await until(
      async () => (await h.engine.overviews([index.digest])).get(index.digest)?.status === 'Success',
      'index report',
    );
    const report = await h.engine.report(target(h, 'scan/multi', index.digest));
    const lodash = report?.vulnerabilities.find((v) => v.id === 'CVE-2021-23337');
    expect(lodash?.artifact_digests?.sort()).toEqual([amd.digest, arm.digest].sort());
    expect(report?.vulnerabilities.find((v) => v.id === 'CVE-2021-44906')?.artifact_digests).toEqual([arm.digest]);
    expect((await h.engine.overviews([index.digest])).get(index.digest)?.counts).toMatchObject({
      total: 2,
      critical: 1,
      high: 1,
    });
    // The base layer is shared by both children: read once.
    expect(h.engine.layers.reads).toBe(3);
  });

  it('scan-on-push in an auto_scan project: the tagged image and an index, not children by digest nor accessories', async () => {
    const h = await setup({ metadata: { auto_scan: 'true' } });
    const image = buildImage({ layers: [baseLayer, appLayer({ minimist: '1.2.5' })] });
    await push(h, 'scan/pushed', 'v1', image);
    await until(
      async () => (await h.engine.overviews([image.digest])).get(image.digest)?.status === 'Success',
      'scan on push',
    );
    const signature = buildImage({
      layers: [appLayer({ a: '1' })],
      subject: image.descriptor,
    });
    await push(h, 'scan/pushed', 'sig', signature);
    const executions = await h.jobs.listExecutions({ vendorType: 'IMAGE_SCAN' }, { page: 1, pageSize: 10 });
    expect(executions.items.map((e) => e.trigger)).toEqual(['EVENT']);
    expect((await h.engine.overviews([signature.digest])).size).toBe(0);
  });

  it('stop aborts a running scan at once and marks the report Stopped', async () => {
    const h = await setup();
    // A layer big enough that the worker is still reading it when the stop arrives.
    const big = layer([{ path: 'app/big.bin', data: Buffer.alloc(64 * 1024 * 1024, 7) }, ...BASE]);
    const image = buildImage({ layers: [big] });
    await push(h, 'scan/big', 'v1', image);
    const t = target(h, 'scan/big', image.digest);
    const { executionId } = await h.engine.requestScan(t, { scanType: 'vulnerability', trigger: 'MANUAL' });
    await until(
      async () => (await h.engine.overviews([image.digest])).get(image.digest)?.status === 'Running',
      'running',
    );
    expect(await h.engine.stopScan(t, 'vulnerability')).toBe(true);
    expect((await ended(h, executionId)).status).toBe('Stopped');
    expect((await h.engine.overviews([image.digest])).get(image.digest)?.status).toBe('Stopped');
  });

  it('a layer over maxLayerBytes is not read; the report says it is incomplete; memory storage analyses in-process', async () => {
    const h = await setup({ memory: true });
    await h.engine.updateSettings({ maxLayerBytes: 1024 * 1024 });
    const big = layer([{ path: 'app/noise.bin', data: randomBytes(1536 * 1024) }]);
    const image = buildImage({ layers: [baseLayer, big, appLayer({ lodash: '4.17.15' })] });
    await push(h, 'scan/mem', 'v1', image);
    const t = target(h, 'scan/mem', image.digest);
    await ended(h, (await h.engine.requestScan(t, { scanType: 'vulnerability', trigger: 'MANUAL' })).executionId);
    const overview = (await h.engine.overviews([image.digest])).get(image.digest)!;
    expect(overview.counts.high).toBe(1);
    const log = await h.engine.reportLog(t, overview.reportId);
    expect(log).toMatch(/layer 2\/3 .*larger than the 1048576-byte limit, not read; the report is incomplete/);
    expect(log).toMatch(/incomplete: some files or layers were not read/);
    expect(h.engine.layers.reads).toBe(2);
  });

  it('settings reach the job types at once (workers → concurrency) and are kept', async () => {
    const h = await setup();
    const saved = await h.engine.updateSettings({ workers: 3, memoryMb: 512, niceness: 15, timeWindow: '01:00-05:00' });
    expect(saved).toMatchObject({ workers: 3, memoryMb: 512, niceness: 15, timeWindow: '01:00-05:00' });
    expect((await h.jobs.queues()).find((q) => q.jobType === JOB_SCAN)?.concurrency).toBe(3);
    await expect(h.engine.updateSettings({ niceness: 40 })).rejects.toThrow(/niceness/);
    await expect(h.engine.updateSettings({ timeWindow: 'later' })).rejects.toThrow(/time window/);
    expect((await h.engine.settings()).niceness).toBe(15);
  });

  it('pullRefusal: prevent_vul with severity, allowlists (project, system reuse, expired), unscanned, accessories pass', async () => {
    const h = await setup({ metadata: { prevent_vul: 'true', severity: 'high' } });
    const image = buildImage({ layers: [baseLayer, appLayer({ lodash: '4.17.15', minimist: '1.2.5' })] });
    await push(h, 'scan/pol', 'v1', image);
    const t = target(h, 'scan/pol', image.digest);
    expect(await h.engine.pullRefusal(t)).toBe(
      `current image without vulnerability scanning cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher from running.' To continue with pull, please contact your project administrator for help.`,
    );
    await ended(h, (await h.engine.requestScan(t, { scanType: 'vulnerability', trigger: 'MANUAL' })).executionId);
    expect(await h.engine.pullRefusal(t)).toMatch(
      /^current image with 2 vulnerabilities cannot be pulled .*"High" or higher.*CVE allowlist\.$/,
    );
    // Ids are matched as people type them (case, blanks); the report keeps the item, marked, and its severity drops.
    await h.engine.allowlists.setProject(h.projectId, { expiresAt: null, items: ['cve-2021-44906'] });
    expect(await h.engine.pullRefusal(t)).toMatch(/^current image with 1 vulnerability cannot/);
    const marked = await h.engine.report(t);
    expect(marked?.severity).toBe('High');
    expect(marked?.vulnerabilities.map((v) => [v.id, v.vendor_attributes?.berth])).toMatchObject([
      ['CVE-2021-44906', { allowlisted: true }],
      ['CVE-2021-23337', expect.not.objectContaining({ allowlisted: true })],
    ]);
    await h.engine.allowlists.setProject(h.projectId, { expiresAt: null, items: ['CVE-2021-44906', 'CVE-2021-23337'] });
    expect(await h.engine.pullRefusal(t)).toBeNull();
    // An expired list allows nothing.
    await h.engine.allowlists.setProject(h.projectId, {
      expiresAt: Math.floor(Date.now() / 1000) - 10,
      items: ['CVE-2021-44906', 'CVE-2021-23337'],
    });
    expect(await h.engine.pullRefusal(t)).toMatch(/with 2 vulnerabilities/);
    // reuse_sys_cve_allowlist: the system list applies instead.
    await h.engine.allowlists.setSystem({ expiresAt: null, items: ['CVE-2021-44906', 'CVE-2021-23337'] });
    await h.meta.projects.updateMetadata(h.projectId, { reuse_sys_cve_allowlist: 'true' });
    expect(await h.engine.pullRefusal(t)).toBeNull();
    // Raising the threshold above what remains: a metadata change is seen without waiting.
    await h.meta.projects.updateMetadata(h.projectId, { reuse_sys_cve_allowlist: 'false', severity: 'critical' });
    expect(await h.engine.pullRefusal(t)).toMatch(/with 1 vulnerability .*"Critical" or higher/);
    await h.meta.projects.updateMetadata(h.projectId, { prevent_vul: 'false' });
    expect(await h.engine.pullRefusal(t)).toBeNull();
    await h.meta.projects.updateMetadata(h.projectId, { prevent_vul: 'true' });
    // A signature of the image is never refused.
    const signature = buildImage({ layers: [appLayer({ x: '1' })], subject: image.descriptor });
    signature.json.config = { ...(signature.json.config as object) };
    await push(h, 'scan/pol', 'sig', signature);
    expect(await h.engine.pullRefusal(target(h, 'scan/pol', signature.digest))).toBeNull();
  });

  it('report writes are atomic: a report and its findings are replaced in one transaction', async () => {
    const h = await setup();
    const image = buildImage({ layers: [baseLayer, appLayer({ lodash: '4.17.15', minimist: '1.2.5' })] });
    await push(h, 'scan/atomic', 'v1', image);
    const t = target(h, 'scan/atomic', image.digest);
    await ended(h, (await h.engine.requestScan(t, { scanType: 'vulnerability', trigger: 'MANUAL' })).executionId);
    const reportId = (await h.engine.overviews([image.digest])).get(image.digest)!.reportId;
    // A write that fails half-way (a finding violating NOT NULL) leaves the stored report as it was.
    await expect(
      h.meta.scans.finishReport(reportId, {
        status: 'Success',
        severity: 'Low',
        counts: { total: 2, fixable: 0, critical: 0, high: 0, medium: 0, low: 2, unknown: 0, none: 0 },
        report: '{"vulnerabilities":[]}',
        log: '',
        endTime: new Date(),
        scannerVersion: 'x',
        dbVersion: 9,
        dbUpdatedAt: null,
        findings: [
          {
            cveId: 'CVE-1',
            package: 'a',
            version: '1',
            fixVersion: '',
            severity: 'Low',
            cvssScore: null,
            description: '',
            links: [],
          },
          {
            cveId: null as unknown as string,
            package: 'b',
            version: '1',
            fixVersion: '',
            severity: 'Low',
            cvssScore: null,
            description: '',
            links: [],
          },
        ],
      }),
    ).rejects.toThrow();
    const overview = (await h.engine.overviews([image.digest])).get(image.digest)!;
    expect(overview).toMatchObject({ severity: 'Critical', dbVersion: 1, counts: { total: 2, critical: 1 } });
    const rows = await h.engine.listVulnerabilities({ digest: image.digest }, { page: 1, pageSize: 10 });
    expect(rows.items.map((r) => r.cveId).sort()).toEqual(['CVE-2021-23337', 'CVE-2021-44906']);
  });

  it('SBOM: CycloneDX stored as a Harbor SBOM accessory of the image, replaced when made again; SPDX on request', async () => {
    const h = await setup();
    const image = buildImage({ layers: [baseLayer, appLayer({ lodash: '4.17.15' })] });
    await push(h, 'scan/sbom', 'v1', image);
    const t = target(h, 'scan/sbom', image.digest);
    expect(await h.engine.sbom(t, 'cyclonedx')).toBeUndefined();
    expect((await h.engine.sbomOverviews('scan/sbom', [image.digest])).size).toBe(0);
    const first = await h.engine.requestScan(t, { scanType: 'sbom', trigger: 'MANUAL' });
    expect((await ended(h, first.executionId)).status).toBe('Success');
    const repo = resolveRepositoryName('scan/sbom');
    const referrers = await h.manifests.referrers(repo, image.digest, 'application/vnd.goharbor.harbor.sbom.v1');
    expect(referrers).toHaveLength(1);
    expect(referrers[0]?.annotations?.['created-by']).toBe('Berth');
    // The overview names the run and the accessory it made; the same image elsewhere has neither.
    await push(h, 'scan/sbom-copy', 'v1', image);
    const overviews = await h.engine.sbomOverviews('scan/sbom', [image.digest, `sha256:${'0'.repeat(64)}`]);
    expect([...overviews.keys()]).toEqual([image.digest]);
    expect(overviews.get(image.digest)).toMatchObject({
      reportId: String(first.executionId),
      status: 'Success',
      sbomDigest: referrers[0]!.digest,
      scanner: { name: 'Berth', vendor: 'Berth' },
    });
    expect(overviews.get(image.digest)!.endTime!.getTime()).toBeGreaterThanOrEqual(
      overviews.get(image.digest)!.startTime.getTime(),
    );
    expect((await h.engine.sbomOverviews('scan/sbom-copy', [image.digest])).size).toBe(0);
    // An SBOM is not a vulnerability report.
    expect((await h.engine.overviews([image.digest])).size).toBe(0);
    const bom = (await h.engine.sbom(t, 'cyclonedx')) as {
      bomFormat: string;
      components: Array<{ name: string; version: string }>;
    };
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.components.some((c) => c.name === 'lodash' && c.version === '4.17.15')).toBe(true);
    const spdx = (await h.engine.sbom(t, 'spdx')) as { spdxVersion: string; packages: Array<{ name: string }> };
    expect(spdx.spdxVersion).toBe('SPDX-2.3');
    expect(spdx.packages.some((p) => p.name === 'lodash')).toBe(true);
    const second = await h.engine.requestScan(t, { scanType: 'sbom', trigger: 'MANUAL' });
    await ended(h, second.executionId);
    const after = await h.manifests.referrers(repo, image.digest, 'application/vnd.goharbor.harbor.sbom.v1');
    expect(after).toHaveLength(1);
    expect(after[0]?.digest).not.toBe(referrers[0]?.digest);
    expect((await h.engine.sbomOverviews('scan/sbom', [image.digest])).get(image.digest)).toMatchObject({
      reportId: String(second.executionId),
      sbomDigest: after[0]!.digest,
    });
  });

  it('deleting the artifact removes its report', async () => {
    const h = await setup();
    const image = buildImage({ layers: [baseLayer, appLayer({ lodash: '4.17.15' })] });
    await push(h, 'scan/del', 'v1', image);
    await ended(
      h,
      (
        await h.engine.requestScan(target(h, 'scan/del', image.digest), {
          scanType: 'vulnerability',
          trigger: 'MANUAL',
        })
      ).executionId,
    );
    expect((await h.engine.overviews([image.digest])).size).toBe(1);
    await h.manifests.delete(resolveRepositoryName('scan/del'), image.digest);
    await until(async () => (await h.engine.overviews([image.digest])).size === 0, 'report removed');
    expect((await h.engine.listVulnerabilities({}, { page: 1, pageSize: 10 })).total).toBe(0);
  });
});
