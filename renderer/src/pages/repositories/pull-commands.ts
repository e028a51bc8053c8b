/**
 * The commands that fetch an artifact from this registry, per client. The host is the one the browser
 * reached the portal on (`window.location.host`): the portal and the registry share an origin.
 */

export type PullClient = 'docker' | 'podman' | 'skopeo' | 'helm';

export interface PullCommand {
  client: PullClient;
  command: string;
}

export interface PullTarget {
  host: string;
  /** The full repository name, `project/path`. */
  repository: string;
  /** A tag, or a digest (`sha256:…`). */
  reference: string;
  /** Harbor's artifact type (`IMAGE`, `CHART`, …): Helm charts are pulled with helm. */
  type: string;
}

/** Tags cannot hold a colon, digests always do (`sha256:…`). */
export function isDigest(reference: string): boolean {
  return reference.includes(':');
}

/** `host/repo:tag` or `host/repo@sha256:…`. */
export function imageReference({ host, repository, reference }: Omit<PullTarget, 'type'>): string {
  return `${host}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
}

/** A file name for skopeo's archive: the last path segment and the tag (or the digest's first hex). */
function archiveName(repository: string, reference: string): string {
  const last = repository.slice(repository.lastIndexOf('/') + 1);
  const suffix = isDigest(reference)
    ? reference.slice(reference.indexOf(':') + 1, reference.indexOf(':') + 13)
    : reference;
  return `${last}-${suffix}.tar`;
}

export function pullCommands(target: PullTarget): PullCommand[] {
  const ref = imageReference(target);
  const out: PullCommand[] = [];
  const chart = target.type === 'CHART';
  if (chart) {
    // helm pulls charts by version; a digest-only chart is fetched with skopeo below.
    if (!isDigest(target.reference)) {
      out.push({
        client: 'helm',
        command: `helm pull oci://${target.host}/${target.repository} --version ${target.reference}`,
      });
    }
  } else {
    out.push({ client: 'docker', command: `docker pull ${ref}` });
    out.push({ client: 'podman', command: `podman pull ${ref}` });
  }
  out.push({
    client: 'skopeo',
    command: `skopeo copy docker://${ref} oci-archive:${archiveName(target.repository, target.reference)}`,
  });
  return out;
}

/** What to run to push a first image into a project (the empty state of a project). */
export function pushCommands(host: string, project: string): { login: string; tag: string; push: string } {
  return {
    login: `docker login ${host}`,
    tag: `docker tag SOURCE_IMAGE[:TAG] ${host}/${project}/REPOSITORY[:TAG]`,
    push: `docker push ${host}/${project}/REPOSITORY[:TAG]`,
  };
}
