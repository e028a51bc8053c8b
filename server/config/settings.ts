import { availableParallelism, homedir } from 'node:os';
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
    /** `db`: users live in the local database; `ldap`: Harbor's `ldap_auth` (local admins still log in locally). */
    mode: 'db' | 'ldap';
    ldap: LdapConfig;
  };
  audit: { retentionMs: number; maxRows: number };
  jobs: JobsConfig;
  /** Garbage collection: nothing changed more recently than `windowMs` is collected (Harbor's time window). */
  gc: { windowMs: number };
  /** The web portal: the renderer's build directory; unset: `dist/portal` of the Berth package. */
  portal: { dir: string | undefined };
  scanner: {
    /** A fixed key a Harbor may send to Berth's scanner adapter (`/api/v1`); unset: Berth credentials only. */
    adapterApiKey: string | undefined;
  };
  replication: {
    /** The key that seals endpoint credentials; unset: `<dataDir>/secret.key`, made at first start. */
    secretKeyFile: string | undefined;
    /** A blob transfer that moves no byte for this long is retried (never a wall-clock limit). */
    idleTimeoutMs: number;
    /** Blobs larger than this are pushed in resumable chunks of this size. */
    chunkBytes: number;
  };
}

/** The job system's budgets (see `server/jobs/job-service.ts`). */
export interface JobsConfig {
  /** CPU slots shared by CPU-heavy job types (scans, hashing); background work leaves one free. */
  cpuSlots: number;
  /** A task's lease; a crashed process's tasks are re-run (or failed) once it expires. */
  leaseMs: number;
  /** Finished executions kept per policy (GC runs, one retention policy's runs, ...). */
  historyPerVendor: number;
  /** Lines kept per task log. */
  maxLogLines: number;
  /** `HH:MM-HH:MM` (local time) in which background work (GC, scan-all, retention) starts; unset: any time. */
  backgroundWindow: string | undefined;
  /** Per job type concurrency overrides, `retention=4,gc=1`; unset: each type's default. */
  concurrency: string | undefined;
}

/** The directory `auth.mode: ldap` checks passwords against (Harbor's `ldap_*` settings). */
export interface LdapConfig {
  /** `ldap://host:389` or `ldaps://host:636`; required in ldap mode. */
  url: string | undefined;
  /** Where users are searched; required in ldap mode. */
  baseDn: string | undefined;
  /** The DN that searches (with `searchPassword`); unset: anonymous search. */
  searchDn: string | undefined;
  searchPassword: string | undefined;
  /** The attribute holding the login name. */
  uid: string;
  /** An extra filter ANDed to the uid match, e.g. `(objectClass=person)`. */
  filter: string | undefined;
  scope: 'base' | 'one' | 'sub';
  timeoutMs: number;
  /** Verify the directory's TLS certificate (ldaps://). */
  verifyCert: boolean;
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
  | { kind: 'optional-url' }
  | { kind: 'optional-string' }
  | { kind: 'ldap-url' }
  | { kind: 'ldap-attribute' }
  | { kind: 'ldap-filter' };

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
    key: 'jobs.cpuSlots',
    env: 'BERTH_JOBS_CPU_SLOTS',
    type: { kind: 'integer', min: 1 },
    default: () => Math.max(2, Math.min(8, availableParallelism() - 1)),
    description: 'CPU slots for CPU-heavy background work (scans, hashing); default: cores − 1, between 2 and 8.',
  },
  {
    key: 'jobs.leaseMs',
    env: 'BERTH_JOBS_LEASE',
    type: { kind: 'duration' },
    default: 30_000,
    description:
      'How long a running task holds its lease between heartbeats; after a crash its tasks re-run once it expires.',
  },
  {
    key: 'jobs.historyPerVendor',
    env: 'BERTH_JOBS_HISTORY',
    type: { kind: 'integer', min: 1 },
    default: 50,
    description:
      'Finished executions kept per policy (GC, each retention or replication policy); older ones are deleted.',
  },
  {
    key: 'jobs.maxLogLines',
    env: 'BERTH_JOBS_MAX_LOG_LINES',
    type: { kind: 'integer', min: 100 },
    default: 10_000,
    description: 'Lines kept per task log.',
  },
  {
    key: 'jobs.concurrency',
    env: 'BERTH_JOBS_CONCURRENCY',
    type: { kind: 'optional-string' },
    default: undefined,
    description: 'Tasks of a job type run at once, per type: `retention=4,gc=1` (others keep their defaults).',
  },
  {
    key: 'jobs.backgroundWindow',
    env: 'BERTH_JOBS_BACKGROUND_WINDOW',
    type: { kind: 'optional-string' },
    default: undefined,
    description:
      'Local time window (e.g. `01:00-06:00`) in which background work (GC, retention, scan-all) starts; unset: any time.',
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
    key: 'portal.dir',
    env: 'BERTH_PORTAL_DIR',
    type: { kind: 'optional-string' },
    default: undefined,
    description:
      "Directory of the built web portal served at `/` (index.html, assets/). Default: the package's dist/portal.",
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
    key: 'auth.mode',
    env: 'BERTH_AUTH_MODE',
    type: { kind: 'enum', values: ['db', 'ldap'] },
    default: 'db',
    description:
      "Where users' passwords are checked: `db` (the local database) or `ldap` (a directory, Harbor's `ldap_auth`; local system administrators still log in locally).",
  },
  {
    key: 'auth.ldap.url',
    env: 'BERTH_AUTH_LDAP_URL',
    type: { kind: 'ldap-url' },
    default: undefined,
    description: 'The directory, `ldap://host:389` or `ldaps://host:636` (required when auth.mode is ldap).',
  },
  {
    key: 'auth.ldap.baseDn',
    env: 'BERTH_AUTH_LDAP_BASE_DN',
    type: { kind: 'optional-string' },
    default: undefined,
    description: 'Where users are searched, e.g. `ou=people,dc=example,dc=org` (required when auth.mode is ldap).',
  },
  {
    key: 'auth.ldap.searchDn',
    env: 'BERTH_AUTH_LDAP_SEARCH_DN',
    type: { kind: 'optional-string' },
    default: undefined,
    description: 'The DN that binds to search for users (with auth.ldap.searchPassword); unset: anonymous search.',
  },
  {
    key: 'auth.ldap.searchPassword',
    env: 'BERTH_AUTH_LDAP_SEARCH_PASSWORD',
    type: { kind: 'optional-string' },
    default: undefined,
    secret: true,
    description: 'Password of auth.ldap.searchDn.',
  },
  {
    key: 'auth.ldap.uid',
    env: 'BERTH_AUTH_LDAP_UID',
    type: { kind: 'ldap-attribute' },
    default: 'uid',
    description: 'The attribute that holds the login name (`uid`, `sAMAccountName`, `cn`, ...).',
  },
  {
    key: 'auth.ldap.filter',
    env: 'BERTH_AUTH_LDAP_FILTER',
    type: { kind: 'ldap-filter' },
    default: undefined,
    description: 'An extra filter every user must match, e.g. `(objectClass=person)`.',
  },
  {
    key: 'auth.ldap.scope',
    env: 'BERTH_AUTH_LDAP_SCOPE',
    type: { kind: 'enum', values: ['base', 'one', 'sub'] },
    default: 'sub',
    description: 'Search scope below auth.ldap.baseDn: `base`, `one` (one level) or `sub` (the whole subtree).',
  },
  {
    key: 'auth.ldap.timeoutMs',
    env: 'BERTH_AUTH_LDAP_TIMEOUT',
    type: { kind: 'duration' },
    default: 5_000,
    description: 'How long connecting to the directory, and each operation, may take.',
  },
  {
    key: 'auth.ldap.verifyCert',
    env: 'BERTH_AUTH_LDAP_VERIFY_CERT',
    type: { kind: 'boolean' },
    default: true,
    description: "Verify the directory's TLS certificate (ldaps://). Turn off only for testing.",
  },
  {
    key: 'gc.windowMs',
    env: 'BERTH_GC_WINDOW',
    type: { kind: 'duration' },
    default: 2 * 3600_000,
    description:
      "GC's time window: blobs, links and untagged artifacts changed more recently than this are kept (a push in progress is safe).",
  },
  {
    key: 'scanner.adapterApiKey',
    env: 'BERTH_SCANNER_ADAPTER_API_KEY',
    type: { kind: 'optional-string' },
    default: undefined,
    secret: true,
    description:
      "API key a Harbor sends (`X-ScannerAdapter-API-Key` or a bearer token) to use Berth's scanner at `/api/v1`; unset: only Berth credentials of an administrator or a robot with `scan-all` create.",
  },
  {
    key: 'replication.secretKeyFile',
    env: 'BERTH_REPLICATION_SECRET_KEY_FILE',
    type: { kind: 'optional-string' },
    default: undefined,
    description:
      'File holding the key that seals replication endpoint credentials at rest (instances sharing one database must share it); unset: `<dataDir>/secret.key`, created at first start.',
  },
  {
    key: 'replication.idleTimeoutMs',
    env: 'BERTH_REPLICATION_IDLE_TIMEOUT',
    type: { kind: 'duration' },
    default: 60_000,
    description:
      'A replication blob transfer that moves no byte for this long is aborted and retried from where the destination stands; there is no wall-clock limit.',
  },
  {
    key: 'replication.chunkBytes',
    env: 'BERTH_REPLICATION_CHUNK',
    type: { kind: 'bytes' },
    default: 16 * 1024 * 1024,
    description: 'Replicated blobs larger than this are pushed in resumable chunks of this size.',
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
