import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { fetch as undiciFetch } from 'undici';
import { DomainError } from '../../core/errors.js';
import { buildVulnerabilityReport } from '../report/harbor-report.js';
import { buildCycloneDx, buildSpdx } from '../report/sbom.js';
import type {
  AdvisoryDbStatus,
  HarborVulnerabilityReport,
  ImageScanner,
  ScannerAdapterMetadata,
} from '../scan-contract.js';
import { MIME, PROPERTY, SBOM_MEDIA_TYPES, type SbomMediaType, type ScanRequestBody } from './adapter-protocol.js';
import { pullImage, type PullLimits } from './registry-pull.js';

/**
 * Berth's scanner served as a Harbor scanner adapter: a scan request is queued at once and answered
 * with an id; a bounded number run at a time (pull from the requesting registry into a temporary
 * directory, `ImageScanner.scanLayers`, Harbor's report); results wait in memory for the client's
 * polls, bounded in number and age, since Harbor collects a report once and a restarted adapter
 * answering 404 makes Harbor's job fail cleanly.
 */

export interface BerthAdapterOptions {
  scanner: ImageScanner;
  vulndb: { status(): Promise<AdvisoryDbStatus> };
  log: Logger;
  /** Berth's version, shown in the metadata's properties and the SBOMs' tool entries. */
  version: string;
  /** Where pulled layers go (a directory per scan, removed afterwards); the OS temp dir by default. */
  tempDir?: string;
  /** Scans pulling and analysing at once. */
  concurrency?: number;
  /** Scans waiting beyond those; more are refused as busy. */
  maxQueued?: number;
  /** Finished scans kept for polling, and for how long. */
  maxResults?: number;
  resultTtlMs?: number;
  /** One scan's whole run, pull included. */
  scanTimeoutMs?: number;
  pullLimits?: Partial<PullLimits>;
  fetch?: typeof undiciFetch;
  /** Seconds the 302 answer asks the poller to wait. */
  refreshAfterSeconds?: number;
}

export type AdapterScanState =
  | { state: 'queued' }
  | { state: 'running' }
  | { state: 'done'; vulnerability?: HarborVulnerabilityReport; sbom?: Partial<Record<SbomMediaType, unknown>> }
  | { state: 'failed'; message: string };

/** The adapter is at its queue bound; the spec has no status for it, so the routes answer 503. */
export class AdapterBusy extends DomainError {
  constructor(message: string) {
    super('invalid', 'TOOMANYREQUESTS', message);
  }
}

interface Job {
  id: string;
  request: ScanRequestBody;
  wantVulnerability: boolean;
  sbomTypes: SbomMediaType[];
  state: AdapterScanState;
  finishedAt: number | null;
  abort: AbortController;
}

export class BerthAdapter {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running = 0;
  private closed = false;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly maxResults: number;
  private readonly resultTtlMs: number;
  private readonly scanTimeoutMs: number;
  readonly refreshAfterSeconds: number;

  constructor(private readonly options: BerthAdapterOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.maxQueued = Math.max(0, options.maxQueued ?? 32);
    this.maxResults = Math.max(1, options.maxResults ?? 100);
    this.resultTtlMs = options.resultTtlMs ?? 60 * 60_000;
    this.scanTimeoutMs = options.scanTimeoutMs ?? 30 * 60_000;
    this.refreshAfterSeconds = options.refreshAfterSeconds ?? 2;
  }

  async metadata(): Promise<ScannerAdapterMetadata> {
    const [identity, status] = await Promise.all([this.options.scanner.identity(), this.options.vulndb.status()]);
    const consumes = [MIME.ociManifest, MIME.dockerManifest];
    const properties: Record<string, string> = {
      [PROPERTY.scannerType]: 'os-package-vulnerability',
      'org.label-schema.version': this.options.version,
      'org.label-schema.vcs': 'https://github.com/berth-registry/berth',
      'berth.io/vulnerability-database-version': String(status.version),
      'berth.io/vulnerability-database-records': String(status.records),
    };
    if (status.updatedAt) properties[PROPERTY.dbUpdatedAt] = status.updatedAt.toISOString();
    if (status.newestRecordAt) {
      properties['berth.io/vulnerability-database-newest-record-at'] = status.newestRecordAt.toISOString();
    }
    const capabilities = [
      {
        type: 'vulnerability',
        consumes_mime_types: consumes,
        produces_mime_types: [MIME.vulnerabilityReport, MIME.harborReport],
      },
      // Version 1.2 of the spec: SBOMs, in the formats `additional_attributes` lists.
      {
        type: 'sbom',
        consumes_mime_types: consumes,
        produces_mime_types: [MIME.sbomReport],
        additional_attributes: { sbom_media_types: [...SBOM_MEDIA_TYPES] },
      },
    ];
    return { scanner: identity, capabilities, properties };
  }

  /**
   * Queues a checked scan request and returns its id. Without `enabled_capabilities` the request
   * asks for vulnerabilities (the spec's backward-compatible default).
   */
  submit(request: ScanRequestBody): string {
    if (this.closed) throw new AdapterBusy('the scanner is shutting down');
    this.evict();
    if (this.waiting.length >= this.maxQueued && this.running >= this.concurrency) {
      throw new AdapterBusy(`the scanner has ${this.waiting.length} scans waiting; try again later`);
    }
    const caps = request.enabled_capabilities ?? [{ type: 'vulnerability' as const }];
    const sbomCap = caps.find((c) => c.type === 'sbom');
    const sbomTypes = sbomCap
      ? ((sbomCap.parameters?.sbom_media_types ?? ['application/vnd.cyclonedx+json']) as SbomMediaType[])
      : [];
    const job: Job = {
      id: randomUUID(),
      request,
      wantVulnerability: caps.some((c) => c.type === 'vulnerability'),
      sbomTypes,
      state: { state: 'queued' },
      finishedAt: null,
      abort: new AbortController(),
    };
    this.jobs.set(job.id, job);
    this.waiting.push(job);
    this.pump();
    return job.id;
  }

  result(id: string): AdapterScanState | undefined {
    this.evict();
    return this.jobs.get(id)?.state;
  }

  /** Stops running scans and forgets everything; their temporary files are removed as they unwind. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    const pending = [...this.jobs.values()].filter((j) => j.finishedAt === null);
    for (const job of pending) job.abort.abort(new Error('the scanner is shutting down'));
    while (this.running > 0) await new Promise((r) => setTimeout(r, 10));
    this.jobs.clear();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      job.state = { state: 'running' };
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    const { request } = job;
    const log = this.options.log.child({ scanRequestId: job.id });
    const timeout = AbortSignal.timeout(this.scanTimeoutMs);
    const signal = AbortSignal.any([job.abort.signal, timeout]);
    const base = this.options.tempDir ?? tmpdir();
    await mkdir(base, { recursive: true }).catch(() => undefined);
    let dir: string | undefined;
    let outcome: AdapterScanState;
    try {
      dir = await mkdtemp(join(base, 'berth-adapter-'));
      // Never the authorization: the request's credentials stay out of logs.
      log.info(
        { registry: request.registry.url, repository: request.artifact.repository, digest: request.artifact.digest },
        'adapter scan started',
      );
      const pulled = await pullImage(
        {
          registryUrl: request.registry.url,
          authorization: request.registry.authorization,
          repository: request.artifact.repository,
          digest: request.artifact.digest,
          dir,
          signal,
        },
        { ...(this.options.fetch ? { fetch: this.options.fetch } : {}), limits: this.options.pullLimits ?? {} },
      );
      const result = await this.options.scanner.scanLayers(pulled.layers, signal);
      const identity = await this.options.scanner.identity();
      const artifact = {
        repository: request.artifact.repository,
        digest: request.artifact.digest,
        ...(request.artifact.tag ? { tag: request.artifact.tag } : {}),
        mime_type: request.artifact.mime_type ?? pulled.mediaType,
      };
      const done: Extract<AdapterScanState, { state: 'done' }> = { state: 'done' };
      if (job.wantVulnerability) {
        done.vulnerability = buildVulnerabilityReport({
          findings: result.findings,
          packages: result.packages,
          layers: pulled.layers.map((l, i) => ({
            digest: l.digest,
            ...(pulled.diffIds[i] ? { diffId: pulled.diffIds[i] } : {}),
          })),
          scanner: identity,
          artifact,
          generatedAt: new Date(),
        });
      }
      if (job.sbomTypes.length > 0) {
        const generatedAt = new Date();
        const inventory = { os: result.os, packages: result.packages, incomplete: result.incomplete };
        const described = {
          repository: artifact.repository,
          digest: pulled.digest,
          ...(artifact.tag ? { tags: [artifact.tag] } : {}),
          registry: new URL(request.registry.url).host,
          layers: pulled.layers.map((l) => l.digest),
        };
        const options = { toolVersion: this.options.version, generatedAt };
        const sbom: Partial<Record<SbomMediaType, unknown>> = {};
        for (const type of job.sbomTypes) {
          sbom[type] = {
            generated_at: generatedAt.toISOString(),
            artifact,
            scanner: identity,
            media_type: type,
            sbom:
              type === 'application/spdx+json'
                ? buildSpdx(inventory, described, options)
                : buildCycloneDx(inventory, described, options),
          };
        }
        done.sbom = sbom;
      }
      outcome = done;
      log.info(
        { findings: result.findings.length, packages: result.packages.length, incomplete: result.incomplete },
        'adapter scan finished',
      );
    } catch (err) {
      const message =
        signal.aborted && timeout.aborted
          ? `the scan did not finish within ${duration(this.scanTimeoutMs)}`
          : err instanceof Error
            ? err.message
            : String(err);
      outcome = { state: 'failed', message };
      if (err instanceof DomainError || signal.aborted) log.warn({ reason: message }, 'adapter scan failed');
      else log.error({ err }, 'adapter scan failed');
    }
    // The result shows only once the pulled layers are gone, so a finished scan leaves nothing behind.
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    job.state = outcome;
    job.finishedAt = Date.now();
  }

  /** Drops results past their age, then the oldest finished ones past the count bound. */
  private evict(): void {
    const now = Date.now();
    const finished: Job[] = [];
    for (const job of this.jobs.values()) {
      if (job.finishedAt === null) continue;
      if (now - job.finishedAt > this.resultTtlMs) this.jobs.delete(job.id);
      else finished.push(job);
    }
    const excess = finished.length - this.maxResults;
    if (excess > 0) {
      finished.sort((a, b) => a.finishedAt! - b.finishedAt!);
      for (const job of finished.slice(0, excess)) this.jobs.delete(job.id);
    }
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
