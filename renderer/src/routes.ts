/**
 * Every portal URL is built here, so links and routes agree. Repository names carry slashes; in a
 * portal URL the within-project name is one encoded segment (`/projects/library/repositories/a%2Fb`).
 */
import { repoWithinProject } from './api/client';

export const paths = {
  signIn: '/sign-in',
  dashboard: '/',
  projects: '/projects',
  project: (projectName: string, tab?: string) =>
    `/projects/${encodeURIComponent(projectName)}${tab ? `/${encodeURIComponent(tab)}` : ''}`,
  repository: (projectName: string, fullRepositoryName: string) =>
    `/projects/${encodeURIComponent(projectName)}/repositories/${encodeURIComponent(
      repoWithinProject(projectName, fullRepositoryName),
    )}`,
  artifact: (projectName: string, fullRepositoryName: string, reference: string) =>
    `${paths.repository(projectName, fullRepositoryName)}/artifacts/${encodeURIComponent(reference)}`,
  repositories: '/repositories',
  users: '/users',
  auditLogs: '/audit-logs',
  jobs: '/jobs',
  gc: '/gc',
  settings: '/settings',
  scanner: '/scanner',
  replication: '/replication',
};

/** `library/nginx` → `library` (the project is the first path segment of a repository name). */
export function projectOf(fullRepositoryName: string): string {
  const slash = fullRepositoryName.indexOf('/');
  return slash < 0 ? fullRepositoryName : fullRepositoryName.slice(0, slash);
}
