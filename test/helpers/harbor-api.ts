import type { AuditEntry } from '../../server/meta/project-types.js';
import { client, type Call } from '../integration/oci-client.js';
import { basicAuth } from './berth.js';
import { seed } from './seed.js';

/**
 * What the Harbor API integration tests (test/integration/api-*.test.ts) share: the API prefix,
 * callers that authenticate as a given user, JSON requests and answers, test users for the project
 * roles, and a look at the audit log as stored.
 */

/** The Harbor API's path prefix; `send` puts it before the paths it is given. */
export const API = '/api/v2.0';

/** A JSON object as the API answers it, for tests that look at a few of its keys. */
export type Json = Record<string, unknown>;

/** A user's login. */
export interface Credentials {
  username: string;
  password: string;
}

/** A project guest in the tests that seed role members (seed them with `seedUser`/`seedMember`). */
export const GUEST: Credentials = { username: 'guesty', password: 'Guest-Password-1' };
/** A project developer in the tests that seed role members. */
export const DEV: Credentials = { username: 'dev', password: 'Dev-Password-1' };
/** A project maintainer in the tests that seed role members. */
export const MAINT: Credentials = { username: 'maint', password: 'Maint-Password-1' };
/** A user who is a member of no project the test looks at. */
export const OUTSIDER: Credentials = { username: 'outsider', password: 'Outsider-Password-1' };

/**
 * A caller that authenticates as `user` with HTTP Basic auth, against the server at `baseUrl()` (a
 * function, so that it can be made before the server starts, like `client`).
 */
export function asUser(baseUrl: () => string, user: Credentials): Call {
  return client(baseUrl, { authorization: basicAuth(user.username, user.password) });
}

/**
 * The callers of a test server at `baseUrl()`: the test admin, an anonymous caller, the role test
 * users (`GUEST`, `DEV`, `MAINT`, `OUTSIDER`) and `as(username, password)` for anyone else (a robot
 * and its secret, a user and a token), each by HTTP Basic auth. They can be made before the server
 * starts; each test takes the ones it needs.
 */
export function apiCallers(baseUrl: () => string) {
  return {
    admin: client(baseUrl),
    anonymous: client(baseUrl, null),
    as: (username: string, password: string): Call => asUser(baseUrl, { username, password }),
    guest: asUser(baseUrl, GUEST),
    developer: asUser(baseUrl, DEV),
    maintainer: asUser(baseUrl, MAINT),
    outsider: asUser(baseUrl, OUTSIDER),
  };
}

/** A request body as JSON, with its content type: the `init` argument of a `Call`. */
export function jsonBody(body: unknown): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

/**
 * Sends `method` to `API + path` as `call`: `body`, when given, as JSON; `headers` besides (for
 * example `x-is-resource-name`).
 */
export function send(call: Call, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const json = body === undefined ? undefined : jsonBody(body);
  return call(method, API + path, {
    ...(json === undefined ? {} : { body: json.body }),
    headers: { ...json?.headers, ...headers },
  });
}

/** An answer's body parsed as JSON, typed as the test expects it (`Json` unless told). */
export function parseJson<T = Json>(res: { body: Buffer }): T {
  return JSON.parse(res.body.toString()) as T;
}

/**
 * The stored audit entries whose keys equal `filters` (`resource_type`, `operation`, `resource`, ...),
 * newest first (at most 50). The audit writer batches, so this asks again (for up to two seconds)
 * until there is at least one; an empty list means none came.
 */
export async function auditEntries(dataDir: string, filters: Record<string, string>): Promise<AuditEntry[]> {
  const query = {
    filters: Object.entries(filters).map(([key, value]) => ({ key, kind: 'exact' as const, value })),
    sort: [],
    offset: 0,
    limit: 50,
  };
  for (let i = 0; i < 40; i++) {
    const page = await seed(dataDir, (meta) => meta.audit.list(query));
    if (page.items.length > 0) return page.items;
    await new Promise((r) => setTimeout(r, 50));
  }
  return [];
}
