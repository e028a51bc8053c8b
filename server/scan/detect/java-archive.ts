import { bufferSource, type ByteSource } from './byte-source.js';
import { readZipEntries, readZipEntry, ZipFormatError, type ZipEntry } from './zip-reader.js';

/**
 * Maven artifacts inside Java archives (jar, war, ear, par), and inside the archives those contain
 * (Spring Boot's `BOOT-INF/lib/`, a war's `WEB-INF/lib/`, an ear's modules), to a bounded depth.
 *
 * Per archive: every `META-INF/maven/<groupId>/<artifactId>/pom.properties` names one artifact
 * (shaded jars carry several). Only when there is none, `META-INF/MANIFEST.MF` is used, and only
 * when it names a group: `Implementation-Vendor-Id` + `Implementation-Title` (a single token) +
 * `Implementation-Version`. Bundle-SymbolicName and the file name are kept as facts but do not
 * make a Maven coordinate: `org.apache.commons.lang3` is not `org.apache.commons:commons-lang3`,
 * and a guessed coordinate gives wrong findings.
 */

export interface JavaPackage {
  groupId: string;
  artifactId: string;
  version: string;
  /** Where the coordinate came from. */
  from: 'pom.properties' | 'manifest';
  /** Path inside the archive chain, `!/`-separated after the file: `BOOT-INF/lib/a.jar!/META-INF/...`. */
  innerPath: string;
}

/** What an archive's manifest says, for reports and for archives without pom.properties. */
export interface JarManifestFacts {
  /** Archive chain inside the scanned file (`''` for the file itself). */
  archive: string;
  implementationTitle?: string | undefined;
  implementationVersion?: string | undefined;
  implementationVendorId?: string | undefined;
  bundleSymbolicName?: string | undefined;
  bundleVersion?: string | undefined;
}

export interface JavaArchiveRead {
  packages: JavaPackage[];
  manifests: JarManifestFacts[];
  /** Archives (nested ones included) that were read. */
  archives: number;
  /** Why some nested archives or entries were not read (over a limit, corrupt). */
  problems: string[];
}

export interface JavaArchiveLimits {
  /** Nesting levels below the scanned file that are opened (1: jars inside the file, not deeper). */
  maxDepth?: number;
  /** Largest nested archive inflated into memory; stored (uncompressed) ones are read in place. */
  maxNestedBytes?: number;
  /** Largest manifest or pom.properties read. */
  maxMetadataBytes?: number;
  /** Archives opened per scanned file, nested included. */
  maxArchives?: number;
}

const DEFAULTS: Required<JavaArchiveLimits> = {
  maxDepth: 3,
  maxNestedBytes: 64 * 1024 * 1024,
  maxMetadataBytes: 1024 * 1024,
  maxArchives: 2000,
};

const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const ARCHIVE = /\.(?:jar|war|ear|par)$/i;

/** Reads a Java archive and the archives inside it. Throws `ZipFormatError` if the file itself is not a zip. */
export function readJavaArchive(file: ByteSource, limits: JavaArchiveLimits = {}): JavaArchiveRead {
  const opts = { ...DEFAULTS, ...limits };
  const out: JavaArchiveRead = { packages: [], manifests: [], archives: 0, problems: [] };
  walk(file, '', 0, opts, out, true);
  return out;
}

function walk(
  zip: ByteSource,
  chain: string,
  depth: number,
  opts: Required<JavaArchiveLimits>,
  out: JavaArchiveRead,
  outermost: boolean,
): void {
  out.archives++;
  let entries: ZipEntry[];
  try {
    entries = readZipEntries(zip);
  } catch (err) {
    if (outermost) throw err;
    out.problems.push(`${chain}: ${(err as Error).message}`);
    return;
  }
  const prefix = chain ? `${chain}!/` : '';
  const found: JavaPackage[] = [];
  let manifestEntry: ZipEntry | undefined;
  const nested: ZipEntry[] = [];
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    if (POM_PROPERTIES.test(entry.name)) {
      const text = readMetadata(zip, entry, opts, out, prefix);
      const props = text === undefined ? undefined : parseProperties(text);
      const groupId = props?.get('groupId');
      const artifactId = props?.get('artifactId');
      const version = props?.get('version');
      if (groupId && artifactId && version) {
        found.push({ groupId, artifactId, version, from: 'pom.properties', innerPath: prefix + entry.name });
      }
    } else if (entry.name.toUpperCase() === 'META-INF/MANIFEST.MF') manifestEntry = entry;
    else if (ARCHIVE.test(entry.name)) nested.push(entry);
  }
  if (manifestEntry) {
    const text = readMetadata(zip, manifestEntry, opts, out, prefix);
    if (text !== undefined) {
      const main = parseManifest(text);
      const facts: JarManifestFacts = {
        archive: chain,
        implementationTitle: main.get('implementation-title'),
        implementationVersion: main.get('implementation-version'),
        implementationVendorId: main.get('implementation-vendor-id'),
        bundleSymbolicName: main.get('bundle-symbolicname')?.split(';')[0]?.trim(),
        bundleVersion: main.get('bundle-version'),
      };
      out.manifests.push(facts);
      const { implementationVendorId: g, implementationTitle: a, implementationVersion: v } = facts;
      if (found.length === 0 && g && a && v && !/\s/.test(a) && !/\s/.test(g)) {
        found.push({ groupId: g, artifactId: a, version: v, from: 'manifest', innerPath: prefix + manifestEntry.name });
      }
    }
  }
  out.packages.push(...found);
  for (const entry of nested) {
    const name = prefix + entry.name;
    if (depth + 1 > opts.maxDepth) {
      out.problems.push(`${name}: nested deeper than ${opts.maxDepth} levels, not read`);
      continue;
    }
    if (out.archives >= opts.maxArchives) {
      out.problems.push(`${name}: more than ${opts.maxArchives} archives, not read`);
      continue;
    }
    let inner: ByteSource;
    try {
      inner = openNested(zip, entry, opts.maxNestedBytes);
    } catch (err) {
      out.problems.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    walk(inner, chain ? `${chain}!/${entry.name}` : entry.name, depth + 1, opts, out, false);
  }
}

/** A stored entry is a window on the outer file; a deflated one is inflated, within the limit. */
function openNested(zip: ByteSource, entry: ZipEntry, maxBytes: number): ByteSource {
  if (entry.method === 0) {
    const local = zip.read(entry.localHeaderOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw new ZipFormatError('bad local header');
    const start = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const size = Math.min(entry.compressedSize, Math.max(0, zip.size - start));
    return {
      size,
      read: (offset, length) => {
        const from = Math.max(0, Math.min(size, offset));
        const to = Math.max(from, Math.min(size, offset + length));
        return zip.read(start + from, to - from);
      },
    };
  }
  if (entry.size > maxBytes) throw new ZipFormatError(`${entry.size} bytes compressed inside, over ${maxBytes}`);
  return bufferSource(readZipEntry(zip, entry, maxBytes));
}

function readMetadata(
  zip: ByteSource,
  entry: ZipEntry,
  opts: Required<JavaArchiveLimits>,
  out: JavaArchiveRead,
  prefix: string,
): string | undefined {
  try {
    return readZipEntry(zip, entry, opts.maxMetadataBytes).toString('utf8');
  } catch (err) {
    out.problems.push(`${prefix}${entry.name}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * The main section of a manifest (up to the first blank line): `Name: value` with keys lower-cased;
 * a line starting with one space continues the previous value (lines are wrapped at 72 bytes).
 */
export function parseManifest(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let key: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') break;
    if (line.startsWith(' ')) {
      if (key !== undefined) values.set(key, values.get(key)! + line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      key = undefined;
      continue;
    }
    key = line.slice(0, colon).trim().toLowerCase();
    values.set(key, line.slice(colon + 1).trim());
  }
  for (const [k, v] of values) values.set(k, v.trim());
  return values;
}

/** java.util.Properties, the subset Maven writes: `key=value` or `key: value`, `#`/`!` comments. */
export function parseProperties(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) values.set(m[1]!, m[2]!.trim());
  }
  return values;
}
