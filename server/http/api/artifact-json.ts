import { parseDigest } from '../../core/digest.js';
import type { Artifact, MetaStore, Project, TagRecord } from '../../meta/meta-store.js';
import type { TagImmutability } from '../../registry/immutability.js';
import type { ArtifactFacts, ManifestFacts } from './artifact-facts.js';
import { harborTime, harborTimeOrZero } from './json-shape.js';
import { API_PREFIX } from './api-plugin.js';
import { toLabelJson, type LabelJson } from './label-json.js';
import { encodeRepositoryPath } from './repository-json.js';
import type { NativeReportSummaryJson, SbomOverviewJson } from './scan-json.js';

/**
 * Harbor's `Artifact`, `Tag`, `Reference` and `Accessory` JSON, assembled from the metadata and the
 * facts `ArtifactFacts` derives from manifests. A tag's `immutable` reflects the project's immutable
 * tag rules, whether or not the client asked `with_immutable_status` (Harbor then says false, which
 * would be untrue); `icon` is empty (no icon service); `scan_overview` and `sbom_overview` are added
 * by the routes (`attachScanOverviews`, `attachSbomOverviews`).
 */

export interface TagJson {
  id: number;
  repository_id: number;
  artifact_id: number;
  name: string;
  push_time: string;
  pull_time: string;
  immutable: boolean;
}

export function toTagJson(tag: TagRecord, immutable = false): TagJson {
  return {
    id: tag.id,
    repository_id: tag.repositoryId,
    artifact_id: tag.artifactId,
    name: tag.name,
    push_time: harborTime(tag.pushTime),
    pull_time: harborTimeOrZero(tag.pullTime),
    immutable,
  };
}

export interface ReferenceJson {
  parent_id: number;
  child_id: number;
  child_digest: string;
  platform?: Record<string, unknown>;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface AccessoryJson {
  id: number;
  artifact_id: number;
  subject_artifact_id: number;
  subject_artifact_digest: string;
  subject_artifact_repo: string;
  size: number;
  digest: string;
  type: string;
  icon: string;
  creation_time: string;
}

export interface ArtifactJson {
  id: number;
  type: string;
  media_type: string;
  manifest_media_type: string;
  artifact_type: string;
  project_id: number;
  repository_id: number;
  repository_name: string;
  digest: string;
  size: number;
  icon: string;
  push_time: string;
  pull_time: string;
  extra_attrs?: Record<string, unknown>;
  annotations?: Record<string, string>;
  references?: ReferenceJson[];
  tags?: TagJson[];
  addition_links?: Record<string, { href: string; absolute: boolean }>;
  labels?: LabelJson[];
  accessories?: AccessoryJson[];
  /** With `with_scan_overview`: the report summary by report mime type (`scan-json.ts`). */
  scan_overview?: Record<string, NativeReportSummaryJson>;
  /** With `with_sbom_overview`: the newest SBOM generation and its accessory (`scan-json.ts`). */
  sbom_overview?: SbomOverviewJson;
}

export interface PresentOptions {
  withTag: boolean;
  withLabel: boolean;
  withAccessory: boolean;
}

/** Harbor's accessory type by the referrer's artifact type; any other referrer is a `subject.accessory`. */
const ACCESSORY_TYPES: Readonly<Record<string, string>> = {
  'application/vnd.dev.cosign.artifact.sig.v1+json': 'signature.cosign',
  'application/vnd.cncf.notary.signature': 'signature.notation',
  'application/vnd.goharbor.harbor.sbom.v1': 'harbor.sbom',
};

/** Accessory types that are part of their subject (Harbor's "hard" accessories): never copied alone. */
export const HARD_ACCESSORY_TYPES: ReadonlySet<string> = new Set([
  'signature.cosign',
  'signature.notation',
  'harbor.sbom',
]);

export function accessoryType(artifactType: string | null): string {
  return (artifactType && ACCESSORY_TYPES[artifactType]) ?? 'subject.accessory';
}

/** The additions Harbor's processors offer per artifact type. */
export function additionsOf(facts: ManifestFacts): string[] {
  if (facts.type === 'IMAGE' && facts.children.length === 0 && facts.config !== null) return ['build_history'];
  if (facts.type === 'CHART') return ['values.yaml', 'readme.md', 'dependencies'];
  return [];
}

export class ArtifactPresenter {
  constructor(
    private readonly meta: MetaStore,
    private readonly facts: ArtifactFacts,
    private readonly immutability?: TagImmutability,
  ) {}

  /** Artifacts of one project as Harbor's JSON; listing artifacts arrive with their tags already. */
  async present(
    project: Project,
    artifacts: readonly (Artifact & { tags?: TagRecord[] })[],
    options: PresentOptions,
  ): Promise<ArtifactJson[]> {
    const labels = options.withLabel ? await this.meta.labels.ofArtifacts(artifacts.map((a) => a.id)) : undefined;
    return Promise.all(
      artifacts.map(async (artifact) => {
        const facts = await this.facts.describe(artifact);
        const json = toArtifactJson(project, artifact, facts);
        if (facts.children.length > 0) json.references = await this.references(artifact, facts);
        if (options.withTag) {
          const tags = artifact.tags ?? (await this.tagsOf(artifact));
          const immutable = await this.immutableTags(project, artifact, tags);
          json.tags = tags.map((t) => toTagJson(t, immutable.has(t.name)));
        }
        if (labels) json.labels = (labels.get(artifact.id) ?? []).map(toLabelJson);
        if (options.withAccessory) json.accessories = await this.accessories(artifact);
        return json;
      }),
    );
  }

  /** Which of the artifact's tags the project's immutable tag rules protect. */
  async immutableTags(project: Project, artifact: Artifact, tags: readonly TagRecord[]): Promise<Set<string>> {
    if (!this.immutability || tags.length === 0) return new Set();
    return this.immutability.immutableTags(
      project.name,
      artifact.repository,
      tags.map((t) => t.name),
    );
  }

  async tagsOf(artifact: Artifact): Promise<TagRecord[]> {
    const page = await this.meta.tags.listForArtifact(artifact.repository, artifact.digest, {
      filters: [],
      sort: [],
      offset: 0,
      limit: 10_000,
    });
    return page.items;
  }

  /**
   * Accessories of an artifact: its referrers (OCI 1.1 `subject`), typed by their artifact type, and
   * a cosign signature stored under cosign's tag convention (`sha256-<hex>.sig`).
   */
  async accessories(subject: Artifact): Promise<AccessoryJson[]> {
    const out: AccessoryJson[] = [];
    const seen = new Set<string>();
    for (const referrer of await this.meta.artifacts.referrers(subject.repository, subject.digest)) {
      const artifact = await this.meta.artifacts.getByDigest(subject.repository, referrer.digest);
      if (!artifact || seen.has(artifact.digest)) continue;
      seen.add(artifact.digest);
      out.push(toAccessoryJson(subject, artifact, accessoryType(referrer.artifactType)));
    }
    const { algorithm, hex } = parseDigest(subject.digest);
    const signature = await this.meta.artifacts.getByTag(subject.repository, `${algorithm}-${hex}.sig`);
    if (signature && !seen.has(signature.digest)) out.push(toAccessoryJson(subject, signature, 'signature.cosign'));
    return out;
  }

  private async references(parent: Artifact, facts: ManifestFacts): Promise<ReferenceJson[]> {
    const ids = new Map(
      (await this.meta.artifacts.children(parent.repository, parent.digest)).map((c) => [c.digest, c.id]),
    );
    const out: ReferenceJson[] = [];
    for (const child of facts.children) {
      const id = ids.get(child.digest);
      if (id === undefined) continue;
      const ref: ReferenceJson = { parent_id: parent.id, child_id: id, child_digest: child.digest };
      if (child.platform) ref.platform = toPlatform(child.platform);
      if (child.annotations) ref.annotations = child.annotations;
      if (child.urls) ref.urls = child.urls;
      out.push(ref);
    }
    return out;
  }
}

export function toArtifactJson(project: Project, artifact: Artifact, facts: ManifestFacts): ArtifactJson {
  const json: ArtifactJson = {
    id: artifact.id,
    type: facts.type,
    media_type: facts.mediaType,
    manifest_media_type: facts.manifestMediaType,
    artifact_type: facts.artifactType,
    project_id: project.id,
    repository_id: artifact.repositoryId,
    repository_name: artifact.repository,
    digest: artifact.digest,
    size: facts.size,
    icon: '',
    push_time: harborTime(artifact.pushTime),
    pull_time: harborTimeOrZero(artifact.pullTime),
  };
  if (facts.extraAttrs) json.extra_attrs = facts.extraAttrs;
  if (artifact.annotations) json.annotations = artifact.annotations;
  const additions = additionsOf(facts);
  if (additions.length > 0) {
    const path = artifact.repository.slice(project.name.length + 1);
    const base = `${API_PREFIX}/projects/${project.name}/repositories/${encodeRepositoryPath(path)}/artifacts/${artifact.digest}/additions`;
    json.addition_links = Object.fromEntries(additions.map((a) => [a, { href: `${base}/${a}`, absolute: false }]));
  }
  return json;
}

function toAccessoryJson(subject: Artifact, accessory: Artifact, type: string): AccessoryJson {
  return {
    id: accessory.id,
    artifact_id: accessory.id,
    subject_artifact_id: subject.id,
    subject_artifact_digest: subject.digest,
    subject_artifact_repo: subject.repository,
    size: accessory.size,
    digest: accessory.digest,
    type,
    icon: '',
    creation_time: harborTime(accessory.pushTime),
  };
}

/**
 * An OCI platform as Harbor's `Platform`. Harbor's swagger spells the dotted keys with quotes
 * (`'os.version'`, `'os.features'`), and so does the JSON Harbor writes; kept for compatibility.
 */
function toPlatform(platform: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof platform.architecture === 'string') out.architecture = platform.architecture;
  if (typeof platform.os === 'string') out.os = platform.os;
  if (typeof platform['os.version'] === 'string') out["'os.version'"] = platform['os.version'];
  if (Array.isArray(platform['os.features'])) {
    out["'os.features'"] = platform['os.features'].filter((f) => typeof f === 'string');
  }
  if (typeof platform.variant === 'string') out.variant = platform.variant;
  return out;
}
