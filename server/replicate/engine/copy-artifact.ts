import { digestOf, parseDigest } from '../../core/digest.js';
import { Invalid, NotFound } from '../../core/errors.js';
import { parseManifest, type Descriptor } from '../../core/manifest.js';
import type { ReplicationTaskParams } from '../replication-contract.js';
import { copyBlobs, type BlobJob } from './copy-blobs.js';

/**
 * One artifact to the destination: the manifest tree depth-first (an index's children before the
 * index, each manifest's blobs before the manifest), then its tags, then its referrers. Tags follow
 * Harbor's override rule: a destination tag that already names the digest is up to date; one that
 * names another digest is overwritten only when the policy says `override`, else skipped (logged).
 * Everything is idempotent, so a retried attempt redoes only what is missing.
 */
export async function copyArtifact(job: BlobJob, p: ReplicationTaskParams): Promise<string> {
  const { state, signal, log, srcRepository, dstRepository } = job;
  const src = state.source;
  const dst = state.destination;
  const byDigest = p.srcReference.includes(':');
  const head = await src.headManifest(srcRepository, p.srcReference, signal);
  if (!head)
    throw new NotFound('MANIFEST_UNKNOWN', `${label(srcRepository, p.srcReference)} is not on the source any more`);
  const digest = head.digest;
  if (p.digest && p.digest !== digest)
    log.info(`${label(srcRepository, p.srcReference)} moved to ${digest} since it was listed`);

  const tags = byDigest ? p.extraTags : [p.srcReference, ...p.extraTags];
  const toTag: string[] = [];
  let upToDate = 0;
  for (const tag of tags) {
    const there = await dst.headManifest(dstRepository, tag, signal);
    if (there?.digest === digest) {
      upToDate++;
      log.info(`${label(dstRepository, tag)} already names ${digest}: up to date`);
    } else if (there && !state.policy.override) {
      log.warn(`${label(dstRepository, tag)} names ${there.digest}, not ${digest}; override is off: skipped`);
    } else {
      toTag.push(tag);
    }
  }
  if (tags.length > 0 && toTag.length === 0) {
    if (upToDate > 0) await copyReferrers(job, digest, 1);
    return upToDate === tags.length ? 'up to date' : 'skipped: override is off';
  }

  await state.ensureNamespace(dstRepository, signal);
  const present = await dst.headManifest(dstRepository, digest, signal);
  let root: Fetched;
  if (present) {
    log.info(`${label(dstRepository, digest)} is already at the destination`);
    root = await fetchManifest(job, digest);
  } else {
    root = await copyTree(job, digest, new Set());
  }
  for (const tag of toTag) {
    await dst.putManifest(dstRepository, tag, root.mediaType, root.body, signal);
    log.info(`tagged ${label(dstRepository, tag)} → ${digest}`);
  }
  await copyReferrers(job, digest, 1);
  return present && toTag.length === 0 ? 'up to date' : `copied ${digest}`;
}

interface Fetched {
  mediaType: string;
  body: Buffer;
  children: Descriptor[];
  blobs: Descriptor[];
}

/** A source manifest, checked: its bytes must hash to the digest asked for (a remote is not trusted). */
async function fetchManifest(job: BlobJob, digest: string): Promise<Fetched> {
  const got = await job.state.source.getManifest(job.srcRepository, digest, job.signal);
  if (!got) throw new NotFound('MANIFEST_UNKNOWN', `${label(job.srcRepository, digest)} is not on the source`);
  const { algorithm } = parseDigest(digest);
  if (digestOf(got.body, algorithm) !== digest) {
    throw new Invalid('DIGEST_INVALID', `the source sent a manifest for ${digest} whose bytes have another digest`);
  }
  const parsed = parseManifest(got.body, got.mediaType);
  const doc = JSON.parse(got.body.toString('utf8')) as {
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const wanted = new Set(parsed.blobDigests);
  const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])].filter((d) => wanted.has(d.digest));
  return { mediaType: parsed.mediaType, body: got.body, children: doc.manifests ?? [], blobs };
}

async function copyTree(job: BlobJob, digest: string, seen: Set<string>): Promise<Fetched> {
  seen.add(digest);
  const manifest = await fetchManifest(job, digest);
  for (const child of manifest.children) {
    if (seen.has(child.digest)) continue;
    if (await job.state.destination.headManifest(job.dstRepository, child.digest, job.signal)) {
      job.log.info(`child ${child.digest} is already at the destination`);
      seen.add(child.digest);
      continue;
    }
    await copyTree(job, child.digest, seen);
  }
  await copyBlobs(job, manifest.blobs);
  await job.state.destination.putManifest(job.dstRepository, digest, manifest.mediaType, manifest.body, job.signal);
  job.log.info(`manifest ${label(job.dstRepository, digest)} (${manifest.mediaType}) pushed`);
  return manifest;
}

/** Signatures, SBOMs and attestations of `digest`, and theirs in turn, up to the configured depth. */
async function copyReferrers(job: BlobJob, digest: string, depth: number): Promise<void> {
  if (!job.state.policy.copyReferrers || depth > job.tunables.referrerDepth) return;
  const referrers = await job.state.source.referrers(job.srcRepository, digest, job.signal);
  for (const r of referrers) {
    if (await job.state.destination.headManifest(job.dstRepository, r.digest, job.signal)) {
      job.log.info(`referrer ${r.digest} of ${digest} is already at the destination`);
    } else {
      await copyTree(job, r.digest, new Set());
      job.log.info(`referrer ${r.digest} (${r.artifactType ?? r.mediaType}) of ${digest} copied`);
    }
    await copyReferrers(job, r.digest, depth + 1);
  }
}

function label(repository: string, reference: string): string {
  return reference.includes(':') ? `${repository}@${reference}` : `${repository}:${reference}`;
}
