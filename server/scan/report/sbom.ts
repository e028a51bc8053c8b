import { createHash } from 'node:crypto';
import type { DetectedOs } from '../detect/os-release.js';
import type { MergedFile } from '../layers/merge-layers.js';
import type { ImagePackage } from '../layers/layer-types.js';
import { imagePurl, packagePurl } from './purl.js';

/**
 * SBOMs of an image from its inventory: CycloneDX 1.5 JSON and SPDX 2.3 JSON. Deterministic: the
 * same inventory and artifact give the same document, ids included (only the time stated changes
 * with `generatedAt`), so a re-made SBOM can be compared with the stored one.
 */

export interface SbomInventory {
  os: DetectedOs | null;
  packages: readonly ImagePackage[];
  /** The detected files; any not read (too large, over budget, unreadable) makes the SBOM say it is incomplete. */
  files?: readonly Pick<MergedFile, 'path' | 'outcome'>[];
  incomplete?: boolean;
}

export interface SbomArtifact {
  repository: string;
  /** Manifest digest. */
  digest: string;
  tags?: readonly string[];
  /** The image config's `created`. */
  created?: string | Date | null;
  /** The registry's host (`registry.example:5000`) for the image's purl and the SPDX namespace. */
  registry?: string;
  /** Layer digests in manifest order, to name the layer each package came from. */
  layers?: readonly string[];
}

export interface SbomOptions {
  /** Berth's version, for the tool entries. */
  toolVersion: string;
  generatedAt: Date | string;
}

/** A fixed namespace for the name-based (v5) UUIDs of Berth's SBOMs. */
const BERTH_SBOM_NAMESPACE = '5b0e8a52-3f7c-4d2e-9a61-0c4f1e7d2b93';
const UNREAD_OUTCOMES = new Set(['too-large', 'over-layer-budget', 'error']);

// ---------------------------------------------------------------------------------------------
// CycloneDX 1.5
// ---------------------------------------------------------------------------------------------

export interface CycloneDxProperty {
  name: string;
  value: string;
}

export interface CycloneDxComponent {
  'bom-ref': string;
  type: 'container' | 'operating-system' | 'library' | 'application';
  group?: string;
  name: string;
  version?: string;
  purl?: string;
  properties?: CycloneDxProperty[];
}

export interface CycloneDxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.5';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: Array<{ type: 'application'; name: string; version: string }> };
    component: CycloneDxComponent;
    properties?: CycloneDxProperty[];
  };
  components: CycloneDxComponent[];
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
  compositions: Array<{ aggregate: 'complete' | 'incomplete'; assemblies: string[] }>;
}

export function buildCycloneDx(inventory: SbomInventory, artifact: SbomArtifact, options: SbomOptions): CycloneDxBom {
  const packages = sortedPackages(inventory.packages);
  const tags = [...(artifact.tags ?? [])].sort();
  const imageRef = imagePurl({ ...artifact, tag: tags[0] });
  const image: CycloneDxComponent = {
    'bom-ref': imageRef,
    type: 'container',
    name: artifact.repository,
    version: artifact.digest,
    purl: imageRef,
    properties: [
      ...tags.map((tag) => ({ name: 'berth:image:tag', value: tag })),
      ...(artifact.created ? [{ name: 'berth:image:created', value: toIso(artifact.created) }] : []),
      ...(artifact.layers ?? []).map((digest) => ({ name: 'berth:image:layer', value: digest })),
    ],
  };
  if (image.properties!.length === 0) delete image.properties;

  const refs = new RefMaker();
  const components: CycloneDxComponent[] = [];
  const osRef = inventory.os ? refs.make(`os:${inventory.os.family}@${inventory.os.version}`) : undefined;
  if (inventory.os && osRef) {
    components.push({
      'bom-ref': osRef,
      type: 'operating-system',
      name: inventory.os.family,
      version: inventory.os.version,
      properties: [{ name: 'berth:os:ecosystem', value: inventory.os.ecosystem }],
    });
  }
  const osPackageRefs: string[] = [];
  const otherRefs: string[] = [];
  for (const pkg of packages) {
    const purl = packagePurl(pkg, inventory.os);
    const ref = refs.make(purl ?? `${pkg.kind}:${pkg.name}@${pkg.version}`);
    (isOsPackage(pkg) ? osPackageRefs : otherRefs).push(ref);
    const { group, name } = cycloneDxName(pkg);
    components.push({
      'bom-ref': ref,
      type: 'library',
      ...(group ? { group } : {}),
      name,
      version: pkg.version,
      ...(purl ? { purl } : {}),
      properties: packageProperties(pkg, artifact.layers),
    });
  }

  // Image → its OS and the language packages; the OS → its packages (as Trivy and syft draw it).
  const dependencies: CycloneDxBom['dependencies'] = [];
  if (osRef) {
    dependencies.push({ ref: imageRef, dependsOn: [osRef, ...otherRefs] });
    dependencies.push({ ref: osRef, dependsOn: osPackageRefs });
  } else {
    dependencies.push({ ref: imageRef, dependsOn: [...osPackageRefs, ...otherRefs] });
  }
  for (const ref of [...osPackageRefs, ...otherRefs]) dependencies.push({ ref, dependsOn: [] });

  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${documentUuid(inventory, artifact)}`,
    version: 1,
    metadata: {
      timestamp: toIso(options.generatedAt),
      tools: { components: [{ type: 'application', name: 'Berth', version: options.toolVersion }] },
      component: image,
    },
    components,
    dependencies,
    // Says whether every package database found was read; an SBOM is no proof of absence otherwise.
    compositions: [{ aggregate: isIncomplete(inventory) ? 'incomplete' : 'complete', assemblies: [imageRef] }],
  };
}

function cycloneDxName(pkg: ImagePackage): { group?: string; name: string } {
  if (pkg.kind === 'java') {
    const [group, artifact] = pkg.name.split(':');
    if (group && artifact) return { group, name: artifact };
  }
  if (pkg.kind === 'npm' && pkg.name.startsWith('@')) {
    const slash = pkg.name.indexOf('/');
    if (slash > 0) return { group: pkg.name.slice(0, slash), name: pkg.name.slice(slash + 1) };
  }
  return { name: pkg.name };
}

function packageProperties(pkg: ImagePackage, layers: readonly string[] | undefined): CycloneDxProperty[] {
  const properties: CycloneDxProperty[] = [
    { name: 'berth:package:type', value: pkg.kind },
    { name: 'berth:package:ecosystem', value: pkg.ecosystem },
    { name: 'berth:package:path', value: pkg.path },
    { name: 'berth:package:layer_index', value: String(pkg.layer) },
  ];
  const layerDigest = layers?.[pkg.layer];
  if (layerDigest) properties.push({ name: 'berth:package:layer_digest', value: layerDigest });
  if (pkg.sourceName) properties.push({ name: 'berth:package:source_name', value: pkg.sourceName });
  if (pkg.sourceVersion) properties.push({ name: 'berth:package:source_version', value: pkg.sourceVersion });
  if (pkg.arch) properties.push({ name: 'berth:package:arch', value: pkg.arch });
  if (pkg.dev) properties.push({ name: 'berth:package:dev', value: 'true' });
  return properties;
}

/** bom-refs must be unique: the same package installed at two paths gets `#2` on the second. */
class RefMaker {
  private readonly seen = new Map<string, number>();
  make(base: string): string {
    const n = (this.seen.get(base) ?? 0) + 1;
    this.seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  }
}

// ---------------------------------------------------------------------------------------------
// SPDX 2.3
// ---------------------------------------------------------------------------------------------

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: 'NOASSERTION';
  copyrightText: 'NOASSERTION';
  /** The JSON schema spells it `OPERATING_SYSTEM` where the spec's tag-value text has `OPERATING-SYSTEM`. */
  primaryPackagePurpose: 'CONTAINER' | 'OPERATING_SYSTEM' | 'LIBRARY';
  sourceInfo?: string;
  comment?: string;
  externalRefs?: Array<{ referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }>;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[]; comment?: string };
  packages: SpdxPackage[];
  relationships: Array<{
    spdxElementId: string;
    relationshipType: 'DESCRIBES' | 'CONTAINS';
    relatedSpdxElement: string;
  }>;
}

export function buildSpdx(inventory: SbomInventory, artifact: SbomArtifact, options: SbomOptions): SpdxDocument {
  const packages = sortedPackages(inventory.packages);
  const tags = [...(artifact.tags ?? [])].sort();
  const imagePurlValue = imagePurl({ ...artifact, tag: tags[0] });
  const uuid = documentUuid(inventory, artifact);
  const name = `${artifact.repository}@${artifact.digest}`;

  const image: SpdxPackage = {
    SPDXID: 'SPDXRef-Image',
    name: artifact.repository,
    versionInfo: artifact.digest,
    ...notAsserted(),
    primaryPackagePurpose: 'CONTAINER',
    ...(tags.length > 0 ? { comment: `tags: ${tags.join(', ')}` } : {}),
    externalRefs: [purlRef(imagePurlValue)],
  };
  const spdxPackages: SpdxPackage[] = [image];
  const relationships: SpdxDocument['relationships'] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID },
  ];
  if (inventory.os) {
    spdxPackages.push({
      SPDXID: 'SPDXRef-OperatingSystem',
      name: inventory.os.family,
      versionInfo: inventory.os.version,
      ...notAsserted(),
      primaryPackagePurpose: 'OPERATING_SYSTEM',
    });
    relationships.push({
      spdxElementId: image.SPDXID,
      relationshipType: 'CONTAINS',
      relatedSpdxElement: 'SPDXRef-OperatingSystem',
    });
  }
  packages.forEach((pkg, i) => {
    const purl = packagePurl(pkg, inventory.os);
    const layerDigest = artifact.layers?.[pkg.layer];
    const source =
      pkg.sourceName !== undefined
        ? `; source package ${pkg.sourceName}${pkg.sourceVersion ? ` ${pkg.sourceVersion}` : ''}`
        : '';
    const id = `SPDXRef-Package-${i + 1}-${spdxIdPart(pkg.name)}`;
    spdxPackages.push({
      SPDXID: id,
      name: pkg.name,
      versionInfo: pkg.version,
      ...notAsserted(),
      primaryPackagePurpose: 'LIBRARY',
      sourceInfo: `${pkg.kind} package found in /${pkg.path} (layer ${pkg.layer}${layerDigest ? ` ${layerDigest}` : ''})${source}`,
      ...(purl ? { externalRefs: [purlRef(purl)] } : {}),
    });
    relationships.push({ spdxElementId: image.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  });

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: artifact.registry
      ? `https://${artifact.registry}/spdx/${artifact.repository.split('/').map(encodeURIComponent).join('/')}-${uuid}`
      : `urn:uuid:${uuid}`,
    creationInfo: {
      created: spdxTime(options.generatedAt),
      creators: [`Tool: berth-${options.toolVersion}`],
      ...(isIncomplete(inventory)
        ? { comment: 'Incomplete: some package files were not read (too large, over the layer budget, or unreadable).' }
        : {}),
    },
    packages: spdxPackages,
    relationships,
  };
}

function notAsserted() {
  return {
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
  } as const;
}

function purlRef(purl: string) {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl } as const;
}

/** SPDX idstring: letters, digits, `.` and `-` only. */
export function spdxIdPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** SPDX wants `YYYY-MM-DDThh:mm:ssZ`, without fractions of a second. */
function spdxTime(date: Date | string): string {
  return toIso(date).replace(/\.\d+Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------

const OS_KINDS = new Set(['dpkg', 'apk', 'rpm']);

function isOsPackage(pkg: ImagePackage): boolean {
  return OS_KINDS.has(pkg.kind);
}

function isIncomplete(inventory: SbomInventory): boolean {
  return inventory.incomplete ?? (inventory.files ?? []).some((f) => UNREAD_OUTCOMES.has(f.outcome));
}

/** OS packages first, then by type, name, version, path: the order of the documents. */
function sortedPackages(packages: readonly ImagePackage[]): ImagePackage[] {
  return [...packages].sort(
    (a, b) =>
      Number(isOsPackage(b)) - Number(isOsPackage(a)) ||
      cmp(a.kind, b.kind) ||
      cmp(a.name, b.name) ||
      cmp(a.version, b.version) ||
      cmp(a.path, b.path) ||
      a.layer - b.layer,
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A name-based UUID (RFC 4122 version 5) of the artifact's digest and a hash of the inventory:
 * the same image with the same findings of the detectors gets the same document id.
 */
export function documentUuid(inventory: SbomInventory, artifact: Pick<SbomArtifact, 'digest'>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(inventory.os ?? null));
  for (const p of sortedPackages(inventory.packages)) {
    hash.update(
      JSON.stringify([
        p.kind,
        p.name,
        p.version,
        p.path,
        p.layer,
        p.ecosystem,
        p.sourceName ?? null,
        p.sourceVersion ?? null,
        p.arch ?? null,
      ]),
    );
  }
  hash.update(String(isIncomplete(inventory)));
  return uuidV5(BERTH_SBOM_NAMESPACE, `${artifact.digest}\n${hash.digest('hex')}`);
}

function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toIso(date: Date | string): string {
  return typeof date === 'string' ? new Date(date).toISOString() : date.toISOString();
}
