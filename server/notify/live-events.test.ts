import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../core/events.js';
import type { Execution, JobEvent, JobStatus, Task } from '../jobs/job-types.js';
import { LiveEventHub, projectOf, type LiveEvent } from './live-events.js';

/** A job system that only publishes. */
function fakeJobs() {
  const listeners = new Set<(e: JobEvent) => void>();
  return {
    listeners,
    subscribe(listener: (e: JobEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(e: JobEvent) {
      for (const l of listeners) l(e);
    },
  };
}

const T = new Date('2026-01-01T00:00:00Z');

function task(id: number, status: JobStatus, done: number): JobEvent {
  const t: Omit<Task, 'params'> = {
    id,
    executionId: 1,
    jobType: 'gc',
    status,
    statusMessage: null,
    priority: 0,
    attempts: 1,
    maxAttempts: 1,
    runAfter: T,
    dedupeKey: null,
    progress: { done, total: 100 },
    leaseOwner: null,
    leaseUntil: null,
    createTime: T,
    startTime: T,
    endTime: null,
    updateTime: T,
  };
  return { kind: 'task', task: t, projectId: null, vendorType: 'GARBAGE_COLLECTION' };
}

function execution(id: number, status: JobStatus, projectId: number | null = 3): JobEvent {
  const e: Execution = {
    id,
    vendorType: 'RETENTION',
    vendorId: 1,
    projectId,
    trigger: 'MANUAL',
    status,
    statusMessage: null,
    progress: { done: 0, total: 0 },
    extraAttrs: {},
    startTime: T,
    endTime: null,
    updateTime: T,
  };
  return { kind: 'execution', execution: e };
}

const progressOf = (e: LiveEvent) => (e.name === 'task' ? e.data.progress.done : undefined);

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveEventHub', () => {
  it('subscribes upstream only while someone listens', () => {
    const jobs = fakeJobs();
    const events = new EventBus(() => {});
    const hub = new LiveEventHub({ jobs, events });
    expect(jobs.listeners.size).toBe(0);
    const offA = hub.listen(() => {});
    const offB = hub.listen(() => {});
    expect(jobs.listeners.size).toBe(1);
    offA();
    offA();
    expect(jobs.listeners.size).toBe(1);
    offB();
    expect(jobs.listeners.size).toBe(0);
    const seen: LiveEvent[] = [];
    hub.listen((e) => seen.push(e));
    hub.close();
    expect(jobs.listeners.size).toBe(0);
    events.emit('tag.deleted', { repository: 'p/r', tag: 't', actor: null });
    expect(seen).toEqual([]);
  });

  it('passes registry events with the project of their repository', () => {
    const events = new EventBus(() => {});
    const hub = new LiveEventHub({ jobs: fakeJobs(), events });
    const seen: LiveEvent[] = [];
    hub.listen((e) => seen.push(e));
    events.emit('artifact.pushed', {
      repository: 'team/app/web',
      digest: 'sha256:x',
      mediaType: 'm',
      tag: 'v1',
      size: 1,
      actor: null,
    });
    events.emit('artifact.pulled', { repository: 'team/app', digest: 'sha256:x', reference: 'v1', actor: null });
    expect(seen.map((e) => [e.name, e.scope])).toEqual([['artifact.pushed', { kind: 'registry', project: 'team' }]]);
    expect(projectOf('library')).toBe('library');
  });

  it('coalesces progress of one task, keeps the latest, and passes status changes at once', () => {
    vi.useFakeTimers();
    const jobs = fakeJobs();
    const hub = new LiveEventHub({ jobs, events: new EventBus(() => {}), coalesceMs: 250 });
    const seen: LiveEvent[] = [];
    hub.listen((e) => seen.push(e));
    jobs.emit(task(1, 'Running', 1));
    for (let done = 2; done <= 50; done++) jobs.emit(task(1, 'Running', done));
    jobs.emit(task(2, 'Running', 7));
    expect(seen.map(progressOf)).toEqual([1, 7]);
    vi.advanceTimersByTime(250);
    expect(seen.map(progressOf)).toEqual([1, 7, 50]);
    jobs.emit(task(1, 'Running', 60));
    jobs.emit(task(1, 'Success', 100));
    vi.advanceTimersByTime(1000);
    // The held 60 is older than the final state and is dropped.
    expect(seen.map((e) => [progressOf(e), e.name === 'task' && e.data.status])).toEqual([
      [1, 'Running'],
      [7, 'Running'],
      [50, 'Running'],
      [100, 'Success'],
    ]);
    expect(seen.map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });

  it('replays what a reconnecting client missed, or says it cannot', () => {
    const jobs = fakeJobs();
    const hub = new LiveEventHub({ jobs, events: new EventBus(() => {}), replaySize: 3 });
    const off = hub.listen(() => {});
    for (let id = 1; id <= 5; id++) jobs.emit(execution(id, 'Running'));
    expect(hub.since(3)?.map((e) => e.id)).toEqual([4, 5]);
    expect(hub.since(2)?.map((e) => e.id)).toEqual([3, 4, 5]);
    expect(hub.since(1)).toBeUndefined();
    expect(hub.since(5)).toEqual([]);
    expect(hub.since(99)).toBeUndefined();
    // With nobody listening nothing is seen: a client from before that gap must reload.
    off();
    hub.listen(() => {});
    expect(hub.since(5)).toBeUndefined();
    jobs.emit(execution(9, 'Running'));
    expect(hub.since(hub.latestId - 1)?.length).toBe(1);
  });
});
