import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { DomainError, Invalid } from '../../core/errors.js';
import type { ExternalScanner, ScannerAdapterMetadata, ScannerRegistration } from '../scan-contract.js';
import {
  ADAPTER_API_PREFIX,
  errorMessageOf,
  isVulnerabilityReportMime,
  MIME,
  parseMetadata,
  parseSbomReport,
  parseVulnerabilityReport,
  sameMime,
  type SbomMediaType,
  type ScanRequestBody,
} from './adapter-protocol.js';

/**
 * A client of one external scanner adapter (harbor-scanner-trivy, another Berth), as Harbor's job
 * service drives one: submit, then poll the report until 200 or an error. Adapters are remote and
 * slow; every wait here is bounded and follows the caller's signal.
 */

/** An adapter refused, failed or could not be reached; `status` is its HTTP status when it answered. */
export class ScannerAdapterError extends DomainError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super('invalid', 'UNSUPPORTED', message);
  }
}

export type FetchFn = typeof undiciFetch;

export interface ExternalScannerOptions {
  log: Logger;
  /** For tests; undici's fetch by default. */
  fetch?: FetchFn;
  /** For tests that check the waits; a timer that follows the signal by default. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** One HTTP exchange (metadata, submit, one poll). */
  requestTimeoutMs?: number;
  /** A whole scan, submit to report. */
  scanTimeoutMs?: number;
  /** Bounds on the wait between polls, whatever the adapter's Refresh-After says. */
  minPollMs?: number;
  maxPollMs?: number;
  /** Largest report accepted. */
  maxReportBytes?: number;
  /** SBOM format asked for when the report mime is the SBOM report. */
  sbomMediaType?: SbomMediaType;
}

const METADATA_LIMIT = 1024 * 1024;
const SMALL_LIMIT = 64 * 1024;

export function createExternalScanner(
  registration: Pick<ScannerRegistration, 'name' | 'url' | 'auth' | 'accessCredential' | 'skipCertVerify'>,
  options: ExternalScannerOptions,
): ExternalScanner {
  let base: URL;
  try {
    base = new URL(registration.url);
  } catch {
    throw new Invalid('UNSUPPORTED', `scanner ${registration.name}: invalid URL ${registration.url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Invalid('UNSUPPORTED', `scanner ${registration.name}: only http and https adapters can be called`);
  }
  const root = `${registration.url.replace(/\/+$/, '')}${ADAPTER_API_PREFIX}`;
  const authHeaders = authorizationHeaders(registration.auth, registration.accessCredential);
  const doFetch = options.fetch ?? undiciFetch;
  const dispatcher: Dispatcher | undefined =
    registration.skipCertVerify && base.protocol === 'https:'
      ? new Agent({ connect: { rejectUnauthorized: false } })
      : undefined;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const scanTimeoutMs = options.scanTimeoutMs ?? 30 * 60_000;
  const minPollMs = options.minPollMs ?? 1_000;
  const maxPollMs = Math.max(minPollMs, options.maxPollMs ?? 60_000);
  const maxReportBytes = options.maxReportBytes ?? 64 * 1024 * 1024;
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const log = options.log.child({ scanner: registration.name, url: registration.url });
  const who = `scanner ${registration.name}`;

  /** One exchange with a timeout of its own; the body is read (capped) before the timer ends. */
  async function exchange(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const res = await doFetch(root + path, {
        method,
        headers: { ...headers, ...authHeaders },
        ...(body === undefined ? {} : { body }),
        // A 302 is the spec's "not ready yet", never a place to go (Harbor does not follow it either).
        redirect: 'manual',
        signal: combined,
        ...(dispatcher ? { dispatcher } : {}),
      });
      const text = await readCapped(res.body, limit, `${who}: the answer to ${method} ${path}`);
      return { status: res.status, headers: res.headers as unknown as Headers, text };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new ScannerAdapterError(`${who}: no answer to ${method} ${path} within ${requestTimeoutMs} ms`);
      }
      if (err instanceof DomainError) throw err;
      throw new ScannerAdapterError(`${who}: cannot reach ${root}: ${causeOf(err)}`);
    }
  }

  function failure(action: string, res: { status: number; text: string }): ScannerAdapterError {
    const adapterMessage = errorMessageOf(tryJson(res.text));
    const said = adapterMessage ? `: ${adapterMessage}` : '';
    if (res.status === 401 || res.status === 403) {
      return new ScannerAdapterError(
        `${who} refused the credentials (${action}, HTTP ${res.status})${said}`,
        res.status,
      );
    }
    return new ScannerAdapterError(`${who}: ${action} failed with HTTP ${res.status}${said}`, res.status);
  }

  return {
    async metadata(signal?: AbortSignal): Promise<ScannerAdapterMetadata> {
      const res = await exchange(
        'GET',
        '/metadata',
        { accept: `${MIME.metadata11}, ${MIME.metadata}` },
        undefined,
        METADATA_LIMIT,
        signal,
      );
      if (res.status !== 200) throw failure('metadata', res);
      try {
        return parseMetadata(JSON.parse(res.text));
      } catch (err) {
        throw new ScannerAdapterError(`${who}: invalid metadata: ${causeOf(err)}`);
      }
    },

    async scan(request, signal): Promise<unknown> {
      const wantSbom = sameMime(request.reportMime, MIME.sbomReport);
      if (!wantSbom && !isVulnerabilityReportMime(request.reportMime)) {
        throw new Invalid('UNSUPPORTED', `${who}: Berth cannot read reports of type ${request.reportMime}`);
      }
      const sbomType = options.sbomMediaType ?? 'application/vnd.cyclonedx+json';
      const deadline = Date.now() + scanTimeoutMs;
      const body: ScanRequestBody = {
        registry: { url: request.registry.url, authorization: request.registry.authorization },
        artifact: {
          repository: request.artifact.repository,
          digest: request.artifact.digest,
          ...(request.artifact.tag ? { tag: request.artifact.tag } : {}),
          mime_type: request.artifact.mime_type,
        },
      };
      // Version 1.2 adapters make only what is enabled; without the field they make their default (vulnerabilities).
      if (wantSbom) {
        body.enabled_capabilities = [
          { type: 'sbom', produces_mime_types: [MIME.sbomReport], parameters: { sbom_media_types: [sbomType] } },
        ];
      }
      const submitted = await exchange(
        'POST',
        '/scan',
        { 'content-type': wantSbom ? MIME.scanRequest11 : MIME.scanRequest, accept: MIME.scanResponse },
        JSON.stringify(body),
        SMALL_LIMIT,
        signal,
      );
      if (submitted.status !== 202 && submitted.status !== 200) throw failure('scan request', submitted);
      const id = (tryJson(submitted.text) as { id?: unknown } | undefined)?.id;
      if (typeof id !== 'string' || id === '' || id.length > 256) {
        throw new ScannerAdapterError(`${who}: the scan request was accepted without an id`);
      }
      log.debug(
        { scanRequestId: id, repository: request.artifact.repository, digest: request.artifact.digest },
        'scan submitted',
      );

      const reportPath =
        `/scan/${encodeURIComponent(id)}/report` + (wantSbom ? `?sbom_media_type=${encodeURIComponent(sbomType)}` : '');
      let backoff = minPollMs;
      for (let poll = 1; ; poll++) {
        const res = await exchange(
          'GET',
          reportPath,
          { accept: request.reportMime },
          undefined,
          maxReportBytes,
          signal,
        );
        if (res.status === 200) {
          try {
            const json: unknown = JSON.parse(res.text);
            return wantSbom ? parseSbomReport(json) : parseVulnerabilityReport(json);
          } catch (err) {
            throw new ScannerAdapterError(`${who}: invalid report for scan ${id}: ${causeOf(err)}`);
          }
        }
        if (res.status === 404) {
          throw new ScannerAdapterError(`${who} no longer knows scan ${id} (was the adapter restarted?)`, 404);
        }
        if (res.status !== 302) throw failure(`scan ${id}`, res);
        const asked = secondsHeader(res.headers.get('refresh-after') ?? res.headers.get('retry-after'));
        let wait: number;
        if (asked === undefined) {
          wait = backoff;
          backoff = Math.min(maxPollMs, backoff * 2);
        } else {
          wait = Math.min(maxPollMs, Math.max(minPollMs, asked * 1000));
        }
        if (Date.now() + wait > deadline) {
          throw new ScannerAdapterError(
            `${who}: scan ${id} did not finish within ${Math.round(scanTimeoutMs / 1000)} s`,
          );
        }
        log.trace({ scanRequestId: id, poll, waitMs: wait }, 'report not ready');
        await sleep(wait, signal);
      }
    },
  };
}

/**
 * The headers that authenticate Berth to the adapter, as Harbor sends them: `Basic` takes the
 * credential as `user:password` and encodes it (a credential given already encoded, which has no
 * colon, is sent as is); `Bearer` sends the credential as the token; the API-key type puts it in its
 * own header.
 */
export function authorizationHeaders(auth: string, credential: string): Record<string, string> {
  const type = auth.trim().toLowerCase();
  if (type === '' || type === 'none') return {};
  if (!credential) throw new Invalid('UNSUPPORTED', `scanner authentication ${auth} needs an access credential`);
  if (/[\r\n]/.test(credential)) throw new Invalid('UNSUPPORTED', 'the access credential contains a line break');
  if (type === 'basic') {
    const encoded = credential.includes(':') ? Buffer.from(credential, 'utf8').toString('base64') : credential;
    return { authorization: `Basic ${encoded}` };
  }
  if (type === 'bearer') return { authorization: `Bearer ${credential}` };
  if (type === 'x-scanneradapter-api-key') return { 'x-scanneradapter-api-key': credential };
  throw new Invalid('UNSUPPORTED', `unknown scanner authentication type ${auth}`);
}

/** Whole seconds from Refresh-After / Retry-After (an HTTP date in Retry-After counts from now). */
function secondsHeader(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return undefined;
}

async function readCapped(body: AsyncIterable<Uint8Array> | null, limit: number, what: string): Promise<string> {
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) throw new ScannerAdapterError(`${what} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message && cause.message !== err.message)
    return `${err.message} (${cause.message})`;
  return err.message;
}
