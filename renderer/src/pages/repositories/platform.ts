import type { Artifact, Reference } from '../../api/types';

/** `linux/arm64/v8` (and ` (10.0.17763)` for a Windows os.version). */
export function formatPlatform(p: Record<string, unknown> | undefined | null): string {
  if (!p) return '';
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
  const base = [str('os'), str('architecture'), str('variant')].filter(Boolean).join('/');
  // Harbor writes the dotted keys with quotes around them (artifact-json.ts toPlatform); accept both.
  const osVersion = str('os.version') || str("'os.version'");
  return osVersion ? `${base} (${osVersion})` : base;
}

/** The platforms an artifact runs on: an index's children, or an image's own config. */
export function platformsOf(artifact: Artifact): string[] {
  if (artifact.references && artifact.references.length > 0) {
    return artifact.references.map((r: Reference) => formatPlatform(r.platform)).filter(Boolean);
  }
  const own = formatPlatform(artifact.extra_attrs);
  return own && artifact.type === 'IMAGE' ? [own] : [];
}

export function isIndex(artifact: Artifact): boolean {
  return (artifact.references?.length ?? 0) > 0 || /index|manifest\.list/.test(artifact.manifest_media_type);
}
