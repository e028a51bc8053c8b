import { compareApk } from '../versions/apk.js';

/**
 * The distribution feeds Berth reads besides OSV, turned into OSV-shaped JSON so that one matcher
 * (`matchOsv`) and one store serve all of them. The output still goes through `parseOsvRecord`.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Debian release codenames to OSV's `Debian:<major>`. `sid` (unstable) and testing have no release
 * number and OSV files nothing under them; Berth's OS detection gives such images the bare `Debian`
 * ecosystem, which no release-specific advisory matches, so they are left out rather than invented.
 */
export const DEBIAN_CODENAMES: Readonly<Record<string, number>> = {
  wheezy: 7,
  jessie: 8,
  stretch: 9,
  buster: 10,
  bullseye: 11,
  bookworm: 12,
  trixie: 13,
  forky: 14,
  duke: 15,
};

export const DEBIAN_TRACKER_SOURCE = 'debian-tracker';

/**
 * One source package's entry of the Debian security tracker JSON
 * (`https://security-tracker.debian.org/tracker/data/json`: package → CVE → `releases` →
 * codename → `{status, fixed_version, urgency, nodsa}`), as one OSV record per (package, CVE) with
 * one `affected` entry per release it affects, under the SOURCE package name (what the tracker and
 * dpkg's `Source:` field name). Per release:
 *
 * - `resolved` with `fixed_version` `"0"`: never affected (the tracker's way of saying the
 *   vulnerable code was never in Debian's package): no entry.
 * - `resolved` with a version: affected below that version (`introduced 0`, `fixed V`).
 * - `open`: affected, no fix yet. The urgency `end-of-life` on an open issue means the release is
 *   out of security support and will not get one; it is still affected, so it stays in (as Trivy
 *   reports it, with status end_of_life).
 * - `undetermined`: Debian has not decided whether the release is affected. Reported as affected
 *   without a fix, as an open issue: a scanner that hides undecided issues hides real ones.
 * - `not-affected` and anything unknown: no entry.
 *
 * The urgency (`high**`: the `**` says it came from NVD) is kept per release in
 * `ecosystem_specific.urgency` for the severity, with the status and `nodsa` reasons.
 * `modified` is the feed's time: the tracker JSON has no per-entry dates.
 */
export function debianTrackerRecords(
  packageName: string,
  entry: unknown,
  modified: string,
): Array<{ key: string; json: Json }> {
  if (!isObject(entry)) throw new Error(`package ${packageName}: not an object of CVEs`);
  const out: Array<{ key: string; json: Json }> = [];
  for (const [cve, info] of Object.entries(entry)) {
    // Every tracker entry has `releases` (possibly `[]`). Requiring it keeps a JSON file of
    // something else from passing for an empty tracker, which would remove the tracker's records.
    if (!isObject(info) || !('releases' in info)) throw new Error(`package ${packageName}: ${cve} has no releases`);
    const releases = isObject(info.releases) ? info.releases : {};
    const affected: Json[] = [];
    for (const [codename, release] of Object.entries(releases)) {
      const number = DEBIAN_CODENAMES[codename];
      if (number === undefined || !isObject(release)) continue;
      const status = typeof release.status === 'string' ? release.status : '';
      const fixed = typeof release.fixed_version === 'string' ? release.fixed_version.trim() : '';
      let events: Json[];
      if (status === 'resolved') {
        if (fixed === '' || fixed === '0') continue;
        events = [{ introduced: '0' }, { fixed }];
      } else if (status === 'open' || status === 'undetermined') {
        events = [{ introduced: '0' }];
      } else {
        continue;
      }
      const specific: Json = { status };
      if (typeof release.urgency === 'string') specific.urgency = release.urgency;
      if (typeof release.nodsa === 'string') specific.nodsa = release.nodsa;
      if (typeof release.nodsa_reason === 'string') specific.nodsa_reason = release.nodsa_reason;
      affected.push({
        package: { ecosystem: `Debian:${number}`, name: packageName },
        ranges: [{ type: 'ECOSYSTEM', events }],
        ecosystem_specific: specific,
      });
    }
    if (affected.length === 0) continue;
    const json: Json = {
      id: cve,
      modified,
      affected,
      references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${encodeURIComponent(cve)}` }],
    };
    if (typeof info.description === 'string' && info.description !== '') json.details = info.description;
    out.push({ key: `${packageName}/${cve}`, json });
  }
  return out;
}

/** `v3.10` (or `3.10.2`) → `Alpine:v3.10`; null for `edge` and anything without a release. */
export function alpineEcosystem(distroversion: unknown): string | null {
  if (typeof distroversion !== 'string') return null;
  const m = /^v?(\d+)\.(\d+)/.exec(distroversion.trim());
  return m ? `Alpine:v${m[1]}.${m[2]}` : null;
}

/**
 * An Alpine secdb file (`https://secdb.alpinelinux.org/v3.19/main.json`: `packages[].pkg` with
 * `name` and `secfixes`: fixed version → ids) as OSV records, one per (package, id). `name` is the
 * origin (source) package, which apk records as `o:` of every binary it builds. A fix version of
 * `0` means the package was never affected: no record. An id listed under several fixed versions
 * (a fix, then a later one after a regression) keeps the lowest: what every version below it shares.
 * Entries sometimes hold several ids separated by spaces.
 */
export function alpineSecdbRecords(
  secdb: unknown,
  modified: string,
): { source: string; records: Array<{ key: string; json: Json }> } {
  if (!isObject(secdb)) throw new Error('not an Alpine secdb object');
  const ecosystem = alpineEcosystem(secdb.distroversion);
  if (!ecosystem) throw new Error(`Alpine secdb: unsupported distroversion ${JSON.stringify(secdb.distroversion)}`);
  const repo = typeof secdb.reponame === 'string' ? secdb.reponame : 'main';
  const source = `alpine-secdb:${ecosystem.slice('Alpine:'.length)}/${repo}`;
  if (!Array.isArray(secdb.packages)) throw new Error('Alpine secdb: no packages list');
  const records: Array<{ key: string; json: Json }> = [];
  for (const item of secdb.packages) {
    const pkg = isObject(item) && isObject(item.pkg) ? item.pkg : null;
    if (!pkg || typeof pkg.name !== 'string' || !isObject(pkg.secfixes)) continue;
    const lowestFix = new Map<string, string>();
    for (const [version, ids] of Object.entries(pkg.secfixes)) {
      if (!Array.isArray(ids) || version.trim() === '') continue;
      for (const text of ids) {
        if (typeof text !== 'string') continue;
        for (const id of text.split(/\s+/).filter((t) => /^[A-Za-z][A-Za-z0-9]*-\S+$/.test(t))) {
          const known = lowestFix.get(id);
          if (known === undefined || isLowerApk(version, known)) lowestFix.set(id, version);
        }
      }
    }
    for (const [id, fixed] of lowestFix) {
      if (fixed === '0') continue;
      records.push({
        key: `${pkg.name}/${id}`,
        json: {
          id,
          modified,
          affected: [
            {
              package: { ecosystem, name: pkg.name },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
            },
          ],
          references: [{ type: 'ADVISORY', url: `https://security.alpinelinux.org/vuln/${encodeURIComponent(id)}` }],
        },
      });
    }
  }
  return { source, records };
}

function isLowerApk(a: string, b: string): boolean {
  if (a === '0') return true;
  if (b === '0') return false;
  try {
    return compareApk(a, b) < 0;
  } catch {
    return false;
  }
}
