/**
 * Runs async work one at a time per key, in arrival order. Different keys never wait for each other.
 * The lock lives in this process only: it orders the requests one instance serves, not a cluster.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      // The last holder removes the entry so idle keys cost nothing.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with work running or queued, for tests and diagnostics. */
  get size(): number {
    return this.#tails.size;
  }
}
