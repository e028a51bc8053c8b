/**
 * Parses the path after `/v2/` into an endpoint. Repository names contain slashes, so endpoints are
 * recognised by their suffix; the name is everything before it and is validated by the caller.
 */
export type OciEndpoint =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'upload'; name: string; id: string | null }
  | { kind: 'referrers'; name: string; digest: string }
  | { kind: 'unknown' };

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => OciEndpoint]> = [
  [/^(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, reference: m[2]! })],
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'upload', name: m[1]!, id: null })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, id: m[2]! })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
  [/^(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1]!, digest: m[2]! })],
];

export function parseOciPath(rest: string): OciEndpoint {
  if (rest === '' || rest === '/') return { kind: 'base' };
  if (rest === '_catalog') return { kind: 'catalog' };
  for (const [pattern, build] of PATTERNS) {
    const m = pattern.exec(rest);
    if (m) return build(m);
  }
  return { kind: 'unknown' };
}
