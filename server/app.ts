import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensureInitialAdmin } from './auth/admin-bootstrap.js';
import { Authenticator } from './auth/authenticator.js';
import type { IdentityProvider } from './auth/identity-provider.js';
import { LdapProvider } from './auth/ldap-provider.js';
import { TokenService } from './auth/token-service.js';
import type { Config } from './config/settings.js';
import { EventBus } from './core/events.js';
import { installDesktopHooks, type DesktopOptions } from './desktop/desktop-hooks.js';
import { registerRetention } from './gc/retention-job.js';
import { berthVersion } from './http/api/berth-version.js';
import { buildHttpApp } from './http/http-app.js';
import type { MetaStore } from './meta/meta-store.js';
import { openSqliteMetaStore } from './meta/sqlite/sqlite-meta-store.js';
import { AuditWriter } from './notify/audit-writer.js';
import { registerGarbageCollection } from './gc/gc-job.js';
import { BlobService } from './registry/blob-service.js';
import { ManifestService } from './registry/manifest-service.js';
import { UploadService } from './registry/upload-service.js';
import { BlobStore } from './storage/blob-store.js';
import { FilesystemDriver } from './storage/filesystem-driver.js';
import { LocalJobService, parseConcurrency } from './jobs/job-service.js';
import { instanceId } from './jobs/instance-id.js';
import { MemoryDriver } from './storage/memory-driver.js';
import type { StorageDriver } from './storage/storage-driver.js';
import { createExternalScanner } from './scan/adapter/scanner-client.js';
import { BerthAdapter } from './scan/adapter/berth-adapter.js';
import { createFileImageScanner } from './scan/adapter/file-image-scanner.js';
import { BUILTIN_IDENTITY, ScanEngine } from './scan/engine/scan-service.js';
import { advisoryDbFile, openAdvisoryDatabase } from './scan/vulndb/index.js';
import { openSecretBox } from './auth/secret-box.js';
import { RegistryService } from './replicate/registry-service.js';
import { PolicyService } from './replicate/policy-service.js';
import { LocalAdapter } from './replicate/adapters/local-adapter.js';
import { RemoteAdapterFactory } from './replicate/adapters/adapter-factory.js';
import { ReplicationEngine } from './replicate/engine/replication-engine.js';

/**
 * The composition root: config → storage → metadata → services → HTTP. Every seam's implementation
 * is chosen here, explicitly; nothing registers itself by being imported.
 */
export async function composeApp(
  config: Config,
  log: Logger,
  secrets: { adminPassword?: string | undefined } = {},
  desktopOptions: DesktopOptions = {},
) {
  const driver = await openStorage(config);
  const blobs = new BlobStore(driver);
  await mkdir(config.dataDir, { recursive: true });
  const meta: MetaStore = openSqliteMetaStore({
    file: config.database.file,
    onBackgroundError: (err) => log.warn({ err }, 'metadata background write failed'),
  });
  const events = new EventBus((err, event) => log.error({ err, event }, 'event listener failed'));
  const instance = await instanceId(config.dataDir);
  const jobs = new LocalJobService({
    repo: meta.jobs,
    log: log.child({ module: 'jobs' }),
    owner: instance,
    cpuSlots: config.jobs.cpuSlots,
    leaseMs: config.jobs.leaseMs,
    historyPerVendor: config.jobs.historyPerVendor,
    maxLogLines: config.jobs.maxLogLines,
    backgroundWindow: config.jobs.backgroundWindow ?? null,
    concurrency: parseConcurrency(config.jobs.concurrency),
  });

  await ensureInitialAdmin({ meta, dataDir: config.dataDir, password: secrets.adminPassword, log });
  const audit = new AuditWriter({ meta, log: log.child({ module: 'audit' }) });
  audit.attach(events);
  const tokens = await TokenService.open({
    keyFile: join(config.dataDir, 'token-signing-key.pem'),
    service: config.auth.tokenService,
    ttlSeconds: Math.max(60, Math.round(config.auth.tokenTtlMs / 1000)),
  });
  const lockWindowMs = 15 * 60_000;
  const directory = openDirectory(config, log.child({ module: 'auth' }));
  const authenticator = new Authenticator({
    meta,
    log: log.child({ module: 'auth' }),
    ...(directory ? { directory } : {}),
    userPolicy: { lockAfter: config.auth.lockAfter, lockForMs: config.auth.lockForMs, windowMs: lockWindowMs },
    addressPolicy: { lockAfter: config.auth.lockAfter * 3, lockForMs: config.auth.lockForMs, windowMs: lockWindowMs },
    maxFailureDelayMs: 2_000,
    cacheMs: 30_000,
    onAttempt: (a) =>
      audit.record({
        username: a.username,
        clientIp: a.clientIp,
        operation: 'login',
        resourceType: 'user_login',
        resource: a.username,
        success: a.success,
        detail: a.reason ?? null,
      }),
  });

  // Projects are created by the API; only a system administrator's push creates one on the fly.
  const shared = { blobs, meta, events, autoCreateProjects: false };
  const uploads = new UploadService({
    ...shared,
    log: log.child({ module: 'uploads' }),
    maxBlobBytes: config.uploads.maxBlobBytes,
  });
  const manifests = new ManifestService({
    ...shared,
    log: log.child({ module: 'manifests' }),
    cacheBytes: config.registry.manifestCacheBytes,
  });
  // A push probe refreshes links older than half GC's window, so pulls stay write-free.
  const blobService = new BlobService({ blobs, meta, linkRefreshMs: config.gc.windowMs / 2 });
  const gc = registerGarbageCollection(jobs, {
    meta,
    blobs,
    events,
    windowMs: config.gc.windowMs,
    uploadMaxAgeMs: config.uploads.purgeAfterMs,
    purgeUploads: (cutoff) => uploads.purgeStale(cutoff),
    log: log.child({ module: 'gc' }),
  });

  registerRetention(jobs, { meta, manifests, log: log.child({ module: 'retention' }) });

  // The scanner: its own SQLite file for advisories, so a large import neither bloats nor locks the metadata DB.
  const vulndb = openAdvisoryDatabase({ file: advisoryDbFile(config.dataDir) });
  const scanLog = log.child({ module: 'scan' });
  let serverUrl: string | undefined;
  // Large scanner files (advisory uploads and downloads; layers Berth's adapter pulls) are staged under
  // the data dir, because the OS temp dir may be memory; per instance, and what a crash of this
  // instance left there is removed at start.
  const instanceTemp = async (name: string) => {
    const dir = join(config.dataDir, 'tmp', name, instance);
    await rm(dir, { recursive: true, force: true });
    return dir;
  };
  const scannerTmp = await instanceTemp('scanner');
  const scans = new ScanEngine({
    tempDir: scannerTmp,
    meta,
    blobs,
    manifests,
    jobs,
    events,
    vulndb,
    log: scanLog,
    externalScanner: (registration) => createExternalScanner(registration, { log: scanLog }),
    // An external adapter pulls the artifact from us with a short-lived token that may only pull it.
    // `scanner-pull` lets it through the prevent_vul pull policy, as Harbor does: it must read an
    // artifact that policy refuses because it is not scanned yet.
    registryAccess: async (repository) => {
      const url = config.http.externalUrl ?? serverUrl;
      if (!url) throw new Error('the server address is not known yet; set http.externalUrl');
      const { token } = await tokens.issue('berth-scanner', 'user', [
        { type: 'repository', name: repository, actions: ['pull', 'scanner-pull'] },
      ]);
      return { url, authorization: `Bearer ${token}` };
    },
  });
  await scans.register();
  // Berth's scanner served to Harbors (/api/v1).
  const adapterTmp = await instanceTemp('scanner-adapter');
  const scannerAdapter = new BerthAdapter({
    scanner: createFileImageScanner({
      vulndb,
      identity: BUILTIN_IDENTITY,
      limits: () => scans.settings(),
      analyze: (layer, signal) => scans.analyzeLayerFile(layer, signal),
    }),
    vulndb,
    log: log.child({ module: 'scanner-adapter' }),
    version: berthVersion(),
    tempDir: adapterTmp,
  });

  // Replication: endpoints (credentials sealed under a key file), policies, and the engine on the job
  // system. The local side goes through the same services as a client's push, so quotas, immutable
  // tags, events and the audit log apply to what replication writes.
  const replicationLog = log.child({ module: 'replication' });
  const secretBox = await openSecretBox(config.dataDir, config.replication.secretKeyFile);
  const registries = new RegistryService({ meta, box: secretBox });
  const policies = new PolicyService({ meta, registries, log: replicationLog });
  const adapters = new RemoteAdapterFactory({
    local: new LocalAdapter({
      meta,
      manifests,
      uploads,
      blobs,
      log: replicationLog,
      linkRefreshMs: config.gc.windowMs / 2,
      audit,
    }),
    log: replicationLog,
    version: berthVersion(),
  });
  const replication = new ReplicationEngine({
    jobs,
    events,
    registries,
    policies,
    adapters,
    log: replicationLog,
    tunables: {
      idleTimeoutMs: config.replication.idleTimeoutMs,
      chunkBytes: config.replication.chunkBytes,
      chunkAboveBytes: config.replication.chunkBytes,
    },
  });
  await replication.register();

  const auth = {
    authenticator,
    tokens,
    meta,
    audit,
    sessionIdleMs: config.auth.sessionIdleMs,
    externalUrl: config.http.externalUrl,
    autoCreateProjects: config.registry.autoCreateProjects,
  };
  const http = await buildHttpApp({
    log,
    auth,
    portal: { dir: config.portal.dir },
    scannerAdapter: { adapter: scannerAdapter, apiKey: config.scanner.adapterApiKey },
    api: {
      meta,
      events,
      storage: driver,
      log: log.child({ module: 'api' }),
      audit,
      authenticator,
      manifests,
      blobs,
      jobs,
      gc,
      scans,
      replication: { registries, policies, adapters, service: replication },
      system: {
        version: berthVersion(),
        volumeDir: config.storage.driver === 'filesystem' ? config.storage.rootDir : config.dataDir,
        storageProvider: config.storage.driver,
        externalUrl: config.http.externalUrl,
        authMode: config.auth.mode === 'ldap' ? 'ldap_auth' : 'db_auth',
      },
    },
    oci: {
      uploads,
      blobs: blobService,
      manifests,
      meta,
      log: log.child({ module: 'oci' }),
      autoCreateProjects: config.registry.autoCreateProjects,
      tokenService: config.auth.tokenService,
      externalUrl: config.http.externalUrl,
      audit,
      scans,
    },
  });
  // The desktop shell's hooks cost one hook per request and an unused route on a headless server.
  const desktop = await installDesktopHooks({ http, auth, jobs, audit, options: desktopOptions });
  /** Periodic clean-up: stale upload sessions, and staging files a crash left behind. */
  const purgeStale = async (cutoff: Date): Promise<number> => {
    const purged = await uploads.purgeStale(cutoff);
    if (driver instanceof FilesystemDriver) await driver.removeStaleTempFiles();
    return purged;
  };
  /** Called once the server listens: the address external scanners pull from when no external URL is set. */
  const setServerUrl = (url: string) => {
    serverUrl = url;
  };
  return {
    http,
    meta,
    events,
    audit,
    jobs,
    desktop,
    purgeStale,
    scans,
    vulndb,
    setServerUrl,
    replicationAdapters: adapters,
  };
}

/** The identity provider for `auth.mode` (none for `db`: the local database is the Authenticator's own). */
function openDirectory(config: Config, log: Logger): IdentityProvider | undefined {
  if (config.auth.mode !== 'ldap') return undefined;
  const { url, baseDn } = config.auth.ldap;
  // loadConfig refuses ldap mode without them; this only narrows the types.
  if (!url || !baseDn) throw new Error('auth.mode ldap needs auth.ldap.url and auth.ldap.baseDn');
  log.info(
    { url, baseDn, searchDn: config.auth.ldap.searchDn ?? '(anonymous)', filter: config.auth.ldap.filter },
    'ldap login: passwords are checked by the directory (local system administrators log in locally)',
  );
  return new LdapProvider({ config: { ...config.auth.ldap, url, baseDn }, log });
}

async function openStorage(config: Config): Promise<StorageDriver> {
  if (config.storage.driver === 'memory') return new MemoryDriver();
  await mkdir(config.storage.rootDir, { recursive: true });
  return new FilesystemDriver(config.storage.rootDir);
}
