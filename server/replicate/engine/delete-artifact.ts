import type { TaskLog } from '../../jobs/job-types.js';
import type { ReplicationTaskParams } from '../replication-contract.js';
import type { ExecutionState } from './execution-state.js';

/**
 * Deletion sync of one event: an artifact by digest, or one tag. A registry that cannot delete a
 * tag alone (the Docker registry API) gets the artifact the tag names deleted instead, which takes
 * its other tags with it; the log says so.
 */
export async function deleteArtifact(
  state: ExecutionState,
  p: ReplicationTaskParams,
  signal: AbortSignal,
  log: TaskLog,
): Promise<string> {
  const dst = state.destination;
  const repo = p.dstRepository;
  if (p.srcReference.includes(':')) {
    const deleted = await dst.deleteManifest(repo, p.srcReference, signal);
    log.info(`${repo}@${p.srcReference} ${deleted ? 'deleted' : 'was not at the destination'}`);
    return deleted ? 'deleted' : 'absent';
  }
  if (dst.deleteTag) {
    const deleted = await dst.deleteTag(repo, p.srcReference, signal);
    log.info(`${repo}:${p.srcReference} ${deleted ? 'deleted' : 'was not at the destination'}`);
    return deleted ? 'deleted' : 'absent';
  }
  const there = await dst.headManifest(repo, p.srcReference, signal);
  if (!there) {
    log.info(`${repo}:${p.srcReference} was not at the destination`);
    return 'absent';
  }
  log.warn(`the destination cannot delete a tag alone: deleting ${repo}@${there.digest} (all its tags)`);
  const deleted = await dst.deleteManifest(repo, there.digest, signal);
  return deleted ? 'deleted' : 'absent';
}
