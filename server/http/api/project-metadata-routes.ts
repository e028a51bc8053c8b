import type { FastifyRequest } from 'fastify';
import { Conflict, Invalid, NotFound } from '../../core/errors.js';
import type { Project } from '../../meta/meta-store.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireProject } from './guards.js';
import { METADATA_API_KEYS, asObject, clip, metadataValue } from './project-request.js';
import { actor, projectOf } from './project-routes.js';

/**
 * Project metadata one key at a time: listProjectMetadatas, addProjectMetadatas, getProjectMetadata,
 * updateProjectMetadata, deleteProjectMetadata (Harbor's `handler/project_metadata.go`). Permissions
 * are the `metadata` resource (project admins write; maintainers read). Like Harbor, a body carries
 * exactly one key, one of public, enable_content_trust, enable_content_trust_cosign, prevent_vul,
 * auto_scan, auto_sbom_generation, reuse_sys_cve_allowlist (booleans, Go's spellings accepted) or
 * severity; values are stored in canonical form. Adding a key the project already has is a 409 (every
 * project has `public`: change it with PUT). Deleting `public` makes the project private.
 */
export const projectMetadataRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;
  // Harbor's paths end with a slash; clients also send them without.
  for (const path of ['/projects/:project_name_or_id/metadatas/', '/projects/:project_name_or_id/metadatas']) {
    app.get(path, async (req) => {
      const project = await projectOf(meta, req);
      await requireProject(req, project, 'metadata', 'list');
      return { ...project.metadata };
    });

    app.post(path, async (req, reply) => {
      const project = await projectOf(meta, req);
      await requireProject(req, project, 'metadata', 'create');
      const [key, value] = onePair(req.body);
      if (project.metadata[key] !== undefined) {
        throw new Conflict('DENIED', `metadata ${key} already exists in project ${project.name}; update it instead`);
      }
      await meta.projects.updateMetadata(project.id, { [key]: value });
      record(req, project, 'create', `${key}=${value}`);
      return reply.code(200).send();
    });
  }

  app.get('/projects/:project_name_or_id/metadatas/:meta_name', async (req) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'metadata', 'read');
    const name = metaName(req);
    const value = project.metadata[name];
    if (value === undefined)
      throw new NotFound('NAME_UNKNOWN', `project ${project.name} has no metadata ${clip(name)}`);
    return { [name]: value };
  });

  app.put('/projects/:project_name_or_id/metadatas/:meta_name', async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'metadata', 'update');
    const name = metaName(req);
    const body = asObject(req.body, 'the request body');
    const raw = body[name];
    if (typeof raw !== 'string') throw new Invalid('NAME_INVALID', `the body must carry "${clip(name)}" as a string`);
    const value = checked(name, raw);
    await meta.projects.updateMetadata(project.id, { [name]: value });
    record(req, project, 'update', `${name}=${value}`);
    return reply.code(200).send();
  });

  app.delete('/projects/:project_name_or_id/metadatas/:meta_name', async (req, reply) => {
    const project = await projectOf(meta, req);
    await requireProject(req, project, 'metadata', 'delete');
    const name = metaName(req);
    if (!METADATA_API_KEYS.has(name)) throw new Invalid('NAME_INVALID', `invalid key: ${clip(name)}`);
    if (project.metadata[name] !== undefined) {
      await meta.projects.updateMetadata(project.id, { [name]: null });
      record(req, project, 'delete', name);
    }
    return reply.code(200).send();
  });

  function record(req: FastifyRequest, project: Project, operation: string, detail: string): void {
    deps.audit.record({
      ...actor(req),
      operation,
      resourceType: 'project_metadata',
      resource: project.name,
      project: project.name,
      success: true,
      detail,
    });
  }
};

function metaName(req: FastifyRequest): string {
  return (req.params as { meta_name: string }).meta_name;
}

/** Harbor's rule: exactly one key/value pair per request. */
function onePair(body: unknown): [string, string] {
  const entries = Object.entries(asObject(body, 'the request body'));
  if (entries.length !== 1)
    throw new Invalid('NAME_INVALID', 'only one metadata key/value pair is allowed per request');
  const [key, value] = entries[0] as [string, unknown];
  if (typeof value !== 'string') throw new Invalid('NAME_INVALID', `metadata ${clip(key)} must be a string`);
  return [key, checked(key, value)];
}

function checked(key: string, value: string): string {
  if (!METADATA_API_KEYS.has(key)) throw new Invalid('NAME_INVALID', `invalid key: ${clip(key)}`);
  return metadataValue(key, value, { strict: false, field: key });
}
