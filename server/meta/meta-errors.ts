/**
 * Failures of the metadata store itself, as opposed to domain outcomes (`NotFound`, `Conflict`, ...).
 * Any implementation throws these instead of its driver's errors, so callers never see a dialect's
 * error type. The HTTP layer treats them as internal errors; `reason` lets it (or a retry loop) tell a
 * transient `busy` apart from a broken or closed store.
 */
export type MetaStoreFailure =
  /** Another writer held the database lock for longer than the busy timeout; retrying may succeed. */
  | 'busy'
  /** The store was used after `close()`. */
  | 'closed'
  /** The database's schema cannot be used by this build (newer, or a diverging migration history). */
  | 'schema'
  /** Anything else the driver reported (I/O error, corruption, ...). */
  | 'failure';

export class MetaStoreError extends Error {
  constructor(
    readonly reason: MetaStoreFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MetaStoreError';
  }
}
