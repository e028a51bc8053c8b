import { parseDigest } from './digest.js';
import { Invalid, TooLarge } from './errors.js';
import { MANIFEST_MEDIA_TYPES, MediaTypes, isIndexMediaType, isValidMediaType } from './media-types.js';

/** Manifests above this size are refused, as the OCI distribution spec recommends (4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Record<string, unknown>;
}

/** What the registry needs to know about a manifest to store it; the bytes are kept as sent. */
export interface ParsedManifest {
  mediaType: string;
  /** The manifest's `artifactType`, or for an image its config media type (OCI 1.1 referrers rule). */
  artifactType: string | null;
  configDigest: string | null;
  subject: Descriptor | null;
  annotations: Record<string, string> | null;
  /** Blobs the registry must hold in the repository: config and distributable layers. */
  blobDigests: string[];
  /** Manifests an index lists. */
  childDigests: string[];
}

/**
 * Validates a manifest as received on PUT. `contentType` is the request's Content-Type; when it is
 * missing or generic the manifest's own `mediaType` decides. Throws `Invalid(MANIFEST_INVALID)` for
 * anything a client could not pull back correctly, including Docker schema 1.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  if (body.length > MAX_MANIFEST_BYTES) {
    throw new TooLarge('SIZE_INVALID', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw invalid('manifest must be a JSON object');

  const declared = doc.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw invalid('mediaType must be a string');
  const headerType = normaliseContentType(contentType);
  if (doc.schemaVersion === 1 || headerType?.startsWith(MediaTypes.dockerSchema1)) {
    throw invalid('Docker schema 1 manifests are not supported; push with a current client');
  }
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2');

  const mediaType = pickMediaType(headerType, declared, doc);
  if (declared !== undefined && declared !== mediaType) {
    throw invalid(`mediaType "${declared}" does not match Content-Type "${mediaType}"`);
  }

  const subject = doc.subject === undefined ? null : descriptor(doc.subject, 'subject');
  const annotations = stringMap(doc.annotations, 'annotations');
  let artifactType = optionalMediaType(doc.artifactType, 'artifactType');

  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw invalid('an index needs a manifests array');
    const children = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
    return {
      mediaType,
      artifactType,
      configDigest: null,
      subject,
      annotations,
      blobDigests: [],
      childDigests: unique(children.map((c) => c.digest)),
    };
  }

  const config = descriptor(doc.config, 'config');
  if (!Array.isArray(doc.layers)) throw invalid('an image manifest needs a layers array');
  const layers = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`));
  if (mediaType === MediaTypes.dockerManifest && layers.length === 0) {
    throw invalid('a Docker image manifest needs at least one layer');
  }
  artifactType ??= config.mediaType;
  // Non-distributable layers live elsewhere (their urls); the registry is not expected to hold them.
  const distributable = layers.filter((l) => !(l.urls?.length && isForeignLayer(l.mediaType)));
  return {
    mediaType,
    artifactType,
    configDigest: config.digest,
    subject,
    annotations,
    blobDigests: unique([config.digest, ...distributable.map((l) => l.digest)]),
    childDigests: [],
  };
}

function pickMediaType(header: string | undefined, declared: string | undefined, doc: Record<string, unknown>): string {
  if (header && MANIFEST_MEDIA_TYPES.has(header)) return header;
  if (declared !== undefined) {
    if (!MANIFEST_MEDIA_TYPES.has(declared)) throw invalid(`unsupported manifest media type "${declared}"`);
    return declared;
  }
  // An OCI manifest may omit mediaType; its shape tells which one it is.
  if (Array.isArray(doc.manifests)) return MediaTypes.ociIndex;
  if (isObject(doc.config)) return MediaTypes.ociManifest;
  throw invalid(`unsupported manifest media type "${header ?? 'none'}"`);
}

function normaliseContentType(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const type = value.split(';')[0]!.trim().toLowerCase();
  return type === '' || type === 'application/json' || type === 'application/octet-stream' ? undefined : type;
}

function isForeignLayer(mediaType: string): boolean {
  return mediaType.includes('foreign') || mediaType.includes('nondistributable');
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object`);
  if (!isValidMediaType(value.mediaType)) throw invalid(`${where}.mediaType is missing or malformed`);
  if (typeof value.digest !== 'string') throw invalid(`${where}.digest is missing`);
  try {
    parseDigest(value.digest);
  } catch {
    throw invalid(`${where}.digest "${value.digest.slice(0, 80)}" is not a valid digest`);
  }
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    throw invalid(`${where}.size must be a non-negative integer`);
  }
  if (value.urls !== undefined && (!Array.isArray(value.urls) || value.urls.some((u) => typeof u !== 'string'))) {
    throw invalid(`${where}.urls must be an array of strings`);
  }
  return value as unknown as Descriptor;
}

function optionalMediaType(value: unknown, where: string): string | null {
  if (value === undefined) return null;
  if (!isValidMediaType(value)) throw invalid(`${where} is malformed`);
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> | null {
  if (value === undefined) return null;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalid(`${where} must map strings to strings`);
  }
  return value as Record<string, string>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function invalid(message: string): Invalid {
  return new Invalid('MANIFEST_INVALID', message);
}
