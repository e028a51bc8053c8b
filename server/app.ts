import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from './config/settings.js';
import { EventBus } from './core/events.js';
import { buildHttpApp } from './http/http-app.js';
import type { MetaStore } from './meta/meta-store.js';
import { openSqliteMetaStore } from './meta/sqlite/sqlite-meta-store.js';
import { BlobService } from './registry/blob-service.js';
import { ManifestService } from './registry/manifest-service.js';
import { UploadService } from './registry/upload-service.js';
import { BlobStore } from './storage/blob-store.js';
import { FilesystemDriver } from './storage/filesystem-driver.js';
import { MemoryDriver } from './storage/memory-driver.js';
import type { StorageDriver } from './storage/storage-driver.js';

/**
 * The composition root: config → storage → metadata → services → HTTP. Every seam's implementation
 * is chosen here, explicitly; nothing registers itself by being imported.
 */
export async function composeApp(config: Config, log: Logger) {
  const driver = await openStorage(config);
  const blobs = new BlobStore(driver);
  await mkdir(config.dataDir, { recursive: true });
  const meta: MetaStore = openSqliteMetaStore({
    file: config.database.file,
    onBackgroundError: (err) => log.warn({ err }, 'metadata background write failed'),
  });
  const events = new EventBus((err, event) => log.error({ err, event }, 'event listener failed'));

  const shared = { blobs, meta, events, autoCreateProjects: config.registry.autoCreateProjects };
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
  const blobService = new BlobService({ blobs, meta });

  const http = await buildHttpApp({
    log,
    oci: { uploads, blobs: blobService, manifests, meta, log: log.child({ module: 'oci' }) },
  });
  /** Periodic clean-up: stale upload sessions, and staging files a crash left behind. */
  const purgeStale = async (cutoff: Date): Promise<number> => {
    const purged = await uploads.purgeStale(cutoff);
    if (driver instanceof FilesystemDriver) await driver.removeStaleTempFiles();
    return purged;
  };
  return { http, meta, events, purgeStale };
}

async function openStorage(config: Config): Promise<StorageDriver> {
  if (config.storage.driver === 'memory') return new MemoryDriver();
  await mkdir(config.storage.rootDir, { recursive: true });
  return new FilesystemDriver(config.storage.rootDir);
}
