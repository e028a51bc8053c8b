import { Invalid } from './errors.js';

/**
 * Repository names and tags, per the OCI distribution spec's grammar, and Berth's project mapping:
 * every repository lives in a project, `<project>/<path>`. A one-component name means the `library`
 * project, as on Docker Hub (`docker push host/myapp` stores `library/myapp`).
 */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_GRAMMAR = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_GRAMMAR = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Distribution caps names at 255 characters including the host; we keep the same bound on the path. */
export const MAX_NAME_LENGTH = 255;
export const DEFAULT_PROJECT = 'library';

export interface RepositoryName {
  /** Full name as stored: `<project>/<path>`. */
  name: string;
  project: string;
}

export function isValidRepositoryName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME_GRAMMAR.test(name);
}

/** Validates a name from a request and maps a one-component name into the default project. */
export function resolveRepositoryName(raw: string): RepositoryName {
  if (!isValidRepositoryName(raw)) throw new Invalid('NAME_INVALID', `invalid repository name "${clip(raw)}"`);
  const slash = raw.indexOf('/');
  if (slash < 0) {
    const name = `${DEFAULT_PROJECT}/${raw}`;
    if (name.length > MAX_NAME_LENGTH) throw new Invalid('NAME_INVALID', 'repository name too long');
    return { name, project: DEFAULT_PROJECT };
  }
  return { name: raw, project: raw.slice(0, slash) };
}

export function isValidTag(tag: string): boolean {
  return TAG_GRAMMAR.test(tag);
}

export function assertValidTag(tag: string): void {
  if (!isValidTag(tag)) throw new Invalid('TAG_INVALID', `invalid tag "${clip(tag)}"`);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
