import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { ApiError, api } from '../../api/client';
import type { Artifact } from '../../api/types';
import { artifactPath } from './queries';
import { isIndex } from './platform';

/** Listings that change when an artifact or a tag goes (counts, sizes, quotas). */
const AFFECTED = ['artifacts', 'artifact', 'repositories', 'projects', 'project', 'statistics', 'quotas'];

export interface DeleteOutcome {
  deleted: string[];
  failed: { digest: string; message: string }[];
}

/** Deleting and adding tags and artifacts of one repository, refreshing what shows them afterwards. */
export function useArtifactActions(projectName: string, fullName: string) {
  const queryClient = useQueryClient();
  const refresh = useCallback(
    () => Promise.all(AFFECTED.map((key) => queryClient.invalidateQueries({ queryKey: [key] }))),
    [queryClient],
  );

  const deleteTag = useCallback(
    async (digest: string, tag: string) => {
      try {
        await api.delete(`${artifactPath(projectName, fullName, digest)}/tags/${encodeURIComponent(tag)}`);
      } finally {
        void refresh();
      }
    },
    [projectName, fullName, refresh],
  );

  const addTag = useCallback(
    async (digest: string, tag: string) => {
      try {
        await api.post(`${artifactPath(projectName, fullName, digest)}/tags`, { name: tag });
      } finally {
        void refresh();
      }
    },
    [projectName, fullName, refresh],
  );

  /**
   * Deletes artifacts one after the other. Indexes go first: deleting one takes its untagged
   * platform images with it, and deleting such an image first would be refused while the index
   * still lists it. An artifact already gone (taken with its index) counts as deleted.
   */
  const deleteArtifacts = useCallback(
    async (artifacts: readonly Artifact[]): Promise<DeleteOutcome> => {
      const ordered = [...artifacts].sort((a, b) => Number(isIndex(b)) - Number(isIndex(a)));
      const outcome: DeleteOutcome = { deleted: [], failed: [] };
      for (const artifact of ordered) {
        try {
          await api.delete(artifactPath(projectName, fullName, artifact.digest));
          outcome.deleted.push(artifact.digest);
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) outcome.deleted.push(artifact.digest);
          else
            outcome.failed.push({ digest: artifact.digest, message: err instanceof Error ? err.message : String(err) });
        }
      }
      void refresh();
      return outcome;
    },
    [projectName, fullName, refresh],
  );

  return { deleteTag, addTag, deleteArtifacts };
}
