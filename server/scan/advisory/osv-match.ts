import { Invalid } from '../../core/errors.js';
import { comparatorFor, type VersionComparator } from '../versions/index.js';
import { compareSemver } from '../versions/semver.js';
import type {
  OsvAffected,
  OsvEvent,
  OsvEventKind,
  OsvMatch,
  OsvPackage,
  OsvRange,
  OsvRecord,
  OsvReference,
  OsvSeverity,
} from './osv-types.js';

export type * from './osv-types.js';

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function fail(path: string, why: string): never {
  throw new Invalid('NAME_INVALID', `invalid OSV record: ${path} ${why}`, { path });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(obj: JsonObject, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') fail(`${path}.${key}`, 'must be a non-empty string');
  return value;
}

function optionalString(obj: JsonObject, key: string, path: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(`${path}.${key}`, 'must be a string');
  return value;
}

function optionalTime(obj: JsonObject, key: string, path: string): string | undefined {
  const value = optionalString(obj, key, path);
  if (value !== undefined && Number.isNaN(Date.parse(value))) fail(`${path}.${key}`, 'must be an RFC 3339 time');
  return value;
}

function optionalObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) fail(`${path}.${key}`, 'must be an object');
  return value;
}

/** Absent and `null` lists read as empty: real records carry `"versions": null`. */
function list<T>(obj: JsonObject, key: string, path: string, read: (item: unknown, itemPath: string) => T): T[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`${path}.${key}`, 'must be an array');
  return value.map((item, index) => read(item, `${path}.${key}[${index}]`));
}

function readString(item: unknown, path: string): string {
  if (typeof item !== 'string') fail(path, 'must be a string');
  return item;
}

function readObject(item: unknown, path: string): JsonObject {
  if (!isObject(item)) fail(path, 'must be an object');
  return item;
}

function readSeverity(item: unknown, path: string): OsvSeverity {
  const obj = readObject(item, path);
  return { type: requiredString(obj, 'type', path), score: requiredString(obj, 'score', path) };
}

function readReference(item: unknown, path: string): OsvReference {
  const obj = readObject(item, path);
  return { type: requiredString(obj, 'type', path), url: requiredString(obj, 'url', path) };
}

const EVENT_KINDS: readonly OsvEventKind[] = ['introduced', 'fixed', 'last_affected', 'limit'];
const RANGE_TYPES: readonly string[] = ['ECOSYSTEM', 'SEMVER', 'GIT'];

function readEvent(item: unknown, path: string): OsvEvent {
  const obj = readObject(item, path);
  const keys = Object.keys(obj);
  // The schema allows one key per event; `{introduced, fixed}` together has no defined order.
  if (keys.length !== 1 || !EVENT_KINDS.includes(keys[0] as OsvEventKind)) {
    fail(path, `must have exactly one of ${EVENT_KINDS.join(', ')}`);
  }
  const kind = keys[0] as OsvEventKind;
  return { [kind]: requiredString(obj, kind, path) } as OsvEvent;
}

function readRange(item: unknown, path: string): OsvRange {
  const obj = readObject(item, path);
  const type = requiredString(obj, 'type', path);
  if (!RANGE_TYPES.includes(type)) fail(`${path}.type`, `must be one of ${RANGE_TYPES.join(', ')}`);
  if (!Array.isArray(obj.events) || obj.events.length === 0) fail(`${path}.events`, 'must be a non-empty array');
  const range: OsvRange = { type: type as OsvRange['type'], events: list(obj, 'events', path, readEvent) };
  const repo = optionalString(obj, 'repo', path);
  if (repo !== undefined) range.repo = repo;
  const databaseSpecific = optionalObject(obj, 'database_specific', path);
  if (databaseSpecific) range.database_specific = databaseSpecific;
  return range;
}

function readPackage(obj: JsonObject, path: string): OsvPackage {
  const pkg: OsvPackage = {
    ecosystem: requiredString(obj, 'ecosystem', path),
    name: requiredString(obj, 'name', path),
  };
  const purl = optionalString(obj, 'purl', path);
  if (purl !== undefined) pkg.purl = purl;
  return pkg;
}

function readAffected(item: unknown, path: string): OsvAffected {
  const obj = readObject(item, path);
  const affected: OsvAffected = {
    severity: list(obj, 'severity', path, readSeverity),
    ranges: list(obj, 'ranges', path, readRange),
    versions: list(obj, 'versions', path, readString),
  };
  const pkg = optionalObject(obj, 'package', path);
  if (pkg) affected.package = readPackage(pkg, `${path}.package`);
  const ecosystemSpecific = optionalObject(obj, 'ecosystem_specific', path);
  if (ecosystemSpecific) affected.ecosystem_specific = ecosystemSpecific;
  const databaseSpecific = optionalObject(obj, 'database_specific', path);
  if (databaseSpecific) affected.database_specific = databaseSpecific;
  return affected;
}

/**
 * Reads a parsed OSV JSON document into an `OsvRecord`, checking the shape of every field Berth
 * uses (other fields are dropped). Required: `id` and `modified`; everything else may be absent,
 * and `null` lists or objects read as absent. Each event must hold exactly one of `introduced`,
 * `fixed`, `last_affected`, `limit`; range types must be `ECOSYSTEM`, `SEMVER` or `GIT`. Version
 * strings are not checked here: whether they can be ordered depends on the ecosystem and is
 * decided per range by `matchOsv`.
 * @throws Invalid (`NAME_INVALID`) naming the JSON path of the first bad field (`$.affected[2].ranges[0].events[1]`),
 *   also in `detail.path`.
 */
export function parseOsvRecord(json: unknown): OsvRecord {
  const obj = readObject(json, '$');
  const record: OsvRecord = {
    id: requiredString(obj, 'id', '$'),
    modified: requiredString(obj, 'modified', '$'),
    aliases: list(obj, 'aliases', '$', readString),
    severity: list(obj, 'severity', '$', readSeverity),
    affected: list(obj, 'affected', '$', readAffected),
    references: list(obj, 'references', '$', readReference),
  };
  if (Number.isNaN(Date.parse(record.modified))) fail('$.modified', 'must be an RFC 3339 time');
  const published = optionalTime(obj, 'published', '$');
  if (published !== undefined) record.published = published;
  const withdrawn = optionalTime(obj, 'withdrawn', '$');
  if (withdrawn !== undefined) record.withdrawn = withdrawn;
  const summary = optionalString(obj, 'summary', '$');
  if (summary !== undefined) record.summary = summary;
  const details = optionalString(obj, 'details', '$');
  if (details !== undefined) record.details = details;
  const databaseSpecific = optionalObject(obj, 'database_specific', '$');
  if (databaseSpecific) record.database_specific = databaseSpecific;
  return record;
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/**
 * The name under which an ecosystem considers two package names the same package. PyPI: PEP 503
 * (lower-case, each run of `-`, `_`, `.` becomes one `-`), so `Gradio` and `gradio` match.
 * Everything else as written: npm, Go module paths, Maven `groupId:artifactId`, crates and
 * distribution source packages are compared exactly.
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  if (ecosystemFamily(ecosystem) === 'pypi') return name.toLowerCase().replace(/[-_.]+/g, '-');
  return name;
}

function ecosystemFamily(ecosystem: string): string {
  return (ecosystem.split(':')[0] ?? '').trim().toLowerCase();
}

function comparatorOrNull(ecosystem: string): VersionComparator | null {
  try {
    return comparatorFor(ecosystem);
  } catch {
    return null;
  }
}

interface TimelineEvent {
  kind: Exclude<OsvEventKind, 'limit'>;
  version: string;
}

interface RangeHit {
  window: string;
  fixed: string | null;
}

function eventEntry(event: OsvEvent): [OsvEventKind, string] {
  return Object.entries(event)[0] as [OsvEventKind, string];
}

const isOrigin = (e: TimelineEvent): boolean => e.kind === 'introduced' && e.version === '0';

/**
 * The spec's IncludedInRanges for one range: events sorted by the range's order (`introduced: "0"`
 * first; on equal versions `introduced` before a closing event, so a window opened and closed at
 * the same version is empty), then walked, `introduced` inclusive, `fixed` exclusive,
 * `last_affected` inclusive, and the version must lie below some `limit` when there is one.
 * Throws whatever the comparator throws; the caller turns that into "no match".
 */
function evaluateRange(range: OsvRange, version: string, compare: VersionComparator): RangeHit | null {
  const timeline: TimelineEvent[] = [];
  const limits: string[] = [];
  for (const event of range.events) {
    const [kind, value] = eventEntry(event);
    if (kind === 'limit') limits.push(value);
    else timeline.push({ kind, version: value });
  }
  timeline.sort((a, b) => {
    if (isOrigin(a) || isOrigin(b)) return Number(isOrigin(b)) - Number(isOrigin(a));
    return compare(a.version, b.version) || Number(a.kind !== 'introduced') - Number(b.kind !== 'introduced');
  });

  let vulnerable = false;
  let openedAt: TimelineEvent | null = null;
  for (const event of timeline) {
    if (event.kind === 'introduced') {
      if (isOrigin(event) || compare(version, event.version) >= 0) {
        vulnerable = true;
        openedAt = event;
      }
    } else if (event.kind === 'fixed') {
      if (compare(version, event.version) >= 0) vulnerable = false;
    } else if (compare(version, event.version) > 0) {
      vulnerable = false;
    }
  }
  const limitsAbove = limits.filter((limit) => limit.includes('*') || compare(version, limit) < 0);
  if (!vulnerable || (limits.length > 0 && limitsAbove.length === 0)) return null;

  // The timeline is sorted and every closing event at or below the version came before the opener.
  const closedBy = timeline.find(
    (e) =>
      (e.kind === 'fixed' && compare(version, e.version) < 0) ||
      (e.kind === 'last_affected' && compare(version, e.version) <= 0),
  );
  const bounds: string[] = [];
  if (openedAt && !isOrigin(openedAt)) bounds.push(`>=${openedAt.version}`);
  if (closedBy) bounds.push(`${closedBy.kind === 'fixed' ? '<' : '<='}${closedBy.version}`);
  for (const limit of limitsAbove) if (!limit.includes('*')) bounds.push(`<${limit}`);
  const fixed = timeline.find((e) => e.kind === 'fixed' && compare(version, e.version) < 0);
  return { window: bounds.length > 0 ? bounds.join(', ') : '*', fixed: fixed?.version ?? null };
}

/** IncludedInVersions: the same string, or equal in the ecosystem's order (`2.31` = `2.31.0` on PyPI). */
function listedVersion(versions: readonly string[], version: string, compare: VersionComparator | null): string | null {
  for (const listed of versions) {
    if (listed === version) return listed;
    if (!compare) continue;
    try {
      if (compare(listed, version) === 0) return listed;
    } catch {
      // An entry this ecosystem cannot read (`4.36.-1` in a real PyPI record) can only match by its spelling.
    }
  }
  return null;
}

/**
 * Whether the OSV record affects the installed package, by the OSV schema's evaluation algorithm
 * ("Evaluation" in ossf.github.io/osv-schema): the package is affected when any `affected` entry
 * for it lists the version in `versions` or includes it in one of its ranges.
 *
 * - Package: `pkg.ecosystem` must equal the entry's ecosystem exactly, release suffix included:
 *   pass the image's OS release (`Debian:12`, `Alpine:v3.18`, `Ubuntu:22.04:LTS`), plain `npm`,
 *   `PyPI`, `Go`, `Maven`, `crates.io` for language packages. An entry whose ecosystem has no
 *   release (`Debian`) therefore does not match `Debian:12`. Names compare after
 *   `normalizePackageName`. Entries without a `package` match nothing.
 * - Ranges: `SEMVER` ranges use SemVer 2.0.0 order, `ECOSYSTEM` ranges and the `versions` list the
 *   ecosystem's order (`comparatorFor`); `GIT` ranges are ignored, as Berth has no commit of an
 *   installed package.
 * - Versions that cannot be ordered: if the installed version or any event of a range cannot be
 *   read by the range's comparator, or the ecosystem has no known order, that range counts as not
 *   including the version (other ranges and the `versions` list still count). Berth would rather
 *   miss a finding on unreadable data than invent an order for it.
 * - A withdrawn record matches nothing.
 *
 * `fixedVersion` is the lowest `fixed` event above the installed version among the ranges that
 * include it. Never throws.
 */
export function matchOsv(
  record: OsvRecord,
  pkg: { ecosystem: string; name: string; version: string },
): OsvMatch | null {
  if (record.withdrawn !== undefined) return null;
  const wantedName = normalizePackageName(pkg.ecosystem, pkg.name);
  const windows: string[] = [];
  let severity: OsvSeverity[] | null = null;
  let fixed: { version: string; compare: VersionComparator } | null = null;

  for (const affected of record.affected) {
    const affectedPackage = affected.package;
    if (!affectedPackage || affectedPackage.ecosystem !== pkg.ecosystem) continue;
    if (normalizePackageName(affectedPackage.ecosystem, affectedPackage.name) !== wantedName) continue;
    const ecosystemOrder = comparatorOrNull(affectedPackage.ecosystem);
    let entryMatches = false;

    for (const range of affected.ranges) {
      if (range.type === 'GIT') continue;
      const compare = range.type === 'SEMVER' ? compareSemver : ecosystemOrder;
      if (!compare) continue;
      let hit: RangeHit | null;
      try {
        hit = evaluateRange(range, pkg.version, compare);
      } catch {
        continue;
      }
      if (!hit) continue;
      entryMatches = true;
      if (!windows.includes(hit.window)) windows.push(hit.window);
      if (hit.fixed !== null && (fixed === null || isLower(hit.fixed, fixed.version, compare))) {
        fixed = { version: hit.fixed, compare };
      }
    }
    const listed = listedVersion(affected.versions, pkg.version, ecosystemOrder);
    if (listed !== null && !entryMatches) {
      // A range window says more than "listed"; the entry is only named when no range includes the version.
      windows.push(`=${listed}`);
    }
    entryMatches ||= listed !== null;
    if (entryMatches && severity === null) {
      severity = affected.severity.length > 0 ? affected.severity : record.severity;
    }
  }

  if (severity === null) return null;
  return {
    id: record.id,
    aliases: record.aliases,
    summary: record.summary ?? null,
    fixedVersion: fixed?.version ?? null,
    severity,
    affectedRange: windows.join(' || '),
  };
}

function isLower(candidate: string, current: string, compare: VersionComparator): boolean {
  try {
    return compare(candidate, current) < 0;
  } catch {
    return false;
  }
}
