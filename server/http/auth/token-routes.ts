import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, Invalid, Unauthorized } from '../../core/errors.js';
import { isValidRepositoryName, resolveRepositoryName } from '../../core/names.js';
import { registryActionsOf } from '../../auth/registry-access.js';
import { AnonymousSecurity } from '../../auth/security-contexts.js';
import type { SecurityContext } from '../../auth/security-context.js';
import type { TokenAccess } from '../../auth/token-service.js';
import type { AuthServices } from './auth-services.js';
import { acceptUrlencodedForms, answerErrorsInEnvelope } from './form-endpoints.js';
import { decodeBasic, securityOf } from './request-auth.js';

const REGISTRY_ACTIONS = ['pull', 'push', 'delete'];
const MAX_SCOPES = 32;

/**
 * The token service of the distribution token-auth spec, at `/service/token` (Harbor's path).
 * GET with `scope` (repeatable), `service`, `account`: what docker, podman, skopeo and helm send.
 * POST with an OAuth2 form (`grant_type=password`): what containerd tries first; `refresh_token`
 * grants answer 400 so containerd falls back to GET, as the spec allows.
 * A token grants the intersection of what was asked and what the caller holds, never more; anonymous
 * callers get tokens too (public projects).
 */
export function tokenRoutes(auth: AuthServices) {
  return async function register(app: FastifyInstance) {
    acceptUrlencodedForms(app);
    answerErrorsInEnvelope(
      app,
      'token',
      (e) => ({ code: e.status === 401 ? 'UNAUTHORIZED' : e.code, message: e.message }),
      { 'content-type': 'application/json' },
    );

    app.get('/service/token', async (req, reply) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const scopes = ([] as string[])
        .concat(q.scope ?? [])
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      const security = await callerOf(req);
      return issue(reply, security, scopes, stringOf(q.service), req.ip);
    });

    app.post('/service/token', async (req, reply) => {
      const form = (req.body ?? {}) as Record<string, string | undefined>;
      if (form.grant_type !== 'password') {
        throw new Invalid('UNSUPPORTED', `unsupported grant_type "${form.grant_type ?? ''}"`);
      }
      if (!form.username || form.password === undefined)
        throw new Invalid('UNSUPPORTED', 'username and password are required');
      const principal = await auth.authenticator.basic(form.username, form.password, req.ip);
      const scopes = (form.scope ?? '').split(' ').filter(Boolean);
      return issue(reply, securityOf(principal, auth), scopes, form.service, req.ip);
    });
  };

  async function callerOf(req: FastifyRequest): Promise<SecurityContext> {
    const header = req.headers.authorization;
    if (!header) return new AnonymousSecurity();
    if (!/^basic /i.test(header)) throw new Unauthorized('the token service accepts basic credentials only');
    const { username, password } = decodeBasic(header.slice(6).trim());
    return securityOf(await auth.authenticator.basic(username, password, req.ip), auth);
  }

  async function issue(
    reply: FastifyReply,
    security: SecurityContext,
    scopes: string[],
    service: string | undefined,
    clientIp: string | null,
  ) {
    if (service !== undefined && service !== auth.tokens.service) {
      throw new Invalid(
        'UNSUPPORTED',
        `unknown service "${service}"; this registry's service is "${auth.tokens.service}"`,
      );
    }
    if (scopes.length > MAX_SCOPES) throw new Invalid('UNSUPPORTED', `at most ${MAX_SCOPES} scopes per token request`);
    const access: TokenAccess[] = [];
    for (const scope of scopes) {
      const granted = await grant(security, scope, clientIp);
      if (granted) access.push(granted);
    }
    const kind = security.kind === 'user' || security.kind === 'robot' ? security.kind : 'anonymous';
    const { token, expiresIn, issuedAt } = await auth.tokens.issue(security.name, kind, access);
    return reply.header('cache-control', 'no-store').send({
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: issuedAt.toISOString(),
    });
  }

  async function grant(
    security: SecurityContext,
    scope: string,
    clientIp: string | null,
  ): Promise<TokenAccess | undefined> {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last <= first) return undefined;
    const type = scope.slice(0, first);
    const name = scope.slice(first + 1, last);
    const requested = new Set(
      scope
        .slice(last + 1)
        .split(',')
        .filter(Boolean),
    );
    if (type === 'registry') {
      return name === 'catalog' && requested.has('*') && security.isAuthenticated
        ? { type: 'registry', name: 'catalog', actions: ['*'] }
        : undefined;
    }
    // `repository(plugin)` and other types grant nothing; bad names grant nothing (no error: the
    // request it was meant for gets the refusal, with the name in it).
    if (type !== 'repository' || !isValidRepositoryName(name)) return undefined;
    let repository: string;
    try {
      repository = resolveRepositoryName(name).name;
    } catch (err) {
      if (err instanceof DomainError) return undefined;
      throw err;
    }
    const project = await auth.meta.projects.get(repository.slice(0, repository.indexOf('/')));
    const held = await registryActionsOf(security, repository, project);
    const wanted = requested.has('*') ? REGISTRY_ACTIONS : [...requested];
    const actions = wanted.filter((a) => held.has(a));
    const refused = wanted.filter((a) => !held.has(a) && REGISTRY_ACTIONS.includes(a));
    if (refused.length > 0 && security.isAuthenticated) {
      // An authenticated caller asking for more than it holds is worth a line in the audit log.
      auth.audit.record({
        username: security.name,
        clientIp,
        operation: refused.join(','),
        resourceType: 'repository',
        resource: repository,
        project: project?.name ?? null,
        success: false,
        detail: `token request refused: ${refused.join(', ')}`,
      });
    }
    if (requested.has('*') && actions.length === REGISTRY_ACTIONS.length) actions.push('*');
    return actions.length > 0 ? { type: 'repository', name: repository, actions } : undefined;
  }
}

function stringOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
