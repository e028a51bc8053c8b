import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_FORM, fromPolicy, modeOf, progressParts, speedText, toPolicyBody } from './policy-form';
import { fromRegistry, normalizeUrl, splitRepositories, toCreateBody, toPingBody, toUpdateBody } from './registry-form';
import type { Policy, Registry } from './types';

const remote: Registry = {
  id: 3,
  name: 'peer',
  description: '',
  type: 'harbor',
  url: 'https://peer.example.com',
  insecure: false,
  ca_certificate: '',
  status: 'healthy',
  credential: { type: 'basic', access_key: 'robot', access_secret: '*****' },
  repositories: [],
  creation_time: '2025-01-01T00:00:00Z',
  update_time: '2025-01-01T00:00:00Z',
};
const local: Registry = { ...remote, id: 0, name: 'Local', url: 'http://127.0.0.1:5000' };

function policy(overrides: Partial<Policy>): Policy {
  return {
    ...toPolicyBody({ ...DEFAULT_POLICY_FORM, name: 'p', remoteId: 3 }),
    id: 1,
    src_registry: local,
    dest_registry: remote,
    creation_time: '',
    update_time: '',
    ...overrides,
  } as Policy;
}

describe('policy form', () => {
  it('a push names this Berth as source and the endpoint as destination; a pull the other way round', () => {
    const push = toPolicyBody({ ...DEFAULT_POLICY_FORM, name: ' to-peer ', mode: 'push', remoteId: 3 });
    expect(push.name).toBe('to-peer');
    expect(push.src_registry).toEqual({ id: 0 });
    expect(push.dest_registry).toEqual({ id: 3 });
    const pull = toPolicyBody({ ...DEFAULT_POLICY_FORM, name: 'p', mode: 'pull', remoteId: 3 });
    expect(pull.src_registry).toEqual({ id: 3 });
    expect(pull.dest_registry).toEqual({ id: 0 });
  });

  it('the mode shown for a stored policy follows which side is local (null or id 0)', () => {
    expect(modeOf({ src_registry: null, dest_registry: remote })).toBe('push');
    expect(modeOf({ src_registry: local, dest_registry: remote })).toBe('push');
    expect(modeOf({ src_registry: remote, dest_registry: local })).toBe('pull');
    expect(modeOf({ src_registry: remote, dest_registry: null })).toBe('pull');
  });

  it("writes only the filters a person filled in, in Harbor's shapes", () => {
    const body = toPolicyBody({
      ...DEFAULT_POLICY_FORM,
      remoteId: 3,
      nameFilter: ' library/** ',
      tagFilter: 'v*',
      tagDecoration: 'excludes',
      labels: ['prod', ' ', 'gold'],
      resource: 'image',
    });
    expect(body.filters).toEqual([
      { type: 'name', value: 'library/**' },
      { type: 'tag', value: 'v*', decoration: 'excludes' },
      { type: 'label', value: ['prod', 'gold'], decoration: 'matches' },
      { type: 'resource', value: 'image' },
    ]);
    expect(toPolicyBody({ ...DEFAULT_POLICY_FORM, remoteId: 3 }).filters).toEqual([]);
  });

  it('keeps a cron only for a schedule and deletion sync only for the event trigger', () => {
    const scheduled = toPolicyBody({
      ...DEFAULT_POLICY_FORM,
      triggerType: 'scheduled',
      cron: ' 0 */5 * * * * ',
      replicateDeletion: true,
    });
    expect(scheduled.trigger).toEqual({ type: 'scheduled', trigger_settings: { cron: '0 */5 * * * *' } });
    expect(scheduled.replicate_deletion).toBe(false);
    const events = toPolicyBody({ ...DEFAULT_POLICY_FORM, triggerType: 'event_based', replicateDeletion: true });
    expect(events.trigger).toEqual({ type: 'event_based', trigger_settings: {} });
    expect(events.replicate_deletion).toBe(true);
  });

  it('any bandwidth at or below zero is "no limit" (-1)', () => {
    expect(toPolicyBody({ ...DEFAULT_POLICY_FORM, speed: 0 }).speed).toBe(-1);
    expect(toPolicyBody({ ...DEFAULT_POLICY_FORM, speed: -1 }).speed).toBe(-1);
    expect(toPolicyBody({ ...DEFAULT_POLICY_FORM, speed: 2048 }).speed).toBe(2048);
    expect(speedText(-1)).toBeNull();
    expect(speedText(2048)).toBe('2 MB/s');
    expect(speedText(500)).toBe('500 KB/s');
  });

  it('a stored policy comes back into the form as it was saved', () => {
    const values = {
      ...DEFAULT_POLICY_FORM,
      name: 'mirror',
      mode: 'pull' as const,
      remoteId: 3,
      nameFilter: 'team/**',
      tagFilter: '1.*',
      labels: ['prod'],
      labelDecoration: 'excludes' as const,
      resource: 'artifact' as const,
      destNamespace: 'mirror',
      flatten: -1,
      triggerType: 'scheduled' as const,
      cron: '0 0 3 * * *',
      speed: 1024,
      concurrency: 8,
      copyReferrers: false,
    };
    const stored = policy({ ...toPolicyBody(values), src_registry: remote, dest_registry: local });
    expect(fromPolicy(stored)).toEqual(values);
  });
});

describe('execution progress', () => {
  it('splits the bar by outcome and counts the ended tasks as done', () => {
    const p = progressParts({ total: 4, succeed: 2, failed: 1, stopped: 0, in_progress: 1 });
    expect(p).toMatchObject({ total: 4, done: 3, succeed: 50, failed: 25, stopped: 0, inProgress: 25 });
    expect(progressParts({ total: 0, succeed: 0, failed: 0, stopped: 0, in_progress: 0 }).succeed).toBe(0);
  });
});

describe('registry form', () => {
  it('assumes https:// and drops trailing slashes', () => {
    expect(normalizeUrl(' harbor.example.com/ ')).toBe('https://harbor.example.com');
    expect(normalizeUrl('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
  });

  it('creates anonymous endpoints without a credential, and lists repositories only for catalogue-less types', () => {
    const base = {
      ...fromRegistry(remote),
      accessKey: '',
      accessSecret: '',
      repositories: 'library/a\nlibrary/a, b/c',
    };
    expect(toCreateBody(base).credential).toBeNull();
    expect(toCreateBody(base).repositories).toEqual([]);
    expect(toCreateBody({ ...base, type: 'oci' }).repositories).toEqual(['library/a', 'b/c']);
    expect(splitRepositories(' \n')).toEqual([]);
  });

  it('an empty secret on edit and in a test of a saved endpoint is left out, so the stored one is kept', () => {
    const form = fromRegistry(remote);
    expect(form.accessSecret).toBe('');
    expect(toUpdateBody(form)).not.toHaveProperty('access_secret');
    expect(toPingBody(form, 3)).toMatchObject({ id: 3, access_key: 'robot' });
    expect(toPingBody(form, 3)).not.toHaveProperty('access_secret');
    expect(toUpdateBody({ ...form, accessSecret: 'n3w' })).toMatchObject({ access_secret: 'n3w', access_key: 'robot' });
    expect(toCreateBody({ ...form, accessSecret: 's3cret' }).credential).toEqual({
      type: 'basic',
      access_key: 'robot',
      access_secret: 's3cret',
    });
  });
});
