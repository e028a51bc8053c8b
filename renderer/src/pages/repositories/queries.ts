import { useQuery } from '@tanstack/react-query';
import { api, artifactBase, repoSegment } from '../../api/client';
import type { Artifact, Project, Repository } from '../../api/types';
import { useCurrentUser } from '../../stores/session';

/** Harbor's project role ids (`current_user_role_id`). */
const ROLE = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 } as const;

/** The flags Harbor's portal asks for when it shows artifacts (artifact-routes.ts accepts them all). */
export const ARTIFACT_FLAGS = {
  with_tag: true,
  with_label: true,
  with_immutable_status: true,
  with_accessory: true,
  // Harbor's scan and SBOM overviews: the severity bar and the scan state of each row.
  with_scan_overview: true,
  with_sbom_overview: true,
} as const;

export interface ProjectAccess {
  /** Delete repositories, artifacts and tags (maintainers and project admins: docs/rbac.md). */
  canDelete: boolean;
  /** Add tags (developers and up). */
  canTag: boolean;
}

/**
 * What the signed-in user may change in a project, to hide buttons that could only fail. The server
 * decides anyway: a refusal still arrives as an error message.
 */
export function useProjectAccess(projectName: string): ProjectAccess {
  const user = useCurrentUser();
  const project = useQuery({
    queryKey: ['project', projectName, 'access'],
    queryFn: ({ signal }) => api.get<Project>(`projects/${encodeURIComponent(projectName)}`, undefined, signal),
    enabled: !user?.sysadmin_flag,
    staleTime: 60_000,
  });
  if (user?.sysadmin_flag) return { canDelete: true, canTag: true };
  const role = project.data?.current_user_role_id ?? 0;
  return {
    canDelete: role === ROLE.projectAdmin || role === ROLE.maintainer,
    canTag: role === ROLE.projectAdmin || role === ROLE.maintainer || role === ROLE.developer,
  };
}

export function repositoryPath(projectName: string, withinProject: string): string {
  return `projects/${encodeURIComponent(projectName)}/repositories/${repoSegment(withinProject)}`;
}

export function useRepository(projectName: string, withinProject: string) {
  return useQuery({
    queryKey: ['repositories', projectName, withinProject],
    queryFn: ({ signal }) => api.get<Repository>(repositoryPath(projectName, withinProject), undefined, signal),
  });
}

export function artifactPath(projectName: string, fullName: string, reference: string): string {
  return `${artifactBase(projectName, fullName)}/${encodeURIComponent(reference)}`;
}

export function useArtifact(projectName: string, fullName: string, reference: string) {
  return useQuery({
    queryKey: ['artifact', projectName, fullName, reference],
    queryFn: ({ signal }) => api.get<Artifact>(artifactPath(projectName, fullName, reference), ARTIFACT_FLAGS, signal),
  });
}
