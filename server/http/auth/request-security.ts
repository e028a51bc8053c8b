import type { SecurityContext } from '../../auth/security-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the authentication hook before any route runs (anonymous by default). */
    security: SecurityContext;
  }
}
