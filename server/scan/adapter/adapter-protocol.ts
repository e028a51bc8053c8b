import { Invalid } from '../../core/errors.js';
import {
  SBOM_REPORT_MIME,
  VULNERABILITY_REPORT_MIME,
  type HarborVulnerabilityItem,
  type HarborVulnerabilityReport,
  type ScannerAdapterMetadata,
  type Severity,
} from '../scan-contract.js';

/**
 * Harbor's pluggable scanner API (`scanner-adapter-openapi-v1.2.yaml`), the parts both sides share:
 * media types, the wire shapes and their validation. Both Berth's client of external adapters and
 * Berth's own adapter use it, so what one sends the other accepts.
 */

export const ADAPTER_API_PREFIX = '/api/v1';

export const MIME = {
  metadata: 'application/vnd.scanner.adapter.metadata+json; version=1.0',
  metadata11: 'application/vnd.scanner.adapter.metadata+json; version=1.1',
  scanRequest: 'application/vnd.scanner.adapter.scan.request+json; version=1.0',
  scanRequest11: 'application/vnd.scanner.adapter.scan.request+json; version=1.1',
  scanResponse: 'application/vnd.scanner.adapter.scan.response+json; version=1.0',
  error: 'application/vnd.scanner.adapter.error+json; version=1.0',
  /** The report Harbor asked for before 2.x's `version=1.1`; the same JSON shape. */
  harborReport: 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
  vulnerabilityReport: VULNERABILITY_REPORT_MIME,
  rawReport: 'application/vnd.scanner.adapter.vuln.report.raw',
  sbomReport: SBOM_REPORT_MIME,
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const SBOM_MEDIA_TYPES = ['application/vnd.cyclonedx+json', 'application/spdx+json'] as const;
export type SbomMediaType = (typeof SBOM_MEDIA_TYPES)[number];

export const PROPERTY = {
  scannerType: 'harbor.scanner-adapter/scanner-type',
  dbUpdatedAt: 'harbor.scanner-adapter/vulnerability-database-updated-at',
} as const;

/** Report media types whose body is Harbor's vulnerability report JSON. */
export const VULNERABILITY_REPORT_MIMES: readonly string[] = [MIME.vulnerabilityReport, MIME.harborReport];

/** Media types compare without spaces around parameters and case-insensitively (`a; version=1.0` = `a;version=1.0`). */
export function sameMime(a: string, b: string): boolean {
  const norm = (m: string) =>
    m
      .split(';')
      .map((p) => p.trim().toLowerCase())
      .filter((p) => p !== '')
      .join(';');
  return norm(a) === norm(b);
}

export function isVulnerabilityReportMime(mime: string): boolean {
  return VULNERABILITY_REPORT_MIMES.some((m) => sameMime(m, mime));
}

export interface ScanRequestBody {
  registry: { url: string; authorization?: string };
  artifact: { repository: string; digest: string; tag?: string; mime_type?: string };
  enabled_capabilities?: Array<{
    type: 'vulnerability' | 'sbom';
    produces_mime_types?: string[];
    parameters?: { sbom_media_types?: string[] } | null;
  }>;
}

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
// The distribution spec's repository name grammar, without the 255-character bound checked separately.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * A scan request as the spec has it, checked field by field. `Invalid` carries the HTTP status the
 * spec gives: 400 for the wrong JSON types, 422 for a field with a wrong value.
 */
export function parseScanRequest(body: unknown): ScanRequestBody {
  const bad = (status: 400 | 422, message: string) => new Invalid('UNSUPPORTED', message, { status });
  if (!isObject(body)) throw bad(400, 'the scan request must be a JSON object');
  const { registry, artifact, enabled_capabilities: caps } = body;
  if (!isObject(registry)) throw bad(400, 'registry must be an object');
  if (!isObject(artifact)) throw bad(400, 'artifact must be an object');
  for (const [key, value] of [
    ['registry.url', registry.url],
    ['registry.authorization', registry.authorization],
    ['artifact.repository', artifact.repository],
    ['artifact.digest', artifact.digest],
    ['artifact.tag', artifact.tag],
    ['artifact.mime_type', artifact.mime_type],
  ] as const) {
    if (value !== undefined && value !== null && typeof value !== 'string') throw bad(400, `${key} must be a string`);
  }
  const url = registry.url as string | undefined;
  if (!url) throw bad(422, 'missing registry.url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad(422, 'invalid registry.url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw bad(422, 'registry.url must be http or https');
  if (parsed.username || parsed.password) throw bad(422, 'registry.url must not carry credentials');
  const repository = artifact.repository as string | undefined;
  if (!repository) throw bad(422, 'missing artifact.repository');
  if (repository.length > 255 || !REPOSITORY.test(repository)) throw bad(422, 'invalid artifact.repository');
  const digest = artifact.digest as string | undefined;
  if (!digest) throw bad(422, 'missing artifact.digest');
  if (!DIGEST.test(digest)) throw bad(422, 'invalid artifact.digest');
  const tag = (artifact.tag as string | null | undefined) ?? undefined;
  if (tag !== undefined && tag !== '' && !TAG.test(tag)) throw bad(422, 'invalid artifact.tag');

  const out: ScanRequestBody = {
    registry: { url: url.replace(/\/+$/, '') },
    artifact: { repository, digest },
  };
  const authorization = registry.authorization as string | null | undefined;
  if (authorization) {
    if (authorization.length > 16 * 1024 || /[\r\n]/.test(authorization)) {
      throw bad(422, 'invalid registry.authorization');
    }
    out.registry.authorization = authorization;
  }
  if (tag) out.artifact.tag = tag;
  if (artifact.mime_type) out.artifact.mime_type = artifact.mime_type as string;

  if (caps !== undefined && caps !== null) {
    if (!Array.isArray(caps) || caps.length > 8) throw bad(400, 'enabled_capabilities must be an array');
    out.enabled_capabilities = caps.map((cap: unknown) => {
      if (!isObject(cap)) throw bad(400, 'each enabled capability must be an object');
      if (cap.type !== 'vulnerability' && cap.type !== 'sbom') throw bad(422, 'invalid scan type');
      const produces = stringArray(cap.produces_mime_types, 'produces_mime_types', bad);
      let parameters: { sbom_media_types?: string[] } | undefined;
      if (cap.parameters !== undefined && cap.parameters !== null) {
        if (!isObject(cap.parameters)) throw bad(400, 'parameters must be an object');
        const types = stringArray(cap.parameters.sbom_media_types, 'sbom_media_types', bad);
        if (types?.some((t) => !(SBOM_MEDIA_TYPES as readonly string[]).includes(t))) {
          throw bad(422, 'invalid SBOM media type');
        }
        parameters = types ? { sbom_media_types: types } : {};
      }
      return {
        type: cap.type,
        ...(produces ? { produces_mime_types: produces } : {}),
        ...(parameters ? { parameters } : {}),
      };
    });
  }
  return out;
}

function stringArray(
  value: unknown,
  name: string,
  bad: (status: 400 | 422, message: string) => Error,
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 16 || value.some((v) => typeof v !== 'string' || v.length > 256)) {
    throw bad(400, `${name} must be an array of strings`);
  }
  return value as string[];
}

/** The HTTP status a `parseScanRequest` refusal carries (400 or 422). */
export function statusOfRefusal(err: unknown): number | undefined {
  const detail = (err as { detail?: { status?: unknown } } | null)?.detail;
  return typeof detail?.status === 'number' ? detail.status : undefined;
}

/** An adapter's metadata, checked: what Berth relies on must be there and be strings. */
export function parseMetadata(json: unknown): ScannerAdapterMetadata {
  if (!isObject(json)) throw new Error('the metadata is not a JSON object');
  const scanner = json.scanner;
  if (!isObject(scanner)) throw new Error('the metadata has no scanner');
  for (const key of ['name', 'vendor', 'version'] as const) {
    if (typeof scanner[key] !== 'string' || scanner[key] === '')
      throw new Error(`the metadata's scanner.${key} is missing`);
  }
  if (!Array.isArray(json.capabilities) || json.capabilities.length === 0) {
    throw new Error('the metadata lists no capabilities');
  }
  const capabilities = json.capabilities.map((cap: unknown, i: number) => {
    if (!isObject(cap)) throw new Error(`capability ${i} is not an object`);
    const consumes = cap.consumes_mime_types;
    const produces = cap.produces_mime_types;
    if (!isStringArray(consumes) || !isStringArray(produces)) {
      throw new Error(`capability ${i} needs consumes_mime_types and produces_mime_types as string arrays`);
    }
    return {
      ...(typeof cap.type === 'string' ? { type: cap.type } : {}),
      consumes_mime_types: consumes,
      produces_mime_types: produces,
    };
  });
  const properties: Record<string, string> = {};
  if (isObject(json.properties)) {
    for (const [key, value] of Object.entries(json.properties)) if (typeof value === 'string') properties[key] = value;
  }
  return {
    scanner: { name: scanner.name as string, vendor: scanner.vendor as string, version: scanner.version as string },
    capabilities,
    properties,
  };
}

const SEVERITIES: readonly Severity[] = ['None', 'Unknown', 'Low', 'Medium', 'High', 'Critical'];

/**
 * An adapter's vulnerability report, checked and normalised to what Berth stores: Go adapters send
 * `null` for empty lists, and the spec's `Negligible` has no column of its own in Harbor's counts, so
 * it is counted as `Low` (the next level up) rather than lost.
 */
export function parseVulnerabilityReport(json: unknown): HarborVulnerabilityReport {
  if (!isObject(json)) throw new Error('the report is not a JSON object');
  const vulns = json.vulnerabilities ?? [];
  if (!Array.isArray(vulns)) throw new Error('the report has no vulnerabilities array');
  const scanner = isObject(json.scanner) ? json.scanner : {};
  const items: HarborVulnerabilityItem[] = vulns.map((v: unknown, i: number) => {
    if (!isObject(v)) throw new Error(`vulnerability ${i} is not an object`);
    if (typeof v.id !== 'string' || v.id === '') throw new Error(`vulnerability ${i} has no id`);
    if (typeof v.package !== 'string') throw new Error(`vulnerability ${v.id} has no package`);
    const item: HarborVulnerabilityItem = {
      id: v.id,
      package: v.package,
      version: typeof v.version === 'string' ? v.version : '',
      fix_version: typeof v.fix_version === 'string' ? v.fix_version : '',
      severity: severityOf(v.severity),
      description: typeof v.description === 'string' ? v.description : '',
      links: isStringArray(v.links) ? v.links : [],
      cwe_ids: isStringArray(v.cwe_ids) ? v.cwe_ids : [],
    };
    if (isObject(v.layer) && typeof v.layer.digest === 'string') {
      item.layer = {
        digest: v.layer.digest,
        ...(typeof v.layer.diff_id === 'string' ? { diff_id: v.layer.diff_id } : {}),
      };
    }
    if (isObject(v.preferred_cvss)) {
      const c = v.preferred_cvss;
      const cvss: NonNullable<HarborVulnerabilityItem['preferred_cvss']> = {};
      if (typeof c.score_v3 === 'number') cvss.score_v3 = c.score_v3;
      if (typeof c.vector_v3 === 'string') cvss.vector_v3 = c.vector_v3;
      if (typeof c.score_v2 === 'number') cvss.score_v2 = c.score_v2;
      if (typeof c.vector_v2 === 'string') cvss.vector_v2 = c.vector_v2;
      item.preferred_cvss = cvss;
    }
    if (isObject(v.vendor_attributes)) item.vendor_attributes = v.vendor_attributes;
    return item;
  });
  const highest = items.reduce<Severity>(
    (top, item) => (SEVERITIES.indexOf(item.severity) > SEVERITIES.indexOf(top) ? item.severity : top),
    'None',
  );
  const report: HarborVulnerabilityReport = {
    generated_at: typeof json.generated_at === 'string' ? json.generated_at : new Date().toISOString(),
    scanner: {
      name: typeof scanner.name === 'string' ? scanner.name : '',
      vendor: typeof scanner.vendor === 'string' ? scanner.vendor : '',
      version: typeof scanner.version === 'string' ? scanner.version : '',
    },
    // An adapter that states a lower overall severity than its items is not believed.
    severity:
      SEVERITIES.indexOf(severityOf(json.severity)) > SEVERITIES.indexOf(highest) ? severityOf(json.severity) : highest,
    vulnerabilities: items,
  };
  if (isObject(json.artifact) && typeof json.artifact.digest === 'string') {
    const a = json.artifact;
    report.artifact = {
      repository: typeof a.repository === 'string' ? a.repository : '',
      digest: a.digest as string,
      ...(typeof a.tag === 'string' && a.tag !== '' ? { tag: a.tag } : {}),
      mime_type: typeof a.mime_type === 'string' ? a.mime_type : '',
    };
  }
  return report;
}

function severityOf(value: unknown): Severity {
  if (typeof value !== 'string') return 'Unknown';
  if (value.toLowerCase() === 'negligible') return 'Low';
  return SEVERITIES.find((s) => s.toLowerCase() === value.toLowerCase()) ?? 'Unknown';
}

/** Harbor's SBOM report (`application/vnd.security.sbom.report+json; version=1.0`), checked. */
export function parseSbomReport(json: unknown): Record<string, unknown> {
  if (!isObject(json)) throw new Error('the SBOM report is not a JSON object');
  if (!isObject(json.sbom)) throw new Error('the SBOM report has no sbom document');
  if (typeof json.media_type !== 'string' || !(SBOM_MEDIA_TYPES as readonly string[]).includes(json.media_type)) {
    throw new Error('the SBOM report has no known media_type');
  }
  return json;
}

/** The spec's error body. */
export function errorBody(message: string): { error: { message: string } } {
  return { error: { message } };
}

/** The message of an adapter's error body, when it has the spec's shape. */
export function errorMessageOf(json: unknown): string | undefined {
  if (!isObject(json) || !isObject(json.error)) return undefined;
  return typeof json.error.message === 'string' ? json.error.message : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
