import { Invalid } from '../../core/errors.js';
import { readAllowlist } from './scan-json.js';

/**
 * Request bodies of the project APIs, read strictly: every field's type is checked and a refusal
 * (`Invalid`, 400) names the field. Rules follow Harbor's `handler/project.go` and
 * `handler/project_metadata.go`:
 * - a project name is one OCI path component (`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`), 1 to 255
 *   characters;
 * - metadata values are strings; boolean keys take `"true"` / `"false"` (the metadata API also takes
 *   Go's other spellings and stores the canonical one); `severity` is none, low, medium, high or
 *   critical;
 * - proxy-cache settings are dropped: Berth has no proxy-cache projects yet, and Harbor ignores them
 *   on other projects;
 * - an unknown metadata key is refused rather than silently dropped.
 */

export const MAX_PROJECT_NAME = 255;
const PROJECT_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

/** Harbor's boolean project metadata. */
const BOOLEAN_KEYS = new Set([
  'public',
  'enable_content_trust',
  'enable_content_trust_cosign',
  'prevent_vul',
  'auto_scan',
  'auto_sbom_generation',
  'reuse_sys_cve_allowlist',
]);
export const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
/** Keys that only mean something for proxy-cache projects; ignored, as Harbor does elsewhere. */
const PROXY_KEYS = new Set([
  'proxy_speed_kb',
  'max_upstream_conn',
  'proxy_cache_filter_pattern',
  'proxy_cache_filter_kind',
  'proxy_cache_local_on_not_found',
  'proxy_referrer_api',
]);
const RETENTION_ID = 'retention_id';

/** Keys the metadata API (`/projects/{p}/metadatas/`) manages. */
export const METADATA_API_KEYS: ReadonlySet<string> = new Set([...BOOLEAN_KEYS, 'severity']);

export interface ProjectRequest {
  /** `project_name`, when sent. */
  name?: string;
  /** Known metadata, canonical values; `public` folded in from the deprecated top-level flag. */
  metadata: Record<string, string>;
  /** `metadata.retention_id` when sent (not settable; checked by the caller). */
  retentionId?: string;
  /** `storage_limit` in bytes (-1 unlimited), when sent and not null or 0 (Harbor's "default"). */
  storageLimit?: number;
  /** `cve_allowlist` when sent: the project's CVE allowlist, replaced whole. */
  cveAllowlist?: { expiresAt: number | null; items: string[] };
}

export function assertProjectName(name: unknown, field = 'project_name'): string {
  if (typeof name !== 'string' || name === '') throw new Invalid('NAME_INVALID', `${field} is required`);
  if (name.length > MAX_PROJECT_NAME) {
    throw new Invalid('NAME_INVALID', `${field} must be at most ${MAX_PROJECT_NAME} characters`);
  }
  if (!PROJECT_NAME.test(name)) {
    throw new Invalid(
      'NAME_INVALID',
      `${field} "${clip(name)}" is invalid: use lower-case letters and digits, separated by ".", "_", "__" or "-"`,
    );
  }
  return name;
}

/** Reads Harbor's `ProjectReq`. `create` makes `project_name` required. */
export function readProjectRequest(body: unknown, options: { create: boolean }): ProjectRequest {
  const req = asObject(body, 'the request body');
  const out: ProjectRequest = { metadata: {} };
  if (options.create || req.project_name !== undefined) out.name = assertProjectName(req.project_name);

  if (req.registry_id !== undefined && req.registry_id !== null) {
    throw new Invalid('NAME_INVALID', 'registry_id: proxy-cache projects are not supported');
  }

  const metadata = req.metadata === undefined || req.metadata === null ? {} : asObject(req.metadata, 'metadata');
  for (const [key, value] of Object.entries(metadata)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') throw new Invalid('NAME_INVALID', `metadata.${key} must be a string`);
    if (key === RETENTION_ID) {
      out.retentionId = value;
      continue;
    }
    if (PROXY_KEYS.has(key)) continue;
    out.metadata[key] = metadataValue(key, value, { strict: true, field: `metadata.${key}` });
  }

  if (req.public !== undefined && req.public !== null) {
    if (typeof req.public !== 'boolean') throw new Invalid('NAME_INVALID', 'public must be true or false');
    // The deprecated flag (replication from old Harbors) counts only when metadata.public is absent.
    out.metadata.public ??= String(req.public);
  }

  if (req.storage_limit !== undefined && req.storage_limit !== null) {
    const limit = req.storage_limit;
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < -1) {
      throw new Invalid('NAME_INVALID', 'storage_limit must be a whole number of bytes, or -1 for unlimited');
    }
    if (limit !== 0) out.storageLimit = limit;
  }

  if (req.cve_allowlist !== undefined && req.cve_allowlist !== null) {
    out.cveAllowlist = readAllowlist(req.cve_allowlist, 'cve_allowlist');
  }
  return out;
}

/**
 * Validates one metadata value and returns its canonical form. `strict` accepts only `"true"` and
 * `"false"` for booleans (the project body); otherwise Go's `strconv.ParseBool` spellings.
 */
export function metadataValue(key: string, value: string, options: { strict: boolean; field: string }): string {
  if (BOOLEAN_KEYS.has(key)) {
    const parsed = options.strict ? strictBool(value) : parseGoBool(value);
    if (parsed === undefined)
      throw new Invalid('NAME_INVALID', `${options.field} must be "true" or "false", got "${clip(value)}"`);
    return String(parsed);
  }
  if (key === 'severity') {
    const severity = value.toLowerCase();
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      throw new Invalid(
        'NAME_INVALID',
        `${options.field} must be one of ${SEVERITIES.join(', ')}, got "${clip(value)}"`,
      );
    }
    return severity;
  }
  throw new Invalid('NAME_INVALID', `${options.field}: unknown project metadata key "${clip(key)}"`);
}

function strictBool(value: string): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** Go's `strconv.ParseBool`. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  return undefined;
}

/** The body as a JSON object, or `Invalid` naming `what`. */
export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid('NAME_INVALID', `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
