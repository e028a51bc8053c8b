import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SecurityContext } from '../../auth/security-context.js';
import { DomainError } from '../../core/errors.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import { ANONYMOUS_SECURITY } from './anonymous.js';
import {
  decodeRepositoryName,
  fullRepositoryName,
  isResourceName,
  requireAuthenticated,
  requireProject,
  requireSystem,
  resolveProject,
} from './guards.js';

const project = (id: number, name: string, isPublic = false) => ({ id, name, public: isPublic }) as Project;

function request(security: SecurityContext, headers: Record<string, string> = {}): FastifyRequest {
  return { security, headers } as unknown as FastifyRequest;
}

function member(grants: string[], options: { admin?: boolean } = {}): SecurityContext {
  return {
    kind: 'user',
    name: 'alice',
    userId: 1,
    isAuthenticated: true,
    isSysAdmin: options.admin ?? false,
    can: async (p, resource, action) => grants.includes(`${p.name}:${resource}:${action}`),
    canSystem: async () => options.admin ?? false,
  };
}

async function kindOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.kind : 'other';
  }
}

describe('permission guards', () => {
  it('requireAuthenticated refuses anonymous callers with 401', async () => {
    expect(await kindOf(() => requireAuthenticated(request(ANONYMOUS_SECURITY)))).toBe('unauthorized');
    expect(requireAuthenticated(request(member([]))).name).toBe('alice');
  });

  it('requireSystem: 401 for anonymous, 403 for a user without the permission', async () => {
    expect(await kindOf(() => requireSystem(request(ANONYMOUS_SECURITY), 'system-volumes', 'read'))).toBe(
      'unauthorized',
    );
    expect(await kindOf(() => requireSystem(request(member([])), 'system-volumes', 'read'))).toBe('denied');
    expect(await kindOf(() => requireSystem(request(member([], { admin: true })), 'system-volumes', 'read'))).toBe(
      undefined,
    );
  });

  it('requireProject: asks the context about the project', async () => {
    const p = project(1, 'team');
    expect(await kindOf(() => requireProject(request(member(['team:repository:push'])), p, 'repository', 'push'))).toBe(
      undefined,
    );
    expect(await kindOf(() => requireProject(request(member([])), p, 'repository', 'push'))).toBe('denied');
    expect(await kindOf(() => requireProject(request(ANONYMOUS_SECURITY), p, 'repository', 'pull'))).toBe(
      'unauthorized',
    );
  });

  it('lets anonymous callers read public projects and nothing else', async () => {
    expect(await ANONYMOUS_SECURITY.can(project(1, 'pub', true), 'repository', 'pull')).toBe(true);
    expect(await ANONYMOUS_SECURITY.can(project(1, 'pub', true), 'repository', 'push')).toBe(false);
    expect(await ANONYMOUS_SECURITY.can(project(2, 'priv'), 'repository', 'pull')).toBe(false);
    expect(await ANONYMOUS_SECURITY.canSystem('system-volumes', 'read')).toBe(false);
  });
});

describe('resolveProject', () => {
  const projects = [project(1, 'library'), project(2, '123'), project(123, 'by-id')];
  const meta = {
    projects: {
      get: async (name: string) => projects.find((p) => p.name === name),
      getById: async (id: number) => projects.find((p) => p.id === id),
    },
  } as unknown as MetaStore;

  it('reads an all-digit parameter as an id unless X-Is-Resource-Name says it is a name', async () => {
    expect((await resolveProject(meta, '123', false)).name).toBe('by-id');
    expect((await resolveProject(meta, '123', true)).name).toBe('123');
    expect((await resolveProject(meta, 'library', false)).id).toBe(1);
    expect((await resolveProject(meta, 'library', true)).id).toBe(1);
  });

  it('throws NotFound for missing projects and absurd ids', async () => {
    for (const [param, named] of [
      ['9', false],
      ['nope', false],
      ['99999999999999999999', false],
      ['', true],
    ] as const) {
      expect(await kindOf(() => resolveProject(meta, param, named)), param).toBe('not-found');
    }
  });

  it('reads the header as Go parses booleans', () => {
    for (const v of ['true', 'True', 'TRUE', '1', 't'])
      expect(isResourceName(request(ANONYMOUS_SECURITY, { 'x-is-resource-name': v }))).toBe(true);
    for (const v of ['false', '0', 'yes', ''])
      expect(isResourceName(request(ANONYMOUS_SECURITY, { 'x-is-resource-name': v }))).toBe(false);
    expect(isResourceName(request(ANONYMOUS_SECURITY))).toBe(false);
  });
});

describe('decodeRepositoryName', () => {
  it('decodes the second encoding Harbor clients apply', () => {
    expect(decodeRepositoryName('library%2Fnginx')).toBe('library/nginx');
    expect(decodeRepositoryName('a%2Fb%2Fc')).toBe('a/b/c');
    expect(decodeRepositoryName('nginx')).toBe('nginx');
    // Sent encoded once: fastify has already turned it into slashes.
    expect(decodeRepositoryName('a/b')).toBe('a/b');
  });

  it.each([
    ['..'],
    ['a%2F..%2Fb'],
    ['a%2F%2Fb'],
    ['%2Fa'],
    ['a%2F'],
    ['a/./b'],
    [''],
    ['A'],
    ['a%zz'],
    ['a%252Fb'],
    ['a b'],
    ['x'.repeat(256)],
  ])('refuses %j with 400', async (param) => {
    expect(await kindOf(() => decodeRepositoryName(param))).toBe('invalid');
  });

  it('builds full names within the length limit', async () => {
    expect(fullRepositoryName('library', 'a%2Fb')).toBe('library/a/b');
    expect(await kindOf(() => fullRepositoryName('p'.repeat(200), 'r'.repeat(60)))).toBe('invalid');
  });
});
