/**
 * npm packages, from the two places an image records them: an application's `package-lock.json`
 * (lockfileVersion 1, 2 or 3; `node_modules/.package-lock.json`, npm 7's hidden lockfile, is the
 * same format) and the `package.json` of each installed package under `node_modules/`.
 */

/** One npm package as a lockfile or an installed package.json states it. */
export interface NpmPackage {
  /** The registry name (an alias `"foo": "npm:bar@1.0.0"` gives `bar`). */
  name: string;
  version: string;
  /** Only needed to develop the project (`"dev": true` in the lockfile); installed packages say nothing. */
  dev: boolean;
  /** Where the lockfile puts it (`node_modules/a/node_modules/b`); undefined for v1 lockfiles and package.json. */
  lockPath?: string | undefined;
}

/** What `parsePackageLock` saw. */
export interface PackageLockParse {
  lockfileVersion: number;
  packages: NpmPackage[];
  /** Entries whose version is not a registry version: git, file: and tarball URLs, workspace links. */
  skippedNonRegistry: number;
}

interface LockEntryV2 {
  version?: unknown;
  name?: unknown;
  dev?: unknown;
  link?: unknown;
  resolved?: unknown;
}

interface LockEntryV1 extends LockEntryV2 {
  dependencies?: Record<string, LockEntryV1>;
}

/**
 * Packages of a package-lock.json. v2 and v3 list every installed package under `packages` keyed
 * by its folder; v1 nests `dependencies`. The root project (key `""`) and workspace folders are not
 * dependencies and are left out, as are links (their target folder is listed on its own).
 * Throws on text that is not JSON.
 */
export function parsePackageLock(text: string): PackageLockParse {
  const lock = JSON.parse(text) as {
    lockfileVersion?: unknown;
    packages?: Record<string, LockEntryV2>;
    dependencies?: Record<string, LockEntryV1>;
  };
  const lockfileVersion = typeof lock.lockfileVersion === 'number' ? lock.lockfileVersion : 1;
  const result: PackageLockParse = { lockfileVersion, packages: [], skippedNonRegistry: 0 };
  if (lock.packages && typeof lock.packages === 'object') {
    for (const [folder, entry] of Object.entries(lock.packages)) {
      if (!entry || typeof entry !== 'object') continue;
      const at = folder.lastIndexOf('node_modules/');
      if (at < 0) continue; // the root project and workspace sources
      if (entry.link === true) {
        result.skippedNonRegistry++;
        continue;
      }
      const folderName = folder.slice(at + 'node_modules/'.length);
      const name = typeof entry.name === 'string' && entry.name ? entry.name : folderName;
      const version = registryVersion(entry.version);
      if (!version) {
        result.skippedNonRegistry++;
        continue;
      }
      result.packages.push({ name, version, dev: entry.dev === true, lockPath: folder });
    }
    return result;
  }
  const walk = (deps: Record<string, LockEntryV1> | undefined): void => {
    if (!deps || typeof deps !== 'object') return;
    for (const [key, entry] of Object.entries(deps)) {
      if (!entry || typeof entry !== 'object') continue;
      const alias = typeof entry.version === 'string' ? parseAlias(entry.version) : undefined;
      const version = alias?.version ?? registryVersion(entry.version);
      if (!version) result.skippedNonRegistry++;
      else result.packages.push({ name: alias?.name ?? key, version, dev: entry.dev === true });
      walk(entry.dependencies);
    }
  };
  walk(lock.dependencies);
  return result;
}

/**
 * The name and version of an installed package's package.json, or undefined when it lacks either
 * (folders of helper package.json files that only set `"type": "module"`, and such).
 */
export function parseInstalledPackageJson(text: string): NpmPackage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object') return undefined;
  const { name, version } = json as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || !name || typeof version !== 'string' || !version) return undefined;
  return { name, version, dev: false };
}

/** `npm:real-name@1.2.3`, how v1 lockfiles record an aliased dependency. */
function parseAlias(version: string): { name: string; version: string } | undefined {
  const m = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(version);
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}

/** A version a registry assigned; git refs, file: and URL specs are not (they contain `:` or `/`). */
function registryVersion(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.includes(':') || value.includes('/')) return undefined;
  return value;
}
