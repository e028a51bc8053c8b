import { digestOf as sha256 } from '../../core/digest.js';
import { MediaTypes } from '../../core/media-types.js';
import type { RepositoryName } from '../../core/names.js';
import type { Artifact, MetaStore } from '../../meta/meta-store.js';
import type { ManifestService } from '../../registry/manifest-service.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { SBOM_ACCESSORY_ARTIFACT_TYPE, type SbomOverview, type ScannerIdentity } from '../scan-contract.js';
import type { SbomRunRow } from './scan-repo-types.js';

/**
 * Harbor's SBOM accessory: an OCI manifest (artifact type `application/vnd.goharbor.harbor.sbom.v1`)
 * whose subject is the image and whose one layer is the SBOM document. Written through
 * `ManifestService`, so referrers, listings and events see it like a pushed one.
 */

const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json';
/** Berth marks its own SBOMs so a new one replaces them and never one a client pushed. */
const CREATED_BY = 'Berth';

export interface SbomStoreDeps {
  meta: MetaStore;
  blobs: BlobStore;
  manifests: ManifestService;
}

/** Stores `bom` (CycloneDX JSON) as the subject's SBOM accessory; an older Berth SBOM of it goes. Returns its digest. */
export async function writeSbomAccessory(
  d: SbomStoreDeps,
  repo: RepositoryName,
  subject: Pick<Artifact, 'mediaType' | 'digest' | 'size'>,
  bom: unknown,
  now: Date,
): Promise<string> {
  const document = Buffer.from(JSON.stringify(bom));
  const config = Buffer.from('{}');
  for (const [bytes, mediaType] of [
    [document, CYCLONEDX_MEDIA_TYPE],
    [config, MediaTypes.ociEmpty],
  ] as const) {
    let incarnation: number | undefined;
    const stored = await d.blobs.putSmall(bytes, undefined, {
      beforePublish: async (blob) => {
        incarnation = await d.meta.blobs.pin({ ...blob, mediaType });
      },
    });
    await d.meta.blobs.link({
      repository: repo.name,
      project: repo.project,
      createProject: false,
      blob: { ...stored, mediaType },
      ...(incarnation === undefined ? {} : { expectIncarnation: incarnation }),
    });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: SBOM_ACCESSORY_ARTIFACT_TYPE,
      config: { mediaType: MediaTypes.ociEmpty, digest: sha256(config), size: config.length },
      layers: [{ mediaType: CYCLONEDX_MEDIA_TYPE, digest: sha256(document), size: document.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: {
        'created-by': CREATED_BY,
        'org.opencontainers.artifact.created': now.toISOString(),
        'org.opencontainers.artifact.description': 'CycloneDX JSON SBOM',
      },
    }),
  );
  const older = (await d.manifests.referrers(repo, subject.digest, SBOM_ACCESSORY_ARTIFACT_TYPE)).filter(
    (r) => r.annotations?.['created-by'] === CREATED_BY,
  );
  const { digest } = await d.manifests.put(repo, sha256(manifest), manifest, MediaTypes.ociManifest);
  for (const old of older) {
    if (old.digest !== digest) await d.manifests.delete(repo, old.digest).catch(() => undefined);
  }
  return digest;
}

/** The subject's SBOM accessory's manifest digest (Berth's first, else any); undefined without one. */
export async function findSbomAccessory(
  d: SbomStoreDeps,
  repo: RepositoryName,
  subjectDigest: string,
): Promise<string | undefined> {
  const accessories = await d.manifests.referrers(repo, subjectDigest, SBOM_ACCESSORY_ARTIFACT_TYPE);
  return (accessories.find((a) => a.annotations?.['created-by'] === CREATED_BY) ?? accessories[0])?.digest;
}

/** The SBOM document an accessory holds (its JSON layer); undefined when it has none. */
export async function readSbomAccessory(d: SbomStoreDeps, accessoryDigest: string): Promise<unknown> {
  const manifest = JSON.parse((await d.blobs.getSmall(accessoryDigest)).toString('utf8')) as {
    layers?: Array<{ digest: string; mediaType: string }>;
  };
  const layer = manifest.layers?.find((l) => l.mediaType.includes('json')) ?? manifest.layers?.[0];
  if (!layer) return undefined;
  return JSON.parse((await d.blobs.getSmall(layer.digest)).toString('utf8')) as unknown;
}

/** Overviews from the newest SBOM run and accessory of each artifact (`ScanRepo.sbomRunsOf`). */
export function toSbomOverviews(rows: readonly SbomRunRow[], builtin: ScannerIdentity): Map<string, SbomOverview> {
  const out = new Map<string, SbomOverview>();
  for (const { digest, execution, accessory } of rows) {
    if (execution) {
      out.set(digest, {
        reportId: String(execution.id),
        status: execution.status,
        startTime: execution.startTime,
        endTime: execution.endTime,
        // A run in progress or failed has not made the accessory an older run may have left.
        sbomDigest: execution.status === 'Success' ? (accessory?.digest ?? null) : null,
        scanner: builtin,
      });
    } else if (accessory) {
      out.set(digest, {
        reportId: '',
        status: 'Success',
        startTime: accessory.pushTime,
        endTime: accessory.pushTime,
        sbomDigest: accessory.digest,
        scanner: accessory.createdBy === CREATED_BY ? builtin : null,
      });
    }
  }
  return out;
}
