import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The one catalogue of settings. Every key a user can set lives here with its type, default, the
 * environment variable that sets it and whether it is a secret (secrets never reach logs). Loading,
 * validation and the configuration reference in the README are derived from this table.
 *
 * Precedence: defaults < YAML file < environment (`BERTH_*`) < command-line flags.
 */
export interface Config {
  /** Where Berth keeps its database and (by default) its blobs. */
  dataDir: string;
  /** `HOST:PORT` to serve on; port 0 picks a free port. */
  listen: string;
  log: { level: LogLevel };
  storage: { driver: 'filesystem' | 'memory'; rootDir: string };
  database: { file: string };
  uploads: { purgeAfterMs: number; purgeIntervalMs: number; maxBlobBytes: number };
  http: { shutdownTimeoutMs: number; externalUrl: string | undefined };
  registry: { autoCreateProjects: boolean; manifestCacheBytes: number };
  auth: {
    tokenService: string;
    tokenTtlMs: number;
    sessionIdleMs: number;
    lockAfter: number;
    lockForMs: number;
  };
  audit: { retentionMs: number; maxRows: number };
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type SettingType =
  | { kind: 'string' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'listen' }
  | { kind: 'duration' }
  | { kind: 'bytes' }
  | { kind: 'boolean' }
  | { kind: 'integer'; min: number }
  | { kind: 'optional-url' };

export interface Setting {
  /** Dotted key as written in YAML (`log.level`). */
  key: string;
  env: string;
  type: SettingType;
  /** A function where the default depends on other settings or the platform. */
  default: unknown;
  description: string;
  flag?: string;
  secret?: boolean;
}

/** Per-user data directory, following each platform's convention. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env = process.env): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Berth');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Berth');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'berth');
}

export const SETTINGS: readonly Setting[] = [
  {
    key: 'dataDir',
    env: 'BERTH_DATA_DIR',
    flag: 'data-dir',
    type: { kind: 'string' },
    default: () => defaultDataDir(),
    description: 'Directory for the database and, unless storage.rootDir is set, the blobs.',
  },
  {
    key: 'listen',
    env: 'BERTH_LISTEN',
    flag: 'listen',
    type: { kind: 'listen' },
    default: '127.0.0.1:5000',
    description: 'Address to serve the registry on, HOST:PORT.',
  },
  {
    key: 'log.level',
    env: 'BERTH_LOG_LEVEL',
    flag: 'log-level',
    type: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    description: 'Log level; request lines are logged at debug.',
  },
  {
    key: 'storage.driver',
    env: 'BERTH_STORAGE_DRIVER',
    type: { kind: 'enum', values: ['filesystem', 'memory'] },
    default: 'filesystem',
    description: 'Blob storage driver. `memory` keeps nothing across restarts (tests only).',
  },
  {
    key: 'storage.rootDir',
    env: 'BERTH_STORAGE_ROOT_DIR',
    type: { kind: 'string' },
    default: (c: Config) => join(c.dataDir, 'storage'),
    description: 'Root directory of the filesystem storage driver.',
  },
  {
    key: 'database.file',
    env: 'BERTH_DATABASE_FILE',
    type: { kind: 'string' },
    default: (c: Config) => join(c.dataDir, 'berth.db'),
    description: 'SQLite metadata database file.',
  },
  {
    key: 'uploads.purgeAfterMs',
    env: 'BERTH_UPLOADS_PURGE_AFTER',
    type: { kind: 'duration' },
    default: 24 * 3600_000,
    description: 'Age after which an unfinished upload is deleted (e.g. `24h`, `90m`, or milliseconds).',
  },
  {
    key: 'uploads.purgeIntervalMs',
    env: 'BERTH_UPLOADS_PURGE_INTERVAL',
    type: { kind: 'duration' },
    default: 3600_000,
    description: 'How often stale uploads are looked for.',
  },
  {
    key: 'uploads.maxBlobBytes',
    env: 'BERTH_UPLOADS_MAX_BLOB_BYTES',
    type: { kind: 'bytes' },
    default: 64 * 1024 ** 3,
    description: 'Largest blob accepted (e.g. `64GiB`).',
  },
  {
    key: 'http.shutdownTimeoutMs',
    env: 'BERTH_HTTP_SHUTDOWN_TIMEOUT',
    type: { kind: 'duration' },
    default: 30_000,
    description: 'On shutdown, how long running requests (uploads) may take to finish.',
  },
  {
    key: 'registry.autoCreateProjects',
    env: 'BERTH_REGISTRY_AUTO_CREATE_PROJECTS',
    type: { kind: 'boolean' },
    default: true,
    description: "Let a system administrator's first push into a missing project create it (others get NAME_UNKNOWN).",
  },
  {
    key: 'registry.manifestCacheBytes',
    env: 'BERTH_REGISTRY_MANIFEST_CACHE_BYTES',
    type: { kind: 'bytes' },
    default: 32 * 1024 ** 2,
    description: 'Memory for recently served manifests.',
  },
  {
    key: 'http.externalUrl',
    env: 'BERTH_HTTP_EXTERNAL_URL',
    type: { kind: 'optional-url' },
    default: undefined,
    description:
      'Public base URL (e.g. `https://registry.example.com`) when Berth is behind a proxy; used in token realms and links. Default: from each request.',
  },
  {
    key: 'auth.tokenService',
    env: 'BERTH_AUTH_TOKEN_SERVICE',
    type: { kind: 'string' },
    default: 'berth-registry',
    description: 'The `service` name in registry token challenges and tokens.',
  },
  {
    key: 'auth.tokenTtlMs',
    env: 'BERTH_AUTH_TOKEN_TTL',
    type: { kind: 'duration' },
    default: 30 * 60_000,
    description: 'Lifetime of registry bearer tokens.',
  },
  {
    key: 'auth.sessionIdleMs',
    env: 'BERTH_AUTH_SESSION_IDLE',
    type: { kind: 'duration' },
    default: 60 * 60_000,
    description: 'A portal session ends after this long without a request.',
  },
  {
    key: 'auth.lockAfter',
    env: 'BERTH_AUTH_LOCK_AFTER',
    type: { kind: 'integer', min: 1 },
    default: 10,
    description:
      'Failed logins (per username; three times as many per client address) within 15 minutes that lock further attempts.',
  },
  {
    key: 'auth.lockForMs',
    env: 'BERTH_AUTH_LOCK_FOR',
    type: { kind: 'duration' },
    default: 5 * 60_000,
    description: 'How long a locked username or address stays locked.',
  },
  {
    key: 'audit.retentionMs',
    env: 'BERTH_AUDIT_RETENTION',
    type: { kind: 'duration' },
    default: 90 * 24 * 3600_000,
    description: 'Audit log entries older than this are purged (daily).',
  },
  {
    key: 'audit.maxRows',
    env: 'BERTH_AUDIT_MAX_ROWS',
    type: { kind: 'integer', min: 1000 },
    default: 1_000_000,
    description: 'The audit log keeps at most this many entries (oldest purged first).',
  },
];
