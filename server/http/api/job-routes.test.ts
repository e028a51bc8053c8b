import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { roleAllows } from '../../auth/rbac.js';
import type { SecurityContext } from '../../auth/security-context.js';
import { EventBus } from '../../core/events.js';
import {
  FINAL_STATUSES,
  type Execution,
  type JobEvent,
  type JobService,
  type JobStatus,
  type QueueInfo,
  type Schedule,
  type Task,
} from '../../jobs/job-types.js';
import type { MetaStore, Project } from '../../meta/meta-store.js';
import type { AuditRecord } from '../../notify/audit-writer.js';
import { MemoryDriver } from '../../storage/memory-driver.js';
import type { ApiDeps } from './api-deps.js';
import { buildApiPlugin, type ApiRouteModule } from './api-plugin.js';
import { eventStreamRoutes, type EventStreamOptions } from './event-stream-routes.js';
import { executionRoutes } from './execution-routes.js';
import { jobserviceRoutes } from './jobservice-routes.js';
import { scheduleRoutes } from './schedule-routes.js';

/**
 * The job routes against an in-memory JobService: what each caller sees and may stop, the JSON,
 * paging, the jobservice mapping, and the event stream over a real socket. The real job system is
 * exercised by test/integration/jobs-api.test.ts.
 */

const log = pino({ level: 'silent' });
const apps: FastifyInstance[] = [];
const T = new Date('2026-01-01T00:00:00Z');

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const PRIV = { id: 1, name: 'priv', public: false } as Project;
const OTHER = { id: 2, name: 'other', public: false } as Project;

/** Just enough of a job system to answer the routes. */
class FakeJobs implements Partial<JobService> {
  executions = new Map<number, Execution>();
  tasks = new Map<number, Task>();
  logs = new Map<number, string>();
  queueList: QueueInfo[] = [
    { jobType: 'gc', lane: 'background', count: 2, running: 1, concurrency: 1, paused: false, latency: 4 },
    { jobType: 'retention', lane: 'background', count: 0, running: 0, concurrency: 2, paused: false, latency: 0 },
  ];
  schedules: Schedule[] = [];
  stoppedTypes: string[] = [];
  listeners = new Set<(e: JobEvent) => void>();

  add(id: number, vendorType: string, projectId: number | null, status: JobStatus = 'Running'): Execution {
    const e: Execution = {
      id,
      vendorType,
      vendorId: id * 10,
      projectId,
      trigger: 'MANUAL',
      status,
      statusMessage: null,
      progress: { done: 0, total: 1 },
      extraAttrs: {},
      startTime: T,
      endTime: null,
      updateTime: T,
    };
    this.executions.set(id, e);
    const task: Task = {
      id: id + 1000,
      executionId: id,
      jobType: vendorType.toLowerCase(),
      status,
      statusMessage: null,
      priority: 0,
      attempts: 1,
      maxAttempts: 1,
      runAfter: T,
      dedupeKey: null,
      params: {},
      progress: { done: 0, total: 1 },
      leaseOwner: 'me',
      leaseUntil: T,
      createTime: T,
      startTime: T,
      endTime: null,
      updateTime: T,
    };
    this.tasks.set(task.id, task);
    this.logs.set(task.id, `log of task ${task.id}\n`);
    return e;
  }

  getExecution = async (id: number) => this.executions.get(id);
  getTask = async (id: number) => this.tasks.get(id);
  readLog = async (id: number) => this.logs.get(id) ?? '';

  listExecutions = async (
    f: { vendorType?: string; status?: JobStatus; projectId?: number },
    p: { page: number; pageSize: number },
  ) => {
    const all = [...this.executions.values()]
      .filter(
        (e) =>
          (f.vendorType === undefined || e.vendorType === f.vendorType) &&
          (f.status === undefined || e.status === f.status),
      )
      .filter((e) => f.projectId === undefined || e.projectId === f.projectId)
      .sort((a, b) => b.id - a.id);
    return { items: all.slice((p.page - 1) * p.pageSize, p.page * p.pageSize), total: all.length };
  };

  listTasks = async (f: { executionId?: number; status?: JobStatus }, p: { page: number; pageSize: number }) => {
    const all = [...this.tasks.values()].filter(
      (t) =>
        (f.executionId === undefined || t.executionId === f.executionId) &&
        (f.status === undefined || t.status === f.status),
    );
    return { items: all.slice((p.page - 1) * p.pageSize, p.page * p.pageSize), total: all.length };
  };

  stopExecution = async (id: number) => {
    const e = this.executions.get(id);
    if (!e || FINAL_STATUSES.includes(e.status)) return false;
    e.status = 'Stopped';
    for (const t of this.tasks.values()) if (t.executionId === id) t.status = 'Stopped';
    this.emit({ kind: 'execution', execution: e });
    return true;
  };

  stopTask = async (id: number) => {
    const t = this.tasks.get(id);
    if (!t) return false;
    t.status = 'Stopped';
    return true;
  };

  queues = async () => this.queueList.map((q) => ({ ...q }));
  stopType = async (jobType: string) => (this.stoppedTypes.push(jobType), 1);
  pauseType = async (jobType: string) => this.setPaused(jobType, true);
  resumeType = async (jobType: string) => this.setPaused(jobType, false);
  listSchedules = async () => this.schedules;

  runtime = () => ({
    poolId: 'pool-1',
    pid: 123,
    host: 'box',
    startedAt: T,
    heartbeatAt: T,
    concurrency: 3,
    running: [{ jobType: 'gc', taskId: 1001, executionId: 1, startedAt: T }],
  });

  subscribe = (listener: (e: JobEvent) => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  emit(e: JobEvent): void {
    for (const l of this.listeners) l(e);
  }

  private setPaused(jobType: string, paused: boolean): void {
    for (const q of this.queueList) if (q.jobType === jobType) q.paused = paused;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, checked by the assertions.
type Json = any;

type Who = 'anon' | 'admin' | 'dev' | 'guest' | 'outsider' | 'monitor';

/** Callers by `x-who`: dev and guest are members of priv; monitor holds system jobservice-monitor. */
function securityOf(who: Who): SecurityContext {
  const role = who === 'dev' ? 2 : who === 'guest' ? 3 : undefined;
  return {
    kind: who === 'anon' ? 'anonymous' : 'user',
    name: who,
    userId: who === 'anon' ? null : 1,
    isAuthenticated: who !== 'anon',
    isSysAdmin: who === 'admin',
    can: async (p, resource, action) => role !== undefined && p.id === PRIV.id && roleAllows(role, resource, action),
    canSystem: async (resource) => who === 'admin' || (who === 'monitor' && resource === 'jobservice-monitor'),
  };
}

interface Setup {
  app: FastifyInstance;
  jobs: FakeJobs;
  events: EventBus;
  audit: AuditRecord[];
  call(
    who: Who,
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; json: Json; text: string; headers: Record<string, unknown> }>;
}

async function setup(modules: ApiRouteModule[], lookup?: (id: number) => Promise<Project | undefined>): Promise<Setup> {
  const jobs = new FakeJobs();
  const events = new EventBus(() => {});
  const audit: AuditRecord[] = [];
  const projects = [PRIV, OTHER];
  const meta = {
    projects: {
      getById: lookup ?? (async (id: number) => projects.find((p) => p.id === id)),
      get: async (name: string) => projects.find((p) => p.name === name),
    },
  } as unknown as MetaStore;
  const deps: ApiDeps = {
    meta,
    log,
    events,
    storage: new MemoryDriver(),
    system: { version: '0', volumeDir: process.cwd(), storageProvider: 'memory' },
    audit: { record: (r: AuditRecord) => audit.push(r) } as unknown as ApiDeps['audit'],
    authenticator: undefined as unknown as ApiDeps['authenticator'],
    manifests: undefined as unknown as ApiDeps['manifests'],
    blobs: undefined as unknown as ApiDeps['blobs'],
    jobs: jobs as unknown as JobService,
  };
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, forceCloseConnections: 'idle' });
  apps.push(app);
  app.decorateRequest('security', undefined as unknown as SecurityContext);
  app.addHook('onRequest', async (req) => {
    req.security = securityOf((req.headers['x-who'] as Who | undefined) ?? 'anon');
  });
  await app.register(buildApiPlugin(deps, modules));
  await app.ready();
  return {
    app,
    jobs,
    events,
    audit,
    async call(who, method, url, body) {
      const res = await app.inject({
        method: method as 'GET',
        url: `/api/v2.0${url}`,
        headers: { 'x-who': who, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      const json = (res.headers['content-type'] ?? '').toString().includes('json') && res.body ? res.json() : undefined;
      return { status: res.statusCode, json, text: res.body, headers: res.headers };
    },
  };
}

describe('executions and tasks', () => {
  async function seeded() {
    const s = await setup([executionRoutes]);
    s.jobs.add(1, 'GARBAGE_COLLECTION', null);
    s.jobs.add(2, 'RETENTION', PRIV.id);
    s.jobs.add(3, 'RETENTION', OTHER.id);
    s.jobs.add(4, 'RETENTION', PRIV.id, 'Success');
    s.jobs.add(5, 'SOMETHING_NEW', PRIV.id);
    return s;
  }

  it('lists everything to a system administrator, paged, newest first', async () => {
    const s = await seeded();
    const res = await s.call('admin', 'GET', '/executions?page_size=2');
    expect(res.status).toBe(200);
    expect(res.json.map((e: { id: number }) => e.id)).toEqual([5, 4]);
    expect(res.headers['x-total-count']).toBe('5');
    expect(String(res.headers.link)).toContain('rel="next"');
    expect(res.json[0]).toMatchObject({ vendor_type: 'SOMETHING_NEW', project_id: 1, status: 'Running' });
  });

  it('filters by q, and refuses keys it does not know', async () => {
    const s = await seeded();
    const q = encodeURIComponent('vendor_type=RETENTION,status=Running');
    const res = await s.call('admin', 'GET', `/executions?q=${q}`);
    expect(res.json.map((e: { id: number }) => e.id)).toEqual([3, 2]);
    expect((await s.call('admin', 'GET', `/executions?q=${encodeURIComponent('owner=me')}`)).status).toBe(400);
    expect((await s.call('admin', 'GET', `/executions?q=${encodeURIComponent('status=Bogus')}`)).status).toBe(400);
    expect((await s.call('admin', 'GET', `/executions?q=${encodeURIComponent('vendor_type=~RET')}`)).status).toBe(400);
  });

  it('shows a member only what the table lets them read, with totals and paging over that', async () => {
    const s = await seeded();
    const dev = await s.call('dev', 'GET', '/executions?page_size=1&page=2');
    expect(dev.json.map((e: { id: number }) => e.id)).toEqual([2]);
    expect(dev.headers['x-total-count']).toBe('2');
    expect((await s.call('guest', 'GET', '/executions')).json).toEqual([]);
    const monitor = await s.call('monitor', 'GET', '/executions');
    expect(monitor.json.map((e: { id: number }) => e.id)).toEqual([1]);
    const filtered = `/executions?q=${encodeURIComponent(`project_id=${OTHER.id},vendor_type=RETENTION`)}`;
    expect((await s.call('dev', 'GET', filtered)).json).toEqual([]);
    expect((await s.call('anon', 'GET', '/executions')).status).toBe(401);
  });

  it('answers one execution, its tasks and their logs to those who may read them', async () => {
    const s = await seeded();
    expect((await s.call('dev', 'GET', '/executions/2')).json).toMatchObject({ id: 2, vendor_type: 'RETENTION' });
    expect((await s.call('dev', 'GET', '/executions/3')).status).toBe(403);
    expect((await s.call('dev', 'GET', '/executions/1')).status).toBe(403);
    expect((await s.call('anon', 'GET', '/executions/2')).status).toBe(401);
    expect((await s.call('admin', 'GET', '/executions/99')).status).toBe(404);
    expect((await s.call('admin', 'GET', '/executions/abc')).status).toBe(400);
    const tasks = await s.call('dev', 'GET', `/executions/2/tasks?q=${encodeURIComponent('status=Running')}`);
    expect(tasks.json).toEqual([expect.objectContaining({ id: 1002, execution_id: 2, job_type: 'retention' })]);
    expect(tasks.headers['x-total-count']).toBe('1');
    expect((await s.call('dev', 'GET', '/tasks/1002')).json).toMatchObject({ id: 1002, status: 'Running' });
    expect((await s.call('dev', 'GET', '/tasks/1003')).status).toBe(403);
    const logText = await s.call('dev', 'GET', '/tasks/1002/log');
    expect(logText.status).toBe(200);
    expect(logText.headers['content-type']).toMatch(/^text\/plain/);
    expect(logText.text).toBe('log of task 1002\n');
    expect((await s.call('admin', 'GET', '/tasks/5555/log')).status).toBe(404);
  });

  it('stops an execution or a task with the stop permission, and records who did', async () => {
    const s = await seeded();
    expect((await s.call('guest', 'PUT', '/executions/2', { action: 'stop' })).status).toBe(403);
    expect((await s.call('dev', 'PUT', '/executions/2', {})).status).toBe(400);
    expect((await s.call('dev', 'PUT', '/executions/2', { action: 'pause' })).status).toBe(400);
    expect((await s.call('dev', 'PUT', '/executions/2', { action: 'explode' })).status).toBe(422);
    expect(s.jobs.executions.get(2)?.status).toBe('Running');
    expect((await s.call('dev', 'PUT', '/executions/2', { action: 'stop' })).status).toBe(200);
    expect((await s.call('dev', 'GET', '/executions/2')).json.status).toBe('Stopped');
    expect(s.audit).toEqual([
      expect.objectContaining({ username: 'dev', operation: 'stop', resource: 'execution 2', project: 'priv' }),
    ]);
    expect((await s.call('dev', 'PUT', '/tasks/1005', { action: 'stop' })).status).toBe(403);
    expect((await s.call('admin', 'PUT', '/tasks/1005', { action: 'stop' })).status).toBe(200);
    expect(s.jobs.tasks.get(1005)?.status).toBe('Stopped');
  });
});

describe("Harbor's jobservice and schedule operations", () => {
  it('are for holders of system jobservice-monitor', async () => {
    const s = await setup([jobserviceRoutes, scheduleRoutes]);
    for (const url of ['/jobservice/pools', '/jobservice/pools/all/workers', '/jobservice/queues', '/schedules']) {
      expect((await s.call('anon', 'GET', url)).status).toBe(401);
      expect((await s.call('dev', 'GET', url)).status).toBe(403);
      expect((await s.call('monitor', 'GET', url)).status).toBe(200);
    }
    expect((await s.call('dev', 'PUT', '/jobservice/queues/all', { action: 'pause' })).status).toBe(403);
  });

  it('show this process as the one pool and its workers', async () => {
    const s = await setup([jobserviceRoutes]);
    expect((await s.call('admin', 'GET', '/jobservice/pools')).json).toEqual([
      expect.objectContaining({ worker_pool_id: 'pool-1', pid: 123, concurrency: 3 }),
    ]);
    const workers = (await s.call('admin', 'GET', '/jobservice/pools/pool-1/workers')).json;
    expect(workers).toHaveLength(3);
    expect(workers[0]).toMatchObject({ job_id: '1001', job_name: 'gc' });
    expect((await s.call('admin', 'GET', '/jobservice/pools/elsewhere/workers')).status).toBe(404);
  });

  it('stop a job and read its log by task id', async () => {
    const s = await setup([jobserviceRoutes]);
    s.jobs.add(1, 'GARBAGE_COLLECTION', null);
    expect((await s.call('admin', 'GET', '/jobservice/jobs/1001/log')).text).toBe('log of task 1001\n');
    expect((await s.call('admin', 'GET', '/jobservice/jobs/nope/log')).status).toBe(404);
    expect((await s.call('monitor', 'PUT', '/jobservice/jobs/1001', {})).status).toBe(200);
    expect(s.jobs.tasks.get(1001)?.status).toBe('Stopped');
    expect((await s.call('admin', 'PUT', '/jobservice/jobs/42', {})).status).toBe(404);
  });

  it('pause, resume and stop queues, one (any case) or all', async () => {
    const s = await setup([jobserviceRoutes, scheduleRoutes]);
    const paused = async () => (await s.call('admin', 'GET', '/schedules/all/paused')).json.paused;
    expect((await s.call('admin', 'PUT', '/jobservice/queues/GC', { action: 'pause' })).status).toBe(200);
    expect((await s.call('admin', 'GET', '/jobservice/queues')).json).toEqual([
      { job_type: 'gc', count: 2, latency: 4, paused: true },
      { job_type: 'retention', count: 0, latency: 0, paused: false },
    ]);
    expect(await paused()).toBe(false);
    await s.call('admin', 'PUT', '/jobservice/queues/all', { action: 'pause' });
    expect(await paused()).toBe(true);
    await s.call('admin', 'PUT', '/jobservice/queues/all', { action: 'resume' });
    expect(await paused()).toBe(false);
    await s.call('admin', 'PUT', '/jobservice/queues/retention', { action: 'stop' });
    expect(s.jobs.stoppedTypes).toEqual(['retention']);
    expect((await s.call('admin', 'PUT', '/jobservice/queues/nope', { action: 'stop' })).status).toBe(404);
    expect((await s.call('admin', 'PUT', '/jobservice/queues/all', {})).status).toBe(400);
    expect((await s.call('admin', 'PUT', '/jobservice/queues/all', { action: 'halt' })).status).toBe(422);
    expect(s.audit.map((a) => `${a.operation} ${a.resource}`)).toEqual([
      'pause gc',
      'pause all (2)',
      'resume all (2)',
      'stop retention',
    ]);
  });

  it('list schedules paged; the paused status takes only "all"', async () => {
    const s = await setup([scheduleRoutes]);
    for (let id = 1; id <= 3; id++) {
      s.jobs.schedules.push({
        id,
        vendorType: 'GARBAGE_COLLECTION',
        vendorId: -1,
        cron: '0 0 1 * * *',
        callback: 'gc',
        params: {},
        nextRun: null,
        createTime: T,
        updateTime: T,
      });
    }
    const res = await s.call('admin', 'GET', '/schedules?page=2&page_size=2');
    expect(res.json).toEqual([
      expect.objectContaining({ id: 3, vendor_type: 'GARBAGE_COLLECTION', cron: '0 0 1 * * *' }),
    ]);
    expect(res.headers['x-total-count']).toBe('3');
    expect((await s.call('dev', 'GET', '/schedules/all/paused')).status).toBe(200);
    expect((await s.call('anon', 'GET', '/schedules/all/paused')).status).toBe(401);
    expect((await s.call('admin', 'GET', '/schedules/gc/paused')).status).toBe(400);
  });
});

describe('the event stream', () => {
  interface Received {
    event: string;
    id?: string;
    data: Json;
  }

  /** Reads server-sent events from `url` until `until` says stop, the stream ends, or `ms` pass. */
  async function open(base: string, who: Who, options: { lastEventId?: string; query?: string } = {}) {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v2.0/events${options.query ?? ''}`, {
      headers: { 'x-who': who, ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}) },
      signal: controller.signal,
    });
    const received: Received[] = [];
    const comments: string[] = [];
    let ended = false;
    let retry: string | undefined;
    const done = (async () => {
      if (!res.body) return;
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else {
                const colon = line.indexOf(':');
                fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
              }
            }
            if (fields.retry) retry = fields.retry;
            if (fields.event) {
              received.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data ?? 'null') });
            }
          }
        }
      } catch {
        // Aborted by the test, or cut by the server.
      }
      ended = true;
    })();
    return {
      res,
      received,
      comments,
      get retry() {
        return retry;
      },
      get ended() {
        return ended;
      },
      done,
      close: () => controller.abort(),
      async waitFor(check: () => boolean, ms = 3000) {
        const until = Date.now() + ms;
        while (!check()) {
          if (Date.now() > until) throw new Error(`timed out; received ${JSON.stringify(received)}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
    };
  }

  async function serve(options: EventStreamOptions = {}, lookup?: (id: number) => Promise<Project | undefined>) {
    const s = await setup([eventStreamRoutes({ coalesceMs: 0, ...options })], lookup);
    const base = await s.app.listen({ host: '127.0.0.1', port: 0 });
    return { ...s, base };
  }

  const pushed = (repository: string, tag: string) => ({
    repository,
    digest: 'sha256:abc',
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    tag,
    size: 10,
    actor: { name: 'dev', clientIp: null },
  });

  it('refuses anonymous callers before the stream starts', async () => {
    const s = await serve();
    const res = await fetch(`${s.base}/api/v2.0/events`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [expect.objectContaining({ code: 'UNAUTHORIZED' })] });
  });

  it('sends each caller the job and registry events they may read, in order', async () => {
    const s = await serve();
    const dev = await open(s.base, 'dev');
    const outsider = await open(s.base, 'outsider');
    expect(dev.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await dev.waitFor(() => dev.retry !== undefined && s.jobs.listeners.size === 1);
    await outsider.waitFor(() => outsider.retry !== undefined);
    s.jobs.emit({ kind: 'execution', execution: s.jobs.add(1, 'GARBAGE_COLLECTION', null) });
    s.jobs.emit({ kind: 'execution', execution: s.jobs.add(2, 'RETENTION', OTHER.id) });
    s.events.emit('artifact.pushed', pushed('other/app', 'x'));
    const mine = s.jobs.add(3, 'RETENTION', PRIV.id);
    s.jobs.emit({ kind: 'execution', execution: mine });
    const { params: _params, ...task } = s.jobs.tasks.get(1003)!;
    s.jobs.emit({ kind: 'task', task, projectId: PRIV.id, vendorType: 'RETENTION' });
    s.events.emit('artifact.pushed', pushed('priv/app', 'v1'));
    s.events.emit('tag.deleted', { repository: 'priv/app', tag: 'old', actor: null });
    await dev.waitFor(() => dev.received.length >= 4);
    expect(dev.received.map((r) => r.event)).toEqual(['execution', 'task', 'artifact.pushed', 'tag.deleted']);
    expect(dev.received[0]?.data).toMatchObject({ id: 3, vendor_type: 'RETENTION', project_id: PRIV.id });
    expect(dev.received[1]?.data).toMatchObject({ id: 1003, execution_id: 3 });
    expect(dev.received[2]?.data).toEqual({
      repository: 'priv/app',
      project_name: 'priv',
      digest: 'sha256:abc',
      tag: 'v1',
      media_type: 'application/vnd.oci.image.manifest.v1+json',
      size: 10,
    });
    // The outsider's stream is open and fed, but nothing of theirs happened.
    await new Promise((r) => setTimeout(r, 50));
    expect(outsider.received).toEqual([]);
    dev.close();
    outsider.close();
    await Promise.all([dev.done, outsider.done]);
    await dev.waitFor(() => s.jobs.listeners.size === 0);
  });

  it('sends heartbeats, ends after its lifetime, and resumes from Last-Event-ID', async () => {
    const s = await serve({ heartbeatMs: 20 });
    const first = await open(s.base, 'admin');
    await first.waitFor(() => first.comments.includes('ping'));
    s.events.emit('tag.deleted', { repository: 'priv/app', tag: 'a', actor: null });
    await first.waitFor(() => first.received.length === 1);
    const lastId = first.received[0]?.id;
    // Still one listener, so the hub remembers what happens while the client is away.
    const other = await open(s.base, 'admin');
    first.close();
    await first.done;
    s.events.emit('tag.deleted', { repository: 'priv/app', tag: 'b', actor: null });
    const resumed = await open(s.base, 'admin', { lastEventId: lastId! });
    await resumed.waitFor(() => resumed.received.length === 1);
    expect(resumed.received[0]?.data.tag).toBe('b');
    const stale = await open(s.base, 'admin', { lastEventId: 'another-run.5' });
    await stale.waitFor(() => stale.received.length === 1);
    expect(stale.received[0]?.event).toBe('reset');
    const brief = await open(s.base, 'admin', { query: '?lifetime=0' });
    await brief.done;
    expect(brief.ended).toBe(true);
    for (const c of [other, resumed, stale]) c.close();
  });

  it('drops a client whose events pile up unchecked instead of queueing without bound', async () => {
    // A project lookup that never answers holds every job event at its check.
    const s = await serve({ maxQueued: 2 }, () => new Promise(() => {}));
    const dev = await open(s.base, 'dev');
    await dev.waitFor(() => s.jobs.listeners.size === 1);
    for (let id = 1; id <= 4; id++) s.jobs.emit({ kind: 'execution', execution: s.jobs.add(id, 'RETENTION', 1) });
    await dev.done;
    expect(dev.ended).toBe(true);
    await dev.waitFor(() => s.jobs.listeners.size === 0);
  });

  it('ends open streams when the server closes, without waiting for clients', async () => {
    const s = await serve();
    const dev = await open(s.base, 'dev');
    await dev.waitFor(() => s.jobs.listeners.size === 1);
    await s.app.close();
    await dev.done;
    expect(dev.ended).toBe(true);
    expect(s.jobs.listeners.size).toBe(0);
  });
});
