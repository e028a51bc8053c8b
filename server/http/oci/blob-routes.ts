import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RepositoryName } from '../../core/names.js';
import type { OciServices } from './oci-context.js';

interface BlobParams {
  repo: RepositoryName;
  digest: string;
}

export async function getBlob(s: OciServices, req: FastifyRequest, reply: FastifyReply, p: BlobParams) {
  // HEAD is the push probe: it also keeps the link from GC (see BlobService.probe).
  const blob = req.method === 'HEAD' ? await s.blobs.probe(p.repo, p.digest) : await s.blobs.stat(p.repo, p.digest);
  reply
    .header('docker-content-digest', blob.digest)
    .header('accept-ranges', 'bytes')
    .header('etag', `"${blob.digest}"`)
    .header('cache-control', 'max-age=31536000');

  const redirect = await s.blobs.redirectUrl(blob.digest, req.method === 'HEAD' ? 'HEAD' : 'GET');
  if (redirect) return reply.code(307).header('location', redirect).send();

  const range = parseRange(req.headers.range, blob.size);
  if (range === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${blob.size}`).send();
  }
  reply.header('content-type', 'application/octet-stream');
  if (range) {
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${blob.size}`);
    reply.header('content-length', range.end - range.start + 1);
  } else {
    reply.header('content-length', blob.size);
  }
  if (req.method === 'HEAD') return reply.send();
  if (blob.size === 0) return reply.send(Buffer.alloc(0));
  return reply.send(await s.blobs.open(blob.digest, range ?? undefined));
}

export async function deleteBlob(s: OciServices, _req: FastifyRequest, reply: FastifyReply, p: BlobParams) {
  await s.blobs.delete(p.repo, p.digest);
  return reply.code(202).send();
}

/**
 * One `bytes=` range (first, last, or suffix form). Malformed or multi-range headers are ignored
 * (full body, as RFC 9110 allows); a range that starts past the end is unsatisfiable.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
