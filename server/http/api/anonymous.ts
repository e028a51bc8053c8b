import { AnonymousSecurity } from '../../auth/security-contexts.js';
import type { SecurityContext } from '../../auth/security-context.js';

/**
 * The caller nobody has authenticated, for API requests that reach a route without the
 * authentication hook (plugin tests): the same rules as the hook's anonymous context, Harbor's
 * public-project permissions and nothing of the system.
 */
export const ANONYMOUS_SECURITY: SecurityContext = new AnonymousSecurity();
