import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SETTINGS, type Config, type Setting } from './settings.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type ConfigInput = Record<string, unknown>;

export interface ConfigSources {
  /** Parsed YAML (or any nested object) from a config file. */
  file?: ConfigInput;
  fileName?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values by flag name (`listen`, `data-dir`). */
  flags?: Record<string, string | undefined>;
  /** Programmatic overrides (createServer's options), applied last; nested like the YAML file. */
  overrides?: ConfigInput;
}

/** Reads and parses a YAML config file; errors name the file. */
export async function readConfigFile(path: string): Promise<ConfigInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${path} must be a mapping`);
  return doc as ConfigInput;
}

/**
 * Merges the sources over the defaults, validating every value. Unknown keys, unknown `BERTH_*`
 * variables and malformed values are errors that name where they came from.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const values = new Map<string, unknown>();
  const byKey = new Map(SETTINGS.map((s) => [s.key, s]));

  const applyNested = (input: ConfigInput, origin: string) => {
    for (const [key, raw] of flatten(input)) {
      const setting = byKey.get(key);
      if (!setting) throw new ConfigError(`unknown setting "${key}" in ${origin}`);
      values.set(key, coerce(setting, raw, `${key} in ${origin}`));
    }
  };

  if (sources.file) applyNested(sources.file, sources.fileName ?? 'config file');

  const byEnv = new Map(SETTINGS.map((s) => [s.env, s]));
  for (const [name, raw] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith('BERTH_') || raw === undefined) continue;
    if (ENV_NOT_SETTINGS.has(name)) continue;
    const setting = byEnv.get(name);
    if (!setting) throw new ConfigError(`unknown environment variable ${name}`);
    values.set(setting.key, coerce(setting, raw, name));
  }

  for (const [flag, raw] of Object.entries(sources.flags ?? {})) {
    if (raw === undefined) continue;
    const setting = SETTINGS.find((s) => s.flag === flag);
    if (!setting) throw new ConfigError(`unknown flag --${flag}`);
    values.set(setting.key, coerce(setting, raw, `--${flag}`));
  }

  if (sources.overrides) applyNested(sources.overrides, 'options');

  const config = {} as Config;
  // Literal defaults first, then computed ones, which may read the settled values (dataDir).
  const computed: Setting[] = [];
  for (const setting of SETTINGS) {
    if (values.has(setting.key)) setPath(config, setting.key, values.get(setting.key));
    else if (typeof setting.default === 'function') computed.push(setting);
    else setPath(config, setting.key, setting.default);
  }
  for (const setting of computed) setPath(config, setting.key, (setting.default as (c: Config) => unknown)(config));
  checkAuthMode(config);
  return config;
}

/** Settings that only make sense together: ldap mode needs a directory to ask. */
function checkAuthMode(config: Config): void {
  if (config.auth.mode !== 'ldap') return;
  const ldap = config.auth.ldap;
  if (!ldap.url) throw new ConfigError('auth.mode is ldap: set auth.ldap.url (BERTH_AUTH_LDAP_URL)');
  if (!ldap.baseDn) throw new ConfigError('auth.mode is ldap: set auth.ldap.baseDn (BERTH_AUTH_LDAP_BASE_DN)');
  if ((ldap.searchDn === undefined) !== (ldap.searchPassword === undefined)) {
    throw new ConfigError(
      'auth.ldap.searchDn and auth.ldap.searchPassword go together: set both, or neither for an anonymous search',
    );
  }
}

/** Variables with the prefix that are not settings: the CLI reads them itself. */
const ENV_NOT_SETTINGS = new Set(['BERTH_CONFIG', 'BERTH_ADMIN_PASSWORD']);

function flatten(input: ConfigInput, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      out.push(...flatten(value as ConfigInput, path));
    } else {
      out.push([path, value]);
    }
  }
  return out;
}

function setPath(target: object, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function coerce(setting: Setting, raw: unknown, where: string): unknown {
  const type = setting.type;
  const fail = (expected: string): never => {
    const shown = setting.secret ? '(hidden)' : JSON.stringify(raw);
    throw new ConfigError(`${where}: expected ${expected}, got ${shown}`);
  };
  switch (type.kind) {
    case 'string':
      if (typeof raw !== 'string' || raw === '') fail('a non-empty string');
      return raw;
    case 'enum':
      if (typeof raw !== 'string' || !type.values.includes(raw)) fail(`one of ${type.values.join(', ')}`);
      return raw;
    case 'listen': {
      if (typeof raw !== 'string') fail('HOST:PORT');
      parseListen(raw as string, where);
      return raw;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return fail('true or false');
    case 'duration': {
      const ms = parseDuration(raw);
      return ms ?? fail('a duration such as 30s, 15m, 24h or milliseconds');
    }
    case 'bytes': {
      const n = parseBytes(raw);
      return n ?? fail('a size such as 512MiB, 64GiB or bytes');
    }
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < type.min) return fail(`a whole number of at least ${type.min}`);
      return n;
    }
    case 'optional-url': {
      if (raw === '' || raw === undefined) return undefined;
      if (typeof raw !== 'string' || !/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(raw)) fail('an http(s) URL');
      return (raw as string).replace(/\/+$/, '');
    }
    case 'optional-string':
      if (raw === '' || raw === undefined || raw === null) return undefined;
      if (typeof raw !== 'string') fail('a string');
      return raw;
    case 'ldap-url': {
      if (raw === '' || raw === undefined || raw === null) return undefined;
      if (typeof raw !== 'string' || !/^ldaps?:\/\/[^/\s?#]+\/?$/i.test(raw))
        fail('ldap://HOST[:PORT] or ldaps://HOST[:PORT]');
      return (raw as string).replace(/\/+$/, '');
    }
    case 'ldap-attribute':
      // An attribute name or a numeric OID (RFC 4512 `oid`).
      if (typeof raw !== 'string' || !/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/.test(raw)) {
        fail('an LDAP attribute name such as uid');
      }
      return raw;
    case 'ldap-filter': {
      if (raw === '' || raw === undefined || raw === null) return undefined;
      if (typeof raw !== 'string' || !isBalancedFilter(raw.trim()))
        fail('an LDAP filter in parentheses, e.g. (objectClass=person)');
      return (raw as string).trim();
    }
  }
}

/** `(...)` with balanced parentheses (RFC 4515 escapes them inside values as `\28`, `\29`). */
function isBalancedFilter(filter: string): boolean {
  if (!filter.startsWith('(') || !filter.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
    if (depth === 0 && i < filter.length - 1) return false;
  }
  return depth === 0;
}

/** Splits `HOST:PORT` (IPv6 as `[::1]:5000`). */
export function parseListen(value: string, where = 'listen'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${where}: expected HOST:PORT, got ${JSON.stringify(value)}`);
  return { host: (m[1] ?? m[2])!, port };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!);
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export function parseBytes(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?$/.exec(raw.trim());
  if (!m) return undefined;
  const unit = BYTE_UNITS[(m[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}
