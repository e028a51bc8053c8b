import type { FastifyReply, FastifyRequest } from 'fastify';
import { RangeNotSatisfiable } from '../../core/errors.js';
import { resolveRepositoryName, type RepositoryName } from '../../core/names.js';
import type { ChunkRange, UploadState } from '../../registry/upload-service.js';
import { hasBody } from '../body.js';
import { mayMountFrom } from './oci-authorize.js';
import { queryOf, v2Path, type OciServices } from './oci-context.js';

interface UploadParams {
  repo: RepositoryName;
  rawName: string;
  id: string | null;
}

/** POST: start an upload, mount from another repository, or take the whole blob (`?digest=`). */
export async function startUpload(s: OciServices, req: FastifyRequest, reply: FastifyReply, p: UploadParams) {
  const q = queryOf(req);
  if (q.mount && q.from) {
    const from = resolveRepositoryName(q.from);
    // Without read access to the source a mount would leak its blobs: fall back to a normal upload.
    if ((await mayMountFrom(s, req, from)) && (await s.uploads.mount(p.repo, q.mount, from))) {
      return blobCreated(reply, p.rawName, q.mount);
    }
  }
  if (q.digest && hasBody(req.headers)) {
    const blob = await s.uploads.monolithic(p.repo, q.digest, req.raw);
    return blobCreated(reply, p.rawName, blob.digest);
  }
  const state = await s.uploads.start(p.repo);
  return uploadAccepted(reply.code(202), p.rawName, state);
}

export async function patchUpload(s: OciServices, req: FastifyRequest, reply: FastifyReply, p: UploadParams) {
  const range = parseContentRange(req.headers['content-range']);
  const state = await withRangeHeader(s, p, () => s.uploads.append(p.repo, p.id!, req.raw, range));
  return uploadAccepted(reply.code(202), p.rawName, state);
}

export async function putUpload(s: OciServices, req: FastifyRequest, reply: FastifyReply, p: UploadParams) {
  const range = parseContentRange(req.headers['content-range']);
  const lastChunk = hasBody(req.headers) ? { body: req.raw, range } : undefined;
  const blob = await withRangeHeader(s, p, () => s.uploads.complete(p.repo, p.id!, queryOf(req).digest, lastChunk));
  return blobCreated(reply, p.rawName, blob.digest);
}

export async function uploadStatus(s: OciServices, _req: FastifyRequest, reply: FastifyReply, p: UploadParams) {
  const state = await s.uploads.status(p.repo, p.id!);
  return uploadAccepted(reply.code(204), p.rawName, state);
}

export async function cancelUpload(s: OciServices, _req: FastifyRequest, reply: FastifyReply, p: UploadParams) {
  await s.uploads.cancel(p.repo, p.id!);
  return reply.code(204).send();
}

function blobCreated(reply: FastifyReply, rawName: string, digest: string) {
  return reply
    .code(201)
    .header('location', v2Path(rawName, 'blobs', digest))
    .header('docker-content-digest', digest)
    .header('content-length', 0)
    .send();
}

function uploadAccepted(reply: FastifyReply, rawName: string, state: UploadState) {
  return reply
    .header('location', v2Path(rawName, 'blobs', 'uploads', state.id))
    .header('range', rangeHeader(state.size))
    .header('docker-upload-uuid', state.id)
    .header('content-length', 0)
    .send();
}

/** `0-<last byte>`, and `0-0` for an empty upload, as distribution answers and clients expect. */
function rangeHeader(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}

/** A 416 tells the client where to resume, so it carries the upload's current Range. */
async function withRangeHeader<T>(s: OciServices, p: UploadParams, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof RangeNotSatisfiable) {
      const size = await s.uploads.status(p.repo, p.id!).then(
        (st) => st.size,
        () => undefined,
      );
      if (size !== undefined) throw new RangeNotSatisfiable(err.code, err.message, { range: rangeHeader(size) });
    }
    throw err;
  }
}

/** `Content-Range: <start>-<end>` (some clients prefix `bytes=` or `bytes `). */
export function parseContentRange(header: string | undefined): ChunkRange | undefined {
  if (!header) return undefined;
  const m = /^(?:bytes[= ])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m || Number(m[2]) < Number(m[1])) {
    throw new RangeNotSatisfiable('BLOB_UPLOAD_INVALID', `malformed Content-Range "${header.slice(0, 60)}"`);
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}
