import type { Filter } from '../../meta/list-query.js';
import { unprocessable } from './api-errors.js';
import type { ApiRouteModule } from './api-plugin.js';
import type { RawQuery } from './harbor-query.js';
import { projectViews } from './project-json.js';
import { visibilityFilter, visibilityOf } from './project-visibility.js';

/**
 * `GET /search?q=` (search), as Harbor's `handler/search.go`: projects whose name contains `q` and
 * repositories whose name contains it, among the projects the caller sees (see
 * `project-visibility.ts`; anonymous callers see public projects). `q` is required (go-swagger answers
 * 422 without it); an empty `q` matches everything. Harbor returns every match; Berth returns the
 * first `SEARCH_LIMIT` of each kind, by name.
 */
export const SEARCH_LIMIT = 100;

export const searchRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;

  app.get('/search', async (req) => {
    const raw = (req.query as RawQuery).q;
    const q = Array.isArray(raw) ? raw[0] : raw;
    if (q === undefined) throw unprocessable('q in query is required');
    // Harbor shows robots public projects only here, whatever their permissions name.
    const visible = await visibilityFilter(
      meta,
      req.security.kind === 'robot' ? { all: false, ownIds: [] } : await visibilityOf(meta, req),
    );
    const nameFilter: Filter[] = q === '' ? [] : [{ key: 'name', kind: 'fuzzy', value: q }];

    const projects = await meta.projects.list({
      filters: visible ? [...nameFilter, visible] : nameFilter,
      sort: [],
      offset: 0,
      limit: SEARCH_LIMIT,
    });
    const views = projectViews(meta, req);
    const project = await Promise.all(projects.items.map((p) => views.toJson(p)));

    const inProjects: Filter[] =
      visible?.kind === 'or' ? [{ key: 'public_or_project_id', kind: 'or', values: visible.values }] : [];
    const repositories = await meta.repositories.list({
      filters: [...nameFilter, ...inProjects],
      sort: [{ key: 'name', desc: false }],
      offset: 0,
      limit: SEARCH_LIMIT,
    });
    const projectById = new Map<number, { name: string; public: boolean }>();
    for (const id of new Set(repositories.items.map((r) => r.projectId))) {
      const p = await meta.projects.getById(id);
      if (p) projectById.set(id, { name: p.name, public: p.public });
    }
    const repository = repositories.items.map((r) => ({
      repository_name: r.name,
      project_id: r.projectId,
      project_name: projectById.get(r.projectId)?.name ?? r.name.slice(0, r.name.indexOf('/')),
      project_public: projectById.get(r.projectId)?.public ?? false,
      pull_count: r.pullCount,
      artifact_count: r.artifactCount,
    }));
    return { project, repository };
  });
};
