import type { Project } from '../../meta/meta-store.js';
import type { SecurityContext } from '../../auth/security-context.js';

/**
 * The caller nobody has authenticated, for API requests that reach a route before (or without) the
 * authentication hook: may read what a public project shows and nothing of the system. Deliberately
 * narrow; the authentication hook's own anonymous context is the authority once it is installed.
 */
const PUBLIC_READS = new Set([
  'project:read',
  'repository:list',
  'repository:read',
  'repository:pull',
  'artifact:list',
  'artifact:read',
  'tag:list',
]);

export const ANONYMOUS_SECURITY: SecurityContext = Object.freeze({
  kind: 'anonymous' as const,
  name: 'anonymous',
  userId: null,
  isAuthenticated: false,
  isSysAdmin: false,
  async can(project: Project, resource: string, action: string): Promise<boolean> {
    return project.public && PUBLIC_READS.has(`${resource}:${action}`);
  },
  async canSystem(): Promise<boolean> {
    return false;
  },
});
