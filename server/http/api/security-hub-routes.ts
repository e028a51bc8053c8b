import { Invalid } from '../../core/errors.js';
import {
  SEVERITY_ORDER,
  type Severity,
  type VulnerabilityQuery,
  type VulnerabilityRow,
} from '../../scan/scan-contract.js';
import type { Filter } from '../../meta/list-query.js';
import type { ApiRouteModule } from './api-plugin.js';
import { queryBool } from './artifact-access.js';
import { requireSystem } from './guards.js';
import { parseListRequest } from './harbor-query.js';
import { pagingHeaders } from './paging.js';
import { scanService } from './scan-json.js';

/**
 * The security hub, Harbor's `handler/security.go`: `GET /security/summary` (system
 * `security-hub:read`) and `GET /security/vul` (`security-hub:list`). As in Harbor, these are for
 * system administrators (and system robots granted them), across every project.
 *
 * `/security/vul` takes Harbor's `q` keys: cve_id, severity, project_id, repository_name, package,
 * tag, digest (exact) and cvss_score_v3 (a range `[min~max]`); `tune_count=true` reports -1 as the
 * total above 1000 rows, as Harbor does to spare the count; tags are listed with `with_tag=true`.
 */

const TUNE_LIMIT = 1000;

export const securityHubRoutes: ApiRouteModule = (app, deps) => {
  app.get('/security/summary', async (req) => {
    await requireSystem(req, 'security-hub', 'read');
    const withCve = queryBool(req.query, 'with_dangerous_cve', false);
    const withArtifact = queryBool(req.query, 'with_dangerous_artifact', false);
    const s = await scanService(deps).securitySummary('all');
    const c = s.counts;
    return {
      critical_cnt: c.critical,
      high_cnt: c.high,
      medium_cnt: c.medium,
      low_cnt: c.low,
      none_cnt: c.none,
      unknown_cnt: c.unknown,
      total_vuls: c.critical + c.high + c.medium + c.low + c.none + c.unknown,
      scanned_cnt: s.scannedArtifacts,
      total_artifact: s.totalArtifacts,
      fixable_cnt: c.fixable,
      ...(withCve
        ? {
            dangerous_cves: s.dangerousCves.map((v) => ({
              cve_id: v.cveId,
              severity: v.severity,
              cvss_score_v3: v.cvssScore ?? 0,
              desc: v.desc,
              package: v.package,
              version: v.version,
            })),
          }
        : {}),
      ...(withArtifact
        ? {
            dangerous_artifacts: s.dangerousArtifacts.map((a) => ({
              project_id: a.projectId,
              repository_name: a.repository,
              digest: a.digest,
              critical_cnt: a.critical,
              high_cnt: a.high,
              medium_cnt: a.medium,
            })),
          }
        : {}),
    };
  });

  app.get('/security/vul', async (req, reply) => {
    await requireSystem(req, 'security-hub', 'list');
    const list = parseListRequest(req.query);
    const tune = queryBool(req.query, 'tune_count', false);
    const withTag = queryBool(req.query, 'with_tag', false);
    const query = toVulnerabilityQuery(list.query.filters);
    const page = await scanService(deps).listVulnerabilities(query, { page: list.page, pageSize: list.pageSize });
    const headers = pagingHeaders(req.url, page.total, list);
    if (tune && page.total > TUNE_LIMIT) headers['x-total-count'] = '-1';
    reply.headers(headers);
    return page.items.map((row) => toVulnerabilityItem(row, withTag));
  });
};

function toVulnerabilityItem(row: VulnerabilityRow, withTag: boolean) {
  return {
    project_id: row.projectId,
    repository_name: row.repository,
    digest: row.digest,
    ...(withTag ? { tags: row.tags } : {}),
    cve_id: row.cveId,
    severity: row.severity,
    ...(row.cvssScore === null ? {} : { cvss_v3_score: row.cvssScore }),
    package: row.package,
    version: row.version,
    fixed_version: row.fixVersion,
    desc: row.desc,
    links: row.links,
  };
}

const EXACT_KEYS = ['cve_id', 'severity', 'project_id', 'repository_name', 'package', 'tag', 'digest'];

export function toVulnerabilityQuery(filters: Filter[]): VulnerabilityQuery {
  const out: VulnerabilityQuery = {};
  for (const f of filters) {
    if (f.key === 'cvss_score_v3') {
      if (f.kind !== 'range') throw new Invalid('NAME_INVALID', 'cvss_score_v3 takes a range: [min~max]');
      if (f.min !== undefined && String(f.min) !== '') out.cvssMin = score(f.min);
      if (f.max !== undefined && String(f.max) !== '') out.cvssMax = score(f.max);
      continue;
    }
    if (!EXACT_KEYS.includes(f.key)) {
      throw new Invalid(
        'NAME_INVALID',
        `unsupported query key "${f.key}"; supported: ${EXACT_KEYS.join(', ')}, cvss_score_v3`,
      );
    }
    if (f.kind !== 'exact') throw new Invalid('NAME_INVALID', `"${f.key}" takes an exact value`);
    const value = String(f.value);
    switch (f.key) {
      case 'cve_id':
        out.cveId = value;
        break;
      case 'severity': {
        const severity = SEVERITY_ORDER.find((s) => s.toLowerCase() === value.toLowerCase());
        if (!severity) throw new Invalid('NAME_INVALID', `severity must be one of ${SEVERITY_ORDER.join(', ')}`);
        out.severity = severity as Severity;
        break;
      }
      case 'project_id': {
        const id = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
        if (!Number.isSafeInteger(id)) throw new Invalid('NAME_INVALID', 'project_id must be an integer');
        out.projectIds = [id];
        break;
      }
      case 'repository_name':
        out.repository = value;
        break;
      case 'package':
        out.package = value;
        break;
      case 'tag':
        out.tag = value;
        break;
      case 'digest':
        out.digest = value;
        break;
    }
  }
  return out;
}

function score(raw: unknown): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 10)
    throw new Invalid('NAME_INVALID', 'cvss_score_v3 bounds must be numbers from 0 to 10');
  return n;
}
