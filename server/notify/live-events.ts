import type { DomainEvents, EventBus } from '../core/events.js';
import { FINAL_STATUSES, type Execution, type JobEvent, type JobService, type Task } from '../jobs/job-types.js';

/**
 * The feed behind the GUI's live updates (`GET /api/v2.0/events`): execution and task changes from
 * the job system and the registry's domain events, numbered in one sequence. The hub subscribes
 * upstream only while someone listens, and drops every subscription when the last listener leaves
 * or it is closed, so connections come and go without leaking listeners.
 *
 * Progress bursts are coalesced: an execution or task whose status is unchanged is passed on at
 * most once per `coalesceMs` (the latest state wins); a status change passes at once, after any
 * held update of the same object is dropped (it is older). The last `replaySize` events are kept so
 * a reconnecting client (`Last-Event-ID`) misses nothing while it was away briefly.
 *
 * Framework-free: authorisation and serialisation are the HTTP layer's.
 */

/** What each event carries. */
export interface LiveEventData {
  execution: Execution;
  task: Omit<Task, 'params'>;
  'artifact.pushed': DomainEvents['artifact.pushed'];
  'artifact.deleted': DomainEvents['artifact.deleted'];
  'tag.deleted': DomainEvents['tag.deleted'];
}

export type LiveEventName = keyof LiveEventData;

/** Who an event concerns, for the listener's authorisation check. */
export type LiveEventScope =
  { kind: 'job'; projectId: number | null; vendorType: string } | { kind: 'registry'; project: string };

export type LiveEvent = {
  [N in LiveEventName]: { id: number; name: N; data: LiveEventData[N]; scope: LiveEventScope };
}[LiveEventName];

export type LiveListener = (event: LiveEvent) => void;

export interface LiveEventHubOptions {
  jobs: Pick<JobService, 'subscribe'>;
  events: Pick<EventBus, 'on'>;
  /** Least time between two updates of one execution or task with the same status. */
  coalesceMs?: number;
  /** Events kept for replay. */
  replaySize?: number;
  /** A listener threw; it stays subscribed (the HTTP layer drops connections itself). */
  onListenerError?: (err: unknown) => void;
}

const REGISTRY_EVENTS = ['artifact.pushed', 'artifact.deleted', 'tag.deleted'] as const;
const FINAL: ReadonlySet<string> = new Set<string>(FINAL_STATUSES);
/** Objects whose last status is remembered for coalescing; cleared wholesale beyond this. */
const MAX_TRACKED = 10_000;

interface Tracked {
  status: string;
  sentAt: number;
  held?: Omit<LiveEvent, 'id'>;
  timer?: NodeJS.Timeout;
}

export class LiveEventHub {
  private readonly listeners = new Set<LiveListener>();
  private readonly replay: LiveEvent[] = [];
  private readonly tracked = new Map<string, Tracked>();
  private unsubscribe: (() => void)[] = [];
  private lastId = 0;
  /** Events up to this id may be missing from `replay` (forgotten, or never seen while unsubscribed). */
  private forgottenThrough = 0;
  private closed = false;
  /** Tells this hub's ids from another process's (or another hub's): ids restart at 1. */
  readonly epoch = Math.random().toString(36).slice(2, 10);
  private readonly coalesceMs: number;
  private readonly replaySize: number;

  constructor(private readonly options: LiveEventHubOptions) {
    this.coalesceMs = options.coalesceMs ?? 250;
    this.replaySize = options.replaySize ?? 256;
  }

  /** Listeners now connected. */
  get size(): number {
    return this.listeners.size;
  }

  /** The id of the latest event (0 before any). */
  get latestId(): number {
    return this.lastId;
  }

  /** Adds a listener; returns the function that removes it. */
  listen(listener: LiveListener): () => void {
    if (this.closed) return () => {};
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.subscribeUpstream();
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.unsubscribeUpstream();
    };
  }

  /**
   * The kept events after `id`, oldest first; undefined when events after it have already been
   * forgotten (the client should reload what it shows).
   */
  since(id: number): LiveEvent[] | undefined {
    if (!Number.isSafeInteger(id) || id < this.forgottenThrough || id > this.lastId) return undefined;
    return this.replay.filter((e) => e.id > id);
  }

  /** Removes every listener and upstream subscription; later `listen` calls do nothing. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.unsubscribeUpstream();
  }

  private subscribeUpstream(): void {
    this.unsubscribe.push(this.options.jobs.subscribe((e) => this.onJobEvent(e)));
    for (const name of REGISTRY_EVENTS) {
      this.unsubscribe.push(
        this.options.events.on(name, (data) =>
          this.publish({ name, data, scope: { kind: 'registry', project: projectOf(data.repository) } } as Omit<
            LiveEvent,
            'id'
          >),
        ),
      );
    }
  }

  private unsubscribeUpstream(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    // Nothing is seen until the next listener comes: an id stands for the gap, so a client that left
    // before it is told to reload.
    this.replay.length = 0;
    this.forgottenThrough = ++this.lastId;
    for (const t of this.tracked.values()) clearTimeout(t.timer);
    this.tracked.clear();
  }

  private onJobEvent(e: JobEvent): void {
    if (e.kind === 'execution') {
      const x = e.execution;
      const scope: LiveEventScope = { kind: 'job', projectId: x.projectId, vendorType: x.vendorType };
      this.coalesce(`e${x.id}`, x.status, { name: 'execution', data: x, scope });
    } else {
      const scope: LiveEventScope = { kind: 'job', projectId: e.projectId, vendorType: e.vendorType };
      this.coalesce(`t${e.task.id}`, e.task.status, { name: 'task', data: e.task, scope });
    }
  }

  private coalesce(key: string, status: string, event: Omit<LiveEvent, 'id'>): void {
    const now = Date.now();
    const t = this.tracked.get(key);
    if (!t || t.status !== status || now - t.sentAt >= this.coalesceMs) {
      if (t) clearTimeout(t.timer);
      if (FINAL.has(status)) this.tracked.delete(key);
      else {
        if (!t && this.tracked.size >= MAX_TRACKED) this.forgetTracked();
        this.tracked.set(key, { status, sentAt: now });
      }
      this.publish(event);
      return;
    }
    t.held = event;
    t.timer ??= setTimeout(
      () => {
        t.timer = undefined;
        const held = t.held;
        t.held = undefined;
        if (!held || this.tracked.get(key) !== t) return;
        t.sentAt = Date.now();
        this.publish(held);
      },
      this.coalesceMs - (now - t.sentAt),
    ).unref();
  }

  private forgetTracked(): void {
    // Held updates are flushed rather than lost; a task that never finished is simply forgotten.
    for (const t of this.tracked.values()) {
      clearTimeout(t.timer);
      if (t.held) this.publish(t.held);
    }
    this.tracked.clear();
  }

  private publish(event: Omit<LiveEvent, 'id'>): void {
    const numbered = { ...event, id: ++this.lastId } as LiveEvent;
    this.replay.push(numbered);
    if (this.replay.length > this.replaySize) this.forgottenThrough = (this.replay.shift() as LiveEvent).id;
    for (const listener of this.listeners) {
      try {
        listener(numbered);
      } catch (err) {
        this.options.onListenerError?.(err);
      }
    }
  }
}

/** The project of a repository: its first path component. */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}
