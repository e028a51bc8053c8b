import { Denied, DomainError, Invalid, NotFound } from '../../core/errors.js';
import type { Filter } from '../../meta/list-query.js';
import type { ScannerRegistration, ScannerRegistrationInput } from '../../scan/scan-contract.js';
import type { ApiDeps } from './api-deps.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireProject, requireSystem } from './guards.js';
import { parseListRequest, type HarborListRequest } from './harbor-query.js';
import { pagingHeaders } from './paging.js';
import { projectOf } from './project-routes.js';
import { auditScan, objectBody, scanService, toScannerRegistrationJson } from './scan-json.js';

/**
 * Scanner registrations, Harbor's `handler/scanner.go` (system resource `scanner`) and the project
 * scanner of `handler/project.go` (project resource `scanner`):
 *
 *   GET    /scanners                         list (q: name, description, url; exact or ~fuzzy; also
 *                                            the legacy ?name=, ?description=, ?url= fuzzy and
 *                                            ?ex_name=, ?ex_url= exact parameters)
 *   POST   /scanners                         ScannerRegistrationReq → 201, Location /scanners/{uuid}
 *   POST   /scanners/ping                    ScannerRegistrationSettings → 200 when the adapter answers
 *   GET    /scanners/{id}                    one
 *   PUT    /scanners/{id}                    replace; an empty access_credential keeps the stored one
 *                                            while auth still needs one (as Harbor does)
 *   DELETE /scanners/{id}                    → the deleted registration
 *   PATCH  /scanners/{id}                    {"is_default": true} makes it the default
 *   GET    /scanners/{id}/metadata           the adapter's metadata
 *   GET    /projects/{p}/scanner             the project's scanner (else the default): scanner:read
 *   PUT    /projects/{p}/scanner             {"uuid"}: scanner:create (project admins)
 *   GET    /projects/{p}/scanner/candidates  the registrations to choose from: scanner:create
 *
 * The built-in scanner is immutable: PUT and DELETE of it are 403, as Harbor answers for its
 * immutable registrations. Credentials are never returned.
 */

const AUTH_TYPES = new Set(['', 'None', 'Basic', 'Bearer', 'X-ScannerAdapter-API-Key']);
const NEEDS_CREDENTIAL = new Set(['Basic', 'Bearer', 'X-ScannerAdapter-API-Key']);
const MAX_TEXT = 1024;

export const scannerRoutes: ApiRouteModule = (app, deps) => {
  app.get('/scanners', async (req, reply) => {
    await requireSystem(req, 'scanner', 'list');
    const list = parseListRequest(req.query);
    const all = filterRegistrations(await scanService(deps).registry.list(), list, req.query);
    reply.headers(pagingHeaders(req.url, all.length, list));
    return all.slice(list.query.offset, list.query.offset + list.pageSize).map(toScannerRegistrationJson);
  });

  app.post('/scanners', async (req, reply) => {
    await requireSystem(req, 'scanner', 'create');
    const input = readRegistration(req.body);
    const created = await scanService(deps).registry.create(input);
    auditScan(req, deps, { operation: 'create', resourceType: 'scanner', resource: created.name, detail: created.url });
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    return reply.code(201).header('location', `${path}/${created.uuid}`).send();
  });

  app.post('/scanners/ping', async (req, reply) => {
    await requireSystem(req, 'scanner', 'read');
    const body = objectBody(req.body, 'the request body (ScannerRegistrationSettings)');
    const input = readRegistration({
      name: body.name,
      url: body.url,
      auth: body.auth,
      access_credential: body.access_credential,
    });
    try {
      await scanService(deps).registry.ping(input);
    } catch (err) {
      // An adapter that does not answer is the settings' fault: Harbor's swagger has 400 for it, not 412.
      if (err instanceof DomainError && err.code === 'PRECONDITION') throw new Invalid('NAME_INVALID', err.message);
      throw err;
    }
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/scanners/:id', async (req) => {
    await requireSystem(req, 'scanner', 'read');
    return toScannerRegistrationJson(await registration(deps, req.params.id));
  });

  app.put<{ Params: { id: string } }>('/scanners/:id', async (req, reply) => {
    await requireSystem(req, 'scanner', 'update');
    const existing = await registration(deps, req.params.id);
    if (existing.builtIn) {
      throw new Denied(
        `registration ${existing.name} is not allowed to update as it is immutable: scanner API: update`,
      );
    }
    const input = readRegistration(req.body, existing);
    const updated = await scanService(deps).registry.update(existing.uuid, input);
    auditScan(req, deps, { operation: 'update', resourceType: 'scanner', resource: updated.name, detail: updated.url });
    return reply.code(200).send();
  });

  app.delete<{ Params: { id: string } }>('/scanners/:id', async (req) => {
    await requireSystem(req, 'scanner', 'delete');
    const existing = await registration(deps, req.params.id);
    if (existing.builtIn) {
      throw new Denied(
        `registration ${existing.name} is not allowed to delete as it is immutable: scanner API: delete`,
      );
    }
    const deleted = await scanService(deps).registry.delete(existing.uuid);
    auditScan(req, deps, { operation: 'delete', resourceType: 'scanner', resource: deleted.name, detail: deleted.url });
    return toScannerRegistrationJson(deleted);
  });

  app.patch<{ Params: { id: string } }>('/scanners/:id', async (req, reply) => {
    await requireSystem(req, 'scanner', 'update');
    const body = objectBody(req.body, 'the request body (IsDefault)');
    if (body.is_default !== undefined && body.is_default !== null && typeof body.is_default !== 'boolean') {
      throw new Invalid('NAME_INVALID', 'is_default must be a boolean');
    }
    const existing = await registration(deps, req.params.id);
    if (body.is_default === true && !existing.isDefault) {
      await scanService(deps).registry.setDefault(existing.uuid);
      auditScan(req, deps, {
        operation: 'update',
        resourceType: 'scanner',
        resource: existing.name,
        detail: 'is_default=true',
      });
    }
    return reply.code(200).send();
  });

  app.get<{ Params: { id: string } }>('/scanners/:id/metadata', async (req) => {
    await requireSystem(req, 'scanner', 'read');
    const existing = await registration(deps, req.params.id);
    const metadata = await scanService(deps).registry.metadata(existing.uuid);
    return {
      scanner: metadata.scanner,
      capabilities: metadata.capabilities.map((c) => ({
        ...(c.type === undefined ? {} : { type: c.type }),
        consumes_mime_types: c.consumes_mime_types,
        produces_mime_types: c.produces_mime_types,
      })),
      properties: metadata.properties,
    };
  });

  app.get('/projects/:project_name_or_id/scanner', async (req) => {
    const project = await projectOf(deps.meta, req);
    await requireProject(req, project, 'scanner', 'read');
    return toScannerRegistrationJson(await scanService(deps).registry.forProject(project.id));
  });

  app.put('/projects/:project_name_or_id/scanner', async (req, reply) => {
    const project = await projectOf(deps.meta, req);
    await requireProject(req, project, 'scanner', 'create');
    const body = objectBody(req.body, 'the request body (ProjectScanner)');
    if (typeof body.uuid !== 'string' || body.uuid === '') throw new Invalid('NAME_INVALID', 'uuid is required');
    const chosen = await scanService(deps).registry.get(body.uuid);
    if (!chosen) throw new NotFound('NAME_UNKNOWN', `scanner ${body.uuid.slice(0, 80)} not found`);
    if (chosen.disabled) throw new Invalid('NAME_INVALID', `scanner ${chosen.name} is disabled`);
    await scanService(deps).registry.setForProject(project.id, chosen.uuid);
    auditScan(req, deps, {
      operation: 'update',
      resourceType: 'project_scanner',
      resource: project.name,
      project: project.name,
      detail: chosen.name,
    });
    return reply.code(200).send();
  });

  app.get('/projects/:project_name_or_id/scanner/candidates', async (req, reply) => {
    const project = await projectOf(deps.meta, req);
    await requireProject(req, project, 'scanner', 'create');
    const list = parseListRequest(req.query);
    const all = filterRegistrations(await scanService(deps).registry.list(), list, {});
    reply.headers(pagingHeaders(req.url, all.length, list));
    return all.slice(list.query.offset, list.query.offset + list.pageSize).map(toScannerRegistrationJson);
  });
};

async function registration(deps: ApiDeps, id: string): Promise<ScannerRegistration> {
  const found = id.length <= 128 ? await scanService(deps).registry.get(id) : undefined;
  if (!found) throw new NotFound('NAME_UNKNOWN', `scanner ${id.slice(0, 80)} not found`);
  return found;
}

const FILTER_KEYS = new Set(['name', 'description', 'url']);

/** Registrations matching `q` and the legacy parameters, in the registry's order. */
function filterRegistrations(
  all: ScannerRegistration[],
  list: HarborListRequest,
  query: unknown,
): ScannerRegistration[] {
  const filters: Filter[] = [...list.query.filters];
  const params = (query ?? {}) as Record<string, string | string[] | undefined>;
  const param = (k: string) => {
    const v = params[k];
    return Array.isArray(v) ? v[0] : v;
  };
  for (const key of FILTER_KEYS) {
    const v = param(key);
    if (v) filters.push({ key, kind: 'fuzzy', value: v });
  }
  for (const key of ['ex_name', 'ex_url']) {
    const v = param(key);
    if (v) filters.push({ key: key.slice(3), kind: 'exact', value: v });
  }
  for (const f of filters) {
    if (!FILTER_KEYS.has(f.key)) {
      throw new Invalid('NAME_INVALID', `unsupported query key "${f.key}"; supported: name, description, url`);
    }
    if (f.kind !== 'exact' && f.kind !== 'fuzzy')
      throw new Invalid('NAME_INVALID', `"${f.key}" takes a value or ~value`);
  }
  return all.filter((r) =>
    filters.every((f) => {
      const field = f.key === 'name' ? r.name : f.key === 'url' ? r.url : r.description;
      if (f.kind === 'exact') return field === String(f.value);
      if (f.kind === 'fuzzy') return field.toLowerCase().includes(String(f.value).toLowerCase());
      return false;
    }),
  );
}

/**
 * A `ScannerRegistrationReq`: name and url required, the url http(s), auth one of Harbor's types
 * with a credential when it needs one. On update, an empty credential keeps `existing`'s while
 * auth still needs one (Harbor's rule, since GET never returns it).
 */
export function readRegistration(raw: unknown, existing?: ScannerRegistration): ScannerRegistrationInput {
  const body = objectBody(raw, 'the request body (ScannerRegistrationReq)');
  const text = (key: string, required: boolean): string | undefined => {
    const v = body[key];
    if (v === undefined || v === null) {
      if (required) throw new Invalid('NAME_INVALID', `${key} is required`);
      return undefined;
    }
    if (typeof v !== 'string') throw new Invalid('NAME_INVALID', `${key} must be a string`);
    if (v.length > MAX_TEXT) throw new Invalid('NAME_INVALID', `${key} must be at most ${MAX_TEXT} characters`);
    return v;
  };
  const flag = (key: string): boolean | undefined => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new Invalid('NAME_INVALID', `${key} must be a boolean`);
    return v;
  };
  const name = (text('name', true) as string).trim();
  if (name === '') throw new Invalid('NAME_INVALID', 'name is required');
  const url = (text('url', true) as string).trim();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Invalid('NAME_INVALID', `url "${url.slice(0, 80)}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Invalid('NAME_INVALID', 'url must be an http or https URL');
  }
  const auth = text('auth', false) ?? '';
  if (!AUTH_TYPES.has(auth)) {
    throw new Invalid('NAME_INVALID', `auth must be one of Basic, Bearer, X-ScannerAdapter-API-Key (or empty)`);
  }
  let credential = text('access_credential', false) ?? '';
  if (credential === '' && existing && NEEDS_CREDENTIAL.has(auth)) credential = existing.accessCredential;
  if (NEEDS_CREDENTIAL.has(auth) && credential === '') {
    throw new Invalid('NAME_INVALID', `access_credential is required for auth ${auth}`);
  }
  const input: ScannerRegistrationInput = { name, url, auth, accessCredential: credential };
  const description = text('description', false);
  if (description !== undefined) input.description = description;
  const skip = flag('skip_certVerify');
  if (skip !== undefined) input.skipCertVerify = skip;
  const internal = flag('use_internal_addr');
  if (internal !== undefined) input.useInternalAddr = internal;
  const disabled = flag('disabled');
  if (disabled !== undefined) input.disabled = disabled;
  return input;
}
