import { describe, expect, it } from 'vitest';
import type { Repository } from '../../api/types';
import { readableCommand } from './artifact-layers';
import { allGroupKeys, namespaceTree, type NamespaceGroup } from './namespace-tree';
import { pullCommands, pushCommands } from './pull-commands';
import { compareByNewestTag, compareTags, newestFirst, newestTag, sortTags } from './tag-order';

const sorted = (tags: string[]) => sortTags(tags, (t) => t);

describe('tag order', () => {
  it('puts v1.10.0 after v1.9.3, as versions, not as strings', () => {
    expect(sorted(['v1.10.0', 'v1.9.3', 'v1.2.0'])).toEqual(['v1.2.0', 'v1.9.3', 'v1.10.0']);
    expect(compareTags('1.10', '1.9')).toBeGreaterThan(0);
  });

  it('orders prereleases before their release, rc.10 after rc.2', () => {
    expect(sorted(['1.2.0', '1.2.0-rc.10', '1.2.0-rc.2', '1.2.0-alpha', '1.1.9'])).toEqual([
      '1.1.9',
      '1.2.0-alpha',
      '1.2.0-rc.2',
      '1.2.0-rc.10',
      '1.2.0',
    ]);
  });

  it('reads a missing part as 0 and ignores build metadata, keeping the order total', () => {
    expect(compareTags('1.36', '1.36.0')).not.toBe(0);
    expect(Math.sign(compareTags('1.36', '1.36.1'))).toBe(-1);
    expect(Math.sign(compareTags('1.0.0+b2', '1.0.1'))).toBe(-1);
  });

  it('sorts words after versions, naturally among themselves', () => {
    expect(sorted(['latest', 'build-10', 'v2', 'build-9', 'Stable', '10'])).toEqual([
      'v2',
      '10',
      'build-9',
      'build-10',
      'latest',
      'Stable',
    ]);
  });

  it('compares digit runs longer than a double without losing precision', () => {
    expect(sorted(['20240101123456789012', '20240101123456789011'])).toEqual([
      '20240101123456789011',
      '20240101123456789012',
    ]);
  });

  it('shows a row newest version first, words after', () => {
    expect(newestFirst(['latest', 'v1.9.3', 'v1.10.0', 'edge', 'v1.10.0-rc.1'], (t) => t)).toEqual([
      'v1.10.0',
      'v1.10.0-rc.1',
      'v1.9.3',
      'edge',
      'latest',
    ]);
  });

  it('finds the newest version of a row and orders rows by it, untagged last', () => {
    expect(newestTag(['latest', 'v1.9.3', 'v1.10.0'])).toBe('v1.10.0');
    expect(newestTag(['stable', 'latest'])).toBe('stable');
    expect(newestTag([])).toBeUndefined();
    const rows = [[], ['latest'], ['v1.9.3'], ['v1.10.0', 'edge']];
    expect([...rows].sort(compareByNewestTag)).toEqual([['v1.10.0', 'edge'], ['v1.9.3'], ['latest'], []]);
  });
});

function repo(id: number, name: string, artifacts = 1, pulls = 0, updated = '2026-01-01T00:00:00.000Z'): Repository {
  return {
    id,
    project_id: 1,
    name,
    description: '',
    artifact_count: artifacts,
    pull_count: pulls,
    creation_time: updated,
    update_time: updated,
  };
}

describe('namespace grouping', () => {
  const page = [
    repo(1, 'library/busybox', 2, 5),
    repo(2, 'team/app/backend', 3, 1, '2026-03-01T00:00:00.000Z'),
    repo(3, 'team/app/frontend', 1, 2, '2026-02-01T00:00:00.000Z'),
    repo(4, 'team/tools', 1, 0),
  ];

  it('nests repositories under their project and deeper path segments, with totals', () => {
    const tree = namespaceTree(page);
    expect(tree.map((n) => n.label)).toEqual(['library', 'team']);
    const team = tree[1] as NamespaceGroup;
    expect(team.children.map((n) => `${n.kind}:${n.label}`)).toEqual(['group:app', 'repository:tools']);
    const app = team.children[0] as NamespaceGroup;
    expect(app.path).toBe('team/app');
    expect(app.children.map((n) => n.label)).toEqual(['backend', 'frontend']);
    expect(team).toMatchObject({ repositoryCount: 3, artifactCount: 5, pullCount: 3 });
    expect(app.updateTime).toBe('2026-03-01T00:00:00.000Z');
    expect(allGroupKeys(tree)).toEqual(['ns:library', 'ns:team', 'ns:team/app']);
  });

  it('within one project, groups start below the project', () => {
    const tree = namespaceTree(page.slice(1), 'team');
    expect(tree.map((n) => `${n.kind}:${n.label}`)).toEqual(['group:app', 'repository:tools']);
    expect((tree[0] as NamespaceGroup).path).toBe('team/app');
  });
});

describe('layer commands', () => {
  it("drop docker build's shell wrapper, keep what was run", () => {
    expect(readableCommand('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD ["sh"]');
    expect(readableCommand('/bin/sh -c apk add curl')).toBe('RUN apk add curl');
    expect(readableCommand('RUN /bin/sh -c make # buildkit')).toBe('RUN /bin/sh -c make');
    expect(readableCommand(null)).toBe('');
  });
});

describe('pull commands', () => {
  const host = 'registry.example:5000';

  it('names the tag or the digest for docker, podman and skopeo', () => {
    expect(pullCommands({ host, repository: 'team/app/backend', reference: 'v1.10.0', type: 'IMAGE' })).toEqual([
      { client: 'docker', command: 'docker pull registry.example:5000/team/app/backend:v1.10.0' },
      { client: 'podman', command: 'podman pull registry.example:5000/team/app/backend:v1.10.0' },
      {
        client: 'skopeo',
        command: 'skopeo copy docker://registry.example:5000/team/app/backend:v1.10.0 oci-archive:backend-v1.10.0.tar',
      },
    ]);
    const digest = `sha256:${'ab'.repeat(32)}`;
    const [docker, , skopeo] = pullCommands({ host, repository: 'library/multi', reference: digest, type: 'IMAGE' });
    expect(docker?.command).toBe(`docker pull ${host}/library/multi@${digest}`);
    expect(skopeo?.command).toBe(
      `skopeo copy docker://${host}/library/multi@${digest} oci-archive:multi-abababababab.tar`,
    );
  });

  it('offers helm for charts, by version', () => {
    const commands = pullCommands({ host, repository: 'charts/nginx', reference: '15.1.0', type: 'CHART' });
    expect(commands.map((c) => c.client)).toEqual(['helm', 'skopeo']);
    expect(commands[0]?.command).toBe('helm pull oci://registry.example:5000/charts/nginx --version 15.1.0');
  });

  it('tells an empty project how to push', () => {
    expect(pushCommands(host, 'team').push).toBe('docker push registry.example:5000/team/REPOSITORY[:TAG]');
  });
});
