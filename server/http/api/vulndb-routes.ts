import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { Invalid, TooLarge } from '../../core/errors.js';
import type { ScannerSettings } from '../../scan/scan-contract.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { hasBody } from '../body.js';
import { scanTarget } from './scan-routes.js';
import {
  auditScan,
  objectBody,
  requireSysAdmin,
  scanService,
  toDbStatusJson,
  toImportResultJson,
} from './scan-json.js';

/**
 * Berth's scanner administration (additions to Harbor's API; `docs/api.md`), system administrators
 * only:
 *
 *   GET  /system/scanner/settings        the built-in scanner's resource limits and timing
 *   PUT  /system/scanner/settings        changes some of them (snake_case keys; unknown keys are 400)
 *   GET  /system/scanner/vulndb          the advisory database: version, age, records, sources
 *   POST /system/scanner/vulndb          imports the uploaded file (an OSV zip or JSON, the Debian
 *                                        tracker JSON, an Alpine secdb), streamed to a temporary file
 *   POST /system/scanner/vulndb/import   {project_name, repository_name, reference}: imports the
 *                                        advisories carried by an artifact stored in Berth
 *   POST /system/scanner/vulndb/update   downloads the configured db_urls now
 */

export interface VulndbRouteOptions {
  /** Largest upload accepted; an OSV all.zip of every ecosystem is about 1 GiB. */
  maxUploadBytes?: number;
}

export const DEFAULT_MAX_VULNDB_UPLOAD = 2 * 1024 ** 3;

export function vulndbRoutes(options: VulndbRouteOptions = {}): ApiRouteModule {
  const maxUpload = options.maxUploadBytes ?? DEFAULT_MAX_VULNDB_UPLOAD;
  return async (app, deps) => {
    app.get('/system/scanner/settings', async (req) => {
      requireSysAdmin(req);
      return toSettingsJson(await scanService(deps).settings());
    });

    app.put('/system/scanner/settings', async (req) => {
      requireSysAdmin(req);
      const patch = readSettingsPatch(req.body);
      const saved = await scanService(deps).updateSettings(patch);
      auditScan(req, deps, {
        operation: 'update',
        resourceType: 'scanner_settings',
        resource: 'scanner settings',
        detail: Object.keys(patch)
          .map((k) => SNAKE[k as keyof ScannerSettings])
          .join(', '),
      });
      return toSettingsJson(saved);
    });

    app.get('/system/scanner/vulndb', async (req) => {
      requireSysAdmin(req);
      return toDbStatusJson(await scanService(deps).vulndb.status());
    });

    app.post('/system/scanner/vulndb/import', async (req) => {
      requireSysAdmin(req);
      const body = objectBody(req.body, 'the request body');
      const field = (key: string): string => {
        const v = body[key];
        if (typeof v !== 'string' || v === '') throw new Invalid('NAME_INVALID', `${key} is required`);
        return v;
      };
      const params = {
        project_name: field('project_name'),
        repository_name: field('repository_name'),
        reference: field('reference'),
      };
      // The repository path may come with its project prefix, as `repository_name` does in listings.
      const prefix = `${params.project_name}/`;
      if (params.repository_name.startsWith(prefix))
        params.repository_name = params.repository_name.slice(prefix.length);
      const { target } = await scanTarget(req, deps, params, 'read', 'artifact');
      const result = await scanService(deps).importDbFromArtifact(target);
      auditScan(req, deps, {
        operation: 'create',
        resourceType: 'vulndb',
        resource: `${target.repository}@${target.digest}`,
        detail: importDetail(result),
      });
      return toImportResultJson(result);
    });

    app.post('/system/scanner/vulndb/update', async (req) => {
      requireSysAdmin(req);
      const result = await scanService(deps).updateDbFromUrls();
      auditScan(req, deps, {
        operation: 'update',
        resourceType: 'vulndb',
        resource: 'download',
        detail: importDetail(result),
      });
      return toImportResultJson(result);
    });

    await app.register(async (scope) => uploadRoute(scope, deps, maxUpload));
  };
}

/** The upload route, in a scope of its own whose body is left unread for the handler to stream. */
async function uploadRoute(scope: FastifyInstance, deps: ApiDeps, maxUpload: number): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
  scope.post('/system/scanner/vulndb', async (req) => {
    requireSysAdmin(req);
    const scans = scanService(deps);
    if (!hasBody(req.headers)) throw new Invalid('NAME_INVALID', 'send the advisory file (zip or JSON) as the body');
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxUpload) throw new TooLarge('SIZE_INVALID', `the upload exceeds ${maxUpload} bytes`);
    await mkdir(scans.tempDir, { recursive: true });
    const dir = await mkdtemp(join(scans.tempDir, 'upload-'));
    try {
      const path = join(dir, 'upload');
      let total = 0;
      const cap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          total += chunk.length;
          if (total > maxUpload) done(new TooLarge('SIZE_INVALID', `the upload exceeds ${maxUpload} bytes`));
          else done(null, chunk);
        },
      });
      await pipeline(req.raw, cap, createWriteStream(path, { mode: 0o600 }));
      if (total === 0) throw new Invalid('NAME_INVALID', 'the uploaded file is empty');
      const result = await scans.vulndb.importPath(path);
      auditScan(req, deps, {
        operation: 'create',
        resourceType: 'vulndb',
        resource: 'upload',
        detail: `${total} bytes; ${importDetail(result)}`,
      });
      return toImportResultJson(result);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

function importDetail(r: { added: number; updated: number; removed: number; skipped: number }): string {
  return `added ${r.added}, updated ${r.updated}, removed ${r.removed}, skipped ${r.skipped}`;
}

const SNAKE: Record<keyof ScannerSettings, string> = {
  workers: 'workers',
  memoryMb: 'memory_mb',
  maxLayerBytes: 'max_layer_bytes',
  niceness: 'niceness',
  timeWindow: 'time_window',
  scanAllOnlyChanged: 'scan_all_only_changed',
  dbUrls: 'db_urls',
  dbUpdateCron: 'db_update_cron',
};

export function toSettingsJson(s: ScannerSettings) {
  return {
    workers: s.workers,
    memory_mb: s.memoryMb,
    max_layer_bytes: s.maxLayerBytes,
    niceness: s.niceness,
    time_window: s.timeWindow,
    scan_all_only_changed: s.scanAllOnlyChanged,
    db_urls: [...s.dbUrls],
    db_update_cron: s.dbUpdateCron,
  };
}

export const SETTINGS_LIMITS = {
  workers: [1, 64],
  memoryMb: [64, 65_536],
  maxLayerBytes: [1024 * 1024, 2 ** 50],
  niceness: [0, 19],
} as const;
const MAX_DB_URLS = 32;
const TIME_WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

/** A `PUT /system/scanner/settings` body: any subset of the keys, each checked; 400 naming the key. */
export function readSettingsPatch(raw: unknown): Partial<ScannerSettings> {
  const body = objectBody(raw, 'the request body (scanner settings)');
  const byKey = new Map(Object.entries(SNAKE).map(([camel, snake]) => [snake, camel as keyof ScannerSettings]));
  const patch: Partial<ScannerSettings> = {};
  for (const [key, value] of Object.entries(body)) {
    const field = byKey.get(key);
    if (!field)
      throw new Invalid(
        'NAME_INVALID',
        `unknown scanner setting "${key.slice(0, 40)}"; known: ${[...byKey.keys()].join(', ')}`,
      );
    switch (field) {
      case 'workers':
      case 'memoryMb':
      case 'maxLayerBytes':
      case 'niceness': {
        const [min, max] = SETTINGS_LIMITS[field];
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
          throw new Invalid('NAME_INVALID', `${key} must be a whole number from ${min} to ${max}`);
        }
        patch[field] = value;
        break;
      }
      case 'timeWindow':
        if (value === null || value === '') patch.timeWindow = null;
        else if (typeof value === 'string' && TIME_WINDOW.test(value.trim())) patch.timeWindow = value.trim();
        else throw new Invalid('NAME_INVALID', `${key} must be "HH:MM-HH:MM" (local time) or null`);
        break;
      case 'scanAllOnlyChanged':
        if (typeof value !== 'boolean') throw new Invalid('NAME_INVALID', `${key} must be true or false`);
        patch.scanAllOnlyChanged = value;
        break;
      case 'dbUrls': {
        if (!Array.isArray(value) || value.length > MAX_DB_URLS) {
          throw new Invalid('NAME_INVALID', `${key} must be an array of at most ${MAX_DB_URLS} http(s) URLs`);
        }
        patch.dbUrls = value.map((u: unknown, i) => {
          if (typeof u !== 'string' || u.length > 2048) throw new Invalid('NAME_INVALID', `${key}[${i}] must be a URL`);
          let url: URL;
          try {
            url = new URL(u.trim());
          } catch {
            throw new Invalid('NAME_INVALID', `${key}[${i}] is not a valid URL`);
          }
          if (url.protocol !== 'http:' && url.protocol !== 'https:') {
            throw new Invalid('NAME_INVALID', `${key}[${i}] must be an http or https URL`);
          }
          return u.trim();
        });
        break;
      }
      case 'dbUpdateCron':
        if (value === null || value === '') patch.dbUpdateCron = null;
        else if (typeof value === 'string' && value.trim().split(/\s+/).length === 6 && value.length <= 200) {
          patch.dbUpdateCron = value.trim();
        } else throw new Invalid('NAME_INVALID', `${key} must be a six-field cron (seconds first) or null`);
        break;
    }
  }
  return patch;
}
