import { readFileSync } from 'node:fs';

/**
 * Berth's version from its package.json, found by walking up from this file (the same code runs from
 * `server/` under tests and from `dist/server/` when built). `0.0.0` when it cannot be found.
 */
export function berthVersion(): string {
  let dir = new URL('./', import.meta.url);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'berth' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; look further up
    }
    dir = new URL('../', dir);
  }
  return '0.0.0';
}
