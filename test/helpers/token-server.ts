import { execFile } from 'node:child_process';
import { createSign, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeTempDir } from './tmp.js';

/**
 * A Docker token service (distribution's token auth spec) for the reference registry: `GET /token`
 * with `service`, repeated `scope`, and optional Basic credentials answers an RS256 JWT whose header
 * carries the signing certificate (`x5c`); distribution 2.8 checks that chain against the same
 * certificate given as `rootcertbundle`. A known user with the right password gets every action it
 * asks for; anonymous callers get a token with no access; a wrong password is a 401. Every request
 * is recorded (user and scopes) so tests can check what a client asked for.
 */

export interface TokenRequestRecord {
  user: string;
  service: string;
  scopes: string[];
}

export interface TokenServer {
  /** `http://127.0.0.1:PORT/token` */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file of the signing certificate: distribution's `rootcertbundle`. */
  certPath: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  users: Record<string, string>;
  /** Token lifetime in seconds (`expires_in`). Default 300. */
  ttlSeconds?: number;
  service?: string;
  issuer?: string;
}

const run = promisify(execFile);

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const dir = await makeTempDir('token-server');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const service = options.service ?? 'berth-test-reference';
  const issuer = options.issuer ?? 'berth-test-token-issuer';
  // Node can sign but not issue certificates; openssl makes the self-signed one distribution trusts.
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${issuer}`,
    '-keyout', keyPath, '-out', certPath,
  ]); // prettier-ignore
  const key = await readFile(keyPath, 'utf8');
  const certDer = new X509Certificate(await readFile(certPath, 'utf8')).raw.toString('base64');
  const ttl = options.ttlSeconds ?? 300;
  const requests: TokenRequestRecord[] = [];

  const sign = (sub: string, access: unknown[], aud: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', typ: 'JWT', x5c: [certDer] })}.${b64({
      iss: issuer,
      sub,
      aud,
      exp: now + ttl,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    })}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
  };

  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token' || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    let user = '';
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString();
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      if (colon < 0 || options.users[name] === undefined || options.users[name] !== decoded.slice(colon + 1)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      user = name;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
    const aud = url.searchParams.get('service') ?? service;
    requests.push({ user, service: aud, scopes });
    const access = user ? scopes.map(parseScope).filter((s) => s !== undefined) : [];
    const token = sign(user, access, aud);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await removeTempDir(dir);
    },
  };
}

/** `repository:a/b:pull,push`: the name may hold `:` (a port), the actions are after the last one. */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}
