import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Invalid, TooLarge } from '../../core/errors.js';
import type { AdvisoryDatabase, ImportResult } from '../scan-contract.js';

export interface DownloadOptions {
  /** Where the import goes. */
  db: AdvisoryDatabase;
  /** Folder for the temporary files (created when missing); each is removed after its import. */
  dir: string;
  signal?: AbortSignal;
  /** Global `fetch` unless given (a proxy-aware one, or a test's). */
  fetch?: typeof fetch;
  /** Largest file accepted. OSV's largest ecosystem zip is a few hundred MB; the default leaves room. */
  maxBytes?: number;
}

export const DEFAULT_MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_ERRORS_KEPT = 10;

/**
 * Downloads each URL to a temporary file and imports it, one after the other. The file is written
 * whole before the import starts, so a connection that breaks halfway imports nothing; the body is
 * counted as it arrives and cut off past `maxBytes` whatever Content-Length claimed. Each URL is
 * its own atomic import: a URL that fails (HTTP error, too large, unreadable content) is counted in
 * `skipped` with its reason in `errors`, and the others still import. Throws when every URL failed
 * or the signal aborts.
 */
export async function downloadAdvisories(urls: readonly string[], options: DownloadOptions): Promise<ImportResult> {
  const doFetch = options.fetch ?? fetch;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  await mkdir(options.dir, { recursive: true });
  const total: ImportResult = {
    added: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    skipped: 0,
    errors: [],
    sources: [],
    status: await options.db.status(),
  };
  let failures = 0;
  for (const url of urls) {
    const file = join(options.dir, `download-${randomUUID()}.tmp`);
    try {
      await fetchToFile(doFetch, url, file, maxBytes, options.signal);
      const result = await options.db.importPath(file, options.signal ? { signal: options.signal } : {});
      total.added += result.added;
      total.updated += result.updated;
      total.unchanged += result.unchanged;
      total.removed += result.removed;
      total.skipped += result.skipped;
      for (const error of result.errors)
        if (total.errors.length < MAX_ERRORS_KEPT) total.errors.push(`${url}: ${error}`);
      total.sources = [...new Set([...total.sources, ...result.sources])].sort();
      total.status = result.status;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      failures++;
      total.skipped++;
      // The temporary file's name means nothing to the reader; the URL does.
      const reason = (err as Error).message.replaceAll(file, url);
      if (total.errors.length < MAX_ERRORS_KEPT) total.errors.push(`${url}: ${reason}`);
    } finally {
      await rm(file, { force: true });
    }
  }
  if (urls.length > 0 && failures === urls.length) {
    throw new Invalid('NAME_INVALID', `advisory download failed: ${total.errors.join('; ')}`);
  }
  total.status = await options.db.status();
  return total;
}

async function fetchToFile(
  doFetch: typeof fetch,
  url: string,
  file: string,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Invalid('NAME_INVALID', `only http and https URLs are downloaded, not ${parsed.protocol}`);
  }
  const response = await doFetch(url, signal ? { signal, redirect: 'follow' } : { redirect: 'follow' });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Invalid('NAME_INVALID', `HTTP ${response.status} ${response.statusText}`.trim());
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel();
    throw new TooLarge('SIZE_INVALID', `the file is ${declared} bytes, more than the ${maxBytes} accepted`);
  }
  let received = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > maxBytes)
        done(new TooLarge('SIZE_INVALID', `the file is larger than the ${maxBytes} bytes accepted`));
      else done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    cap,
    createWriteStream(file),
    signal ? { signal } : {},
  );
}
