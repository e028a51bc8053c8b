import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { Invalid, NotFound } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import { MediaTypes } from '../../core/media-types.js';
import { resolveRepositoryName } from '../../core/names.js';
import {
  PermanentTaskError,
  type Execution,
  type JobService,
  type NewTask,
  type TaskContext,
} from '../../jobs/job-types.js';
import type { Artifact, MetaStore } from '../../meta/meta-store.js';
import type { ManifestService } from '../../registry/manifest-service.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { runInWorker } from '../../jobs/worker-pool.js';
import { LAYER_ANALYZER_VERSION, unreadLayer } from '../layers/analyze-layer.js';
import type { LayerAnalysis } from '../layers/layer-types.js';
import { mergeLayers } from '../layers/merge-layers.js';
import {
  buildVulnerabilityReport,
  countSeverities,
  highestSeverity,
  markAllowlisted,
  mergeIndexReports,
} from '../report/harbor-report.js';
import { buildCycloneDx, buildSpdx } from '../report/sbom.js';
import {
  SCAN_ALL_SCHEDULE_CALLBACK,
  SCAN_ALL_VENDOR_TYPE,
  SBOM_ACCESSORY_ARTIFACT_TYPE,
  SEVERITY_ORDER,
  VULNERABILITY_REPORT_MIME,
  type AdvisoryDatabase,
  type ExternalScanner,
  type HarborVulnerabilityItem,
  type HarborVulnerabilityReport,
  type ImportResult,
  type LayerFileRef,
  type SbomOverview,
  type ScanOverview,
  type ScanService,
  type ScanTarget,
  type ScannerAdapterMetadata,
  type ScannerIdentity,
  type ScannerRegistration,
  type ScannerSettings,
  type SecuritySummary,
  type VulnerabilityQuery,
  type VulnerabilityRow,
} from '../scan-contract.js';
import { downloadAdvisories } from '../vulndb/download.js';
import { StoredAllowlists } from './allowlist-store.js';
import { LayerAnalyzer } from './layer-analyzer.js';
import { PullPolicy } from './pull-policy.js';
import { enumerateAll, queueRematches, stopScanAll } from './scan-all.js';
import {
  IMAGE_SCAN_VENDOR,
  INDEX_TYPES,
  JOB_REMATCH,
  JOB_SBOM,
  JOB_SCAN,
  JOB_SCAN_ALL,
  PRIORITY,
  SBOM_VENDOR,
  isCurrent,
  scanKind,
  scanTask,
  type ScanParams,
} from './scan-jobs.js';
import type { FindingRow, FinishedReport, ReportRow, ScanRepo, StoredInventory } from './scan-repo-types.js';
import { findSbomAccessory, readSbomAccessory, toSbomOverviews, writeSbomAccessory } from './sbom-accessory.js';
import { DEFAULT_SCANNER_SETTINGS, definedOnly, validateSettings } from './scanner-settings.js';
import { BUILTIN_SCANNER_UUID, StoredScannerRegistry } from './scanner-registry.js';

export {
  IMAGE_SCAN_VENDOR,
  JOB_REMATCH,
  JOB_SBOM,
  JOB_SCAN,
  JOB_SCAN_ALL,
  REMATCH_VENDOR,
  SBOM_VENDOR,
  scanKind,
} from './scan-jobs.js';
export { DEFAULT_SCANNER_SETTINGS } from './scanner-settings.js';

/** Bumped when matching or report assembly changes what a report says for the same inventory. */
const ENGINE_VERSION = 2;
export const BUILTIN_IDENTITY: ScannerIdentity = {
  name: 'Berth',
  vendor: 'Berth',
  version: `${ENGINE_VERSION}.${LAYER_ANALYZER_VERSION}.0`,
};

export interface ScanEngineDeps {
  meta: MetaStore;
  blobs: BlobStore;
  manifests: ManifestService;
  jobs: JobService;
  events: EventBus;
  vulndb: AdvisoryDatabase;
  log: Logger;
  /** A client per external registration (server/scan/adapter). */
  externalScanner?: (registration: ScannerRegistration) => ExternalScanner;
  /** What an external adapter pulls from: the registry URL and a pull-scoped bearer token for the repository. */
  registryAccess?: (repository: string) => Promise<{ url: string; authorization: string }>;
  /** How often to look for a new advisory DB version; default 10 s. */
  dbWatchMs?: number;
  /** Where large files are staged (see `ScanService.tempDir`); the OS temp directory when not given. */
  tempDir?: string;
}

/**
 * The built-in scan engine (issue 6): scans are jobs; layers analysed in worker threads with a cache
 * by digest and one analysis per layer at a time however many scans need it; inventories kept per
 * manifest so a new advisory DB version only re-matches; reports and findings written in one
 * transaction with their summary columns.
 */
export class ScanEngine implements ScanService {
  readonly registry: StoredScannerRegistry;
  readonly allowlists: StoredAllowlists;
  readonly vulndb: AdvisoryDatabase;
  readonly layers: LayerAnalyzer;
  readonly #d: ScanEngineDeps;
  readonly #repo: ScanRepo;
  readonly #log: Logger;
  #settings: ScannerSettings | undefined;
  readonly #policy: PullPolicy;
  #dbSeen = -1;
  readonly tempDir: string;
  readonly #externalIdentities = new Map<string, { identity: ScannerIdentity; url: string; until: number }>();
  #watcher: NodeJS.Timeout | undefined;
  #watching: Promise<void> | undefined;
  readonly #unsubscribe: Array<() => void> = [];
  /** Scan-all enumerations in progress (tests await them). */
  readonly enumerations = new Set<Promise<void>>();

  constructor(deps: ScanEngineDeps) {
    this.#d = deps;
    this.#repo = deps.meta.scans;
    this.#log = deps.log;
    this.vulndb = deps.vulndb;
    this.tempDir = deps.tempDir ?? join(tmpdir(), 'berth-scanner');
    this.layers = new LayerAnalyzer(this.#repo, deps.blobs);
    this.registry = new StoredScannerRegistry(this.#repo, () => this.#builtinMetadata(), deps.externalScanner);
    this.allowlists = new StoredAllowlists(
      this.#repo,
      (id) => this.#repo.projectPolicy(id),
      () => this.#invalidate(),
    );
    this.#policy = new PullPolicy({
      repo: this.#repo,
      meta: deps.meta,
      registry: this.registry,
      allowlists: this.allowlists,
      scanKind,
      imageChildren: (repository, digest) => this.#imageChildren(repository, digest),
    });
  }

  /** Defines the job types (before `jobs.start()`) with the stored settings, and listens to events. */
  async register(): Promise<void> {
    const s = await this.settings();
    const { jobs } = this.#d;
    const scan = (type: string, window: boolean) =>
      jobs.define<ScanParams>({
        type,
        lane: 'background',
        concurrency: s.workers,
        cpuSlots: 1,
        maxAttempts: 2,
        memoryMb: s.memoryMb,
        // Scans someone asked for (or a push started) never wait for a window; scan-all takes the
        // scanner's window, else the server's background window.
        timeWindow: window ? (s.timeWindow ?? undefined) : null,
        run: (ctx) => this.#runScan(ctx),
      });
    scan(JOB_SCAN, false);
    scan(JOB_SCAN_ALL, true);
    jobs.define<ScanParams>({
      type: JOB_REMATCH,
      lane: 'background',
      concurrency: 1,
      cpuSlots: 1,
      maxAttempts: 2,
      timeWindow: s.timeWindow ?? undefined,
      run: (ctx) => this.#runRematch(ctx),
    });
    jobs.define<ScanParams & { format?: string }>({
      type: JOB_SBOM,
      lane: 'background',
      concurrency: 1,
      cpuSlots: 1,
      maxAttempts: 2,
      memoryMb: s.memoryMb,
      timeWindow: null,
      run: (ctx) => this.#runSbom(ctx),
    });
    jobs.onSchedule(SCAN_ALL_SCHEDULE_CALLBACK, async () => {
      await this.scanAll('SCHEDULE');
    });
    jobs.onSchedule('scanner-db-update', async () => {
      await this.updateDbFromUrls();
    });
    this.#unsubscribe.push(
      this.#d.events.on('artifact.pushed', (e) => this.#onPush(e)),
      this.#d.events.on('artifact.deleted', async (e) => {
        await this.#repo.forgetDigest(e.digest);
        this.#invalidate();
      }),
      jobs.subscribe((event) => {
        // Tasks stopped while queued never run: their Pending reports end with the execution.
        if (event.kind === 'execution' && event.execution.endTime && event.execution.status !== 'Success') {
          void this.#closeReportsOf(event.execution).catch((err: unknown) =>
            this.#log.warn({ err }, 'closing reports of a stopped scan failed'),
          );
        }
      }),
    );
  }

  /** Starts the advisory DB watcher: a new DB version re-matches stored inventories in the background. */
  startWatcher(): void {
    const every = this.#d.dbWatchMs ?? 10_000;
    this.#watcher = setInterval(() => void this.checkDb(), every);
    this.#watcher.unref();
    void this.checkDb();
  }

  async close(): Promise<void> {
    if (this.#watcher) clearInterval(this.#watcher);
    for (const off of this.#unsubscribe.splice(0)) off();
    await this.#watching;
    await Promise.allSettled([...this.enumerations]);
  }

  // ── settings ───────────────────────────────────────────────────────────────────────────────────

  /**
   * One layer file outside Berth's storage (Berth's scanner adapter pulled it), analysed as the
   * engine's own scans are: the cache by digest, one analysis at a time per digest, a niced worker
   * thread under the memory limit. So a Harbor scanning 200 images that share a base layer through
   * Berth's adapter has that layer read once.
   */
  async analyzeLayerFile(layer: LayerFileRef, signal: AbortSignal): Promise<LayerAnalysis> {
    const { niceness, memoryMb } = await this.settings();
    const outcome = await this.layers.analyze(layer, {
      signal,
      niceness,
      runInWorker: (run) => runInWorker(run, { signal, memoryMb }),
    });
    return outcome.analysis;
  }

  async settings(): Promise<ScannerSettings> {
    if (!this.#settings) {
      const body = await this.#repo.getSettings();
      this.#settings = { ...DEFAULT_SCANNER_SETTINGS, ...(body ? (JSON.parse(body) as Partial<ScannerSettings>) : {}) };
    }
    return { ...this.#settings, dbUrls: [...this.#settings.dbUrls] };
  }

  async updateSettings(patch: Partial<ScannerSettings>): Promise<ScannerSettings> {
    const next = { ...(await this.settings()), ...definedOnly(patch) };
    validateSettings(next);
    const { jobs } = this.#d;
    // Applied to the running job types first: a bad value refused there changes nothing stored.
    for (const type of [JOB_SCAN, JOB_SCAN_ALL]) {
      jobs.reconfigure(type, { concurrency: next.workers, memoryMb: next.memoryMb });
    }
    jobs.reconfigure(JOB_SBOM, { memoryMb: next.memoryMb });
    for (const type of [JOB_SCAN_ALL, JOB_REMATCH]) jobs.reconfigure(type, { timeWindow: next.timeWindow });
    if (next.dbUpdateCron && next.dbUrls.length > 0) {
      await jobs.setSchedule({
        vendorType: 'SCANNER_DB_UPDATE',
        cron: next.dbUpdateCron,
        callback: 'scanner-db-update',
      });
    } else {
      await jobs.deleteSchedule('SCANNER_DB_UPDATE');
    }
    await this.#repo.putSettings(JSON.stringify(next), new Date());
    this.#settings = next;
    return this.settings();
  }

  // ── requests ───────────────────────────────────────────────────────────────────────────────────

  async requestScan(
    target: ScanTarget,
    options: { scanType: 'vulnerability' | 'sbom'; trigger: 'MANUAL' | 'EVENT' | 'SCHEDULE'; operator?: string },
  ): Promise<{ executionId: number }> {
    const artifact = await this.#artifact(target);
    const kind = scanKind(artifact);
    if (!kind) throw new Invalid('UNSUPPORTED', `artifact ${target.digest} is not an image or an image index`);
    if (options.scanType === 'sbom') return this.#requestSbom(target, artifact, options);
    const scanner = await this.registry.forProject(target.projectId);
    if (scanner.disabled) throw new Invalid('PRECONDITION', `scanner ${scanner.name} is disabled`);
    const existing = await this.#repo.getReport(target.digest, scanner.uuid);
    if (existing && (existing.status === 'Pending' || existing.status === 'Running') && existing.executionId) {
      const execution = await this.#d.jobs.getExecution(existing.executionId);
      if (execution && !execution.endTime) return { executionId: execution.id };
    }
    const dbVersion = (await this.vulndb.status()).version;
    const identity = await this.#identityOf(scanner);
    const execution = await this.#d.jobs.startExecution({
      vendorType: IMAGE_SCAN_VENDOR,
      vendorId: artifact.id,
      projectId: target.projectId,
      trigger: options.trigger,
      extraAttrs: {
        repository: target.repository,
        digest: target.digest,
        scanner: scanner.name,
        ...(options.operator ? { operator: options.operator } : {}),
      },
      open: true,
    });
    try {
      await this.#beginReport(target.digest, scanner, identity, execution.id);
      const base = { repository: target.repository, projectId: target.projectId, scannerUuid: scanner.uuid };
      const tasks: NewTask[] = [];
      const children = kind === 'index' ? await this.#imageChildren(target.repository, target.digest) : [];
      if (kind === 'image') tasks.push(scanTask(JOB_SCAN, { ...base, digest: target.digest }, options.trigger));
      for (const child of children) {
        const report = await this.#repo.getReport(child.digest, scanner.uuid);
        if (options.trigger !== 'MANUAL' && isCurrent(report, identity, dbVersion)) continue;
        tasks.push(scanTask(JOB_SCAN, { ...base, digest: child.digest }, options.trigger));
      }
      if (tasks.length > 0) await this.#d.jobs.addTasks(execution.id, tasks);
    } finally {
      await this.#d.jobs.seal(execution.id);
    }
    if (kind === 'index') await this.#tryMergeIndex(target.repository, target.digest, scanner.uuid);
    return { executionId: execution.id };
  }

  async #beginReport(digest: string, scanner: ScannerRegistration, identity: ScannerIdentity, executionId: number) {
    const db = await this.vulndb.status();
    const id = await this.#repo.beginReport({
      digest,
      scannerUuid: scanner.uuid,
      scanner: identity,
      dbVersion: db.version,
      dbUpdatedAt: dataAge(db),
      executionId,
      startTime: new Date(),
    });
    this.#invalidate();
    return id;
  }

  async stopScan(target: ScanTarget, scanType: 'vulnerability' | 'sbom'): Promise<boolean> {
    if (scanType === 'sbom') {
      const running = await this.#d.jobs.listExecutions(
        { vendorType: SBOM_VENDOR, projectId: target.projectId, status: 'Running' },
        { page: 1, pageSize: 100 },
      );
      let stopped = false;
      for (const e of running.items) {
        if (e.extraAttrs.digest === target.digest) stopped = (await this.#d.jobs.stopExecution(e.id)) || stopped;
      }
      return stopped;
    }
    const scanner = await this.registry.forProject(target.projectId);
    const report = await this.#repo.getReport(target.digest, scanner.uuid);
    if (!report || (report.status !== 'Pending' && report.status !== 'Running') || !report.executionId) return false;
    const execution = await this.#d.jobs.getExecution(report.executionId);
    if (execution?.vendorType === IMAGE_SCAN_VENDOR) {
      await this.#d.jobs.stopExecution(execution.id);
    } else if (execution) {
      // One artifact of a scan-all: stop its task only.
      const tasks = await this.#d.jobs.listTasks({ executionId: execution.id }, { page: 1, pageSize: 10_000 });
      for (const t of tasks.items) {
        if (t.params.digest === target.digest && (t.status === 'Pending' || t.status === 'Running')) {
          await this.#d.jobs.stopTask(t.id);
        }
      }
    }
    await this.#repo.failReport(report.id, 'Stopped', 'stopped by request', new Date());
    this.#invalidate();
    return true;
  }

  async scanAll(trigger: 'MANUAL' | 'SCHEDULE', options: { force?: boolean } = {}): Promise<{ executionId: number }> {
    const force = options.force === true || !(await this.settings()).scanAllOnlyChanged;
    const execution = await this.#d.jobs.startExecution({
      vendorType: SCAN_ALL_VENDOR_TYPE,
      vendorId: 0,
      trigger,
      singleActive: true,
      open: true,
      extraAttrs: { force },
    });
    const run = this.#enumerateAll(execution.id, force)
      .catch((err: unknown) => this.#log.error({ err, executionId: execution.id }, 'scan-all enumeration failed'))
      .finally(() => {
        this.enumerations.delete(run);
        return this.#d.jobs.seal(execution.id);
      });
    this.enumerations.add(run);
    return { executionId: execution.id };
  }

  #enumerateAll(executionId: number, force: boolean): Promise<void> {
    return enumerateAll(
      {
        repo: this.#repo,
        jobs: this.#d.jobs,
        log: this.#log,
        dbVersion: async () => (await this.vulndb.status()).version,
        scannerFor: async (projectId) => {
          const scanner = await this.registry.forProject(projectId);
          return { scanner, identity: await this.#identityOf(scanner) };
        },
        imageChildren: (repository, digest) => this.#imageChildren(repository, digest),
        beginReport: (digest, scanner, identity, executionId) =>
          this.#beginReport(digest, scanner, identity, executionId),
        tryMergeIndex: (repository, digest, scannerUuid) => this.#tryMergeIndex(repository, digest, scannerUuid),
      },
      executionId,
      force,
    );
  }

  stopScanAll(): Promise<boolean> {
    return stopScanAll(this.#d.jobs);
  }

  // ── the scan task ──────────────────────────────────────────────────────────────────────────────

  async #runScan(ctx: TaskContext<ScanParams>): Promise<{ message: string }> {
    const p = ctx.params;
    const lines: string[] = [];
    const say = (message: string) => {
      lines.push(`${new Date().toISOString()} ${message}`);
      ctx.log.info(message);
    };
    const scanner = (await this.registry.get(p.scannerUuid)) ?? (await this.registry.forProject(p.projectId));
    const identity = await this.#identityOf(scanner);
    let report = await this.#repo.getReport(p.digest, scanner.uuid);
    if (!report || (report.status !== 'Pending' && report.status !== 'Running')) {
      await this.#beginReport(p.digest, scanner, identity, ctx.task.executionId);
      report = (await this.#repo.getReport(p.digest, scanner.uuid))!;
    }
    const reportId = report.id;
    await this.#repo.markRunning(reportId, 0);
    try {
      const artifact = await this.#d.meta.artifacts.getByDigest(p.repository, p.digest);
      if (!artifact) throw new PermanentTaskError(`${p.repository}@${p.digest} no longer exists`);
      say(`scanning ${p.repository}@${p.digest} with ${scanner.name}`);
      const result = scanner.builtIn
        ? await this.#scanBuiltin(ctx, artifact, reportId, identity, say)
        : await this.#scanExternal(ctx, artifact, scanner, identity, say);
      result.log = lines.join('\n');
      if (!(await this.#repo.finishReport(reportId, result))) {
        say('the report was replaced or its artifact deleted meanwhile; result dropped');
      }
      this.#invalidate();
      await this.#mergeParents(p.digest, scanner.uuid);
      return { message: `${result.counts.total} vulnerabilities (${result.severity})` };
    } catch (err) {
      const message = (err as Error).message;
      if (ctx.signal.aborted) {
        say(`stopped: ${message}`);
        await this.#repo.failReport(reportId, 'Stopped', lines.join('\n'), new Date());
      } else if (err instanceof PermanentTaskError || ctx.task.attempts >= 2) {
        say(`failed: ${message}`);
        await this.#repo.failReport(reportId, 'Error', lines.join('\n'), new Date());
        await this.#mergeParents(p.digest, scanner.uuid);
      } else {
        say(`attempt ${ctx.task.attempts} failed: ${message}`);
      }
      this.#invalidate();
      throw err;
    }
  }

  async #scanBuiltin(
    ctx: TaskContext<ScanParams>,
    artifact: Artifact,
    reportId: string,
    identity: ScannerIdentity,
    say: (m: string) => void,
  ): Promise<FinishedReport> {
    const layers = await this.#layersOf(artifact);
    let inventory: StoredInventory | undefined = await this.#repo.getInventory(
      artifact.digest,
      this.layers.analyzerVersion,
    );
    if (inventory) {
      say(`inventory from cache: ${inventory.packages.length} packages; no layer read`);
    } else {
      const analysed = await this.#analyse(ctx, layers, reportId, say);
      inventory = { os: analysed.os, packages: analysed.packages, incomplete: analysed.incomplete };
      // A layer skipped for its size is not a property of the image: a raised limit should read it.
      if (analysed.cacheable) await this.#repo.putInventory(artifact.digest, this.layers.analyzerVersion, inventory);
    }
    ctx.signal.throwIfAborted();
    return this.#match(artifact.repository, artifact, inventory, layers, identity, say);
  }

  async #analyse(
    ctx: TaskContext<ScanParams>,
    layers: Array<{ digest: string; size: number }>,
    reportId: string | undefined,
    say: (m: string) => void,
  ): Promise<StoredInventory & { cacheable: boolean }> {
    const settings = await this.settings();
    const analyses: LayerAnalysis[] = [];
    let skipped = false;
    for (const [i, layer] of layers.entries()) {
      const label = `layer ${i + 1}/${layers.length} ${layer.digest.slice(0, 19)} (${layer.size} bytes)`;
      if (layer.size > settings.maxLayerBytes) {
        say(`${label}: larger than the ${settings.maxLayerBytes}-byte limit, not read; the report is incomplete`);
        analyses.push(unreadLayer(layer.size));
        skipped = true;
        continue;
      }
      const outcome = await this.layers.analyze(layer, {
        signal: ctx.signal,
        niceness: settings.niceness,
        runInWorker: (run) => ctx.runInWorker(run),
      });
      if (outcome.kind === 'cache') say(`${label}: cached analysis`);
      else if (outcome.kind === 'shared') say(`${label}: analysed by a concurrent scan`);
      else {
        say(
          `${label}: analysed in ${outcome.ms} ms, ${outcome.analysis.tarBytes} tar bytes, ${outcome.analysis.entries} entries` +
            (outcome.threadNice === null ? '' : `, worker thread nice ${outcome.threadNice}`),
        );
      }
      analyses.push(outcome.analysis);
      ctx.progress(i + 1, layers.length + 1);
      if (reportId) await this.#repo.markRunning(reportId, ((i + 1) * 90) / Math.max(1, layers.length));
    }
    const merged = mergeLayers(analyses);
    say(`${merged.packages.length} packages${merged.os ? ` on ${merged.os.ecosystem}` : ''}`);
    return { os: merged.os, packages: merged.packages, incomplete: merged.incomplete || skipped, cacheable: !skipped };
  }

  async #match(
    repository: string,
    artifact: Pick<Artifact, 'digest' | 'mediaType'>,
    inventory: StoredInventory,
    layers: Array<{ digest: string }>,
    identity: ScannerIdentity,
    say: (m: string) => void,
  ): Promise<FinishedReport> {
    const db = await this.vulndb.status();
    const findings = await this.vulndb.match(inventory.packages);
    const report = buildVulnerabilityReport({
      findings,
      packages: inventory.packages,
      layers: layers.map((l) => ({ digest: l.digest })),
      artifact: { repository, digest: artifact.digest, mime_type: artifact.mediaType },
      scanner: identity,
      generatedAt: new Date(),
    });
    const ageDays = db.newestRecordAt ? Math.floor((Date.now() - db.newestRecordAt.getTime()) / 86_400_000) : null;
    say(
      `matched against advisory DB version ${db.version}` +
        (ageDays === null ? ' (empty)' : `, newest record ${ageDays} days old`) +
        `: ${report.vulnerabilities.length} vulnerabilities` +
        (inventory.incomplete ? '; incomplete: some files or layers were not read' : ''),
    );
    return this.#finished(report, identity, db.version, dataAge(db));
  }

  #finished(
    report: HarborVulnerabilityReport,
    identity: ScannerIdentity,
    dbVersion: number,
    dbUpdatedAt: Date | null,
  ): FinishedReport {
    return {
      status: 'Success',
      severity: highestSeverity(report.vulnerabilities),
      counts: countSeverities(report.vulnerabilities),
      report: JSON.stringify(report),
      log: '',
      endTime: new Date(),
      scannerVersion: identity.version,
      dbVersion,
      dbUpdatedAt,
      findings: findingRows(report.vulnerabilities),
    };
  }

  async #scanExternal(
    ctx: TaskContext<ScanParams>,
    artifact: Artifact,
    scanner: ScannerRegistration,
    identity: ScannerIdentity,
    say: (m: string) => void,
  ): Promise<FinishedReport> {
    if (!this.#d.externalScanner || !this.#d.registryAccess) {
      throw new PermanentTaskError('external scanners are not wired in this server');
    }
    const registry = await this.#d.registryAccess(artifact.repository);
    say(`asking ${scanner.url} to scan; it pulls from ${registry.url}`);
    const raw = (await this.#d.externalScanner(scanner).scan(
      {
        registry,
        artifact: { repository: artifact.repository, digest: artifact.digest, mime_type: artifact.mediaType },
        reportMime: VULNERABILITY_REPORT_MIME,
      },
      ctx.signal,
    )) as Partial<HarborVulnerabilityReport>;
    const items = Array.isArray(raw.vulnerabilities) ? raw.vulnerabilities : [];
    const report: HarborVulnerabilityReport = {
      generated_at: raw.generated_at ?? new Date().toISOString(),
      artifact: { repository: artifact.repository, digest: artifact.digest, mime_type: artifact.mediaType },
      scanner: raw.scanner ?? identity,
      severity: highestSeverity(items),
      vulnerabilities: items,
    };
    say(`${items.length} vulnerabilities reported by ${report.scanner.name} ${report.scanner.version}`);
    return this.#finished(report, identity, 0, null);
  }

  // ── indexes ────────────────────────────────────────────────────────────────────────────────────

  async #imageChildren(repository: string, digest: string): Promise<Artifact[]> {
    return (await this.#d.meta.artifacts.children(repository, digest)).filter((c) => scanKind(c) === 'image');
  }

  async #mergeParents(childDigest: string, scannerUuid: string): Promise<void> {
    for (const parent of await this.#repo.parentsOf(childDigest)) {
      await this.#tryMergeIndex(parent.repository, parent.digest, scannerUuid);
    }
  }

  /**
   * An index's report once every image child has a final report: the merge of its children's
   * (Error when one failed). Also refreshes a finished index report whose children were re-matched.
   */
  async #tryMergeIndex(repository: string, digest: string, scannerUuid: string): Promise<void> {
    const index = await this.#repo.getReport(digest, scannerUuid);
    if (!index) return;
    const pending = index.status === 'Pending' || index.status === 'Running';
    const children = await this.#imageChildren(repository, digest);
    const reports = (await this.#repo.reportsOf(children.map((c) => c.digest))).filter(
      (r) => r.scannerUuid === scannerUuid,
    );
    const byDigest = new Map(reports.map((r) => [r.digest, r]));
    if (children.some((c) => byDigest.get(c.digest)?.status !== 'Success')) {
      if (!pending) return;
      if (
        children.some((c) => !byDigest.get(c.digest) || ['Pending', 'Running'].includes(byDigest.get(c.digest)!.status))
      ) {
        return;
      }
      const failed = children.filter((c) => byDigest.get(c.digest)!.status !== 'Success').map((c) => c.digest);
      await this.#repo.failReport(index.id, 'Error', `children not scanned: ${failed.join(', ')}`, new Date());
      this.#invalidate();
      return;
    }
    const dbVersion = Math.max(0, ...reports.map((r) => r.dbVersion));
    if (!pending && index.status === 'Success' && index.dbVersion >= dbVersion) return;
    const artifact = await this.#d.meta.artifacts.getByDigest(repository, digest);
    if (!artifact) return;
    const merged = mergeIndexReports(
      children.map((c) => ({
        digest: c.digest,
        report: JSON.parse(byDigest.get(c.digest)!.report ?? '{"vulnerabilities":[]}') as HarborVulnerabilityReport,
      })),
      { artifact: { repository, digest, mime_type: artifact.mediaType }, scanner: index.scanner },
    );
    const first = reports[0]!;
    const result = this.#finished(merged, first.scanner, dbVersion, first.dbUpdatedAt);
    result.log = `merged from ${children.length} children: ${children.map((c) => c.digest).join(', ')}`;
    await this.#repo.finishReport(index.id, result);
    this.#invalidate();
  }

  // ── re-matching after an advisory DB update ────────────────────────────────────────────────────

  /** Looks for a new DB version; when there is one, queues re-matches of stored inventories. */
  checkDb(): Promise<void> {
    this.#watching ??= this.#checkDb()
      .catch((err: unknown) => this.#log.warn({ err }, 'advisory DB check failed'))
      .finally(() => {
        this.#watching = undefined;
      });
    return this.#watching;
  }

  async #checkDb(): Promise<void> {
    const version = (await this.vulndb.status()).version;
    if (version === this.#dbSeen) return;
    if (await queueRematches(this.#repo, this.#d.jobs, version, this.layers.analyzerVersion)) this.#dbSeen = version;
  }

  async #runRematch(ctx: TaskContext<ScanParams>): Promise<{ message: string }> {
    const { digest } = ctx.params;
    const report = await this.#repo.getReport(digest, BUILTIN_SCANNER_UUID);
    const inventory = await this.#repo.getInventory(digest, this.layers.analyzerVersion);
    if (!report || report.status !== 'Success' || !inventory) return { message: 'nothing to re-match' };
    const db = await this.vulndb.status();
    if (report.dbVersion === db.version && report.scanner.version === BUILTIN_IDENTITY.version) {
      return { message: 'already current' };
    }
    const previous = JSON.parse(report.report ?? '{}') as Partial<HarborVulnerabilityReport>;
    const repository = previous.artifact?.repository ?? '';
    const mediaType = previous.artifact?.mime_type ?? MediaTypes.ociManifest;
    const layers = await this.#layersOf({ digest });
    const lines: string[] = [];
    const result = await this.#match(repository, { digest, mediaType }, inventory, layers, BUILTIN_IDENTITY, (m) => {
      lines.push(`${new Date().toISOString()} ${m}`);
      ctx.log.info(m);
    });
    result.log = [`re-matched stored inventory (${inventory.packages.length} packages); no layer read`, ...lines].join(
      '\n',
    );
    await this.#repo.finishReport(report.id, result);
    this.#invalidate();
    await this.#mergeParents(digest, BUILTIN_SCANNER_UUID);
    return { message: `${result.counts.total} vulnerabilities after re-match` };
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────────

  async overviews(digests: readonly string[]): Promise<Map<string, ScanOverview>> {
    const out = new Map<string, ScanOverview>();
    for (const r of await this.#repo.summariesOf(digests)) {
      const seen = out.get(r.digest);
      if (seen && seen.startTime >= r.startTime) continue;
      out.set(r.digest, {
        reportId: r.id,
        status: r.status,
        severity: r.severity,
        counts: r.counts,
        startTime: r.startTime,
        endTime: r.endTime,
        completePercent: r.status === 'Success' ? 100 : r.completePercent,
        scanner: r.scanner,
        dbVersion: r.dbVersion,
        dbUpdatedAt: r.dbUpdatedAt,
      });
    }
    return out;
  }

  async sbomOverviews(repository: string, digests: readonly string[]): Promise<Map<string, SbomOverview>> {
    const rows = await this.#repo.sbomRunsOf(repository, [...new Set(digests)], {
      vendorType: SBOM_VENDOR,
      artifactType: SBOM_ACCESSORY_ARTIFACT_TYPE,
    });
    return toSbomOverviews(rows, BUILTIN_IDENTITY);
  }

  async report(target: ScanTarget): Promise<HarborVulnerabilityReport | undefined> {
    const row = await this.#currentRow(target);
    if (!row?.report) return undefined;
    const report = JSON.parse(row.report) as HarborVulnerabilityReport;
    return markAllowlisted(report, await this.allowlists.effective(target.projectId));
  }

  async #currentRow(target: ScanTarget): Promise<ReportRow | undefined> {
    const scanner = await this.registry.forProject(target.projectId);
    const own = await this.#repo.getReport(target.digest, scanner.uuid);
    if (own) return own;
    const rows = await this.#repo.reportsOf([target.digest]);
    return rows.sort((a, b) => b.startTime.getTime() - a.startTime.getTime())[0];
  }

  async reportLog(target: ScanTarget, reportId: string): Promise<string | undefined> {
    const row = await this.#repo.getReportById(reportId);
    if (!row || row.digest !== target.digest) return undefined;
    if (row.log !== null) return row.log;
    return row.status === 'Pending' || row.status === 'Running' ? `scan ${row.status.toLowerCase()}\n` : '';
  }

  securitySummary(projectIds: readonly number[] | 'all'): Promise<SecuritySummary> {
    return this.#repo.securitySummary(projectIds);
  }

  listVulnerabilities(
    query: VulnerabilityQuery,
    page: { page: number; pageSize: number },
  ): Promise<{ items: VulnerabilityRow[]; total: number }> {
    const pageSize = Math.max(1, Math.min(100, Math.floor(page.pageSize)));
    return this.#repo.listVulnerabilities(query, {
      offset: (Math.max(1, Math.floor(page.page)) - 1) * pageSize,
      limit: pageSize,
    });
  }

  // ── the pull policy ────────────────────────────────────────────────────────────────────────────

  pullRefusal(target: ScanTarget): Promise<string | null> {
    return this.#policy.refusal(target);
  }

  #invalidate(): void {
    this.#policy.invalidate();
  }

  // ── advisory DB imports ────────────────────────────────────────────────────────────────────────

  async importDbFromArtifact(target: ScanTarget): Promise<ImportResult> {
    const artifact = await this.#artifact(target);
    const layers = await this.#layersOf(artifact);
    if (layers.length === 0) throw new Invalid('MANIFEST_INVALID', 'the artifact has no layers to import');
    let result: ImportResult | undefined;
    for (const layer of layers) {
      const local = this.#d.blobs.localPath(layer.digest);
      result = local
        ? await this.vulndb.importPath(local)
        : await withTempFile(this.tempDir, await this.#d.blobs.open(layer.digest), (path) =>
            this.vulndb.importPath(path),
          );
    }
    await this.checkDb();
    return result!;
  }

  async updateDbFromUrls(): Promise<ImportResult> {
    const { dbUrls } = await this.settings();
    if (dbUrls.length === 0) throw new Invalid('PRECONDITION', 'no advisory DB URLs are configured');
    await mkdir(this.tempDir, { recursive: true });
    const dir = await mkdtemp(join(this.tempDir, 'vulndb-'));
    try {
      return await downloadAdvisories(dbUrls, { db: this.vulndb, dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
      await this.checkDb();
    }
  }

  // ── SBOM ───────────────────────────────────────────────────────────────────────────────────────

  async #requestSbom(
    target: ScanTarget,
    artifact: Artifact,
    options: { trigger: 'MANUAL' | 'EVENT' | 'SCHEDULE'; operator?: string },
  ): Promise<{ executionId: number }> {
    const execution = await this.#d.jobs.startExecution({
      vendorType: SBOM_VENDOR,
      vendorId: artifact.id,
      projectId: target.projectId,
      trigger: options.trigger,
      extraAttrs: {
        repository: target.repository,
        digest: target.digest,
        ...(options.operator ? { operator: options.operator } : {}),
      },
      tasks: [
        {
          jobType: JOB_SBOM,
          params: { ...target, scannerUuid: BUILTIN_SCANNER_UUID },
          dedupeKey: `sbom:${target.digest}`,
          priority: PRIORITY[options.trigger],
        },
      ],
    });
    return { executionId: execution.id };
  }

  /**
   * Makes a CycloneDX SBOM from the image's inventory (analysing its layers when not stored yet) and
   * stores it as Harbor's SBOM accessory: an OCI manifest whose subject is the image, pushed through
   * `ManifestService` so referrers, listings and events see it. An older Berth SBOM of the image goes.
   */
  async #runSbom(ctx: TaskContext<ScanParams>): Promise<{ message: string }> {
    const p = ctx.params;
    const artifact = await this.#d.meta.artifacts.getByDigest(p.repository, p.digest);
    if (!artifact) throw new PermanentTaskError(`${p.repository}@${p.digest} no longer exists`);
    if (scanKind(artifact) !== 'image')
      throw new PermanentTaskError('SBOMs are made for images (each child of an index on its own)');
    const layers = await this.#layersOf(artifact);
    const say = (m: string) => ctx.log.info(m);
    let inventory = await this.#repo.getInventory(artifact.digest, this.layers.analyzerVersion);
    if (!inventory) {
      const analysed = await this.#analyse(ctx, layers, undefined, say);
      inventory = { os: analysed.os, packages: analysed.packages, incomplete: analysed.incomplete };
      if (analysed.cacheable) await this.#repo.putInventory(artifact.digest, this.layers.analyzerVersion, inventory);
    }
    const now = new Date();
    const bom = buildCycloneDx(
      inventory,
      { repository: p.repository, digest: p.digest, layers: layers.map((l) => l.digest) },
      { toolVersion: BUILTIN_IDENTITY.version, generatedAt: now },
    );
    const digest = await writeSbomAccessory(this.#d, resolveRepositoryName(p.repository), artifact, bom, now);
    return { message: `SBOM ${digest} with ${inventory.packages.length} packages` };
  }

  async sbom(target: ScanTarget, format: 'cyclonedx' | 'spdx'): Promise<unknown> {
    const chosen = await findSbomAccessory(this.#d, resolveRepositoryName(target.repository), target.digest);
    if (format === 'spdx') {
      // SPDX is made on request from the stored inventory (the accessory holds CycloneDX).
      const inventory = await this.#repo.getInventory(target.digest, this.layers.analyzerVersion);
      if (!inventory || !chosen) return undefined;
      const layers = await this.#layersOf({ digest: target.digest });
      return buildSpdx(
        inventory,
        { repository: target.repository, digest: target.digest, layers: layers.map((l) => l.digest) },
        { toolVersion: BUILTIN_IDENTITY.version, generatedAt: new Date() },
      );
    }
    return chosen ? readSbomAccessory(this.#d, chosen) : undefined;
  }

  // ── scan-on-push ───────────────────────────────────────────────────────────────────────────────

  async #onPush(e: { repository: string; digest: string; mediaType: string; tag: string | null }): Promise<void> {
    // Index children arrive by digest before their index; the index's push scans them (once each).
    if (e.tag === null && !INDEX_TYPES.has(e.mediaType)) return;
    const repository = await this.#d.meta.repositories.get(e.repository);
    if (!repository) return;
    const policy = await this.#repo.projectPolicy(repository.projectId);
    if (policy.auto_scan !== 'true') return;
    const artifact = await this.#d.meta.artifacts.getByDigest(e.repository, e.digest);
    if (!artifact || !scanKind(artifact)) return;
    await this.requestScan(
      { projectId: repository.projectId, repository: e.repository, digest: e.digest },
      { scanType: 'vulnerability', trigger: 'EVENT' },
    );
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────────

  async #artifact(target: ScanTarget): Promise<Artifact> {
    const artifact = await this.#d.meta.artifacts.getByDigest(target.repository, target.digest);
    if (!artifact) throw new NotFound('MANIFEST_UNKNOWN', `artifact ${target.repository}@${target.digest} not found`);
    return artifact;
  }

  /** The layer descriptors of an image manifest, from its stored bytes (content-addressed). */
  async #layersOf(
    artifact: Pick<Artifact, 'digest'>,
  ): Promise<Array<{ digest: string; size: number; mediaType: string }>> {
    const body = await this.#d.blobs.getSmall(artifact.digest);
    const doc = JSON.parse(body.toString('utf8')) as {
      layers?: Array<{ digest: string; size: number; mediaType: string }>;
    };
    return (doc.layers ?? []).map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType }));
  }

  /**
   * An external scanner's identity is what its adapter says it is (`Trivy`, `Aqua Security`, its
   * version), as Harbor shows it; a new adapter version makes its reports stale for scan-all. The
   * answer is kept for a few minutes, and while the adapter cannot be reached the registration's
   * name stands in, so a scan request never waits long on a metadata call.
   */
  async #identityOf(scanner: ScannerRegistration): Promise<ScannerIdentity> {
    if (scanner.builtIn) return BUILTIN_IDENTITY;
    const known = this.#externalIdentities.get(scanner.uuid);
    if (known && known.until > Date.now() && known.url === scanner.url) return known.identity;
    let identity: ScannerIdentity;
    try {
      identity = (await this.registry.metadata(scanner.uuid)).scanner;
    } catch (err) {
      this.#log.warn(
        { err, scanner: scanner.name },
        'scanner adapter metadata unavailable; using its registration name',
      );
      return { name: scanner.name, vendor: scanner.name, version: 'unknown' };
    }
    this.#externalIdentities.set(scanner.uuid, { identity, url: scanner.url, until: Date.now() + 5 * 60_000 });
    return identity;
  }

  async #builtinMetadata(): Promise<ScannerAdapterMetadata> {
    const db = await this.vulndb.status();
    const manifests = [MediaTypes.ociManifest, MediaTypes.dockerManifest];
    return {
      scanner: BUILTIN_IDENTITY,
      capabilities: [
        { type: 'vulnerability', consumes_mime_types: manifests, produces_mime_types: [VULNERABILITY_REPORT_MIME] },
        {
          type: 'sbom',
          consumes_mime_types: manifests,
          produces_mime_types: ['application/vnd.security.sbom.report+json; version=1.0'],
        },
      ],
      properties: {
        'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
        'harbor.scanner-adapter/vulnerability-database-updated-at': db.updatedAt?.toISOString() ?? '',
        'berth.scanner/vulnerability-database-version': String(db.version),
      },
    };
  }

  async #closeReportsOf(execution: Execution): Promise<void> {
    const open = await this.#repo.unfinishedReportsOf(execution.id);
    for (const r of open) {
      await this.#repo.failReport(
        r.id,
        execution.status === 'Stopped' ? 'Stopped' : 'Error',
        `scan ${execution.status.toLowerCase()}`,
        new Date(),
      );
    }
    if (open.length > 0) this.#invalidate();
  }
}

/** The findings table's rows (security hub, pull policy) from a report's items. */
function findingRows(items: readonly HarborVulnerabilityItem[]): FindingRow[] {
  return items.map((item) => ({
    cveId: item.id,
    package: item.package,
    version: item.version,
    fixVersion: item.fix_version,
    severity: SEVERITY_ORDER.includes(item.severity) ? item.severity : 'Unknown',
    cvssScore: item.preferred_cvss?.score_v3 ?? item.preferred_cvss?.score_v2 ?? null,
    description: item.description ?? '',
    links: item.links ?? [],
  }));
}

async function withTempFile<T>(
  tempDir: string,
  source: Readable,
  use: (path: string) => Promise<T>,
  name = 'layer',
): Promise<T> {
  await mkdir(tempDir, { recursive: true });
  const dir = await mkdtemp(join(tempDir, 'vulndb-'));
  try {
    const path = join(dir, name.replace(/[^A-Za-z0-9._-]/g, '_'));
    await pipeline(source, createWriteStream(path));
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * How current a report's advisory data was: the newest record's modification time, or the import
 * time for feeds that date nothing (the Debian tracker). An old dump imported today is old data, and
 * the report and the portal's staleness warning must say so.
 */
function dataAge(db: { newestRecordAt: Date | null; updatedAt: Date | null }): Date | null {
  return db.newestRecordAt ?? db.updatedAt;
}
