import type { Logger } from 'pino';
import { MediaTypes, isIndexMediaType } from '../../core/media-types.js';
import type { Artifact, MetaStore } from '../../meta/meta-store.js';
import type { ManifestService } from '../../registry/manifest-service.js';
import type { BlobStore } from '../../storage/blob-store.js';

/**
 * What Harbor's artifact processors derive from a manifest and its config, computed on read and
 * cached by manifest digest (content-addressed, so an entry never goes stale):
 *
 * ```
 *   manifest ──► media_type      config media type; an index: its own type (or a CNAB annotation)
 *            ──► artifact_type   manifest artifactType, else config media type; an index: its own or ''
 *            ──► type            IMAGE | CHART | CNAB | WASM | <X from vnd.*.X.config.*+json> | UNKNOWN
 *            ──► size            manifest + config + layers; an index: manifest + its children's sizes
 *   config   ──► extra_attrs     images: architecture, os, created, author, config; other JSON configs as they are
 * ```
 */

export const HelmTypes = {
  config: 'application/vnd.cncf.helm.config.v1+json',
  chart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
} as const;
const CNAB_MEDIA_TYPE = 'application/vnd.cnab.manifest.v1';
const WASM_CONFIG = 'application/vnd.wasm.config.v1+json';
const IMAGE_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.dockerConfig,
  MediaTypes.ociConfig,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
]);
const DEFAULT_PROCESSOR = /^application\/vnd\.[^.]*\.(.*)\.config\.[^.]*\+json$/;

/** Configs larger than this are not read for extra attributes (image configs are a few KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
const CACHE_ENTRIES = 4096;

export interface ChildFacts {
  digest: string;
  platform: Record<string, unknown> | null;
  annotations: Record<string, string> | null;
  urls: string[] | null;
}

export interface ManifestFacts {
  manifestMediaType: string;
  mediaType: string;
  artifactType: string;
  type: string;
  size: number;
  config: { digest: string; mediaType: string; size: number } | null;
  /** Index children, in the index's order. */
  children: ChildFacts[];
  /** The chart package layer of a Helm chart. */
  chartLayer: { digest: string; size: number } | null;
  extraAttrs: Record<string, unknown> | null;
}

/** Harbor's artifact type name for a resolved artifact type (Harbor's processor registry). */
export function artifactTypeName(resolved: string): string {
  if (IMAGE_TYPES.has(resolved)) return 'IMAGE';
  if (resolved === HelmTypes.config) return 'CHART';
  if (resolved === CNAB_MEDIA_TYPE) return 'CNAB';
  if (resolved === WASM_CONFIG) return 'WASM';
  const m = DEFAULT_PROCESSOR.exec(resolved);
  return m?.[1] ? m[1].toUpperCase() : 'UNKNOWN';
}

export interface ArtifactFactsDeps {
  meta: MetaStore;
  manifests: ManifestService;
  blobs: BlobStore;
  log: Logger;
}

export class ArtifactFacts {
  readonly #cache = new Map<string, Promise<ManifestFacts>>();

  constructor(private readonly deps: ArtifactFactsDeps) {}

  /** The artifact's manifest parsed as a JSON object (stored manifests were validated on push), and its size. */
  async manifestJson(artifact: Artifact): Promise<{ doc: Record<string, unknown>; bytes: number }> {
    const bytes = await this.deps.manifests.content(artifact);
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    return { doc: isObject(doc) ? doc : {}, bytes: bytes.length };
  }

  /** The config blob parsed as a JSON object, or null when absent, too large or not JSON. */
  async configJson(config: ManifestFacts['config']): Promise<Record<string, unknown> | null> {
    if (!config || config.size > MAX_CONFIG_BYTES || config.size === 0) return null;
    try {
      const doc = JSON.parse((await this.deps.blobs.getSmall(config.digest)).toString('utf8')) as unknown;
      return isObject(doc) ? doc : null;
    } catch (err) {
      this.deps.log.debug({ err, digest: config.digest }, 'artifact config not readable as json');
      return null;
    }
  }

  /** Facts of one artifact; concurrent calls for the same digest share one computation. */
  describe(artifact: Artifact, depth = 0): Promise<ManifestFacts> {
    const cached = this.#cache.get(artifact.digest);
    if (cached) {
      this.#cache.delete(artifact.digest);
      this.#cache.set(artifact.digest, cached);
      return cached;
    }
    const pending = this.compute(artifact, depth);
    this.#cache.set(artifact.digest, pending);
    pending.catch(() => this.#cache.delete(artifact.digest));
    for (const oldest of this.#cache.keys()) {
      if (this.#cache.size <= CACHE_ENTRIES) break;
      this.#cache.delete(oldest);
    }
    return pending;
  }

  private async compute(artifact: Artifact, depth: number): Promise<ManifestFacts> {
    const { doc, bytes: body } = await this.manifestJson(artifact);
    const manifestMediaType = artifact.mediaType;
    const annotations = stringMap(doc.annotations);
    const declaredType = typeof doc.artifactType === 'string' ? doc.artifactType : '';

    if (isIndexMediaType(manifestMediaType)) {
      const children = (Array.isArray(doc.manifests) ? doc.manifests : []).filter(isObject).map(toChild);
      let size = body;
      for (const child of children) size += await this.childSize(artifact, child.digest, depth);
      // CNAB keeps its media type in an annotation (Harbor reads it the same way).
      const mediaType = annotations?.['org.opencontainers.artifactType'] ?? manifestMediaType;
      return {
        manifestMediaType,
        mediaType,
        artifactType: declaredType,
        type: artifactTypeName(declaredType || mediaType),
        size,
        config: null,
        children,
        chartLayer: null,
        extraAttrs: null,
      };
    }

    const configDoc = isObject(doc.config) ? doc.config : {};
    const config =
      typeof configDoc.digest === 'string'
        ? {
            digest: configDoc.digest,
            mediaType: typeof configDoc.mediaType === 'string' ? configDoc.mediaType : '',
            size: numberOr(configDoc.size, 0),
          }
        : null;
    const layers = (Array.isArray(doc.layers) ? doc.layers : []).filter(isObject);
    const size = layers.reduce((sum, layer) => sum + numberOr(layer.size, 0), body + (config?.size ?? 0));
    const mediaType = config?.mediaType || manifestMediaType;
    const artifactType = declaredType || (config?.mediaType ?? '');
    const type = artifactTypeName(artifactType || mediaType);
    const chart = layers.find((l) => l.mediaType === HelmTypes.chart && typeof l.digest === 'string');
    return {
      manifestMediaType,
      mediaType,
      artifactType,
      type,
      size,
      config,
      children: [],
      chartLayer: chart ? { digest: String(chart.digest), size: numberOr(chart.size, 0) } : null,
      extraAttrs: await this.extraAttrs(type, config),
    };
  }

  private async childSize(parent: Artifact, digest: string, depth: number): Promise<number> {
    const child = await this.deps.meta.artifacts.getByDigest(parent.repository, digest);
    if (!child || depth >= 4) return child?.size ?? 0;
    return (await this.describe(child, depth + 1)).size;
  }

  private async extraAttrs(type: string, config: ManifestFacts['config']): Promise<Record<string, unknown> | null> {
    const doc = await this.configJson(config);
    if (!doc) return null;
    if (type !== 'IMAGE') return Object.keys(doc).length > 0 ? doc : null;
    const inner = isObject(doc.config) ? doc.config : {};
    const labels = stringMap(inner.Labels);
    const attrs: Record<string, unknown> = {
      architecture: typeof doc.architecture === 'string' ? doc.architecture : '',
      os: typeof doc.os === 'string' ? doc.os : '',
      // Harbor falls back to the `maintainer` label when the config names no author.
      author: typeof doc.author === 'string' && doc.author !== '' ? doc.author : (labels?.maintainer ?? ''),
      config: inner,
    };
    if (typeof doc.created === 'string') attrs.created = doc.created;
    if (typeof doc.variant === 'string') attrs.variant = doc.variant;
    return attrs;
  }
}

function toChild(d: Record<string, unknown>): ChildFacts {
  return {
    digest: typeof d.digest === 'string' ? d.digest : '',
    platform: isObject(d.platform) ? d.platform : null,
    annotations: stringMap(d.annotations),
    urls: Array.isArray(d.urls) ? d.urls.filter((u): u is string => typeof u === 'string') : null,
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> | null {
  if (!isObject(value)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}
