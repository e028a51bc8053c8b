import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_HEADERS } from './berth.js';

/**
 * Drives replication through Berth's Harbor API (`/api/v2.0/registries`, `/replication/*`) as the
 * test admin, and reads a peer registry through the Docker token flow, independently of Berth's own
 * client, so an end-to-end test checks Berth's copy with code that is not Berth's.
 */

export type Json = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: ${status} ${body}`);
  }
}

export function replicationApi(baseUrl: string, headers: Record<string, string> = ADMIN_HEADERS) {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; headers: Headers }> => {
    const res = await fetch(`${baseUrl}/api/v2.0${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 400) throw new ApiError(res.status, text, `${method} ${path}`);
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  };
  const idFrom = (res: { headers: Headers }) => Number(res.headers.get('location')?.split('/').pop());
  const api = {
    call,
    async createRegistry(body: Json): Promise<number> {
      return idFrom(await call('POST', '/registries', body));
    },
    async createPolicy(body: Json): Promise<number> {
      return idFrom(await call('POST', '/replication/policies', body));
    },
    async updatePolicy(id: number, body: Json): Promise<void> {
      await call('PUT', `/replication/policies/${id}`, body);
    },
    async start(policyId: number): Promise<number> {
      return idFrom(await call('POST', '/replication/executions', { policy_id: policyId }));
    },
    async execution(id: number): Promise<Json> {
      return (await call('GET', `/replication/executions/${id}`)).json as Json;
    },
    async executions(policyId: number): Promise<Json[]> {
      return (await call('GET', `/replication/executions?policy_id=${policyId}&page_size=100`)).json as Json[];
    },
    async tasks(executionId: number): Promise<Json[]> {
      return (await call('GET', `/replication/executions/${executionId}/tasks?page_size=100`)).json as Json[];
    },
    async log(executionId: number, taskId: number): Promise<string> {
      const res = await fetch(`${baseUrl}/api/v2.0/replication/executions/${executionId}/tasks/${taskId}/log`, {
        headers,
      });
      return res.text();
    },
    async stop(executionId: number): Promise<void> {
      await call('PUT', `/replication/executions/${executionId}`);
    },
    /** Waits until the execution leaves InProgress (or `until` holds); returns it. */
    async waitFor(
      executionId: number,
      until: (e: Json) => boolean = (e) => e.status !== 'InProgress',
      timeoutMs = 60_000,
    ) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = await api.execution(executionId);
        if (until(e)) return e;
        if (Date.now() > deadline) {
          const tasks = await api.tasks(executionId);
          throw new Error(`execution ${executionId} still ${JSON.stringify(e)}; tasks ${JSON.stringify(tasks)}`);
        }
        await sleep(100);
      }
    },
    /** Every log line of the execution's tasks, for a failure message. */
    async logs(executionId: number): Promise<string> {
      const out: string[] = [];
      for (const t of await api.tasks(executionId))
        out.push(`# task ${String(t.id)}\n${await api.log(executionId, Number(t.id))}`);
      return out.join('\n');
    },
  };
  return api;
}

/** Waits until `probe` returns a value other than undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/**
 * Reads a registry that answers 401 with a Bearer (or Basic) challenge: fetches a token at the
 * realm with the given user, once per scope.
 */
export function bearerReader(baseUrl: string, user: { username: string; password: string }) {
  const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const tokens = new Map<string, string>();
  const request = async (method: string, path: string, accept?: string) => {
    const url = `${baseUrl}${path}`;
    const scopeKey = path.split('/').slice(2, -2).join('/');
    const first = await fetch(url, {
      method,
      headers: { ...(accept ? { accept } : {}), authorization: tokens.get(scopeKey) ?? basic },
    });
    if (first.status !== 401) return first;
    await first.arrayBuffer();
    const challenge = first.headers.get('www-authenticate') ?? '';
    if (!/^Bearer /i.test(challenge)) return first;
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const realm = new URL(params.realm as string);
    realm.searchParams.set('service', params.service ?? '');
    if (params.scope) realm.searchParams.set('scope', params.scope);
    const tokenRes = await fetch(realm, { headers: { authorization: basic } });
    const body = (await tokenRes.json()) as { token?: string; access_token?: string };
    const token = `Bearer ${body.token ?? body.access_token}`;
    tokens.set(scopeKey, token);
    return fetch(url, { method, headers: { ...(accept ? { accept } : {}), authorization: token } });
  };
  return {
    /** The manifest's digest at `repo:reference`, or undefined when the registry has none. */
    async manifestDigest(repo: string, reference: string): Promise<string | undefined> {
      const res = await request('HEAD', `/v2/${repo}/manifests/${reference}`, MANIFEST_ACCEPT);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`HEAD ${repo}:${reference} answered ${res.status}`);
      return res.headers.get('docker-content-digest') ?? undefined;
    },
    async manifest(repo: string, reference: string): Promise<Buffer | undefined> {
      const res = await request('GET', `/v2/${repo}/manifests/${reference}`, MANIFEST_ACCEPT);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`GET ${repo}:${reference} answered ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async blob(repo: string, digest: string): Promise<Buffer | undefined> {
      const res = await request('GET', `/v2/${repo}/blobs/${digest}`);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`GET blob ${repo}@${digest} answered ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async tags(repo: string): Promise<string[]> {
      const res = await request('GET', `/v2/${repo}/tags/list`);
      if (res.status === 404) return [];
      const body = (await res.json()) as { tags?: string[] | null };
      return body.tags ?? [];
    },
  };
}
