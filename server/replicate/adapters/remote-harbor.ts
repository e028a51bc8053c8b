import { isValidRepositoryName } from '../../core/names.js';
import { filterArtifactTags, matchesArtifact, matchesRepository, tagsRequired } from '../filters.js';
import type { AdapterInfo, ReplicationFilter, ResourceType, SourceArtifact } from '../replication-contract.js';
import { namePrefix } from '../filters.js';
import { ALL_TRIGGERS, RemoteAdapter } from './remote-adapter.js';

/**
 * A Harbor (or another Berth, whose `/api/v2.0` is Harbor's). Enumeration goes through the API,
 * which knows what `/v2/` does not: each artifact's digest, all its tags, its labels and its type;
 * projects, then their repositories, then their artifacts, one page at a time. Content goes through
 * `/v2/` as for any registry. As a destination, a missing project is created (private).
 */

interface ProjectJson {
  name?: unknown;
}
interface RepositoryJson {
  name?: unknown;
}
interface ArtifactJson {
  digest?: unknown;
  type?: unknown;
  manifest_media_type?: unknown;
  tags?: Array<{ name?: unknown }> | null;
  labels?: Array<{ name?: unknown }> | null;
}

const API = '/api/v2.0';

export class HarborAdapter extends RemoteAdapter {
  info(): AdapterInfo {
    return {
      type: 'harbor',
      description: 'Harbor (or Berth): projects, repositories and artifacts from its API',
      supportedResourceFilters: [
        { type: 'name', style: 'input' },
        { type: 'tag', style: 'input' },
        { type: 'label', style: 'list' },
        { type: 'resource', style: 'radio', values: ['image', 'artifact'] },
      ],
      supportedTriggers: [...ALL_TRIGGERS],
      supportedCopyByChunk: true,
    };
  }

  async *enumerate(filters: readonly ReplicationFilter[], signal: AbortSignal): AsyncIterable<SourceArtifact[]> {
    const prefix = namePrefix(filters);
    const slash = prefix.indexOf('/');
    // A name filter that spells its project out (`library/**`) needs only that project.
    const projects: AsyncIterable<ProjectJson[]> | ProjectJson[][] =
      slash > 0 ? [[{ name: prefix.slice(0, slash) }]] : this.pages<ProjectJson>(`${API}/projects`, signal);
    const projectPrefix = slash > 0 ? prefix.slice(0, slash) : prefix;
    for await (const page of projects) {
      for (const project of page) {
        if (typeof project.name !== 'string' || !project.name.startsWith(projectPrefix)) continue;
        yield* this.repositoriesOf(project.name, filters, signal);
      }
    }
  }

  private async *repositoriesOf(
    project: string,
    filters: readonly ReplicationFilter[],
    signal: AbortSignal,
  ): AsyncIterable<SourceArtifact[]> {
    for await (const page of this.pages<RepositoryJson>(`${API}/projects/${enc(project)}/repositories`, signal)) {
      for (const repo of page) {
        if (typeof repo.name !== 'string' || !isValidRepositoryName(repo.name)) continue;
        if (!repo.name.startsWith(`${project}/`) || !matchesRepository(filters, repo.name)) continue;
        yield* this.artifactsOf(project, repo.name, filters, signal);
      }
    }
  }

  private async *artifactsOf(
    project: string,
    repository: string,
    filters: readonly ReplicationFilter[],
    signal: AbortSignal,
  ): AsyncIterable<SourceArtifact[]> {
    const path = `${API}/projects/${enc(project)}/repositories/${repoParam(project, repository)}/artifacts`;
    // Harbor's `q=tags=*` keeps tagged artifacts only, when untagged ones would be filtered out anyway.
    const query = `with_tag=true&with_label=true${tagsRequired(filters) ? `&q=${encodeURIComponent('tags=*')}` : ''}`;
    for await (const page of this.pages<ArtifactJson>(`${path}?${query}`, signal)) {
      const out: SourceArtifact[] = [];
      for (const a of page) {
        if (typeof a.digest !== 'string') continue;
        const tags = filterArtifactTags(filters, names(a.tags));
        if (tags === undefined) continue;
        const artifact: SourceArtifact = {
          repository,
          tags,
          digest: a.digest,
          labels: names(a.labels),
          resourceType: resourceTypeOf(a.type),
          ...(typeof a.manifest_media_type === 'string' ? { mediaType: a.manifest_media_type } : {}),
        };
        if (matchesArtifact(filters, artifact)) out.push(artifact);
      }
      if (out.length > 0) yield out;
    }
  }

  private pages<T>(path: string, signal: AbortSignal): AsyncIterable<T[]> {
    const sep = path.includes('?') ? '&' : '?';
    return this.client.apiPages<T>(`${path}${sep}page=1&page_size=${this.pageSize}`, signal);
  }

  /** Creates the repository's project, private, unless it exists. */
  async ensureNamespace(repository: string, signal: AbortSignal): Promise<void> {
    const project = projectOf(repository);
    const exists = await this.client.api('HEAD', `${API}/projects?project_name=${encodeURIComponent(project)}`, signal);
    if (exists) return;
    try {
      await this.client.api('POST', `${API}/projects`, signal, {
        project_name: project,
        metadata: { public: 'false' },
      });
    } catch (e) {
      // Created by a parallel task in between: what we wanted.
      if (!(e instanceof Error && /HTTP 409/.test(e.message))) throw e;
    }
  }

  /** Removes one tag through the API (`/v2/` can only delete whole manifests). */
  async deleteTag(repository: string, tag: string, signal: AbortSignal): Promise<boolean> {
    const project = projectOf(repository);
    const t = encodeURIComponent(tag);
    const path = `${API}/projects/${enc(project)}/repositories/${repoParam(project, repository)}/artifacts/${t}/tags/${t}`;
    return (await this.client.api('DELETE', path, signal)) !== undefined;
  }
}

function names(list: Array<{ name?: unknown }> | null | undefined): string[] {
  return (list ?? []).map((x) => x.name).filter((n): n is string => typeof n === 'string');
}

/** Harbor types images and indexes of images `IMAGE`; charts, CNAB and other artifacts are not images. */
function resourceTypeOf(type: unknown): ResourceType | undefined {
  if (typeof type !== 'string') return undefined;
  return type === 'IMAGE' ? 'image' : 'artifact';
}

function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? 'library' : repository.slice(0, slash);
}

const enc = encodeURIComponent;

/** The repository path inside its project, encoded twice, as Harbor's API wants slashes in it. */
function repoParam(project: string, repository: string): string {
  const inner = repository.startsWith(`${project}/`) ? repository.slice(project.length + 1) : repository;
  return encodeURIComponent(encodeURIComponent(inner));
}
