import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { Denied, DomainError, Invalid, NotFound, Unauthorized, type OciErrorCode } from '../../core/errors.js';
import { ReplicationTransportError } from '../replication-contract.js';

/**
 * HTTP underneath the registry client: one undici Agent per endpoint (keep-alive, TLS options),
 * single exchanges with timeouts, and the mapping of failures to Berth's errors. A remote registry
 * is not trusted: bodies read into memory are capped, and messages never carry query strings
 * (upload state, presigned URLs) or headers.
 */

export interface AgentOptions {
  insecure: boolean;
  caCertificate: string | null;
  /** Connections per origin: parallel blob copies each hold one. */
  connections: number;
}

export function createAgent(o: AgentOptions): Agent {
  const connect: { rejectUnauthorized: boolean; ca?: string[] } = { rejectUnauthorized: !o.insecure };
  // A custom CA is trusted besides the system's, not instead of them (Harbor's behaviour).
  if (o.caCertificate && o.caCertificate.trim() !== '') connect.ca = [...rootCertificates, o.caCertificate];
  return new Agent({ connect, connections: o.connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000 });
}

export type Body = string | Buffer | AsyncIterable<Uint8Array> | null;

export interface Exchange {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Body;
  signal: AbortSignal;
  /** Waiting for the response headers (not counted while the body is still being sent). */
  headersTimeoutMs: number;
  /** Longest pause between two pieces of the response body. */
  bodyTimeoutMs: number;
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { text(): Promise<string>; dump(): Promise<void> };
  url: URL;
}

/** One HTTP exchange; network failures become `ReplicationTransportError`, an abort stays an abort. */
export async function exchange(agent: Dispatcher, x: Exchange): Promise<Response> {
  try {
    const res = await agent.request({
      origin: x.url.origin,
      path: x.url.pathname + x.url.search,
      method: x.method as Dispatcher.HttpMethod,
      headers: x.headers,
      // undici sends async iterables as bodies; its types only name streams.
      body: (x.body ?? null) as string | Buffer | Readable | null,
      signal: x.signal,
      headersTimeout: x.headersTimeoutMs,
      bodyTimeout: x.bodyTimeoutMs,
      // undici closes the connection after every HEAD unless told otherwise (for servers that send a
      // body anyway); registries do not, and replication HEADs every tag and blob it might skip: a
      // new TCP (and TLS) connection each time cost the destination more CPU than the HEADs.
      ...(x.method === 'HEAD' ? { reset: false } : {}),
    });
    return { status: res.statusCode, headers: res.headers, body: res.body as Response['body'], url: x.url };
  } catch (e) {
    if (x.signal.aborted) throw x.signal.reason ?? e;
    throw networkError(e, `${x.method} ${describe(x.url)}`);
  }
}

/** `https://host/path` without the query, for messages. */
export function describe(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL|EPROTO/i;
/** OpenSSL's verification failures that mean "no trusted CA issued this chain". */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

export function networkError(e: unknown, what: string): Error {
  if (e instanceof DomainError || e instanceof ReplicationTransportError) return e;
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err?.code ?? err?.cause?.code ?? '';
  const message = err?.cause?.message ?? err?.message ?? String(e);
  let reason: string;
  if (code === 'ECONNREFUSED') reason = 'connection refused (is the registry running at that address?)';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') reason = 'the host name does not resolve';
  else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') reason = 'the connection was reset';
  else if (code === 'UND_ERR_CONNECT_TIMEOUT') reason = 'connecting timed out';
  else if (code === 'UND_ERR_HEADERS_TIMEOUT') reason = 'the registry did not answer in time';
  else if (code === 'UND_ERR_BODY_TIMEOUT') reason = 'the response stalled';
  else if (UNTRUSTED_CODES.has(code)) {
    // OpenSSL's words ("unable to verify the first certificate") do not tell an operator what to do.
    reason = `TLS failed: the registry's certificate is not trusted (${message}); give the CA certificate that issued it, or mark the endpoint insecure to skip verification`;
  } else if (TLS_CODES.test(code) || TLS_CODES.test(message)) {
    reason = `TLS failed: ${message} (check the CA certificate, or mark the endpoint insecure to skip verification)`;
  } else reason = message;
  return new ReplicationTransportError(`${what}: ${reason}${code && !reason.includes(code) ? ` [${code}]` : ''}`);
}

export function header(res: Response, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function headerList(res: Response, name: string): string[] {
  const v = res.headers[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The whole body, refused beyond `max` bytes. */
export async function readCapped(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(header(res, 'content-length'));
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    throw new Invalid('SIZE_INVALID', `${what} is larger than ${max} bytes`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      res.body.destroy();
      throw new Invalid('SIZE_INVALID', `${what} is larger than ${max} bytes`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts, size);
}

export async function readJson(res: Response, max: number, what: string): Promise<unknown> {
  const bytes = await readCapped(res, max, what);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Invalid('UNSUPPORTED', `${what} is not valid JSON`);
  }
}

export async function drain(res: Response): Promise<void> {
  await res.body.dump().catch(() => undefined);
}

const KNOWN_CODES = new Set<string>([
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'TAG_INVALID',
  'RANGE_INVALID',
  'UNSUPPORTED',
]);

/** The registry's own words from an OCI (or Harbor API) error body, if any. */
async function errorDetail(res: Response): Promise<{ code?: string; message: string }> {
  let text = '';
  try {
    text = (await readCapped(res, 64 * 1024, 'error body')).toString('utf8');
  } catch {
    return { message: '' };
  }
  try {
    const json = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const errors = Array.isArray(json.errors) ? json.errors : [];
    // A blob the manifest names being unknown says what to do (retry) better than the codes beside it.
    const first = errors.find((e) => e?.code === 'MANIFEST_BLOB_UNKNOWN') ?? errors[0];
    if (first) {
      const code = typeof first.code === 'string' ? first.code : undefined;
      const message = typeof first.message === 'string' ? first.message : '';
      return { ...(code ? { code } : {}), message: [code, message].filter(Boolean).join(': ') };
    }
  } catch {
    // not JSON: a proxy's page; keep a short excerpt
  }
  return { message: text.replace(/\s+/g, ' ').trim().slice(0, 200) };
}

/**
 * An unexpected status as Berth's error: 401 Unauthorized, 403 Denied, 404 NotFound, 429 and 5xx
 * ReplicationTransportError (retryable), any other 4xx Invalid with the registry's message.
 */
export async function statusError(res: Response, what: string): Promise<Error> {
  const detail = await errorDetail(res);
  const said = detail.message ? `: ${detail.message}` : '';
  const text = `${what} -> HTTP ${res.status}${said}`;
  if (res.status === 401) return new Unauthorized(text);
  if (res.status === 403) return new Denied(text);
  if (res.status === 404) {
    const code = detail.code && KNOWN_CODES.has(detail.code) ? (detail.code as OciErrorCode) : 'NAME_UNKNOWN';
    return new NotFound(code, text);
  }
  if (res.status === 429 || res.status >= 500 || res.status < 400)
    return new ReplicationTransportError(text, res.status);
  // distribution rewrites a repository's blob link in place: a manifest PUT racing a mount of one
  // of its blobs (another task, the same repository) can find it missing for a moment. The task's
  // retry HEADs the blob again and puts the manifest; a blob that is really gone fails it then.
  if (detail.code === 'MANIFEST_BLOB_UNKNOWN') return new ReplicationTransportError(text, res.status);
  const code = detail.code && KNOWN_CODES.has(detail.code) ? (detail.code as OciErrorCode) : 'UNSUPPORTED';
  return new Invalid(code, text);
}

/** `rel="next"` of a Link header, resolved against the request's URL. */
export function nextLink(res: Response): URL | undefined {
  for (const value of headerList(res, 'link')) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>(.*)$/.exec(part);
      if (m && /;\s*rel="?next"?/i.test(m[2] ?? '')) {
        try {
          return new URL(m[1] ?? '', res.url);
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}
