import type { RepositorySummary } from '../../meta/meta-store.js';
import { harborTime } from './json-shape.js';

/** Harbor's `Repository` (swagger definition), as the repository API answers it. */
export interface RepositoryJson {
  id: number;
  project_id: number;
  /** The full name, `<project>/<repository>`, as Harbor returns it. */
  name: string;
  /** Always empty: Berth stores no repository descriptions (see `updateRepository`). */
  description: string;
  artifact_count: number;
  pull_count: number;
  creation_time: string;
  update_time: string;
}

export function toRepositoryJson(repository: RepositorySummary): RepositoryJson {
  return {
    id: repository.id,
    project_id: repository.projectId,
    name: repository.name,
    description: '',
    artifact_count: repository.artifactCount,
    pull_count: repository.pullCount,
    creation_time: harborTime(repository.createdAt),
    update_time: harborTime(repository.updatedAt),
  };
}

/**
 * `a/b` → `a%252Fb`: a repository path as Harbor's clients put it in a URL path, encoded twice so
 * its slashes survive routers that decode once (see `decodeRepositoryName`).
 */
export function encodeRepositoryPath(path: string): string {
  return encodeURIComponent(encodeURIComponent(path));
}
