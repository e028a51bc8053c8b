/**
 * Rust crates from a `Cargo.lock` (format versions 1 to 4): one `[[package]]` table per crate with
 * `name`, `version`, and `source` for crates from a registry or git. Only that small subset of TOML
 * occurs in lockfiles Cargo writes, so only it is read: `key = "string"` lines inside `[[package]]`
 * tables; arrays (`dependencies = [...]`) and other tables (`[metadata]` in v1) are passed over.
 */

export interface CargoPackage {
  name: string;
  version: string;
  /** `registry+https://github.com/rust-lang/crates.io-index`, `git+...`; undefined for the workspace's own crates. */
  source: string | undefined;
}

/** Crates in file order; tables without a name or version are skipped. */
export function parseCargoLock(text: string): CargoPackage[] {
  const packages: CargoPackage[] = [];
  let current: Map<string, string> | undefined;
  const flush = () => {
    const name = current?.get('name');
    const version = current?.get('version');
    if (name && version) packages.push({ name, version, source: current?.get('source') });
    current = undefined;
  };
  let inArray = false;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (inArray) {
      if (line.endsWith(']') || line.startsWith(']')) inArray = false;
      continue;
    }
    if (line.startsWith('[')) {
      flush();
      if (line === '[[package]]') current = new Map();
      continue;
    }
    if (!current || line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2]!;
    if (value.startsWith('[') && !value.endsWith(']')) {
      inArray = true;
      continue;
    }
    const str = /^"((?:[^"\\]|\\.)*)"/.exec(value);
    if (str && !current.has(m[1]!)) current.set(m[1]!, str[1]!.replace(/\\(["\\])/g, '$1'));
  }
  flush();
  return packages;
}
