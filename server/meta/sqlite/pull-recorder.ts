/** One recorded pull, coalesced: the latest time per (repository, digest, tag). */
export interface PendingPull {
  repository: string;
  digest: string;
  /** The tag the client pulled by, when it pulled by tag. */
  tag: string | null;
  at: number;
  /** How many pulls this entry stands for (merged entries add up). */
  count: number;
}

/**
 * Batches pull times in memory and writes them at most once per interval (and on close).
 *
 * Manifest GETs are the hottest path; a synchronous fsynced write per pull would cap pull throughput
 * at the disk's fsync rate. Pull times are informational (retention rules, GUI), so losing at most
 * one interval's worth on a crash is the right trade.
 */
export class PullRecorder {
  private pending = new Map<string, PendingPull>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly write: (pulls: PendingPull[]) => void,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 1000,
  ) {}

  record(pull: PendingPull): void {
    if (this.closed) return;
    this.merge(pull);
    this.schedule();
  }

  /** Writes what is pending now. A failed batch is kept for the next attempt (unless closing). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      this.write(batch);
    } catch (err) {
      this.onError(err);
      if (!this.closed) {
        // Newer pulls recorded meanwhile win in merge(); the batch is bounded by distinct artifacts.
        for (const pull of batch) this.merge(pull);
        this.schedule();
      }
    }
  }

  /** Final flush; later records are ignored. */
  close(): void {
    this.closed = true;
    this.flush();
  }

  private merge(pull: PendingPull): void {
    const key = `${pull.repository}\0${pull.digest}\0${pull.tag ?? ''}`;
    const known = this.pending.get(key);
    if (!known) this.pending.set(key, pull);
    else this.pending.set(key, { ...(known.at < pull.at ? pull : known), count: known.count + pull.count });
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    // Pending pull times must not keep a finished process alive; close() flushes them.
    this.timer.unref();
  }
}
