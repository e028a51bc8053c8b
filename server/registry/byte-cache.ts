/**
 * A small LRU of immutable byte strings keyed by digest, bounded by total bytes. Content-addressed
 * entries never go stale, so there is no invalidation beyond eviction and explicit deletes.
 */
export class ByteCache {
  readonly #entries = new Map<string, Buffer>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const value = this.#entries.get(key);
    if (value) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.maxBytes / 4) return;
    this.delete(key);
    this.#entries.set(key, value);
    this.#bytes += value.length;
    for (const [oldest, buf] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= buf.length;
    }
  }

  delete(key: string): void {
    const value = this.#entries.get(key);
    if (value) {
      this.#entries.delete(key);
      this.#bytes -= value.length;
    }
  }

  get size(): number {
    return this.#bytes;
  }
}
