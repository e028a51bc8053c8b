import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web portal: the renderer's Vite build (`index.html`, `assets/<name>-<hash>.js|css`, a few
 * top-level files such as the favicon) served at `/`.
 *
 * Nothing here is a catch-all route: the portal answers from the root not-found handler, so every
 * path another part of the server routes (`/v2/...`, `/api/v2.0/...` with their own not-found and
 * error envelopes, `/service/token`, `/c/login`) never reaches it. What does reach it:
 *
 * - a file of the build: served, `assets/*` as immutable (their names change with their content),
 *   everything else `no-cache` (revalidated by ETag, so a new build shows up on the next load);
 * - any other GET/HEAD that accepts `text/html` and is not under `/v2`, `/api`, `/service`, `/c`
 *   or `/assets`: `index.html`, so a client-side route (`/projects/3/repositories`) survives a reload;
 * - anything else: fastify's usual 404.
 *
 * When the build is missing (the server was built without the renderer), the HTML requests get a
 * short page that says how to build it; the registry and the API work as always.
 */

/** What the portal needs from the configuration. */
export interface PortalOptions {
  /** The built portal directory; undefined or empty: `<package root>/dist/portal`. */
  dir?: string | undefined;
}

/**
 * Only this origin: scripts from files of the build (no inline script), styles inline too (antd's
 * CSS-in-JS injects `<style>` elements), images from the build or data URLs, API calls and the event
 * stream to this origin, and no framing by anyone.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HTML_HEADERS = {
  'content-security-policy': PORTAL_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Paths the portal never answers for: they belong to the registry, the API and the sign-in endpoints. */
const SERVER_PREFIXES = ['/v2', '/api', '/service', '/c'];

/** `<package root>/dist/portal`, the package root being the nearest directory up with Berth's package.json. */
export function defaultPortalDir(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'berth') return join(dir, 'dist', 'portal');
    } catch {
      // not here; look further up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Not inside the package (bundled elsewhere): a directory that will not exist, hence the "not built" page.
  return join(from, 'portal');
}

/**
 * Registers the portal on `app`, which must be the root instance (the not-found handler it sets is
 * the root's, and it runs the root's hooks, including those added later). Call after every other
 * route plugin.
 */
export async function registerPortal(app: FastifyInstance, options: PortalOptions = {}): Promise<void> {
  const root = resolve(options.dir || defaultPortalDir());
  // Files are sent with paths this module has checked; fastify-static adds ranges, ETags and 304s.
  await app.register(fastifyStatic, { serve: false, cacheControl: false, index: false, dotfiles: 'deny' });
  if (!existsSync(join(root, 'index.html'))) {
    app.log.info({ dir: root }, 'portal not built: `/` shows how to build it (npm run build)');
  }

  const servePortal = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(req, reply);
    const path = portalPath(req.url);
    if (path === undefined) return notFound(req, reply);
    if (path !== '/') {
      const file = await fileIn(root, path);
      if (file) return sendFile(reply, root, file);
      if (path.startsWith('/assets/') || !acceptsHtml(req.headers.accept)) return notFound(req, reply);
    }
    if (!(await fileIn(root, '/index.html'))) return notBuilt(reply);
    return sendFile(reply, root, 'index.html');
  };

  app.get('/', servePortal);
  app.setNotFoundHandler(servePortal);
}

/**
 * The decoded path of a URL the portal may answer, or undefined: malformed encoding, a `.` or `..`
 * segment (spelled plainly or `%2e%2e`), a backslash or NUL, or a path of the server's own prefixes.
 */
export function portalPath(url: string): string | undefined {
  const raw = url.split('?', 1)[0] ?? '';
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!path.startsWith('/') || path.includes('\\') || path.includes('\0')) return undefined;
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  if (SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return undefined;
  return path;
}

/** Whether an Accept header lists `text/html` (with a q above 0); browsers' navigations do. */
export function acceptsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type !== 'text/html') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** The path relative to `root` when `path` names a regular file inside it (no dotfiles). */
async function fileIn(root: string, path: string): Promise<string | undefined> {
  const relative = path.replace(/^\/+/, '');
  if (relative === '' || relative.split('/').some((s) => s.startsWith('.'))) return undefined;
  const full = join(root, relative);
  if (!full.startsWith(root + sep)) return undefined;
  try {
    return (await stat(full)).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
}

function sendFile(reply: FastifyReply, root: string, relative: string): FastifyReply {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cache-control', relative.startsWith('assets/') ? IMMUTABLE : 'no-cache');
  if (relative.endsWith('.html')) reply.headers(HTML_HEADERS);
  return reply.sendFile(relative, root);
}

function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  // fastify's own 404 body: what these paths answered before the portal existed.
  return reply
    .code(404)
    .send({ message: `Route ${req.method}:${req.url} not found`, error: 'Not Found', statusCode: 404 });
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Berth: portal not built</title></head>
<body>
<h1>The Berth portal is not built</h1>
<p>This server was built without its web portal. In the Berth source directory run
<code>npm run build</code> (it builds the server and the portal into <code>dist/</code>), then reload
this page.</p>
<p>The registry (<code>/v2/</code>) and the API (<code>/api/v2.0/</code>) work without it.</p>
</body>
</html>
`;

function notBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .headers(HTML_HEADERS)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(NOT_BUILT_PAGE);
}
