import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { Invalid } from '../../core/errors.js';
import type { MetaStore } from '../../meta/meta-store.js';
import { LiveEventHub, projectOf, type LiveEvent } from '../../notify/live-events.js';
import type { ApiRouteModule } from './api-plugin.js';
import { toExecutionJson, toTaskJson } from './execution-json.js';
import { requireAuthenticated } from './guards.js';
import { jobAccess, type JobAccess } from './job-permissions.js';

/**
 * `GET /api/v2.0/events`: Berth's live feed for the GUI, as server-sent events (`text/event-stream`).
 *
 * Events: `execution` and `task` (the JSON of `/executions` and `/tasks`), `artifact.pushed`,
 * `artifact.deleted` and `tag.deleted` (repository, project name, digest, tag...), and `reset` when
 * the client asked to resume (`Last-Event-ID`) from a point the server no longer remembers, so it
 * should reload what it shows. Every event goes only to callers who may read it: job events by the
 * table of `job-permissions.ts`, registry events by read access to the repository's project.
 *
 * The stream authenticates like any API request (session cookie or basic credentials) before it
 * starts, so a refused caller gets the usual 401/403 envelope. Then: a `retry:` hint, a comment every
 * `heartbeatMs` so proxies keep the connection, and an end after `lifetime` seconds (at most
 * `maxLifetimeMs`; EventSource reconnects by itself) so a revoked role or an expired session takes
 * effect. A client that does not read fast enough (more than `maxBufferedBytes` unsent, or more than
 * `maxQueued` events waiting for their check) is disconnected rather than buffered without bound;
 * it reconnects and resumes from its last event id.
 */

export interface EventStreamOptions {
  heartbeatMs?: number;
  /** The reconnection delay suggested to clients. */
  retryMs?: number;
  maxLifetimeMs?: number;
  maxBufferedBytes?: number;
  maxQueued?: number;
  /** Least time between two progress updates of one execution or task. */
  coalesceMs?: number;
}

const DEFAULTS: Required<EventStreamOptions> = {
  heartbeatMs: 15_000,
  retryMs: 3_000,
  maxLifetimeMs: 300_000,
  maxBufferedBytes: 1024 * 1024,
  maxQueued: 1_000,
  coalesceMs: 250,
};

export function eventStreamRoutes(options: EventStreamOptions = {}): ApiRouteModule {
  const settings = { ...DEFAULTS, ...options };
  return (app, deps) => {
    const hub = new LiveEventHub({
      jobs: deps.jobs,
      events: deps.events,
      coalesceMs: settings.coalesceMs,
      onListenerError: (err) => deps.log.warn({ err }, 'live event listener failed'),
    });
    const connections = new Set<EventStream>();
    const serialized = new WeakMap<LiveEvent, string>();
    const frame = (e: LiveEvent) => {
      let text = serialized.get(e);
      if (text === undefined) {
        text = `id: ${hub.epoch}.${e.id}\nevent: ${e.name}\ndata: ${JSON.stringify(liveEventJson(e))}\n\n`;
        serialized.set(e, text);
      }
      return text;
    };

    // Before the server stops accepting: open streams would otherwise hold `close()` until its timeout.
    app.addHook('preClose', async () => {
      for (const c of [...connections]) c.close();
      hub.close();
    });

    app.get<{ Querystring: { lifetime?: string | string[] } }>('/events', async (req, reply) => {
      requireAuthenticated(req);
      const lifetimeMs = parseLifetime(req.query.lifetime, settings.maxLifetimeMs);
      const resumeFrom = parseLastEventId(req.headers['last-event-id'], hub.epoch);
      const stream = new EventStream(reply.raw, {
        ...settings,
        lifetimeMs,
        access: jobAccess(req, deps.meta),
        meta: deps.meta,
        log: req.log,
        frame,
        onClose: () => connections.delete(stream),
      });
      connections.add(stream);
      reply.hijack();
      stream.start(hub, resumeFrom, req.id);
    });
  };
}

/** The JSON each event carries. */
export function liveEventJson(e: LiveEvent): unknown {
  switch (e.name) {
    case 'execution':
      return toExecutionJson(e.data);
    case 'task':
      return toTaskJson(e.data);
    case 'artifact.pushed':
      return {
        repository: e.data.repository,
        project_name: projectOf(e.data.repository),
        digest: e.data.digest,
        tag: e.data.tag,
        media_type: e.data.mediaType,
        size: e.data.size,
      };
    case 'artifact.deleted':
      return { repository: e.data.repository, project_name: projectOf(e.data.repository), digest: e.data.digest };
    case 'tag.deleted':
      return { repository: e.data.repository, project_name: projectOf(e.data.repository), tag: e.data.tag };
  }
}

/** `?lifetime=` in seconds, 0 to the maximum (a stream that ends at once is handy for scripts). */
export function parseLifetime(raw: string | string[] | undefined, maxMs: number): number {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return maxMs;
  if (!/^\d{1,9}$/.test(value)) throw new Invalid('NAME_INVALID', 'lifetime must be a number of seconds');
  return Math.min(Number(value) * 1000, maxMs);
}

/**
 * Where a reconnecting client left off: `<epoch>.<n>` as this hub numbers events. Undefined for a
 * fresh connection; `'unknown'` for an id of another server run (or garbage): the client must reload.
 */
export function parseLastEventId(raw: string | string[] | undefined, epoch: string): number | 'unknown' | undefined {
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (value === undefined || value === '') return undefined;
  const dot = value.lastIndexOf('.');
  const n = Number(value.slice(dot + 1));
  if (dot < 0 || value.slice(0, dot) !== epoch || !Number.isSafeInteger(n) || n < 0) return 'unknown';
  return n;
}

interface EventStreamSettings extends Required<EventStreamOptions> {
  lifetimeMs: number;
  access: JobAccess;
  meta: Pick<MetaStore, 'projects'>;
  log: FastifyBaseLogger;
  frame: (e: LiveEvent) => string;
  onClose: () => void;
}

/** One client's stream: events are checked in order, one at a time, then written. */
class EventStream {
  private readonly queue: LiveEvent[] = [];
  private pumping = false;
  private closed = false;
  private off: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly settings: EventStreamSettings,
  ) {}

  start(hub: LiveEventHub, resumeFrom: number | 'unknown' | undefined, requestId: string): void {
    const { res, settings } = this;
    res.on('close', () => this.close());
    res.on('error', () => this.close());
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies would otherwise buffer the stream.
      'x-accel-buffering': 'no',
      'x-request-id': requestId,
    });
    this.write(`retry: ${settings.retryMs}\n: berth live events\n\n`);
    // Listen first, then take the replay: both are synchronous, so nothing falls between them.
    this.off = hub.listen((e) => this.enqueue(e));
    if (resumeFrom !== undefined) {
      const missed = resumeFrom === 'unknown' ? undefined : hub.since(resumeFrom);
      if (missed === undefined) this.write('event: reset\ndata: {}\n\n');
      else for (const e of missed) this.enqueue(e);
    }
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), settings.heartbeatMs).unref();
    this.expiry = setTimeout(() => this.close(), settings.lifetimeMs).unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.off?.();
    clearInterval(this.heartbeat);
    clearTimeout(this.expiry);
    this.queue.length = 0;
    if (!this.res.destroyed) this.res.end();
    this.settings.onClose();
  }

  private enqueue(e: LiveEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.settings.maxQueued) {
      this.settings.log.debug({ queued: this.queue.length }, 'event stream dropped: client too slow');
      this.drop();
      return;
    }
    this.queue.push(e);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const e = this.queue.shift() as LiveEvent;
        if (await this.visible(e)) this.write(this.settings.frame(e));
      }
    } finally {
      this.pumping = false;
    }
  }

  private async visible(e: LiveEvent): Promise<boolean> {
    const { access, meta } = this.settings;
    try {
      if (e.scope.kind === 'job') return await access.can(e.scope, 'read');
      return await access.canSeeRegistry(e.scope.project, (name) => meta.projects.get(name));
    } catch (err) {
      this.settings.log.warn({ err, event: e.name }, 'live event check failed');
      return false;
    }
  }

  private write(text: string): void {
    if (this.closed || this.res.destroyed) return;
    this.res.write(text);
    if (this.res.writableLength > this.settings.maxBufferedBytes) {
      this.settings.log.debug({ buffered: this.res.writableLength }, 'event stream dropped: client too slow');
      this.drop();
    }
  }

  /** Cuts a slow client off at once: ending politely would wait for the very buffer that is full. */
  private drop(): void {
    this.res.destroy();
    this.close();
  }
}
