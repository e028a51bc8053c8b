import type { Filter } from '../../meta/list-query.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { ApiRouteModule } from './api-plugin.js';
import { requireAuthenticated } from './guards.js';
import { projectIds, publicProjectIds, visibilityOf, type Visibility } from './project-visibility.js';

/**
 * `GET /statistics` (getStatistic), as Harbor's `handler/statistic.go`: any authenticated caller gets
 * the public project and repository counts, plus the private ones they can see (their memberships,
 * or a robot's projects). A system administrator gets every count, the totals and the storage
 * consumption; others see the totals as 0, as Harbor answers them.
 *
 * `total_storage_consumption` is the sum of every project's `used.storage`: a blob shared by two
 * projects counts in each (the metadata store has no system-wide distinct blob total yet).
 */
export const statisticsRoutes: ApiRouteModule = (app, deps) => {
  const { meta } = deps;

  app.get('/statistics', async (req) => {
    requireAuthenticated(req);
    const publicIds = await publicProjectIds(meta);
    const stats = {
      private_project_count: 0,
      private_repo_count: 0,
      public_project_count: publicIds.length,
      public_repo_count: await repositoriesIn(meta, publicIds),
      total_project_count: 0,
      total_repo_count: 0,
      total_storage_consumption: 0,
    };
    // Harbor counts only public projects for robots, whatever their permissions name.
    const visibility: Visibility =
      req.security.kind === 'robot' ? { all: false, ownIds: [] } : await visibilityOf(meta, req);
    if (visibility.all) {
      const all = await meta.projects.list({ filters: [], sort: [], offset: 0, limit: 0 });
      const repos = await repositoriesIn(meta, undefined);
      stats.total_project_count = all.total;
      stats.private_project_count = all.total - publicIds.length;
      stats.total_repo_count = repos;
      stats.private_repo_count = repos - stats.public_repo_count;
      if (req.security.isSysAdmin) stats.total_storage_consumption = await storageConsumption(meta);
      return stats;
    }
    if (visibility.ownIds.length > 0) {
      const privateIds = await projectIds(meta, [
        { key: 'project_id', kind: 'or', values: visibility.ownIds },
        { key: 'public', kind: 'exact', value: false },
      ]);
      stats.private_project_count = privateIds.length;
      stats.private_repo_count = await repositoriesIn(meta, privateIds);
    }
    return stats;
  });
};

/** Repositories in the given projects (every project when undefined). */
async function repositoriesIn(meta: MetaStore, ids: number[] | undefined): Promise<number> {
  if (ids !== undefined && ids.length === 0) return 0;
  const filters: Filter[] = ids === undefined ? [] : [{ key: 'project_id', kind: 'or', values: ids }];
  return (await meta.repositories.list({ filters, sort: [], offset: 0, limit: 0 })).total;
}

async function storageConsumption(meta: MetaStore): Promise<number> {
  let total = 0;
  for (let offset = 0; ; offset += 1000) {
    const page = await meta.projects.list({ filters: [], sort: [], offset, limit: 1000 });
    for (const p of page.items) total += p.storageUsed;
    if (page.items.length < 1000) return total;
  }
}
