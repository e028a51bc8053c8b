import { EventEmitter } from 'node:events';

/**
 * Domain events, emitted after the change they describe has been committed. Listeners (audit,
 * webhooks, scan-on-push, replication, GUI live updates) react to them; none of them sits in the
 * request path, so a slow or failing listener never slows or fails a push.
 */
export interface DomainEvents {
  'artifact.pushed': {
    repository: string;
    digest: string;
    mediaType: string;
    tag: string | null;
    size: number;
    actor: Actor | null;
  };
  'artifact.deleted': { repository: string; digest: string; actor: Actor | null };
  'tag.deleted': { repository: string; tag: string; actor: Actor | null };
  'blob.uploaded': { repository: string; digest: string; size: number; mounted: boolean };
  'artifact.pulled': { repository: string; digest: string; reference: string; actor: Actor | null };
}

/** Who caused an event, for the audit log and webhooks: a username, `robot$...` or `anonymous`. */
export interface Actor {
  name: string;
  clientIp: string | null;
}

export type DomainEventName = keyof DomainEvents;

export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  readonly #onListenerError: (err: unknown, event: DomainEventName) => void;

  constructor(onListenerError: (err: unknown, event: DomainEventName) => void) {
    this.#onListenerError = onListenerError;
    this.#emitter.setMaxListeners(50);
  }

  on<E extends DomainEventName>(event: E, listener: (payload: DomainEvents[E]) => void | Promise<void>): () => void {
    const wrapped = (payload: DomainEvents[E]) => {
      try {
        const result = listener(payload);
        if (result && typeof result.then === 'function') result.catch((err) => this.#onListenerError(err, event));
      } catch (err) {
        this.#onListenerError(err, event);
      }
    };
    this.#emitter.on(event, wrapped);
    return () => this.#emitter.off(event, wrapped);
  }

  /** Cheap when nobody listens, which keeps the pull path free of work. */
  emit<E extends DomainEventName>(event: E, payload: DomainEvents[E]): void {
    if (this.#emitter.listenerCount(event) > 0) this.#emitter.emit(event, payload);
  }
}
