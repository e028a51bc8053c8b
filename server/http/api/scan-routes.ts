import type { FastifyRequest } from 'fastify';
import { Invalid, NotFound } from '../../core/errors.js';
import type { ScanTarget } from '../../scan/scan-contract.js';
import type { ApiDeps } from './api-deps.js';
import { unprocessable } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import type { ArtifactParams } from './artifact-access.js';
import { openRepository } from './repository-routes.js';
import { auditScan, objectBody, scanService } from './scan-json.js';

/**
 * Scanning one artifact, Harbor's `handler/scan.go` (project resource `scan`):
 *
 *   POST .../artifacts/{reference}/scan               scan:create (sbom:create for an SBOM); body optional {"scan_type": "vulnerability"|"sbom"} → 202
 *   POST .../artifacts/{reference}/scan/stop          scan:stop; body {"scan_type"} (vulnerability when absent) → 202
 *   GET  .../artifacts/{reference}/scan/{report_id}/log  scan:read; the scan's log as text/plain
 *
 * A scan already pending or running is not started twice (the service answers with the running
 * one). Stopping when nothing runs is a 400.
 */

const BASE = '/projects/:project_name/repositories/:repository_name/artifacts/:reference';
const MAX_REPORT_ID = 128;

export const scanRoutes: ApiRouteModule = (app, deps) => {
  app.post<{ Params: ArtifactParams }>(`${BASE}/scan`, async (req, reply) => {
    const scanType = readScanType(req.body);
    // Harbor asks for `sbom:create` to make an SBOM and `scan:create` to scan.
    const { target, project } = await scanTarget(req, deps, req.params, 'create', resourceOf(scanType));
    const { executionId } = await scanService(deps).requestScan(target, {
      scanType,
      trigger: 'MANUAL',
      operator: req.security.name,
    });
    auditScan(req, deps, {
      operation: 'create',
      resourceType: 'scan',
      resource: `${target.repository}@${target.digest}`,
      project: project.name,
      detail: `${scanType}, execution ${executionId}`,
    });
    return reply.code(202).send();
  });

  app.post<{ Params: ArtifactParams }>(`${BASE}/scan/stop`, async (req, reply) => {
    const scanType = readScanType(req.body);
    const { target, project } = await scanTarget(req, deps, req.params, 'stop', resourceOf(scanType));
    const stopped = await scanService(deps).stopScan(target, scanType);
    if (!stopped)
      throw new Invalid('NAME_INVALID', `no ${scanType} scan of ${target.repository}@${target.digest} is running`);
    auditScan(req, deps, {
      operation: 'stop',
      resourceType: 'scan',
      resource: `${target.repository}@${target.digest}`,
      project: project.name,
      detail: scanType,
    });
    return reply.code(202).send();
  });

  app.get<{ Params: ArtifactParams & { report_id: string } }>(`${BASE}/scan/:report_id/log`, async (req, reply) => {
    const { target } = await scanTarget(req, deps, req.params, 'read');
    const reportId = req.params.report_id;
    const log = reportId.length <= MAX_REPORT_ID ? await scanService(deps).reportLog(target, reportId) : undefined;
    if (log === undefined)
      throw new NotFound('NAME_UNKNOWN', `report with uuid ${reportId.slice(0, 80)} does not exist`);
    return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(log);
  });
};

/** The artifact a scan route names, after checking `action` on the project's `scan` resource. */
export async function scanTarget(
  req: FastifyRequest,
  deps: ApiDeps,
  params: ArtifactParams,
  action: string,
  resource = 'scan',
) {
  const { project, name } = await openRepository(req, deps.meta, params, resource, action);
  const artifact = await deps.manifests.resolve(name, params.reference);
  const target: ScanTarget = { projectId: project.id, repository: name.name, digest: artifact.digest };
  return { project, name, artifact, target };
}

/** Harbor's `ScanType` body; go-swagger answers a value outside the enum with 422. */
function readScanType(raw: unknown): 'vulnerability' | 'sbom' {
  const body = objectBody(raw, 'the request body (ScanType)', true);
  const type = body.scan_type;
  if (type === undefined || type === null || type === '') return 'vulnerability';
  if (type !== 'vulnerability' && type !== 'sbom') {
    throw unprocessable(`scan_type in body should be one of [vulnerability sbom]`);
  }
  return type;
}

function resourceOf(scanType: 'vulnerability' | 'sbom'): 'scan' | 'sbom' {
  return scanType === 'sbom' ? 'sbom' : 'scan';
}
