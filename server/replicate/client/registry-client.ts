import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { Invalid, Unauthorized } from '../../core/errors.js';
import { isValidRepositoryName, isValidTag } from '../../core/names.js';
import { berthVersion } from '../../http/api/berth-version.js';
import { ReplicationTransportError, type PushBlobOptions, type RegistryCredential } from '../replication-contract.js';
import { Authorizer, pullScope, pushScope } from './auth.js';
import { deleteManifest, getManifest, headManifest, putManifest, referrers, type ManifestTarget } from './content.js';
import {
  createAgent,
  describe,
  drain,
  exchange,
  header,
  nextLink,
  readCapped,
  readJson,
  statusError,
  type Body,
  type Response,
} from './transport.js';
import { openBlob, pushBlob } from './upload.js';

/**
 * The HTTP client of one remote registry (a replication endpoint): the distribution API under `/v2/`
 * with Basic or bearer-token auth, and Harbor's `/api/v2.0` with Basic. One client per endpoint; it
 * keeps the connection pool and the token cache, so adapters share it across tasks.
 */

export interface RegistryClientOptions {
  /** Base URL, scheme included: `https://harbor.example.com`. */
  url: string;
  credential?: RegistryCredential | null;
  /** Skip TLS verification. */
  insecure?: boolean;
  /** PEM bundle trusted besides the system CAs. */
  caCertificate?: string | null;
  /** Timeout of small requests (manifests, listings, tokens, upload control). Default 30 s. */
  requestTimeoutMs?: number;
  /** Pause allowed in a blob's byte stream when reading one. Default 60 s. */
  blobIdleTimeoutMs?: number;
  /** Chunk size of chunked uploads, and the size above which a blob goes in chunks. Default 16 MiB. */
  chunkBytes?: number;
  /** Connections per origin. Default 32. */
  connections?: number;
  /** First retry delay of a blob upload (doubled each time, jittered). Default 500 ms. */
  backoffMs?: number;
  userAgent?: string;
}

export interface CallOptions {
  method: string;
  /** A path under the base URL (`/v2/...`) or an absolute URL the registry gave (Location, Link). */
  url: string | URL;
  /** Token scopes the request needs (`repository:a/b:pull`). */
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Body;
  signal: AbortSignal;
  /** GET/HEAD of blobs: registries redirect them to storage, often another origin. */
  followRedirects?: boolean;
  /** Harbor's API: Basic credentials directly, no token flow. */
  api?: boolean;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const MAX_LISTING_BYTES = 8 * 1024 * 1024;
const MAX_PAGES = 100_000;

export { pullScope, pushScope };

export class RegistryClient {
  readonly base: string;
  readonly origin: string;
  readonly agent: Agent;
  readonly auth: Authorizer;
  readonly requestTimeoutMs: number;
  readonly blobIdleTimeoutMs: number;
  readonly chunkBytes: number;
  readonly backoffMs: number;
  private readonly userAgent: string;

  constructor(readonly options: RegistryClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new Invalid('UNSUPPORTED', `invalid registry URL "${options.url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Invalid('UNSUPPORTED', `registry URL must be http or https: "${options.url}"`);
    }
    this.base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    this.origin = parsed.origin;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.blobIdleTimeoutMs = options.blobIdleTimeoutMs ?? 60_000;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.backoffMs = options.backoffMs ?? 500;
    this.userAgent = options.userAgent ?? `berth-replication/${berthVersion()}`;
    this.agent = createAgent({
      insecure: options.insecure ?? false,
      caCertificate: options.caCertificate ?? null,
      connections: options.connections ?? 32,
    });
    this.auth = new Authorizer({
      credential: options.credential ?? null,
      agent: this.agent,
      userAgent: this.userAgent,
      timeoutMs: this.requestTimeoutMs,
      origin: this.origin,
    });
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  url(path: string): URL {
    return new URL(this.base + path);
  }

  /**
   * One request with authentication: a 401 teaches the challenge and the request is sent once more
   * (when its body can be sent again); redirects, when followed, drop Authorization on another origin.
   */
  async call(o: CallOptions): Promise<Response> {
    let url = typeof o.url === 'string' ? (o.url.startsWith('/') ? this.url(o.url) : new URL(o.url)) : o.url;
    let scopes = o.scopes;
    let retried = false;
    for (let hops = 0; ;) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...o.headers };
      const authorization = o.api ? this.auth.apiHeader(url) : await this.auth.header(url, scopes, o.signal);
      if (authorization) headers.authorization = authorization;
      const res = await exchange(this.agent, {
        method: o.method,
        url,
        headers,
        body: o.body ?? null,
        signal: o.signal,
        headersTimeoutMs: o.headersTimeoutMs ?? this.requestTimeoutMs,
        bodyTimeoutMs: o.bodyTimeoutMs ?? this.requestTimeoutMs,
      });
      if (res.status === 401 && !o.api && url.origin === this.origin) {
        if (!retried && replayable(o.body)) {
          retried = true;
          const extra = this.auth.learn(res, scopes);
          if (extra) scopes = [...scopes, extra];
          await drain(res);
          continue;
        }
        if (!replayable(o.body)) {
          // A token that expired in the middle of an upload: the upload retries with a new one.
          this.auth.forget(scopes);
          await drain(res);
          throw new ReplicationTransportError(`${o.method} ${describe(url)}: the registry refused the token`, 401);
        }
      }
      const location = header(res, 'location');
      if (o.followRedirects && [301, 302, 303, 307, 308].includes(res.status) && location) {
        if (++hops > MAX_REDIRECTS) throw new ReplicationTransportError(`${describe(url)}: too many redirects`);
        await drain(res);
        url = new URL(location, url);
        continue;
      }
      return res;
    }
  }

  /** The connection test: `GET /v2/` answers 200 with these credentials. */
  async ping(signal: AbortSignal): Promise<void> {
    const res = await this.call({ method: 'GET', url: '/v2/', scopes: [], signal }).catch((e: unknown) => {
      throw e instanceof Unauthorized ? this.refused(e) : e;
    });
    if (res.status === 200) return void (await drain(res));
    if (res.status === 401) throw this.refused(await statusError(res, `GET ${this.base}/v2/`));
    if (res.status === 404) {
      await drain(res);
      throw new Invalid('UNSUPPORTED', `${this.base} does not answer the registry API (/v2/ is 404)`);
    }
    throw await statusError(res, `GET ${this.base}/v2/`);
  }

  private refused(e: Error): Unauthorized {
    const c = this.options.credential;
    const who = c?.accessKey ? `the credentials of "${c.accessKey}"` : 'anonymous access (no credentials given)';
    return new Unauthorized(`the registry at ${this.base} refused ${who}: ${e.message}`);
  }

  /** Repository names from `/v2/_catalog`, page by page (`n`, `Link rel="next"`). */
  async *catalog(pageSize: number, signal: AbortSignal): AsyncGenerator<string[]> {
    yield* this.pages(`/v2/_catalog?n=${pageSize}`, ['registry:catalog:*'], 'repositories', signal, (name) =>
      isValidRepositoryName(name),
    );
  }

  /** Tags of a repository, page by page; nothing when the repository is unknown. */
  async *tags(repository: string, pageSize: number, signal: AbortSignal): AsyncGenerator<string[]> {
    const path = `/v2/${checkRepo(repository)}/tags/list?n=${pageSize}`;
    yield* this.pages(path, [pullScope(repository)], 'tags', signal, isValidTag);
  }

  private async *pages(
    first: string,
    scopes: string[],
    key: string,
    signal: AbortSignal,
    valid: (s: string) => boolean,
  ): AsyncGenerator<string[]> {
    let url: URL | undefined = this.url(first);
    const seen = new Set<string>();
    for (let page = 0; url && page < MAX_PAGES; page++) {
      if (seen.has(url.href)) break; // a registry that links a page to itself
      seen.add(url.href);
      const res = await this.call({ method: 'GET', url, scopes, signal });
      if (res.status === 404 && key === 'tags') return void (await drain(res));
      if (res.status !== 200) throw await statusError(res, `GET ${describe(url)}`);
      const json = (await readJson(res, MAX_LISTING_BYTES, describe(url))) as Record<string, unknown>;
      const list = Array.isArray(json[key]) ? (json[key] as unknown[]) : [];
      const items = list.filter((s): s is string => typeof s === 'string' && valid(s));
      if (items.length > 0) yield items;
      url = nextLink(res);
      if (url && url.origin !== this.origin) throw new Invalid('UNSUPPORTED', `${first}: next page on another origin`);
    }
  }

  /** A JSON request to Harbor's API; 404 → undefined. `total` is X-Total-Count, `next` the Link. */
  async api(
    method: string,
    path: string | URL,
    signal: AbortSignal,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; total?: number; next?: URL } | undefined> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.call({
      method,
      url: path,
      scopes: [],
      api: true,
      headers,
      signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const url = res.url;
    if (res.status === 404) return void (await drain(res));
    if (res.status < 200 || res.status > 299) throw await statusError(res, `${method} ${describe(url)}`);
    const text = (await readJsonText(res)).trim();
    const total = Number(header(res, 'x-total-count'));
    const next = nextLink(res);
    if (next && next.origin !== this.origin) throw new Invalid('UNSUPPORTED', `next page on another origin`);
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new Invalid('UNSUPPORTED', `${method} ${describe(url)}: the answer is not JSON`);
    }
    return {
      status: res.status,
      json,
      ...(Number.isFinite(total) && header(res, 'x-total-count') !== undefined ? { total } : {}),
      ...(next ? { next } : {}),
    };
  }

  /** `apiGet` page after page, following `Link rel="next"`; stops at a 404. */
  async *apiPages<T>(path: string, signal: AbortSignal): AsyncGenerator<T[]> {
    let url: string | URL | undefined = path;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await this.api('GET', url, signal);
      if (!res) return;
      const items = Array.isArray(res.json) ? (res.json as T[]) : [];
      if (items.length > 0) yield items;
      url = res.next;
    }
  }

  /** A JSON GET on Harbor's API. */
  apiGet(path: string, signal: AbortSignal) {
    return this.api('GET', path, signal);
  }

  getManifest(repository: string, reference: string, signal: AbortSignal) {
    return getManifest(this, target(repository, reference), signal);
  }

  headManifest(repository: string, reference: string, signal: AbortSignal) {
    return headManifest(this, target(repository, reference), signal);
  }

  putManifest(repository: string, reference: string, mediaType: string, body: Buffer, signal: AbortSignal) {
    return putManifest(this, target(repository, reference), mediaType, body, signal);
  }

  deleteManifest(repository: string, digest: string, signal: AbortSignal): Promise<boolean> {
    return deleteManifest(this, target(repository, digest), signal);
  }

  referrers(repository: string, digest: string, signal: AbortSignal) {
    return referrers(this, target(repository, digest), signal);
  }

  /** Size of a blob the repository holds, or undefined. */
  async headBlob(repository: string, digest: string, signal: AbortSignal): Promise<number | undefined> {
    const url = `/v2/${checkRepo(repository)}/blobs/${checkDigest(digest)}`;
    const res = await this.call({
      method: 'HEAD',
      url,
      scopes: [pullScope(repository)],
      signal,
      followRedirects: true,
    });
    await drain(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await statusError(res, `HEAD ${describe(res.url)}`);
    const size = Number(header(res, 'content-length'));
    return Number.isSafeInteger(size) && size >= 0 ? size : 0;
  }

  /** Cross-repository mount: true when mounted (201); a 202 session is cancelled and false returned. */
  async mountBlob(repository: string, digest: string, from: string, signal: AbortSignal): Promise<boolean> {
    const query = `mount=${encodeURIComponent(checkDigest(digest))}&from=${encodeURIComponent(checkRepo(from))}`;
    const url = `/v2/${checkRepo(repository)}/blobs/uploads/?${query}`;
    const scopes = [pushScope(repository), pullScope(from)];
    const res = await this.call({ method: 'POST', url, scopes, signal, headers: { 'content-length': '0' } });
    await drain(res);
    if (res.status === 201) return true;
    if (res.status === 202) {
      const location = header(res, 'location');
      if (location) {
        // Best effort: the registry purges abandoned sessions anyway.
        const cancel = await this.call({ method: 'DELETE', url: new URL(location, res.url), scopes, signal }).catch(
          () => undefined,
        );
        if (cancel) await drain(cancel);
      }
      return false;
    }
    if (res.status === 404) return false;
    throw await statusError(res, `POST ${describe(res.url)} (mount)`);
  }

  /** A blob's bytes from `offset` (a Range request when > 0). */
  openBlob(repository: string, digest: string, offset: number, signal: AbortSignal): Promise<Readable> {
    return openBlob(this, checkRepo(repository), checkDigest(digest), offset, signal);
  }

  /** Uploads a blob, resumably; see `upload.ts`. */
  pushBlob(
    repository: string,
    blob: { digest: string; size: number },
    open: (offset: number) => Promise<Readable>,
    options: PushBlobOptions,
  ): Promise<void> {
    checkDigest(blob.digest);
    return pushBlob(this, checkRepo(repository), blob, open, options);
  }
}

function replayable(body: Body | undefined): boolean {
  return body === undefined || body === null || typeof body === 'string' || Buffer.isBuffer(body);
}

async function readJsonText(res: Response): Promise<string> {
  return (await readCapped(res, MAX_LISTING_BYTES, 'API answer')).toString('utf8');
}

/** Names from a remote catalogue are not trusted: they go into URL paths. */
export function checkRepo(repository: string): string {
  if (!isValidRepositoryName(repository)) throw new Invalid('NAME_INVALID', `invalid repository name "${repository}"`);
  return repository;
}

export function checkDigest(digest: string): string {
  if (!/^sha(256:[a-f0-9]{64}|512:[a-f0-9]{128})$/.test(digest)) {
    throw new Invalid('DIGEST_INVALID', `invalid digest "${digest.slice(0, 80)}"`);
  }
  return digest;
}

function target(repository: string, reference: string): ManifestTarget {
  checkRepo(repository);
  if (reference.includes(':')) checkDigest(reference);
  else if (!isValidTag(reference)) throw new Invalid('TAG_INVALID', `invalid tag "${reference.slice(0, 130)}"`);
  return { repository, reference };
}
